/**
 * A PostgreSQL restart mid-job, on a throwaway server of this test's own (never the shared one):
 * while the database is away the jobs API answers 503 ServiceUnavailable (which every AWS SDK
 * retries) and the server keeps running; once it is back the node reconnects by itself and the
 * job completes with exact counts.
 */
import { S3ControlServiceException } from '@aws-sdk/client-s3-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createBuckets, createTaggingJob, describe as describeJob, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { controlClient, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

let db: ThrowawayPostgres;
beforeAll(async () => {
  db = await startThrowawayPostgres();
});
afterAll(async () => {
  await db.destroy();
});

describe('a PostgreSQL restart mid-job', () => {
  it('answers 503 ServiceUnavailable while the database is away, then reconnects and completes the job exactly', async () => {
    const server = await startTestServer(
      { S3BATCH_DATABASE_URL: db.url, S3BATCH_CHUNK_SIZE: '200', S3BATCH_CONCURRENCY: '8', S3BATCH_LEASE_MS: '2000' },
      undefined,
      { engine: true },
    );
    const s3 = s3Client(server);
    const control = controlClient(server);
    await createBuckets(s3);
    const keys = Array.from({ length: 500 }, (_, i) => `obj/${i}`);
    await putAll(s3, keys);
    const lines = Array.from({ length: 6_000 }, (_, i) => `data,obj/${i % 500}`);
    const jobId = await createTaggingJob(s3, control, lines);
    const end = Date.now() + 30_000;
    while (((await describeJob(control, jobId)).ProgressSummary?.NumberOfTasksSucceeded ?? 0) < 500 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
    }

    await db.stop();
    const err: unknown = await describeJob(control, jobId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ControlServiceException);
    expect((err as S3ControlServiceException).$metadata.httpStatusCode).toBe(503);
    expect((err as S3ControlServiceException).name).toBe('ServiceUnavailable');
    // the server itself is fine
    expect((await fetch(`${server.url}/_s3batch/health`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await fetch(`${server.url}/_s3batch/health`)).status).toBe(200);

    await db.start();
    const job = await until(control, jobId, ['Complete', 'Failed'], 60_000);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 6_000, NumberOfTasksSucceeded: 6_000, NumberOfTasksFailed: 0 });
    const rows = await reportRows(s3, jobId);
    expect(rows.map((r) => r.split(',').slice(0, 2).join(',')).sort()).toEqual([...lines].sort());
  }, 120_000);
});
