/**
 * The README's shell examples, run as a newcomer would: "Your first job in five minutes", and the
 * Lambda and restore jobs that continue it, in one bash, with the AWS CLI (v2 where installed: Debian's
 * awscli at /usr/bin/aws; else the one on PATH), against a server on the README's default
 * account, its functions directory the shell's ./functions. Only the port differs from the text.
 * So the README's first minutes cannot rot. Then the first job again with the Object Lock,
 * checksum and encryption jobs after it, with a CLI that knows those operations.
 */
import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
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

const CLI = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const hasCli = spawnSync(CLI, ['--version'], { stdio: 'ignore' }).status === 0;

/** The first AWS CLI installed (Debian's, then those on PATH) that knows S3ComputeObjectChecksum and S3UpdateObjectEncryption. */
const NEWER_CLI = [...new Set(['/usr/bin/aws', ...(spawnSync('which', ['-a', 'aws'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean)])].find((cli) => {
  const help = spawnSync(cli, ['s3control', 'create-job', 'help'], { encoding: 'utf8', env: { ...process.env, PAGER: 'cat', AWS_PAGER: '' } }).stdout ?? '';
  return help.includes('S3ComputeObjectChecksum') && help.includes('S3UpdateObjectEncryption');
});

/** README's account, for checking what its jobs did. */
const README_ACCOUNT = { accountId: '123456789012', accessKeyId: 's3batch', secretAccessKey: 's3batch-secret' };

describe('README', () => {
  it.skipIf(!hasCli || !hasBoto3)('"Your first job in five minutes", and the Lambda and restore jobs after it, run as written', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 's3batch-readme-'));
    symlinkSync(path.resolve('examples'), path.join(home, 'examples'));
    const server = await startTestServer(
      { S3BATCH_CREDENTIALS: '123456789012:s3batch:s3batch-secret', S3BATCH_FUNCTIONS_DIR: path.join(home, 'functions'), S3BATCH_RESTORE_DELAY_MS: '300' },
      undefined,
      { engine: true },
    );
    const blocks = [...shellBlocks('Your first job in five minutes'), ...shellBlocks('Lambda functions').slice(0, 1), ...shellBlocks('Restoring archived objects')];
    expect(blocks).toHaveLength(3);
    // The restore takes 300 ms here, not the default 5 s the README waits for.
    const script = blocks.map((b) => `${b}\necho "JOB=$JOB"\n`).join('\n').replaceAll(':9090', `:${server.port}`).replace('sleep 6 ', 'sleep 1 ');
    const { stdout } = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: home,
      encoding: 'utf8',
      timeout: 120_000,
      // The README's `aws` is the CLI v2; no AWS configuration of the machine's.
      env: { ...process.env, PATH: `${path.dirname(CLI === 'aws' ? '/usr/bin/aws' : CLI)}:${process.env.PATH ?? ''}`, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    }).catch((err: { stderr?: string; stdout?: string; message: string }) => {
      throw new Error(`the README's script failed:\n${err.stderr ?? ''}\n--- its output:\n${err.stdout ?? ''}`);
    });
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
          // What the README says of both: 3 succeeded, 1 failed (missing.jpg).
          expect(Job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 4, NumberOfTasksSucceeded: 3, NumberOfTasksFailed: 1 });
          break;
        }
        if (Date.now() > end) throw new Error(`job ${jobId} is ${Job?.Status}: ${JSON.stringify(Job?.FailureReasons)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    control.destroy();
  });

  it.skipIf(NEWER_CLI === undefined)('"Object Lock, checksum and encryption jobs", after the first job, run as written', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 's3batch-readme-'));
    const server = await startTestServer({ S3BATCH_CREDENTIALS: '123456789012:s3batch:s3batch-secret' }, undefined, { engine: true });
    const blocks = [...shellBlocks('Your first job in five minutes'), ...shellBlocks('Object Lock, checksum and encryption jobs')];
    expect(blocks).toHaveLength(3);
    // The README waits 2 s for its jobs; a loaded machine may need longer: wait until none is left unfinished.
    const waitForJobs =
      "for i in $(seq 300); do [ \"$(HTTP_PROXY=http://127.0.0.1:9090 NO_PROXY= $S3 s3control list-jobs --account-id 123456789012 --job-statuses New Preparing Ready Active Completing --query 'length(Jobs)' --output text)\" = 0 ] && break; sleep 0.2; done\n";
    const script = blocks.join('\n').replaceAll('sleep 2\n', waitForJobs).replaceAll(':9090', `:${server.port}`);
    expect(script).toContain('list-jobs');
    const { stdout } = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: home,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PATH: `${path.dirname(NEWER_CLI!)}:${process.env.PATH ?? ''}`, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' },
    }).catch((err: { stderr?: string; stdout?: string; message: string }) => {
      throw new Error(`the README's script failed:\n${err.stderr ?? ''}\n--- its output:\n${err.stdout ?? ''}`);
    });
    // What the README says the section prints.
    expect(stdout).toMatch(/\nGOVERNANCE\nON\n/);
    expect(stdout).toMatch(/\naws:kms\tarn:aws:kms:us-east-1:123456789012:key\/1234abcd-12ab-34cd-56ef-1234567890ab\tTrue\n/);
    // The checksum report: each photo's SHA256 and ETag, the missing one 404.
    const s3 = s3Client(server, README_ACCOUNT);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: 'checksums/' }));
    const jobId = /^checksums\/job-([^/]+)\/manifest\.json$/.exec(listed.Contents?.map((c) => c.Key!).find((k) => k.endsWith('manifest.json')) ?? '')?.[1];
    expect(jobId, JSON.stringify(listed.Contents)).toBeDefined();
    const rows = (await reportRowsAt(s3, jobId!, 'checksums')).map(csvFields).sort((a, b) => (a[1]! < b[1]! ? -1 : 1));
    const photo = (n: number) => {
      const body = Buffer.from(`photo ${n}\n`);
      const sha = createHash('sha256').update(body).digest();
      return JSON.stringify({ checksum_base64: sha.toString('base64'), checksum_hex: sha.toString('hex'), checksumAlgorithm: 'SHA256', checksumType: 'FULL_OBJECT', etag: createHash('md5').update(body).digest('hex') });
    };
    expect(rows).toEqual([
      ['photos', '2024/missing.jpg', '', 'failed', '404', 'NoSuchKey', 'The specified key does not exist.'],
      ['photos', '2024/photo%202.jpg', '', 'succeeded', '200', '', photo(2)],
      ['photos', '2024/photo+1.jpg', '', 'succeeded', '200', '', photo(1)],
      ['photos', '2024/photo+3.jpg', '', 'succeeded', '200', '', photo(3)],
    ]);
    s3.destroy();
  });
});
