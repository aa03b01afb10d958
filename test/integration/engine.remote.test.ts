/**
 * The engine against a remote S3-compatible store (S3BATCH_STORAGE_ENDPOINT): server B is the
 * store, server A runs the engine. Everything the job touches — manifest, objects, report — lives
 * in B, and A's embedded store must receive nothing. Then the same through a proxy that injects
 * SlowDown answers and broken connections: transient faults are retried until every task
 * succeeds; a permanent one (NoSuchKey) is reported after exactly one request. And an endpoint
 * that is no S3 at all (a wrong port) fails the job after one request, saying what answered.
 */
import net from 'node:net';
import { GetObjectTaggingCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { CreateJobCommand } from '@aws-sdk/client-s3-control';
import { afterEach, describe, expect, it } from 'vitest';
import { createBuckets, createTaggingJob, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, remoteStoreEnv, startRemotePair, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** B: the store (no engine). A: the engine, storing in `endpoint` as ACCOUNT_A of B. */
const pair = (endpointOf: (store: TestServer) => Promise<string>): Promise<{ store: TestServer; engine: TestServer }> => startRemotePair({}, endpointOf);

async function expectEmbeddedStoreEmpty(server: TestServer): Promise<void> {
  for (const account of [ACCOUNT_A, ACCOUNT_B]) {
    expect(await server.objects.listBuckets(account.accountId)).toEqual([]);
    const listed = await s3Client(server, account).send(new ListBucketsCommand({}));
    expect(listed.Buckets ?? []).toEqual([]);
  }
}

describe('engine with a remote store', () => {
  it('runs a tagging job created on A entirely in B; A stores nothing', async () => {
    const { store, engine } = await pair(async (b) => b.url);
    const s3 = s3Client(store);
    await createBuckets(s3);
    const keys = Array.from({ length: 300 }, (_, i) => `k/${i}`);
    await putAll(s3, keys);
    const jobId = await createTaggingJob(s3, controlClient(engine), keys.map((k) => `data,${k}`));

    const job = await until(controlClient(engine), jobId, ['Complete', 'Failed']);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 300, NumberOfTasksSucceeded: 300, NumberOfTasksFailed: 0 });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'k/299' }));
    expect(tags.TagSet).toEqual([{ Key: 'project', Value: 'blue' }]);
    const rows = await reportRows(s3, jobId);
    expect(rows.map((r) => r.split(',').slice(0, 4).join(',')).sort()).toEqual(keys.map((k) => `data,${k},,succeeded`).sort());
    await expectEmbeddedStoreEmpty(engine);
  });

  it('completes through 10 % SlowDown and 1 % broken connections, and never retries NoSuchKey', async () => {
    const missing = '/data/no/such/key?tagging=';
    let proxy: FaultProxy | undefined;
    const { store, engine } = await pair(async (b) => {
      proxy = await startFaultProxy({ target: b.url, slowDownRate: 0.1, resetRate: 0.01, spare: (path) => path === missing });
      proxies.push(proxy);
      return proxy.url;
    });
    const s3 = s3Client(store);
    await createBuckets(s3);
    const keys = Array.from({ length: 1_000 }, (_, i) => `f/${i}`);
    await putAll(s3, keys);
    const lines = [...keys.map((k) => `data,${k}`), 'data,no/such/key'];
    const jobId = await createTaggingJob(s3, controlClient(engine), lines);

    const job = await until(controlClient(engine), jobId, ['Complete', 'Failed'], 28_000);
    expect(job.FailureReasons ?? []).toEqual([]);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1_001, NumberOfTasksSucceeded: 1_000, NumberOfTasksFailed: 1 });
    // The faults did happen, to the tasks as well as to the manifest and report requests.
    expect(proxy!.counts.slowDowns).toBeGreaterThan(50);
    expect(proxy!.counts.resets).toBeGreaterThan(0);
    expect(proxy!.seen.get(`PUT ${missing}`)).toBe(1);
    const rows = await reportRows(s3, jobId);
    expect(rows).toHaveLength(1_001);
    expect(rows.filter((r) => r.includes(',succeeded,200,,'))).toHaveLength(1_000);
    expect(rows.find((r) => r.startsWith('data,no/such/key,'))).toMatch(/,failed,404,NoSuchKey,/);
    await expectEmbeddedStoreEmpty(engine);
  }, 40_000);

  it('an endpoint that answers no HTTP (a wrong port) fails the job in preparation after one connection, naming the parser error', async () => {
    const connections: net.Socket[] = [];
    const notS3 = net.createServer((socket) => {
      connections.push(socket);
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    });
    await new Promise<void>((resolve) => notS3.listen(0, '127.0.0.1', resolve));
    try {
      const engine = await startTestServer(remoteStoreEnv(`http://127.0.0.1:${(notS3.address() as net.AddressInfo).port}`), undefined, { engine: true });
      const control = controlClient(engine);
      const { JobId } = await control.send(new CreateJobCommand(jobInput()));
      const job = await until(control, JobId!, ['Failed', 'Complete', 'Suspended', 'Ready', 'Active']);
      expect(job.Status).toBe('Failed');
      expect(job.FailureReasons).toEqual([{ FailureCode: 'ManifestReadFailed', FailureReason: expect.stringMatching(/^Reading the manifest failed: HPE_[A-Z_]+$/) }]);
      expect(connections).toHaveLength(1);
    } finally {
      await new Promise((resolve) => notS3.close(resolve));
    }
  });
});
