/**
 * The account walls on a remote store (issue 9): the engine server reaches the store server as
 * each job's own account, with the credentials of `storage.accounts`. The store has the same two
 * accounts with their own keys, so it answers B's key `403 AccessDenied` on A's buckets: B's job
 * reads its manifest, tags objects and writes its report in B's buckets only, and A's objects
 * stay untouched. Also: the start-up warning when accounts share credentials (and what it warns
 * of, shown), and an account with no credentials, whose jobs fail saying so and send nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectTaggingCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, UpdateJobStatusCommand, type JobDescriptor, type JobReport, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { afterEach, describe, expect, it } from 'vitest';
import { createBuckets, objectText, putAll, type ReportManifest } from '../helpers/engine-jobs.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, REGION, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';
import { capturingLogger } from '../object-store/legacy-metadata.js';

type Account = typeof ACCOUNT_A;

const dirs: string[] = [];
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes `content` as a config file; returns its path. */
async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-config-'));
  dirs.push(dir);
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

const keysOf = (account: Account): { accessKeyId: string; secretAccessKey: string } => ({
  accessKeyId: account.accessKeyId,
  secretAccessKey: account.secretAccessKey,
});

/** The engine server, storing in `endpoint` as `storage` says; its log lines at warn and above are kept. */
async function engineServer(endpoint: string, storage: Record<string, unknown>, env: Record<string, string> = {}) {
  const { logger, lines } = capturingLogger();
  const config = await configFile({ storage: { endpoint, region: REGION, ...storage } });
  const server = await startTestServer({ S3BATCH_CONFIG: config, ...env }, undefined, { engine: true, logger });
  return { server, lines };
}

/** A's buckets are data, manifests, reports; B's the same names prefixed `b-`. */
async function storeWithTwoAccounts(): Promise<{ store: TestServer; s3A: S3Client; s3B: S3Client }> {
  const store = await startTestServer();
  const s3A = s3Client(store, ACCOUNT_A);
  const s3B = s3Client(store, ACCOUNT_B);
  await createBuckets(s3A);
  await createBuckets(s3B, ['b-data', 'b-manifests', 'b-reports']);
  await putAll(s3A, ['a/1', 'a/2']);
  await putAll(s3B, ['b/1', 'b/2'], 'b-data');
  return { store, s3A, s3B };
}

const report = (bucket: string): JobReport => ({ Enabled: true, Bucket: `arn:aws:s3:::${bucket}`, Prefix: 'out', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' });

/** Puts the manifest with `s3` into `manifestBucket` and creates a tagging job of `account` over it. */
async function taggingJob(
  control: S3ControlClient,
  account: Account,
  s3: S3Client,
  manifestBucket: string,
  lines: readonly string[],
  reportBucket: string,
  over: Parameters<typeof jobInput>[0] = {},
): Promise<string> {
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: manifestBucket, Key: 'm.csv', Body: lines.map((l) => `${l}\n`).join('') }));
  const { JobId } = await control.send(
    new CreateJobCommand(
      jobInput(
        {
          Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: `arn:aws:s3:::${manifestBucket}/m.csv`, ETag: ETag! } },
          Report: report(reportBucket),
          ...over,
        },
        account,
      ),
    ),
  );
  return JobId!;
}

async function ended(control: S3ControlClient, account: Account, jobId: string, statuses = ['Complete', 'Failed', 'Cancelled']): Promise<JobDescriptor> {
  const end = Date.now() + 25_000;
  for (;;) {
    const { Job } = await control.send(new DescribeJobCommand({ AccountId: account.accountId, JobId: jobId }));
    if (statuses.includes(Job!.Status!)) return Job!;
    if (Date.now() > end) throw new Error(`job ${jobId} is still ${Job!.Status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The rows of a job's report in `bucket` (read with `s3`), cut to bucket,key,,status,http,code. */
async function rows(s3: S3Client, bucket: string, jobId: string): Promise<string[]> {
  const manifest = JSON.parse(await objectText(s3, bucket, `out/job-${jobId}/manifest.json`)) as ReportManifest;
  const all: string[] = [];
  for (const r of manifest.Results) all.push(...(await objectText(s3, bucket, r.Key)).split('\n').filter(Boolean));
  return all.map((r) => r.split(',').slice(0, 6).join(',')).sort();
}

async function tagsOf(s3: S3Client, Bucket: string, Key: string): Promise<unknown> {
  return (await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet;
}

const BLUE = [{ Key: 'project', Value: 'blue' }];
const SHARED = /share one set of credentials, so on the remote store their jobs can act on each other's objects/;

describe('account walls on a remote store (storage.accounts)', () => {
  it("reads the manifest, runs the tasks and writes the report as the job's own account: B's job cannot touch A's objects", async () => {
    const { store, s3A, s3B } = await storeWithTwoAccounts();
    const { server: engine, lines } = await engineServer(store.url, {
      accounts: { [ACCOUNT_A.accountId]: keysOf(ACCOUNT_A), [ACCOUNT_B.accountId]: keysOf(ACCOUNT_B) },
    });
    const controlA = controlClient(engine, ACCOUNT_A);
    const controlB = controlClient(engine, ACCOUNT_B);

    // B's manifest names B's objects and A's; B's report goes to B's bucket. A's job runs at the same time.
    const jobB = await taggingJob(controlB, ACCOUNT_B, s3B, 'b-manifests', ['b-data,b/1', 'data,a/1', 'b-data,b/2', 'data,a/2'], 'b-reports');
    const jobA = await taggingJob(controlA, ACCOUNT_A, s3A, 'manifests', ['data,a/1'], 'reports');
    const [b, a] = await Promise.all([ended(controlB, ACCOUNT_B, jobB), ended(controlA, ACCOUNT_A, jobA)]);

    expect(b.Status).toBe('Complete');
    expect(b.FailureReasons ?? []).toEqual([]);
    expect(b.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 4, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 2 });
    expect(await rows(s3B, 'b-reports', jobB)).toEqual([
      'b-data,b/1,,succeeded,200,',
      'b-data,b/2,,succeeded,200,',
      'data,a/1,,failed,403,AccessDenied',
      'data,a/2,,failed,403,AccessDenied',
    ]);
    expect(await tagsOf(s3B, 'b-data', 'b/1')).toEqual(BLUE);
    expect(await tagsOf(s3A, 'data', 'a/2')).toEqual([]);
    // A's job, with A's credentials, did tag A's object.
    expect(a.Status).toBe('Complete');
    expect(a.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 1 });
    expect(await rows(s3A, 'reports', jobA)).toEqual(['data,a/1,,succeeded,200,']);
    expect(await tagsOf(s3A, 'data', 'a/1')).toEqual(BLUE);
    expect(lines.filter((l) => SHARED.test(String(l.msg)))).toEqual([]);

    // B names A's manifest: refused by the store, so the job fails in preparation.
    const { ETag } = await s3A.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'a.csv', Body: 'data,a/2\n' }));
    const { JobId: stolen } = await controlB.send(
      new CreateJobCommand(
        jobInput(
          {
            Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::manifests/a.csv', ETag: ETag! } },
            Report: report('b-reports'),
          },
          ACCOUNT_B,
        ),
      ),
    );
    const refused = await ended(controlB, ACCOUNT_B, stolen!);
    expect(refused.Status).toBe('Failed');
    expect(refused.FailureReasons).toEqual([{ FailureCode: 'ManifestAccessDenied', FailureReason: 'Reading the manifest is forbidden: AccessDenied' }]);

    // B writes its report into A's bucket: refused, and nothing lands there.
    const intoA = await taggingJob(controlB, ACCOUNT_B, s3B, 'b-manifests', ['b-data,b/2'], 'reports');
    const noReport = await ended(controlB, ACCOUNT_B, intoA);
    expect(noReport.Status).toBe('Complete');
    expect(noReport.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 1 });
    expect(noReport.FailureReasons).toEqual([{ FailureCode: 'ReportWriteFailed', FailureReason: expect.stringMatching(/^The job report could not be written to your report bucket: AccessDenied/) }]);
    await expect(objectText(s3A, 'reports', `out/job-${intoA}/manifest.json`)).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it("an entry's own endpoint sends that account's jobs to its own store", async () => {
    const { store, s3A } = await storeWithTwoAccounts();
    const storeB = await startTestServer();
    const s3B2 = s3Client(storeB, ACCOUNT_B);
    await createBuckets(s3B2, ['b-data', 'b-manifests', 'b-reports']);
    await putAll(s3B2, ['b/1'], 'b-data');
    const { server: engine } = await engineServer(store.url, {
      accounts: { [ACCOUNT_A.accountId]: keysOf(ACCOUNT_A), [ACCOUNT_B.accountId]: { ...keysOf(ACCOUNT_B), endpoint: storeB.url } },
    });
    const controlB = controlClient(engine, ACCOUNT_B);
    const jobB = await taggingJob(controlB, ACCOUNT_B, s3B2, 'b-manifests', ['b-data,b/1'], 'b-reports');
    expect((await ended(controlB, ACCOUNT_B, jobB)).Status).toBe('Complete');
    expect(await tagsOf(s3B2, 'b-data', 'b/1')).toEqual(BLUE);
    expect(await rows(s3B2, 'b-reports', jobB)).toEqual(['b-data,b/1,,succeeded,200,']);
    // The default store holds B's buckets too (storeWithTwoAccounts): the job did not go there.
    expect(await tagsOf(s3Client(store, ACCOUNT_B), 'b-data', 'b/1')).toEqual([]);
    expect(await tagsOf(s3A, 'data', 'a/1')).toEqual([]);
  });

  it("warns once at start-up when accounts share credentials, and what it warns of is so: B's job tags A's objects", async () => {
    const { store, s3A } = await storeWithTwoAccounts();
    // The defaults only: both accounts' jobs act as A on the store.
    const { server: engine, lines } = await engineServer(store.url, { ...keysOf(ACCOUNT_A) });
    const warnings = lines.filter((l) => SHARED.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      shared: [{ endpoint: store.url, accessKeyId: ACCOUNT_A.accessKeyId, accounts: [ACCOUNT_A.accountId, ACCOUNT_B.accountId] }],
    });
    expect(String(warnings[0]!.msg)).toContain(`accounts ${ACCOUNT_A.accountId}, ${ACCOUNT_B.accountId} (access key ${ACCOUNT_A.accessKeyId} at ${store.url})`);
    expect(String(warnings[0]!.msg)).toContain('storage.accounts');
    expect(JSON.stringify(lines)).not.toContain(ACCOUNT_A.secretAccessKey);

    const controlB = controlClient(engine, ACCOUNT_B);
    const jobB = await taggingJob(controlB, ACCOUNT_B, s3A, 'manifests', ['data,a/1'], 'reports');
    expect((await ended(controlB, ACCOUNT_B, jobB)).ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 1 });
    expect(await tagsOf(s3A, 'data', 'a/1')).toEqual(BLUE);
  });

  it('warns of accounts sharing credentials however they got them, and not of accounts with their own', async () => {
    const store = await startTestServer();
    // A's entry and the defaults are one key: B (unmapped) shares it with A.
    const viaDefaults = await engineServer(store.url, { ...keysOf(ACCOUNT_A), accounts: { [ACCOUNT_A.accountId]: keysOf(ACCOUNT_A) } });
    expect(viaDefaults.lines.filter((l) => SHARED.test(String(l.msg)))).toMatchObject([{ shared: [{ accounts: [ACCOUNT_A.accountId, ACCOUNT_B.accountId] }] }]);
    await viaDefaults.server.close();
    // Two entries, one key.
    const viaEntries = await engineServer(store.url, { accounts: { [ACCOUNT_A.accountId]: keysOf(ACCOUNT_B), [ACCOUNT_B.accountId]: keysOf(ACCOUNT_B) } });
    expect(viaEntries.lines.filter((l) => SHARED.test(String(l.msg)))).toMatchObject([{ shared: [{ accessKeyId: ACCOUNT_B.accessKeyId }] }]);
    await viaEntries.server.close();
    // B mapped, A alone on the defaults: nobody shares.
    const own = await engineServer(store.url, { ...keysOf(ACCOUNT_A), accounts: { [ACCOUNT_B.accountId]: keysOf(ACCOUNT_B) } });
    expect(own.lines).toEqual([]);
  });

  it('an account with no credentials: its jobs fail saying what to configure, and send nothing to the store', async () => {
    const { store, s3A, s3B } = await storeWithTwoAccounts();
    const proxy = await startFaultProxy({ target: store.url });
    proxies.push(proxy);
    // No defaults; only B is mapped.
    const { server: engine, lines } = await engineServer(proxy.url, { accounts: { [ACCOUNT_B.accountId]: keysOf(ACCOUNT_B) } });
    expect(lines.map((l) => l.msg)).toEqual([
      `remote store: accounts ${ACCOUNT_A.accountId} have no credentials there (no storage.accounts entry, no S3BATCH_STORAGE_ACCESS_KEY_ID): their jobs fail with NoStoreCredentials and send nothing`,
    ]);

    const controlA = controlClient(engine, ACCOUNT_A);
    const jobA = await taggingJob(controlA, ACCOUNT_A, s3A, 'manifests', ['data,a/1'], 'reports');
    const failed = await ended(controlA, ACCOUNT_A, jobA);
    expect(failed.Status).toBe('Failed');
    expect(failed.FailureReasons).toEqual([
      {
        FailureCode: 'ManifestAccessDenied',
        FailureReason:
          `Cannot read the manifest: s3batch has no credentials for account ${ACCOUNT_A.accountId} on its remote store: the operator maps the account in ` +
          'storage.accounts of the config file, or sets S3BATCH_STORAGE_ACCESS_KEY_ID and S3BATCH_STORAGE_SECRET_ACCESS_KEY',
      },
    ]);
    expect(proxy.counts.requests).toBe(0);

    // B's jobs are not held up by it.
    const controlB = controlClient(engine, ACCOUNT_B);
    const jobB = await taggingJob(controlB, ACCOUNT_B, s3B, 'b-manifests', ['b-data,b/1'], 'b-reports');
    expect((await ended(controlB, ACCOUNT_B, jobB)).Status).toBe('Complete');
    expect(await tagsOf(s3B, 'b-data', 'b/1')).toEqual(BLUE);
    expect(proxy.counts.requests).toBeGreaterThan(0);
    expect(await tagsOf(s3A, 'data', 'a/1')).toEqual([]);
  });

  it('a job prepared while its account had credentials runs into NoStoreCredentials once they are gone', async () => {
    const { store, s3A } = await storeWithTwoAccounts();
    const both = { [ACCOUNT_A.accountId]: keysOf(ACCOUNT_A), [ACCOUNT_B.accountId]: keysOf(ACCOUNT_B) };
    const first = await engineServer(store.url, { accounts: both });
    const jobA = await taggingJob(controlClient(first.server, ACCOUNT_A), ACCOUNT_A, s3A, 'manifests', ['data,a/1'], 'reports', { ConfirmationRequired: true });
    expect((await ended(controlClient(first.server, ACCOUNT_A), ACCOUNT_A, jobA, ['Suspended', 'Failed'])).Status).toBe('Suspended');
    await first.server.close();

    const config = await configFile({ storage: { endpoint: store.url, region: REGION, accounts: { [ACCOUNT_B.accountId]: keysOf(ACCOUNT_B) } } });
    const again = await startTestServer({ S3BATCH_CONFIG: config }, first.server.dataDir, { engine: true });
    const control = controlClient(again, ACCOUNT_A);
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobA, RequestedJobStatus: 'Ready' }));
    const job = await ended(control, ACCOUNT_A, jobA);
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 1 });
    expect(job.FailureReasons).toEqual([
      {
        FailureCode: 'ReportWriteFailed',
        FailureReason: expect.stringMatching(/^The job report could not be written to your report bucket: NoStoreCredentials \(s3batch has no credentials for account 111122223333 on its remote store/),
      },
    ]);
    expect(await tagsOf(s3A, 'data', 'a/1')).toEqual([]);
  });
});
