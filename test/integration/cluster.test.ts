/**
 * Several s3batch processes on one PostgreSQL schema and one store (a separate s3batch server
 * standing for S3): a 30,000-task job survives two of its three nodes being SIGKILLed mid-job and
 * completes with exact counts and an exact report (each manifest line once). Also what a cluster
 * refuses at start-up: a worker on SQLite, a live node's id, and a node without
 * S3BATCH_STORAGE_ENDPOINT while another serves the embedded store (naming its URL).
 */
import os from 'node:os';

import { afterAll, describe, expect, it } from 'vitest';

import { createBuckets, createTaggingJob, describe as describeJob, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { refusedStart, startNodeProcess } from '../helpers/node-process.js';
import { dropSchema, postgresUrl, testSchemaName } from '../helpers/postgres.js';
import { controlClient, remoteStoreEnv, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const url = postgresUrl();
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(url, s);
});

function database(): Record<string, string> {
  const schema = testSchemaName('cluster_e2e');
  schemas.push(schema);
  return { S3BATCH_DATABASE_URL: url, S3BATCH_DATABASE_SCHEMA: schema };
}

describe('a cluster of processes', () => {
  it('runs a 30,000-task job on three nodes, two of them SIGKILLed mid-job: exact counts, each manifest line reported once', async () => {
    const store = await startTestServer();
    const s3 = s3Client(store);
    await createBuckets(s3);
    const keys = Array.from({ length: 1_000 }, (_, i) => `obj/${i}`);
    await putAll(s3, keys);
    // 29,700 tasks on existing objects (each object 29.7 times over) and 300 on missing ones.
    const lines = Array.from({ length: 30_000 }, (_, i) => (i % 100 === 99 ? `data,missing/${i}` : `data,obj/${i % 1_000}`));

    const env = { ...database(), ...remoteStoreEnv(store.url), S3BATCH_LEASE_MS: '2000', S3BATCH_CHUNK_SIZE: '500', S3BATCH_CONCURRENCY: '16' };
    const a = await startNodeProcess('serve', env);
    const b = await startNodeProcess('serve', env);
    const c = await startNodeProcess('worker', env);
    const viaB = controlClient({ url: b.url! });

    const jobId = await createTaggingJob(s3, controlClient({ url: a.url! }), lines);
    const progressed = async (n: number): Promise<void> => {
      const end = Date.now() + 60_000;
      for (;;) {
        const job = await describeJob(viaB, jobId);
        const done = (job.ProgressSummary?.NumberOfTasksSucceeded ?? 0) + (job.ProgressSummary?.NumberOfTasksFailed ?? 0);
        if (done >= n || job.Status === 'Complete') return;
        if (Date.now() > end) throw new Error(`the job did only ${done} tasks`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const t0 = Date.now();
    await progressed(5_000);
    await c.kill();
    const t1 = Date.now();
    await progressed(12_000);
    await a.kill();
    const t2 = Date.now();

    const job = await until(viaB, jobId, ['Complete', 'Failed'], 90_000);
    console.log(`cluster: 5,000 tasks in ${t1 - t0} ms, 12,000 in ${t2 - t0} ms, Complete after ${Date.now() - t0} ms`);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 30_000, NumberOfTasksSucceeded: 29_700, NumberOfTasksFailed: 300 });
    const rows = await reportRows(s3, jobId);
    expect(rows).toHaveLength(30_000);
    // each line of the manifest exactly once (duplicated lines as often as the manifest has them)
    expect(rows.map((r) => r.split(',').slice(0, 2).join(',')).sort()).toEqual([...lines].sort());
    expect(rows.filter((r) => /,failed,404,NoSuchKey,/.test(r))).toHaveLength(300);
  }, 180_000);

  it('lists a generated manifest on one node at a time: the other takes the listing over only once the lister died', async () => {
    const store = await startTestServer();
    const s3 = s3Client(store);
    await createBuckets(s3);
    const keys = Array.from({ length: 3_000 }, (_, i) => `obj/${String(i).padStart(4, '0')}`);
    await putAll(s3, keys);
    // The listing's pages after the first are held: the job runs its first chunks while listing.
    const proxy = await startFaultProxy({ target: store.url });
    const later = proxy.gate((r) => r.method === 'GET' && r.path.startsWith('/data?') && r.path.includes('list-type=2') && r.path.includes('start-after='));
    const env = { ...database(), ...remoteStoreEnv(proxy.url), S3BATCH_LEASE_MS: '2000', S3BATCH_CHUNK_SIZE: '250' };
    const a = await startNodeProcess('serve', env);
    const b = await startNodeProcess('serve', env);
    const viaB = controlClient({ url: b.url! });
    const jobId = await createTaggingJob(s3, controlClient({ url: a.url! }), [], {
      Manifest: undefined,
      ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::data', EnableManifestOutput: false } },
    });
    await until(viaB, jobId, ['Active', 'Complete'], 30_000);
    // Both nodes scan for listings that stopped (every second); neither may start a second one.
    await new Promise((r) => setTimeout(r, 3_000));
    const resumed = (n: typeof a) => n.logs.filter((l) => l.msg === 'resuming the listing of a generated manifest').length;
    expect([later.held, resumed(a) + resumed(b)]).toEqual([1, 0]);
    // The node that lists may be either: A is killed, and the listing goes on (B resumes it if A held it).
    await a.kill();
    later.open();
    const job = await until(viaB, jobId, ['Complete', 'Failed'], 60_000);
    expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 3_000, NumberOfTasksSucceeded: 3_000, NumberOfTasksFailed: 0 });
    const rows = await reportRows(s3, jobId);
    expect(rows.map((r) => decodeURIComponent(r.split(',')[1]!)).sort()).toEqual(keys);
    await proxy.close();
  }, 120_000);

  it('refuses a worker on SQLite, a live node’s id, and a second embedded store, naming the store to use', async () => {
    const onSqlite = await refusedStart('worker', {});
    expect(onSqlite.code).toBe(1);
    expect(onSqlite.stderr).toMatch(/s3batch worker needs S3BATCH_DATABASE_URL/);

    const env = database();
    const first = await startNodeProcess('serve', { ...env, S3BATCH_NODE_ID: 'node-one' });
    const sameId = await refusedStart('serve', { ...env, S3BATCH_NODE_ID: 'node-one', ...remoteStoreEnv(first.url!) });
    expect(sameId.code).toBe(1);
    expect(sameId.stderr).toMatch(/the node id node-one belongs to a live node \(host .+, pid \d+, heartbeat \d+ ms ago\)/);

    const secondStore = await refusedStart('serve', env);
    expect(secondStore.stderr).toContain(`the embedded object store of this cluster is served by node node-one at ${first.url}`);
    expect(secondStore.stderr).toContain(`set S3BATCH_STORAGE_ENDPOINT=${first.url}`);
    const worker = await refusedStart('worker', env);
    expect(worker.stderr).toContain(`set S3BATCH_STORAGE_ENDPOINT=${first.url}`);

    // with the endpoint, a worker joins and serves its health port
    const joined = await startNodeProcess('worker', { ...env, ...remoteStoreEnv(first.url!), S3BATCH_WORKER_PORT: '0' });
    const health = await fetch(`${joined.url}/_s3batch/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const api = await fetch(`${joined.url}/v20180820/jobs`);
    expect(api.status).toBe(404);
  });

  it('names a store node that listens on every address by its host name, not 127.0.0.1', async () => {
    const env = database();
    const first = await startNodeProcess('serve', { ...env, S3BATCH_HOST: '0.0.0.0' });
    const port = new URL(first.url!).port;
    const refused = await refusedStart('serve', env);
    expect(refused.stderr).toContain(`set S3BATCH_STORAGE_ENDPOINT=http://${os.hostname()}:${port}`);
  });
});
