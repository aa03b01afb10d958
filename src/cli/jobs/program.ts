/**
 * `s3batch jobs …`: the job commands, over the public APIs only (S3 Control, S3, STS), so they
 * work the same against a local server, a remote s3batch and AWS. Options common to every
 * command (endpoint, account, credentials, output) are read by `withConnection`.
 */
import { Command, Option } from 'commander';
import { connect, type Connection, type ConnectionOptions } from '../../client/connection.js';
import { explain } from '../errors.js';
import { createOutput, type Output } from '../output.js';
import { describeCommand, listCommand, priorityCommand, reportCommand, rerunCommand, statusCommand, tagsCommand, type RerunFlags } from './commands.js';
import { createCommand, type CreateFlags } from './create.js';
import type { WatchOptions } from './watch.js';

interface CommonFlags extends ConnectionOptions {
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly color?: boolean;
  readonly interval?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Runs a command with its connection and output; returns the exit code (errors explained, not thrown). */
async function run(command: Command, body: (conn: Connection, out: Output, watch: WatchOptions) => Promise<number>, jobId?: string): Promise<number> {
  const flags = command.optsWithGlobals<CommonFlags>();
  const out = createOutput({ json: flags.json ?? false, ...(flags.color === false ? { color: false } : {}) });
  let conn: Connection | undefined;
  try {
    conn = connect(flags);
    const seconds = flags.interval !== undefined ? Number(flags.interval) : undefined;
    const watch: WatchOptions = {
      pollMs: Math.max(100, Math.min(1000, (seconds ?? 1) * 1000)),
      lineEveryMs: seconds !== undefined && seconds > 0 ? seconds * 1000 : 3000,
    };
    return await body(conn, out, watch);
  } catch (err) {
    // The key that was refused, wherever it came from (flag, environment, profile).
    const accessKeyId = flags.accessKeyId ?? (await conn?.control.config.credentials().then((c) => c.accessKeyId, () => undefined));
    const { message, exitCode } = explain(err, {
      endpoint: conn?.endpoint ?? flags.endpoint ?? 'the endpoint',
      isDefaultLocal: conn?.isDefaultLocal ?? false,
      ...(accessKeyId !== undefined ? { accessKeyId } : {}),
      ...(jobId !== undefined ? { jobId } : {}),
    });
    process.stderr.write(`s3batch: ${message}\n`);
    if (flags.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCode;
  } finally {
    conn?.destroy();
  }
}

function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

export function jobsProgram(setExit: (code: number) => void): Command {
  const jobs = new Command('jobs')
    .description('create, follow and steer batch jobs (S3 Control jobs API)')
    .option('--endpoint <url>', 'the jobs endpoint: an s3batch URL, or "aws" (default: S3BATCH_ENDPOINT, AWS_ENDPOINT_URL_S3_CONTROL, http://127.0.0.1:9090)')
    .option('--s3-endpoint <url>', 'where manifests and reports are read and written, when not the jobs endpoint (default: AWS_ENDPOINT_URL_S3, then --endpoint)')
    .option('--account-id <id>', 'the jobs\' account (default: S3BATCH_ACCOUNT_ID, then STS GetCallerIdentity)')
    .option('--region <region>', 'signing region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1 off AWS)')
    .option('--profile <name>', 'a profile of the AWS shared config and credentials files')
    .option('--access-key-id <id>', 'access key id (default: the AWS SDK\'s provider chain)')
    .option('--secret-access-key <secret>', 'secret access key')
    .option('--json', 'print JSON with the AWS field names (DescribeJob\'s)')
    .option('--no-color', 'no colour (also: NO_COLOR, or output not a terminal)')
    .option('--debug', 'print the stack of an error')
    .addHelpText('after', examples([
      'echo "s3://photos/2024/a.jpg" | s3batch jobs create --objects - --tag project=blue --watch',
      's3batch jobs ls --status Active',
      's3batch jobs watch 9bd1c6a2-…',
    ]));

  const act = (fn: (cmd: Command) => Promise<number>) => async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    setExit(await fn(cmd));
  };

  jobs
    .command('create')
    .description('create a job: which objects (--objects, --manifest or --inventory), and what to do to them')
    .option('--objects <file>', 'a list of s3://bucket/key lines (or bucket/key; "-" reads stdin), made into a CSV manifest and uploaded')
    .option('--manifest-to <s3url>', 'where that manifest goes (default: beside the report, under manifests/; else s3://<first bucket>/s3batch/manifests/)')
    .option('--manifest <s3url>', 'a CSV manifest already in S3 (its ETag is looked up)')
    .option('--fields <list>', 'the CSV manifest\'s columns: Bucket,Key or Bucket,Key,VersionId', undefined)
    .option('--inventory <s3url>', 'an S3 Inventory report\'s manifest.json')
    .option('--generate <s3url>', 'every object of s3://bucket[/prefix] that the filters below match (S3JobManifestGenerator)')
    .option('--prefix <p>', 'generate: keys starting with this (or give it in --generate s3://bucket/prefix)', collect)
    .option('--suffix <s>', 'generate: keys ending with this', collect)
    .option('--contains <s>', 'generate: keys containing this', collect)
    .option('--created-after <date>', 'generate: objects created after this date')
    .option('--created-before <date>', 'generate: objects created before this date')
    .option('--larger-than <size>', 'generate: objects larger than this (bytes, or 10M, 1.5G…)')
    .option('--smaller-than <size>', 'generate: objects smaller than this')
    .option('--save-manifest <s3url>', 'generate: keep the generated manifest under s3://bucket/prefix (S3 Inventory form)')
    .option('--tag <k=v>', 'S3PutObjectTagging: set the object tags (repeat the flag per tag)', collect)
    .option('--delete-tags', 'S3DeleteObjectTagging: remove every object tag')
    .option('--copy-to <s3url>', 'S3PutObjectCopy: copy to s3://bucket/prefix (the prefix is put before each key as given)')
    .option('--storage-class <class>', 'copy: the copies\' storage class (STANDARD, GLACIER, …); with --generate alone: only objects of this class (repeatable)', collect)
    .option('--metadata-directive <COPY|REPLACE>', 'copy: keep the source\'s metadata or replace it')
    .option('--metadata <k=v>', 'copy: user metadata of the copies (repeat per entry; implies REPLACE)', collect)
    .option('--content-type <type>', 'copy: Content-Type of the copies')
    .option('--sse <AES256|KMS>', 'copy: server-side encryption of the copies')
    .option('--kms-key-id <arn>', 'copy: the KMS key of the copies')
    .option('--bucket-key', 'copy or --encrypt-kms: use an S3 Bucket Key for the KMS encryption')
    .option('--acl <canned>', 'S3PutObjectAcl (or, with --copy-to, the copies\' ACL): private, public-read, bucket-owner-full-control, …')
    .option('--restore <days>', 'S3InitiateRestoreObject: restore archived objects for this many days')
    .option('--tier <BULK|STANDARD>', 'restore: the retrieval tier')
    .option('--lambda <name|arn>', 'LambdaInvoke: call this function once per object')
    .option('--arg <k=v>', 'lambda: a user argument of the 2.0 event (repeat per argument)', collect)
    .option('--schema <1.0|2.0>', 'lambda: the invocation schema (default 1.0; 2.0 with --arg)')
    .option('--retention <GOVERNANCE|COMPLIANCE>', 'S3PutObjectRetention: Object Lock retention of this mode…')
    .option('--until <date>', 'retention: …until this date (2030-01-01 or an ISO time)')
    .option('--bypass-governance', 'retention: shorten a GOVERNANCE retention (BypassGovernanceRetention)')
    .option('--legal-hold <on|off>', 'S3PutObjectLegalHold: set or lift an Object Lock legal hold')
    .option('--checksum <algorithm>', 'S3ComputeObjectChecksum: CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH64, XXHASH3 or XXHASH128 of every object, in the report')
    .option('--composite', 'checksum: the checksum of the part checksums (COMPOSITE), not of the whole object')
    .option('--encrypt-kms <key-arn>', 'S3UpdateObjectEncryption: record SSE-KMS with this key, without copying the data')
    .option('--replicate', 'S3ReplicateObject: copy each object to the destination of its bucket\'s replication rules')
    .option('--from-json <file>', 'the whole request, as `aws s3control create-job --cli-input-json` takes it ("-": stdin)')
    .option('--report <s3url>', 'write the completion report under s3://bucket/prefix (default: beside the manifest, failed tasks only)')
    .option('--no-report', 'write no completion report')
    .option('--all-tasks', 'report every task, not only the failed ones')
    .option('--priority <n>', 'priority (higher runs first; default 10)')
    .option('--description <text>', 'a description (up to 256 characters)')
    .option('--job-tag <k=v>', 'a tag of the job itself (repeat per tag)', collect)
    .option('--role-arn <arn>', 'the job\'s role (s3batch ignores it; AWS needs one; default arn:aws:iam::<account>:role/s3batch)')
    .option('--confirmation-required', 'park the job in Suspended until `s3batch jobs confirm`')
    .option('--dry-run', 'print the request as JSON; upload and create nothing')
    .option('--watch', 'follow the job until it ends (exit code: the job\'s)')
    .option('-q, --quiet', 'print only the new job\'s id (for scripts: JOB=$(s3batch jobs create … -q))')
    .addOption(new Option('--interval <seconds>', 'with --watch: seconds between progress lines off a terminal').hideHelp())
    .addHelpText('after', examples([
      's3batch jobs create --objects objects.txt --tag project=blue --watch',
      'aws s3 ls s3://photos --recursive | awk \'{print "s3://photos/" $4}\' | s3batch jobs create --objects - --copy-to s3://backup/photos/',
      's3batch jobs create --manifest s3://photos/manifest.csv --restore 7 --tier BULK --report s3://reports/restores',
      's3batch jobs create --inventory s3://inventory/photos/daily/2024-05-01T00-00Z/manifest.json --acl private',
      's3batch jobs create --objects objects.txt --lambda thumbnail --arg size=256 --confirmation-required',
      's3batch jobs create --generate s3://photos/2024/ --suffix .jpg --larger-than 1M --tag big=yes --watch',
      's3batch jobs create --objects objects.txt --retention GOVERNANCE --until 2030-01-01',
      's3batch jobs create --objects objects.txt --checksum SHA256 --report s3://reports/checksums --all-tasks',
      's3batch jobs create --from-json job.json --dry-run',
    ]))
    .action(act((cmd) => run(cmd, (conn, out, watch) => createCommand(cmd.opts<CreateFlags>(), conn, out, watch))));

  jobs
    .command('ls')
    .description('list jobs (every page), newest first')
    .option('--status <status>', 'only jobs in this status (repeat for several)', collect)
    .addOption(new Option('--page-size <n>', 'ListJobs MaxResults per page').default('1000').hideHelp())
    .addHelpText('after', examples(['s3batch jobs ls', 's3batch jobs ls --status Active --status Suspended', 's3batch jobs ls --json']))
    .action(act((cmd) => run(cmd, (conn, out) => listCommand(conn, out, cmd.opts<{ status?: string[] }>().status ?? [], Number(cmd.opts<{ pageSize: string }>().pageSize)))));

  const withJob = (name: string, description: string, example: string[], fn: (conn: Connection, out: Output, jobId: string, cmd: Command, watch: WatchOptions) => Promise<number>): Command =>
    jobs
      .command(name)
      .description(description)
      .addHelpText('after', examples(example))
      .action(async (...args: unknown[]) => {
        const cmd = args[args.length - 1] as Command;
        const jobId = String(args[0]);
        setExit(await run(cmd, (conn, out, watch) => fn(conn, out, jobId, cmd, watch), jobId));
      });

  withJob('describe', 'everything about a job', ['s3batch jobs describe 9bd1c6a2-…', 's3batch jobs describe 9bd1c6a2-… --json'], (conn, out, id) => describeCommand(conn, out, id)).argument('<job-id>');
  withJob('watch', 'follow a job live until it ends (exit code: 0 Complete, 3 with failed tasks, 4 Failed, 5 Cancelled)', ['s3batch jobs watch 9bd1c6a2-…'], async (conn, out, id, _cmd, watch) => {
    const { watchJob } = await import('./watch.js');
    return watchJob(conn, await conn.accountId(), id, out, watch);
  })
    .argument('<job-id>')
    .addOption(new Option('--interval <seconds>', 'seconds between progress lines off a terminal').hideHelp());
  withJob('confirm', 'let a job that waits for confirmation (Suspended) run', ['s3batch jobs confirm 9bd1c6a2-…'], (conn, out, id) => statusCommand(conn, out, id, 'Ready')).argument('<job-id>');
  withJob('cancel', 'cancel a job (tasks in flight finish; the report lists the tasks that ran)', ['s3batch jobs cancel 9bd1c6a2-… --reason "wrong bucket"'], (conn, out, id, cmd) =>
    statusCommand(conn, out, id, 'Cancelled', cmd.opts<{ reason?: string }>().reason),
  )
    .argument('<job-id>')
    .option('--reason <text>', 'why (StatusUpdateReason)');
  jobs
    .command('priority')
    .description('change a job\'s priority (higher runs first)')
    .argument('<job-id>')
    .argument('<priority>')
    .addHelpText('after', examples(['s3batch jobs priority 9bd1c6a2-… 50']))
    .action(async (jobId: string, priority: string, _opts: unknown, cmd: Command) => {
      setExit(await run(cmd, (conn, out) => priorityCommand(conn, out, jobId, priority), jobId));
    });
  jobs
    .command('tags')
    .description('show a job\'s tags; with k=v pairs set them (others kept); --delete removes all, or the keys named')
    .argument('<job-id>')
    .argument('[pairs...]')
    .option('--delete', 'remove tags')
    .addHelpText('after', examples(['s3batch jobs tags 9bd1c6a2-…', 's3batch jobs tags 9bd1c6a2-… team=media stage=prod', 's3batch jobs tags 9bd1c6a2-… --delete stage']))
    .action(async (jobId: string, pairs: string[], opts: { delete?: boolean }, cmd: Command) => {
      setExit(await run(cmd, (conn, out) => tagsCommand(conn, out, jobId, pairs, opts.delete ?? false), jobId));
    });
  withJob('report', 'counts by status and error code and the first failures, from the completion report', ['s3batch jobs report 9bd1c6a2-…', 's3batch jobs report 9bd1c6a2-… --csv > failed.csv'], (conn, out, id, cmd) =>
    reportCommand(conn, out, id, cmd.opts<{ csv?: boolean }>().csv ?? false),
  )
    .argument('<job-id>')
    .option('--csv', 'print the failed rows of the report as CSV');
  withJob('rerun-failed', 'a new job with the same operation and options over exactly the failed tasks of a finished job', ['s3batch jobs rerun-failed 9bd1c6a2-… --watch'], (conn, out, id, cmd, watch) =>
    rerunCommand(conn, out, id, cmd.opts<RerunFlags>(), watch),
  )
    .argument('<job-id>')
    .option('--manifest-to <s3url>', 'where the manifest of the failed tasks goes (default: beside the report, under manifests/)')
    .option('--priority <n>', 'priority (default: the job\'s)')
    .option('--description <text>', 'description (default: "Failed tasks of <job>: <its description>")')
    .option('--confirmation-required', 'park the new job in Suspended until `s3batch jobs confirm`')
    .option('--dry-run', 'print the request as JSON; upload and create nothing')
    .option('--watch', 'follow the new job until it ends')
    .option('-q, --quiet', 'print only the new job\'s id')
    .addOption(new Option('--interval <seconds>', 'seconds between progress lines off a terminal').hideHelp());
  return jobs;
}
