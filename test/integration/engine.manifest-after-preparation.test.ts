/**
 * AWS reads a job's manifest while Preparing and never again: overwriting or deleting it once the
 * job is prepared — regenerating a manifest under the same key while a job runs is common — must
 * change nothing about the job. s3batch keeps each chunk's records in the job store
 * (engine/preparer.ts); they go when the job's chunks go.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { DeleteObjectCommand, GetObjectTaggingCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, UpdateJobStatusCommand, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, manifestKey, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, controlClient, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const KEYS = Array.from({ length: 25 }, (_, i) => `photos/img ${i}.jpg`);

async function setup(): Promise<{ server: TestServer; s3: S3Client; control: S3ControlClient }> {
  // Chunks of 4: the job has several, each read from the store.
  const server = await startTestServer({ S3BATCH_CHUNK_SIZE: '4' }, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3);
  await putAll(s3, [...KEYS, 'other/new.jpg']);
  return { server, s3, control: controlClient(server) };
}

/** A tagging job over KEYS that waits for confirmation; returns its id once it is Suspended. */
async function preparedJob(s3: S3Client, control: S3ControlClient): Promise<string> {
  const body = KEYS.map((k) => `data,${manifestKey(k)}\n`).join('');
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'm.csv', Body: body }));
  const { JobId } = await control.send(
    new CreateJobCommand(
      jobInput({
        ConfirmationRequired: true,
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'batch', Value: 'done' }] } },
        Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: ETag! } },
        Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'out', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
      }),
    ),
  );
  const job = await until(control, JobId!, ['Suspended']);
  expect(job.ProgressSummary?.TotalNumberOfTasks).toBe(KEYS.length);
  return JobId!;
}

async function confirmAndFinish(s3: S3Client, control: S3ControlClient, jobId: string): Promise<void> {
  await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, RequestedJobStatus: 'Ready' }));
  const job = await until(control, jobId, ['Complete', 'Failed', 'Cancelled']);
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: KEYS.length, NumberOfTasksSucceeded: KEYS.length, NumberOfTasksFailed: 0 });
  expect((await reportRows(s3, jobId)).sort()).toEqual(KEYS.map((k) => `data,${manifestKey(k)},,succeeded,200,,Successful`).sort());
  for (const Key of KEYS) {
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key }))).TagSet).toEqual([{ Key: 'batch', Value: 'done' }]);
  }
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'other/new.jpg' }))).TagSet).toEqual([]);
}

/** Rows of the job store's table of chunk records (SQLite migration 5), read beside the server. */
function storedRecordRows(server: TestServer): number {
  const db = new Database(path.join(server.dataDir, 's3batch.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], number>('SELECT count(*) FROM job_chunk_records').pluck().get() ?? -1;
  } finally {
    db.close();
  }
}

describe('a prepared job never reads its manifest again', () => {
  it('the manifest overwritten with other objects (unversioned bucket) after preparation: the job runs the original tasks', async () => {
    const { s3, control } = await setup();
    const jobId = await preparedJob(s3, control);
    await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'm.csv', Body: 'data,other/new.jpg\n' }));
    await confirmAndFinish(s3, control, jobId);
  });

  it('the manifest deleted after preparation: the job still completes', async () => {
    const { s3, control } = await setup();
    const jobId = await preparedJob(s3, control);
    await s3.send(new DeleteObjectCommand({ Bucket: 'manifests', Key: 'm.csv' }));
    await confirmAndFinish(s3, control, jobId);
  });

  it('the manifest deleted, the server restarted, then a new manifest put under the same key: the job runs the original tasks', async () => {
    const { server, s3, control } = await setup();
    const jobId = await preparedJob(s3, control);
    await s3.send(new DeleteObjectCommand({ Bucket: 'manifests', Key: 'm.csv' }));
    await server.close();
    const again = await server.restart();
    const s3b = s3Client(again);
    const controlB = controlClient(again);
    await s3b.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'm.csv', Body: 'garbage without commas\n' }));
    await confirmAndFinish(s3b, controlB, jobId);
  });

  it('the chunk records are deleted with the job’s chunks once it ends', async () => {
    const { server, s3, control } = await setup();
    const jobId = await preparedJob(s3, control);
    expect(storedRecordRows(server)).toBe(Math.ceil(KEYS.length / 4));
    await confirmAndFinish(s3, control, jobId);
    // finalize deletes the chunks just after the job reaches Complete
    const deadline = Date.now() + 5_000;
    while (storedRecordRows(server) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(storedRecordRows(server)).toBe(0);
  });

  it('a job cancelled while it waits for confirmation leaves no records behind', async () => {
    const { server, s3, control } = await setup();
    const jobId = await preparedJob(s3, control);
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, RequestedJobStatus: 'Cancelled' }));
    const deadline = Date.now() + 5_000;
    while (storedRecordRows(server) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(storedRecordRows(server)).toBe(0);
  });
});
