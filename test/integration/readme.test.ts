/**
 * The README's shell examples, run as a newcomer would: "Your first job in five minutes", and the
 * Lambda and restore jobs that continue it, in one bash, with the AWS CLI (v2 where installed: Debian's
 * awscli at /usr/bin/aws; else the one on PATH), against a server on the README's default
 * account, its functions directory the shell's ./functions. Only the port differs from the text.
 * So the README's first minutes cannot rot. Then the first job again with the Object Lock,
 * checksum and encryption jobs after it, and with the replication job after it.
 */
import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DescribeJobCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { csvFields } from '../helpers/checksums.js';
import { reportRowsAt } from '../helpers/engine-jobs.js';
import { hasBoto3 } from '../helpers/python.js';
import { s3Client } from '../object-store/helpers.js';
import { startTestServer } from '../helpers/server.js';

const README = readFileSync(path.resolve('README.md'), 'utf8');

/** The ```sh blocks of a README section (from its heading to the next `## `). */
function shellBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const end = README.indexOf('\n## ', start + heading.length + 4);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The fenced blocks of one language in a `### ` subsection of "Client recipes for the jobs API". */
function recipeBlocks(subsection: string, lang: string): string[] {
  const start = README.indexOf(`\n### ${subsection}\n`);
  if (start < 0) throw new Error(`README.md has no subsection "${subsection}"`);
  const end = README.slice(start + 5).search(/\n##+ /);
  const text = README.slice(start, end < 0 ? undefined : start + 5 + end);
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

const CLI = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const hasCli = spawnSync(CLI, ['--version'], { stdio: 'ignore' }).status === 0;

/** README's account, for checking what its jobs did. */
const README_ACCOUNT = { accountId: '123456789012', accessKeyId: 's3batch', secretAccessKey: 's3batch-secret' };

/**
 * "Your first job in five minutes" and then `section`'s one shell block, in one bash in a folder
 * where `npx s3batch` finds this checkout, against a new server on the README's account (the
 * script ends with `echo "JOB=$JOB"`).
 */
async function runAfterFirstJob(section: string, timeoutMs: number): Promise<{ stdout: string; server: Awaited<ReturnType<typeof startTestServer>> }> {
  const home = mkdtempSync(path.join(os.tmpdir(), 's3batch-readme-'));
  mkdirSync(path.join(home, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(path.resolve('.'), path.join(home, 'node_modules', 's3batch'));
  symlinkSync('../s3batch/bin/s3batch.js', path.join(home, 'node_modules', '.bin', 's3batch'));
  const server = await startTestServer({ S3BATCH_CREDENTIALS: '123456789012:s3batch:s3batch-secret' }, undefined, { engine: true });
  const blocks = [...shellBlocks('Your first job in five minutes'), ...shellBlocks(section)];
  expect(blocks).toHaveLength(2);
  const script = `export S3BATCH_ENDPOINT=${server.url}\n${blocks.join('\n').replaceAll(':9090', `:${server.port}`)}\necho "JOB=$JOB"\n`;
  const { stdout } = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', script], {
    cwd: home,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, PATH: `${path.dirname(CLI === 'aws' ? '/usr/bin/aws' : CLI)}:${process.env.PATH ?? ''}`, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  }).catch((err: { stderr?: string; stdout?: string; message: string }) => {
    throw new Error(`the README's script failed:\n${err.stderr ?? ''}\n--- its output:\n${err.stdout ?? ''}`);
  });
  return { stdout, server };
}

describe('README', () => {
  it.skipIf(!hasCli || !hasBoto3)('"Your first job in five minutes", and the Lambda and restore jobs after it, run as written', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 's3batch-readme-'));
    symlinkSync(path.resolve('examples'), path.join(home, 'examples'));
    // `npx s3batch` there finds this checkout, as in a project that depends on s3batch.
    mkdirSync(path.join(home, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(path.resolve('.'), path.join(home, 'node_modules', 's3batch'));
    symlinkSync('../s3batch/bin/s3batch.js', path.join(home, 'node_modules', '.bin', 's3batch'));
    const server = await startTestServer(
      { S3BATCH_CREDENTIALS: '123456789012:s3batch:s3batch-secret', S3BATCH_FUNCTIONS_DIR: path.join(home, 'functions'), S3BATCH_RESTORE_DELAY_MS: '300' },
      undefined,
      { engine: true },
    );
    const blocks = [...shellBlocks('Your first job in five minutes'), ...shellBlocks('Lambda functions').slice(0, 1), ...shellBlocks('Restoring archived objects')];
    expect(blocks).toHaveLength(3);
    // The restore takes 300 ms here, not the default 5 s the README waits for. The CLI's default
    // endpoint is the README's port: it is told this server's.
    const script = `export S3BATCH_ENDPOINT=${server.url}\n${blocks.map((b) => `${b}\necho "JOB=$JOB"\n`).join('\n').replaceAll(':9090', `:${server.port}`).replace('sleep 6 ', 'sleep 1 ')}`;
    const { stdout } = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: home,
      encoding: 'utf8',
      timeout: 120_000,
      // The README's `aws` is the CLI v2; no AWS configuration of the machine's.
      env: { ...process.env, PATH: `${path.dirname(CLI === 'aws' ? '/usr/bin/aws' : CLI)}:${process.env.PATH ?? ''}`, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    }).catch((err: { stderr?: string; stdout?: string; message: string }) => {
      throw new Error(`the README's script failed:\n${err.stderr ?? ''}\n--- its output:\n${err.stdout ?? ''}`);
    });
    // What the README says `jobs watch` and `jobs report` print for the first job.
    expect(stdout).toContain('exit code 3: Complete, with a failed task');
    expect(stdout).toMatch(/^photos\s+2024\/photo missing\.jpg\s+404\s+NoSuchKey\s+The specified key does not exist\.$/m);
    const jobs = [...stdout.matchAll(/^JOB=(\S+)$/gm)].map((m) => m[1]!).slice(0, 2);
    expect(jobs).toHaveLength(2);
    // The restored object, read back after the restore delay.
    expect(stdout).toMatch(/ongoing-request=\\"false\\", expiry-date=.*\nold photos\n/);
    const control = new S3ControlClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 's3batch', secretAccessKey: 's3batch-secret' },
      endpointProvider: () => ({ url: new URL(`${server.url}/`) }),
    });
    for (const jobId of jobs) {
      for (const end = Date.now() + 30_000; ; ) {
        const { Job } = await control.send(new DescribeJobCommand({ AccountId: '123456789012', JobId: jobId }));
        if (Job?.Status === 'Complete') {
          // What the README says of both: 3 succeeded, 1 failed (photo missing.jpg).
          expect(Job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 4, NumberOfTasksSucceeded: 3, NumberOfTasksFailed: 1 });
          break;
        }
        if (Date.now() > end) throw new Error(`job ${jobId} is ${Job?.Status}: ${JSON.stringify(Job?.FailureReasons)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    control.destroy();
  }, 180_000);

  it.skipIf(!hasCli || !hasBoto3)('the client recipes (AWS CLI v2, boto3, AWS SDK for JavaScript v3) run as written', async () => {
    const server = await startTestServer({ S3BATCH_CREDENTIALS: '123456789012:s3batch:s3batch-secret' });
    const port = (text: string): string => text.replaceAll(':9090', `:${server.port}`);
    const clean = { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const [awsCli] = recipeBlocks('AWS CLI v2', 'sh');
    const cli = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', port(awsCli!)], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...clean, PATH: `${path.dirname(CLI === 'aws' ? '/usr/bin/aws' : CLI)}:${process.env.PATH ?? ''}` },
    });
    const jobId = (JSON.parse(cli.stdout.slice(0, cli.stdout.indexOf('}') + 1)) as { JobId: string }).JobId;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(cli.stdout).toContain(`"JobId": "${jobId}"`);
    const [python] = recipeBlocks('boto3', 'python');
    const boto = await promisify(execFile)('python3', ['-c', port(python!)], { encoding: 'utf8', timeout: 60_000, env: { ...clean, HTTP_PROXY: '', HTTPS_PROXY: '' } });
    expect(boto.stdout).toContain(`'JobId': '${jobId}'`);
    const [js] = recipeBlocks('AWS SDK for JavaScript v3', 'js');
    const node = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', port(js!)], { encoding: 'utf8', timeout: 60_000, env: clean });
    expect(node.stdout).toContain(`JobId: '${jobId}'`);
  });

  it.skipIf(!hasCli || !hasBoto3)('"Object Lock, checksum and encryption jobs", after the first job, run as written', async () => {
    const { stdout, server } = await runAfterFirstJob('Object Lock, checksum and encryption jobs', 180_000);
    // What the README says the section prints.
    expect(stdout).toMatch(/\nGOVERNANCE\nON\n/);
    expect(stdout).toMatch(/\naws:kms\tarn:aws:kms:us-east-1:123456789012:key\/1234abcd-12ab-34cd-56ef-1234567890ab\tTrue\n/);
    // The checksum report: each photo's SHA256 and ETag, the missing one 404.
    const jobId = /^JOB=(\S+)$/m.exec(stdout)?.[1];
    expect(jobId, stdout).toMatch(/^[0-9a-f-]{36}$/);
    const s3 = s3Client(server, README_ACCOUNT);
    const rows = (await reportRowsAt(s3, jobId!, 'checksums')).map(csvFields).sort((x, y) => (x[1]! < y[1]! ? -1 : 1));
    const photo = (n: number) => {
      const body = Buffer.from(`photo ${n}\n`);
      const sha = createHash('sha256').update(body).digest();
      return JSON.stringify({ checksum_base64: sha.toString('base64'), checksum_hex: sha.toString('hex'), checksumAlgorithm: 'SHA256', checksumType: 'FULL_OBJECT', etag: createHash('md5').update(body).digest('hex') });
    };
    expect(rows).toEqual([
      ['photos', '2024/photo%201.jpg', '', 'succeeded', '200', '', photo(1)],
      ['photos', '2024/photo%202.jpg', '', 'succeeded', '200', '', photo(2)],
      ['photos', '2024/photo%203.jpg', '', 'succeeded', '200', '', photo(3)],
      ['photos', '2024/photo%20missing.jpg', '', 'failed', '404', 'NoSuchKey', 'The specified key does not exist.'],
    ]);
    s3.destroy();
  }, 240_000);

  it.skipIf(!hasCli)('"Replication", after the first job, runs as written', async () => {
    const { stdout } = await runAfterFirstJob('Replication', 120_000);
    // What the README says the last two lines print: one version id, COMPLETED and REPLICA.
    const m = /\n(\S+)\tCOMPLETED\n(\S+)\tREPLICA\tSTANDARD_IA\tcamera\nJOB=/.exec(stdout);
    expect(m, stdout).not.toBeNull();
    expect(m?.[2]).toBe(m?.[1]);
  }, 180_000);
});
