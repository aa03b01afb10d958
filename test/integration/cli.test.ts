/**
 * The `s3batch jobs …` CLI (src/cli/, src/client/), run as the real binary against a real server
 * on port 0: every command, `--json` parsed, every exit code, `watch` off a terminal and in a
 * pseudo-terminal, `rerun-failed`, `--objects` keys that need URL-encoding, credentials from a
 * profile file, the account found through STS GetCallerIdentity, `--dry-run` creating nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListJobsCommand, type JobDescriptor } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { runCli, runCliInPty, type CliResult } from '../helpers/cli.js';
import { createBuckets, describe as describeJob, putAll, until } from '../helpers/engine-jobs.js';
import { s3Client } from '../object-store/helpers.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer, type TestServer } from '../helpers/server.js';

const FUNCTIONS = path.resolve('test/fixtures/functions');
/** Keys a hand-written manifest gets wrong: spaces, plus, percent, comma, quotes, unicode. */
const AWKWARD = ['2024/photo 1.jpg', 'a+b=c.txt', '100% done.txt', 'x,y "quoted".txt', 'café/日本語 ✓.txt'];

interface Env {
  readonly server: TestServer;
  readonly s3: S3Client;
  readonly env: NodeJS.ProcessEnv;
  cli(args: readonly string[], extra?: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string }): Promise<CliResult>;
}

async function setup(): Promise<Env> {
  const server = await startTestServer({ S3BATCH_FUNCTIONS_DIR: FUNCTIONS }, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3, ['data', 'reports']);
  const env = { S3BATCH_ENDPOINT: server.url, AWS_ACCESS_KEY_ID: ACCOUNT_A.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCOUNT_A.secretAccessKey };
  return {
    server,
    s3,
    env,
    cli: (args, extra = {}) => runCli(args, { ...extra, env: { ...env, ...extra.env } }),
  };
}

const json = <T>(r: CliResult): T => {
  if (r.code !== 0 && r.stdout.trim() === '') throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

function objectsFile(lines: readonly string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-cli-'));
  const file = path.join(dir, 'objects.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function listJobs(server: TestServer, account = ACCOUNT_A): Promise<string[]> {
  const { Jobs } = await controlClient(server, account).send(new ListJobsCommand({ AccountId: account.accountId }));
  return (Jobs ?? []).map((j) => j.JobId!);
}

describe('s3batch jobs create', () => {
  it('--objects makes a URL-encoded manifest of awkward keys, tags every object and ends with exit 3 when a task fails', async () => {
    const t = await setup();
    await putAll(t.s3, AWKWARD);
    const file = objectsFile([...AWKWARD.map((k) => `s3://data/${k}`), 'data/missing.txt']);
    const r = await t.cli(['jobs', 'create', '--objects', file, '--tag', 'project=blue', '--tag', 'team=media', '--watch', '--interval', '0.2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^manifest of 6 objects: s3:\/\/data\/s3batch\/manifests\/\d{8}T\d{6}Z-[0-9a-f]{8}\.csv$/m);
    expect(r.stdout).toMatch(/^Complete: 5 succeeded, 1 failed of 6 tasks/m);
    expect(r.stdout).toContain('s3batch jobs report ');
    for (const Key of AWKWARD) {
      const { TagSet } = await t.s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key }));
      expect(TagSet, Key).toEqual([{ Key: 'project', Value: 'blue' }, { Key: 'team', Value: 'media' }]);
    }
    // The manifest as uploaded: keys URL-encoded (a comma or quote needs no CSV quoting then).
    const { Contents } = await t.s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 's3batch/manifests/' }));
    const manifest = await (await t.s3.send(new GetObjectCommand({ Bucket: 'data', Key: Contents![0]!.Key! }))).Body!.transformToString();
    expect(manifest.split('\n')).toEqual([
      'data,2024/photo%201.jpg',
      'data,a%2Bb%3Dc.txt',
      'data,100%25%20done.txt',
      'data,x%2Cy%20%22quoted%22.txt',
      'data,caf%C3%A9/%E6%97%A5%E6%9C%AC%E8%AA%9E%20%E2%9C%93.txt',
      'data,missing.txt',
      '',
    ]);
    // The default report: failed tasks only, beside the manifest.
    const jobId = /created job (\S+)/.exec(r.stdout)![1]!;
    const job = await describeJob(controlClient(t.server), jobId);
    expect(job.Report).toMatchObject({ Enabled: true, Bucket: 'arn:aws:s3:::data', Prefix: 's3batch/reports', ReportScope: 'FailedTasksOnly' });
    expect(job).toMatchObject({ Priority: 10, RoleArn: `arn:aws:iam::${ACCOUNT_A.accountId}:role/s3batch`, ConfirmationRequired: false });
  });

  it('reads the objects list from stdin, finds the account through STS GetCallerIdentity, and exits 0 when every task succeeds', async () => {
    const t = await setup();
    await putAll(t.s3, ['a.txt', 'b.txt']);
    // ACCOUNT_B's key, and no account id given: the job must land in B's account.
    const s3b = s3Client(t.server, ACCOUNT_B);
    await createBuckets(s3b, ['bdata']);
    await putAll(s3b, ['x.txt'], 'bdata');
    const r = await t.cli(['jobs', 'create', '--objects', '-', '--delete-tags', '--watch', '--json'], {
      input: 's3://bdata/x.txt\n',
      env: { AWS_ACCESS_KEY_ID: ACCOUNT_B.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCOUNT_B.secretAccessKey },
    });
    expect(r.code).toBe(0);
    const { Job } = json<{ Job: JobDescriptor }>(r);
    expect(Job).toMatchObject({ Status: 'Complete', ProgressSummary: { TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 0 } });
    expect(await listJobs(t.server, ACCOUNT_B)).toEqual([Job.JobId]);
    expect(await listJobs(t.server, ACCOUNT_A)).toEqual([]);
  });

  it('--manifest looks the ETag up; --report, --all-tasks, --priority, --description, --job-tag and --role-arn reach the job', async () => {
    const t = await setup();
    await putAll(t.s3, ['k1']);
    await t.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'lists/m.csv', Body: 'data,k1\n' }));
    const r = await t.cli([
      'jobs', 'create', '--manifest', 's3://data/lists/m.csv', '--acl', 'public-read', '--report', 's3://reports/acl', '--all-tasks',
      '--priority', '42', '--description', 'make k1 public', '--job-tag', 'stage=test', '--role-arn', 'arn:aws:iam::111122223333:role/batch', '--json',
    ]);
    expect(r.code).toBe(0);
    const { JobId } = json<{ JobId: string }>(r);
    const job = await until(controlClient(t.server), JobId, ['Complete']);
    expect(job).toMatchObject({
      Priority: 42,
      Description: 'make k1 public',
      RoleArn: 'arn:aws:iam::111122223333:role/batch',
      Operation: { S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: 'public-read' } } },
      Report: { Bucket: 'arn:aws:s3:::reports', Prefix: 'acl', ReportScope: 'AllTasks' },
      Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::data/lists/m.csv' } },
    });
    const tags = await t.cli(['jobs', 'tags', JobId, '--json']);
    expect(json<{ Tags: unknown[] }>(tags).Tags).toEqual([{ Key: 'stage', Value: 'test' }]);
  });

  it('--dry-run prints the request and uploads and creates nothing', async () => {
    const t = await setup();
    const file = objectsFile(['s3://data/a b.txt']);
    const r = await t.cli(['jobs', 'create', '--objects', file, '--copy-to', 's3://reports/copies/', '--storage-class', 'glacier', '--metadata', 'owner=me', '--dry-run']);
    expect(r.code).toBe(0);
    const request = json<Record<string, unknown>>(r);
    expect(request).toMatchObject({
      AccountId: ACCOUNT_A.accountId,
      ConfirmationRequired: false,
      Priority: 10,
      Operation: {
        S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::reports', TargetKeyPrefix: 'copies/', StorageClass: 'GLACIER', NewObjectMetadata: { UserMetadata: { owner: 'me' } } },
      },
      Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] } },
    });
    // The ETag a single PUT of that manifest gets: its MD5.
    expect((request.Manifest as { Location: { ETag: string } }).Location.ETag).toMatch(/^[0-9a-f]{32}$/);
    expect(await listJobs(t.server)).toEqual([]);
    const { KeyCount } = await t.s3.send(new ListObjectsV2Command({ Bucket: 'data' }));
    expect(KeyCount).toBe(0);
  });

  it('each operation flag family makes its CreateJob operation (--dry-run)', async () => {
    const t = await setup();
    const op = async (...flags: string[]): Promise<unknown> => {
      const r = await t.cli(['jobs', 'create', '--objects', '-', '--dry-run', ...flags], { input: 'data/k\n' });
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(0);
      return json<{ Operation: unknown }>(r).Operation;
    };
    expect(await op('--delete-tags')).toEqual({ S3DeleteObjectTagging: {} });
    expect(await op('--acl', 'bucket-owner-full-control')).toEqual({ S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: 'bucket-owner-full-control' } } });
    expect(await op('--restore', '3', '--tier', 'bulk')).toEqual({ S3InitiateRestoreObject: { ExpirationInDays: 3, GlacierJobTier: 'BULK' } });
    expect(await op('--lambda', 'thumb')).toEqual({ LambdaInvoke: { FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT_A.accountId}:function:thumb`, InvocationSchemaVersion: '1.0' } });
    expect(await op('--lambda', 'arn:aws:lambda:us-east-1:111122223333:function:f:prod', '--arg', 'size=256')).toEqual({
      LambdaInvoke: { FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f:prod', InvocationSchemaVersion: '2.0', UserArguments: { size: '256' } },
    });
    expect(await op('--copy-to', 's3://reports', '--acl', 'private', '--sse', 'aws:kms', '--kms-key-id', 'arn:aws:kms:us-east-1:111122223333:key/k', '--bucket-key')).toEqual({
      S3PutObjectCopy: {
        TargetResource: 'arn:aws:s3:::reports',
        NewObjectMetadata: { SSEAlgorithm: 'aws:kms' },
        CannedAccessControlList: 'private',
        SSEAwsKmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
        BucketKeyEnabled: true,
      },
    });
    expect(await op('--retention', 'governance', '--until', '2030-01-01', '--bypass-governance')).toEqual({
      S3PutObjectRetention: { Retention: { Mode: 'GOVERNANCE', RetainUntilDate: '2030-01-01T00:00:00.000Z' }, BypassGovernanceRetention: true },
    });
    expect(await op('--legal-hold', 'on')).toEqual({ S3PutObjectLegalHold: { LegalHold: { Status: 'ON' } } });
    expect(await op('--checksum', 'crc64nvme')).toEqual({ S3ComputeObjectChecksum: { ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' } });
    expect(await op('--checksum', 'SHA256', '--composite')).toEqual({ S3ComputeObjectChecksum: { ChecksumAlgorithm: 'SHA256', ChecksumType: 'COMPOSITE' } });
    expect(await op('--encrypt-kms', 'arn:aws:kms:us-east-1:111122223333:key/k', '--bucket-key')).toEqual({
      S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k', BucketKeyEnabled: true } } },
    });
    expect(await op('--replicate')).toEqual({ S3ReplicateObject: {} });
    for (const [flags, message] of [
      [['--retention', 'GOVERNANCE'], '--retention needs --until'],
      [['--until', '2030-01-01', '--tag', 'a=b'], '--until and --bypass-governance belong to --retention'],
      [['--legal-hold', 'maybe'], '--legal-hold is on or off'],
      [['--composite', '--tag', 'a=b'], '--composite belongs to --checksum'],
      [['--bucket-key', '--tag', 'a=b'], '--bucket-key belongs to --copy-to or --encrypt-kms'],
    ] as const) {
      const r = await t.cli(['jobs', 'create', '--objects', '-', '--dry-run', ...flags], { input: 'data/k\n' });
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it('--generate and its filters make a ManifestGenerator (--dry-run)', async () => {
    const t = await setup();
    const r = await t.cli([
      'jobs', 'create', '--generate', 's3://data/2024/', '--prefix', '2024/', '--suffix', '.jpg', '--contains', 'cat', '--created-after', '2024-01-01',
      '--created-before', '2024-06-30T12:00:00Z', '--larger-than', '1.5K', '--smaller-than', '10M', '--storage-class', 'standard', '--storage-class', 'GLACIER',
      '--save-manifest', 's3://reports/generated', '--tag', 'a=b', '--dry-run',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const request = json<Record<string, unknown>>(r);
    expect(request.Manifest).toBeUndefined();
    expect(request.ManifestGenerator).toEqual({
      S3JobManifestGenerator: {
        SourceBucket: 'arn:aws:s3:::data',
        EnableManifestOutput: true,
        ManifestOutputLocation: { Bucket: 'arn:aws:s3:::reports', ManifestFormat: 'S3InventoryReport_CSV_20211130', ManifestPrefix: 'generated' },
        Filter: {
          KeyNameConstraint: { MatchAnyPrefix: ['2024/'], MatchAnySuffix: ['.jpg'], MatchAnySubstring: ['cat'] },
          CreatedAfter: '2024-01-01T00:00:00.000Z',
          CreatedBefore: '2024-06-30T12:00:00.000Z',
          ObjectSizeGreaterThanBytes: 1536,
          ObjectSizeLessThanBytes: 10485760,
          MatchAnyStorageClass: ['STANDARD', 'GLACIER'],
        },
      },
    });
    expect(request.Report).toMatchObject({ Bucket: 'arn:aws:s3:::reports', Prefix: 'generated/reports', ReportScope: 'FailedTasksOnly' });
    // With --copy-to, --storage-class is the copies' class; a filter flag needs --generate.
    const copy = json<{ Operation: { S3PutObjectCopy: { StorageClass: string } }; ManifestGenerator: { S3JobManifestGenerator: { Filter?: unknown } } }>(
      await t.cli(['jobs', 'create', '--generate', 's3://data', '--copy-to', 's3://reports/c/', '--storage-class', 'glacier', '--dry-run']),
    );
    expect(copy.Operation.S3PutObjectCopy.StorageClass).toBe('GLACIER');
    expect(copy.ManifestGenerator.S3JobManifestGenerator.Filter).toBeUndefined();
    // S3 takes one prefix, suffix or substring per job.
    const two = await t.cli(['jobs', 'create', '--generate', 's3://data/2024/', '--prefix', '2023/', '--tag', 'a=b', '--dry-run']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('takes one value');
    const stray = await t.cli(['jobs', 'create', '--objects', '-', '--suffix', '.jpg', '--tag', 'a=b'], { input: 'data/k\n' });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--suffix is a filter of --generate');
    const replicate = json<{ ManifestGenerator: { S3JobManifestGenerator: { Filter: unknown } } }>(await t.cli(['jobs', 'create', '--generate', 's3://data', '--replicate', '--dry-run']));
    expect(replicate.ManifestGenerator.S3JobManifestGenerator.Filter).toEqual({ EligibleForReplication: true });
  });

  it('--generate runs end to end: the matching objects are tagged and --save-manifest writes the manifest', async () => {
    const t = await setup();
    await putAll(t.s3, ['2024/a.jpg', '2024/b cat.jpg', '2024/c.png', '2023/d cat.jpg', 'e.jpg']);
    const r = await t.cli(['jobs', 'create', '--generate', 's3://data/2024/', '--suffix', '.jpg', '--save-manifest', 's3://reports/generated', '--tag', 'gen=yes', '--watch', '--interval', '0.2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Complete: 2 succeeded, 0 failed of 2 tasks/m);
    for (const [Key, tagged] of [['2024/a.jpg', true], ['2024/b cat.jpg', true], ['2024/c.png', false], ['2023/d cat.jpg', false], ['e.jpg', false]] as const) {
      const { TagSet } = await t.s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key }));
      expect([Key, TagSet]).toEqual([Key, tagged ? [{ Key: 'gen', Value: 'yes' }] : []]);
    }
    const { Contents } = await t.s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: 'generated/' }));
    expect((Contents ?? []).map((c) => c.Key!).filter((k) => k.endsWith('manifest.json') && !k.includes('/reports/'))).toHaveLength(1);
  });

  it('--from-json takes the whole create-job request (the AWS CLI input), filling AccountId and the token', async () => {
    const t = await setup();
    await putAll(t.s3, ['j1']);
    await t.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'm.csv', Body: 'data,j1\n' }));
    const head = await t.s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'm.csv' }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-cli-'));
    writeFileSync(
      path.join(dir, 'job.json'),
      JSON.stringify({
        ConfirmationRequired: false,
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'from', Value: 'json' }] } },
        Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::data/m.csv', ETag: head.ETag } },
        Report: { Enabled: false },
        Priority: 5,
        RoleArn: 'arn:aws:iam::111122223333:role/r',
      }),
    );
    const r = await t.cli(['jobs', 'create', '--from-json', 'job.json', '--watch', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(json<{ Job: JobDescriptor }>(r).Job).toMatchObject({ Status: 'Complete', Priority: 5 });
    const { TagSet } = await t.s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'j1' }));
    expect(TagSet).toEqual([{ Key: 'from', Value: 'json' }]);
    // Operation flags do not go with it.
    const both = await t.cli(['jobs', 'create', '--from-json', 'job.json', '--tag', 'a=b'], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--from-json holds the whole request');
  });

  it('usage errors exit 2 and say what to give', async () => {
    const t = await setup();
    const cases: [string[], string][] = [
      [['jobs', 'create', '--objects', '-'], 'say what to do to the objects'],
      [['jobs', 'create', '--tag', 'a=b'], 'say which objects'],
      [['jobs', 'create', '--objects', '-', '--tag', 'a=b', '--delete-tags'], 'a job runs one operation: --tag and --delete-tags'],
      [['jobs', 'create', '--objects', '-', '--tag', 'novalue'], '--tag takes key=value'],
      [['jobs', 'create', '--objects', '-', '--restore', 'two'], '--restore takes the number of days'],
      [['jobs', 'create', '--objects', '-', '--tag', 'a=b', '--priority', '-1'], '--priority is a whole number'],
      [['jobs', 'create', '--objects', '-', '--tag', 'a=b', '--storage-class', 'GLACIER'], '--storage-class belongs to --copy-to'],
      [['jobs', 'create', '--manifest', 'photos/m.csv', '--tag', 'a=b'], '--manifest must be an s3://bucket/key URL'],
      [['jobs', 'create', '--bogus'], "unknown option '--bogus'"],
      [['jobs', 'priority', 'only-an-id'], "missing required argument 'priority'"],
    ];
    for (const [args, message] of cases) {
      const r = await t.cli(args, { input: 's3://data/k\n' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });
});

describe('s3batch jobs watch, confirm, cancel, priority, tags, ls, describe', () => {
  it('watch follows a running job off a terminal, line by line, to its end', async () => {
    const t = await setup();
    const keys = Array.from({ length: 200 }, (_, i) => `w${i}`);
    await putAll(t.s3, keys);
    const created = await t.cli(['jobs', 'create', '--objects', '-', '--lambda', 'pace', '--arg', 'ms=100', '--json'], { input: keys.map((k) => `data/${k}`).join('\n') });
    const { JobId } = json<{ JobId: string }>(created);
    const r = await t.cli(['jobs', 'watch', JobId, '--interval', '0.2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const progress = lines.filter((l) => /^Active: \d+\/200 tasks \(\d+%\), .*, ETA .*, 0 failed$/.test(l));
    expect(progress.length, r.stdout).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => /^Complete: 200 succeeded, 0 failed of 200 tasks/.test(l))).toBe(true);
  });

  it('watch in a pseudo-terminal redraws one bar in place', async () => {
    const t = await setup();
    const keys = Array.from({ length: 200 }, (_, i) => `p${i}`);
    await putAll(t.s3, keys);
    const created = await t.cli(['jobs', 'create', '--objects', '-', '--lambda', 'pace', '--arg', 'ms=100', '--json'], { input: keys.map((k) => `data/${k}`).join('\n') });
    const { JobId } = json<{ JobId: string }>(created);
    const r = await runCliInPty(['jobs', 'watch', JobId], t.env);
    expect(r.code, r.stdout).toBe(0);
    // Every redraw returns to the line's start and clears it: the bar is drawn over itself.
    const ESC = String.fromCharCode(0x1b);
    const draws = r.stdout.split(new RegExp(`${ESC}\\[[0-9]*G`)).filter((d) => /\d+\/200 \|/.test(d));
    expect(draws.length, JSON.stringify(r.stdout)).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toMatch(new RegExp(`${ESC}\\[[0-9]*K`));
    expect(r.stdout).toMatch(/100% 200\/200 \| .* \| 0 failed/);
    // Only one line of bar: no line break between the redraws.
    const barLines = r.stdout.split(/\r?\n/).filter((l) => /\d+\/200 \|/.test(l));
    expect(barLines.length).toBe(1);
    expect(r.stdout).toMatch(/Complete: 200 succeeded, 0 failed of 200 tasks/);
  });

  it('--confirmation-required waits in Suspended (watch says how to confirm); confirm runs it; exit codes 4 Failed and 5 Cancelled', async () => {
    const t = await setup();
    await putAll(t.s3, ['c1']);
    const created = await t.cli(['jobs', 'create', '--objects', '-', '--tag', 'a=b', '--confirmation-required'], { input: 'data/c1\n' });
    expect(created.code).toBe(0);
    const jobId = /created job (\S+)/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain(`it waits for confirmation: s3batch jobs confirm ${jobId}`);
    await until(controlClient(t.server), jobId, ['Suspended']);
    const watching = t.cli(['jobs', 'watch', jobId, '--interval', '0.2']);
    await new Promise((r) => setTimeout(r, 1500));
    const confirmed = await t.cli(['jobs', 'confirm', jobId, '--json']);
    expect(json<{ Status: string }>(confirmed).Status).toBe('Ready');
    const watched = await watching;
    expect(watched.stdout).toContain(`Suspended: waiting for confirmation: s3batch jobs confirm ${jobId}`);
    expect(watched.code).toBe(0);

    // Cancelled: 5.
    const second = await t.cli(['jobs', 'create', '--objects', '-', '--tag', 'a=b', '--confirmation-required', '--json'], { input: 'data/c1\n' });
    const secondId = json<{ JobId: string }>(second).JobId;
    await until(controlClient(t.server), secondId, ['Suspended']);
    const cancelled = await t.cli(['jobs', 'cancel', secondId, '--reason', 'not today']);
    expect(cancelled).toMatchObject({ code: 0, stdout: `job ${secondId} is Cancelled\n` });
    expect((await t.cli(['jobs', 'watch', secondId])).code).toBe(5);

    // Failed (a manifest that is not CSV of Bucket,Key): 4, with the reason printed.
    await t.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'bad.csv', Body: 'only-one-column\n' }));
    const failed = await t.cli(['jobs', 'create', '--manifest', 's3://data/bad.csv', '--tag', 'a=b', '--watch']);
    expect(failed.code).toBe(4);
    expect(failed.stdout).toMatch(/^Failed: 0 succeeded, 0 failed of 0 tasks/m);
    expect(failed.stdout).toMatch(/^ {2}\S+: .+/m);
  });

  it('ls (every page, --status), describe, priority and tags, as tables and as JSON', async () => {
    const t = await setup();
    await putAll(t.s3, ['l1']);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.cli(['jobs', 'create', '--objects', '-', '--tag', 'a=b', '--confirmation-required', '--description', `job <${i}>`, '--json'], { input: 'data/l1\n' });
      ids.push(json<{ JobId: string }>(r).JobId);
    }
    for (const id of ids) await until(controlClient(t.server), id, ['Suspended']);
    // Pages of two: every page is read.
    const ls = await t.cli(['jobs', 'ls', '--status', 'suspended', '--json', '--page-size', '2']);
    expect(json<{ Jobs: { JobId: string }[] }>(ls).Jobs.map((j) => j.JobId).sort()).toEqual([...ids].sort());
    expect(json<{ Jobs: unknown[] }>(await t.cli(['jobs', 'ls', '--status', 'Active', '--json'])).Jobs).toEqual([]);
    const table = await t.cli(['jobs', 'ls']);
    expect(table.stdout.split('\n')[0]).toMatch(/^JOB ID\s+STATUS\s+OPERATION\s+PRI\s+PROGRESS\s+FAILED\s+CREATED\s+DESCRIPTION$/);
    expect(table.stdout).toMatch(new RegExp(`^${ids[0]}\\s+Suspended\\s+S3PutObjectTagging\\s+10\\s+0/1 0%\\s+0\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+job <0>$`, 'm'));
    expect((await t.cli(['jobs', 'ls', '--status', 'Sleeping'])).code).toBe(2);

    const prio = await t.cli(['jobs', 'priority', ids[0]!, '77', '--json']);
    expect(json<{ Priority: number }>(prio).Priority).toBe(77);
    const described = json<{ Job: JobDescriptor }>(await t.cli(['jobs', 'describe', ids[0]!, '--json'])).Job;
    expect(described).toMatchObject({ JobId: ids[0], Priority: 77, Status: 'Suspended', Description: 'job <0>' });
    expect(typeof described.CreationTime).toBe('string');
    const human = await t.cli(['jobs', 'describe', ids[0]!]);
    expect(human.stdout).toMatch(/^Status\s+Suspended$/m);
    expect(human.stdout).toMatch(/^Operation\s+S3PutObjectTagging \{"TagSet":\[\{"Key":"a","Value":"b"\}\]\}$/m);

    expect(json<{ Tags: unknown[] }>(await t.cli(['jobs', 'tags', ids[1]!, 'k1=v1', 'k2=a=b', '--json'])).Tags).toEqual([{ Key: 'k1', Value: 'v1' }, { Key: 'k2', Value: 'a=b' }]);
    expect(json<{ Tags: unknown[] }>(await t.cli(['jobs', 'tags', ids[1]!, 'k1=new', '--json'])).Tags).toEqual([{ Key: 'k1', Value: 'new' }, { Key: 'k2', Value: 'a=b' }]);
    expect(json<{ Tags: unknown[] }>(await t.cli(['jobs', 'tags', ids[1]!, '--delete', 'k2', '--json'])).Tags).toEqual([{ Key: 'k1', Value: 'new' }]);
    expect(json<{ Tags: unknown[] }>(await t.cli(['jobs', 'tags', ids[1]!, '--delete', '--json'])).Tags).toEqual([]);
    expect((await t.cli(['jobs', 'tags', ids[1]!])).stdout).toBe(`job ${ids[1]} has no tags\n`);
  });
});

describe('s3batch jobs report and rerun-failed', () => {
  it('report counts by error code and prints the failed rows; rerun-failed makes a job of exactly those rows', async () => {
    const t = await setup();
    const present = ['ok 1.txt', 'ok+2.txt'];
    const missing = ['gone 1.txt', 'gone%2.txt', 'x,y.txt'];
    await putAll(t.s3, present);
    const file = objectsFile([...present, ...missing].map((k) => `s3://data/${k}`));
    const first = await t.cli(['jobs', 'create', '--objects', file, '--tag', 'run=1', '--report', 's3://reports/runs', '--watch']);
    expect(first.code).toBe(3);
    const jobId = /created job (\S+)/.exec(first.stdout)![1]!;

    const report = await t.cli(['jobs', 'report', jobId]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`job ${jobId} Complete: 2 succeeded, 3 failed of 5 tasks`);
    expect(report.stdout).toMatch(/^NoSuchKey\s+3$/m);
    // Keys as a person reads them (the report holds them URL-encoded, as the manifest did).
    expect(report.stdout).toMatch(/^data\s+gone 1\.txt\s+404\s+NoSuchKey\s+The specified key does not exist\.$/m);
    const summary = json<{ ErrorCodes: Record<string, number>; TaskStatuses: Record<string, number>; FirstFailures: { key: string }[] }>(await t.cli(['jobs', 'report', jobId, '--json']));
    expect(summary.ErrorCodes).toEqual({ NoSuchKey: 3 });
    expect(summary.TaskStatuses).toEqual({ failed: 3 });
    const csv = await t.cli(['jobs', 'report', jobId, '--csv']);
    expect(csv.stdout.trim().split('\n').sort()).toEqual(
      ['gone%201.txt', 'gone%252.txt', 'x%2Cy.txt'].map((k) => `data,${k},,failed,404,NoSuchKey,The specified key does not exist.`).sort(),
    );

    // The missing objects appear; the rerun runs exactly the three, with the same operation and report.
    await putAll(t.s3, missing);
    const dry = json<{ Operation: unknown; Report: unknown; Description: string }>(await t.cli(['jobs', 'rerun-failed', jobId, '--dry-run']));
    expect(dry.Operation).toEqual({ S3PutObjectTagging: { TagSet: [{ Key: 'run', Value: '1' }] } });
    expect(dry.Description).toBe(`Failed tasks of ${jobId}`);
    expect((await listJobs(t.server)).length).toBe(1);
    const rerun = await t.cli(['jobs', 'rerun-failed', jobId, '--watch', '--interval', '0.2']);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/over the 3 failed tasks of/);
    expect(rerun.stdout).toMatch(/^Complete: 3 succeeded, 0 failed of 3 tasks/m);
    for (const Key of missing) {
      const { TagSet } = await t.s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key }));
      expect(TagSet, Key).toEqual([{ Key: 'run', Value: '1' }]);
    }
    const second = /created job (\S+)/.exec(rerun.stdout)![1]!;
    const job = await describeJob(controlClient(t.server), second);
    expect(job.Report).toMatchObject({ Bucket: 'arn:aws:s3:::reports', Prefix: 'runs', ReportScope: 'FailedTasksOnly' });
    expect(job.Manifest?.Location?.ObjectArn).toMatch(/^arn:aws:s3:::reports\/runs\/manifests\/\d{8}T\d{6}Z-[0-9a-f]{8}\.csv$/);

    // A job that is not finished has nothing to rerun yet; one without failures neither.
    const none = await t.cli(['jobs', 'rerun-failed', second]);
    expect(none).toMatchObject({ code: 1 });
    expect(none.stderr).toContain(`job ${second} has no failed task to run again`);
  });
});

describe('endpoint, account and credentials', () => {
  it('takes credentials from a profile of the shared files (--profile), and explains wrong ones', async () => {
    const t = await setup();
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-cli-'));
    const credentials = path.join(dir, 'credentials');
    writeFileSync(credentials, `[batch]\naws_access_key_id = ${ACCOUNT_B.accessKeyId}\naws_secret_access_key = ${ACCOUNT_B.secretAccessKey}\n[wrong]\naws_access_key_id = ${ACCOUNT_B.accessKeyId}\naws_secret_access_key = nope\n`);
    const env = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: credentials };
    const s3b = s3Client(t.server, ACCOUNT_B);
    await createBuckets(s3b, ['bbdata']);
    await putAll(s3b, ['k'], 'bbdata');
    const r = await t.cli(['jobs', 'create', '--profile', 'batch', '--objects', '-', '--tag', 'a=b', '--json'], { input: 's3://bbdata/k\n', env });
    expect(r.code, r.stderr).toBe(0);
    expect(await listJobs(t.server, ACCOUNT_B)).toEqual([json<{ JobId: string }>(r).JobId]);
    // AWS_PROFILE works the same way.
    expect((await t.cli(['jobs', 'ls', '--json'], { env: { ...env, AWS_PROFILE: 'batch' } })).code).toBe(0);

    const wrong = await t.cli(['jobs', 'ls', '--profile', 'wrong'], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^s3batch: the secret access key of AKIDBBBB is wrong/);
    const unknown = await t.cli(['jobs', 'ls', '--access-key-id', 'AKIDNONE', '--secret-access-key', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`the server at ${t.server.url} does not know the access key AKIDNONE`);
    // No credentials at all, and not the default local endpoint: no built-in key is sent.
    const none = await t.cli(['jobs', 'ls'], { env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no AWS credentials found');
    expect(none.stderr).not.toContain('    at ');
  });

  it('--account-id and S3BATCH_ACCOUNT_ID skip STS; another account is refused; no server says how to start one; --debug adds the stack', async () => {
    const t = await setup();
    const mine = await t.cli(['jobs', 'ls', '--json'], { env: { S3BATCH_ACCOUNT_ID: ACCOUNT_A.accountId } });
    expect(mine.code).toBe(0);
    const other = await t.cli(['jobs', 'ls', '--account-id', ACCOUNT_B.accountId]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^s3batch: AccessDenied: /);
    expect((await t.cli(['jobs', 'ls', '--account-id', '12345'])).stderr).toContain('--account-id must be a 12-digit AWS account id');
    const noSuchJob = await t.cli(['jobs', 'describe', '00000000-0000-4000-8000-000000000000']);
    expect(noSuchJob.code).toBe(1);
    expect(noSuchJob.stderr).toContain('no such job 00000000-0000-4000-8000-000000000000 in this account');

    const port = Number(new URL(t.server.url).port);
    await t.server.close();
    const down = await t.cli(['jobs', 'ls', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^s3batch: no s3batch server answers at http://127.0.0.1:${port} \\(ECONNREFUSED\\)`));
    expect(down.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const debug = await t.cli(['jobs', 'ls', '--endpoint', `http://127.0.0.1:${port}`, '--debug']);
    expect(debug.stderr).toMatch(/\n {4}at /);
  });

  it('--help of every command shows examples; --version prints the version', async () => {
    for (const cmd of [[], ['jobs'], ...['create', 'ls', 'describe', 'watch', 'confirm', 'cancel', 'priority', 'tags', 'report', 'rerun-failed'].map((c) => ['jobs', c]), ['serve']]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toContain('Examples:');
    }
    const v = await runCli(['--version']);
    expect(v).toMatchObject({ code: 0 });
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
