/**
 * S3PutObjectCopy onto the objects themselves, with a copy threshold low enough that one source
 * takes CopyObject and the other the multipart path (S3BATCH_COPY_MULTIPART_THRESHOLD_BYTES): a copy
 * that changes nothing fails both tasks with the same report row (S3's 400 InvalidRequest and its
 * message) and rewrites nothing; a storage class change in place works on both. On the embedded
 * store in-process and on a remote store over HTTP, whose answers read the same in the report.
 */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JobOperation, S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { controlClient, startRemotePair, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const MiB = 1024 * 1024;
const LOW_THRESHOLD = { S3BATCH_COPY_MULTIPART_THRESHOLD_BYTES: String(5 * MiB), S3BATCH_COPY_PART_SIZE_BYTES: String(5 * MiB) };

async function embedded(): Promise<{ s3: S3Client; control: S3ControlClient }> {
  const server = await startTestServer(LOW_THRESHOLD, undefined, { engine: true });
  return { s3: s3Client(server), control: controlClient(server) };
}

async function remote(): Promise<{ s3: S3Client; control: S3ControlClient }> {
  const { store, engine } = await startRemotePair(LOW_THRESHOLD);
  return { s3: s3Client(store), control: controlClient(engine) };
}

const ILLEGAL =
  '400,InvalidRequest,"This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes."';

describe.each([
  ['the embedded store', embedded],
  ['a remote store', remote],
] as const)('S3PutObjectCopy in place, below and above the copy threshold, %s', (_name, setup) => {
  it('changing nothing fails both tasks alike and rewrites nothing; a StorageClass change works on both', async () => {
    const { s3, control } = await setup();
    await createBuckets(s3);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'small', Body: 'small body', Metadata: { m: 's' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'big', Body: Buffer.alloc(6 * MiB, 3), Metadata: { m: 'b' } }));
    const etags = async () => Promise.all(['small', 'big'].map(async (Key) => (await s3.send(new HeadObjectCommand({ Bucket: 'data', Key }))).ETag));
    const before = await etags();

    const nothing: JobOperation = { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::data' } };
    const refused = await runCsvJob(s3, control, ['data,small', 'data,big'], nothing);
    expect(refused.Status).toBe('Complete');
    expect(refused.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 2 });
    expect((await reportRows(s3, refused.JobId)).sort()).toEqual([`data,big,,failed,${ILLEGAL}`, `data,small,,failed,${ILLEGAL}`]);
    expect(await etags()).toEqual(before);

    const storageClass: JobOperation = { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::data', StorageClass: 'ONEZONE_IA' } };
    const changed = await runCsvJob(s3, control, ['data,small', 'data,big'], storageClass);
    expect(changed.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 });
    for (const [Key, m] of [['small', 's'], ['big', 'b']] as const) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key }));
      expect([head.StorageClass, head.Metadata], Key).toEqual(['ONEZONE_IA', { m }]);
    }
    // The big one went part by part (a multipart ETag), the small one by CopyObject (its own ETag).
    const [small, big] = await etags();
    expect(small).toBe(before[0]);
    expect(big).toMatch(/-2"$/);
  });
});
