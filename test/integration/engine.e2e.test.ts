/**
 * The engine end to end, through a real server and the AWS SDK v3 clients only: objects and the
 * manifest go in over S3, the job over S3 Control, and the report is read back over S3.
 */
import { GetObjectTaggingCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, UpdateJobStatusCommand, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { s3Client } from '../object-store/helpers.js';
import { createBuckets, createTaggingJob, manifestKey, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, controlClient, startTestServer } from '../helpers/server.js';

async function setup(): Promise<{ s3: S3Client; control: S3ControlClient }> {
  const server = await startTestServer({}, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3);
  return { s3, control: controlClient(server) };
}

describe('job engine end to end', () => {
  it('tags 2,500 objects: Complete, exact counts, one report row per manifest line (encoded and unicode keys), NoSuchKey reported', async () => {
    const { s3, control } = await setup();
    const keys = Array.from({ length: 2_497 }, (_, i) => `obj/${i}`);
    keys.push('dir/ü ñ.txt', 'a+b=c&d.txt');
    await putAll(s3, keys);
    const lines = [...keys.map((k) => `data,${manifestKey(k)}`), 'data,no/such/key'];
    const jobId = await createTaggingJob(s3, control, lines);
    const job = await until(control, jobId, ['Complete', 'Failed']);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2_500, NumberOfTasksSucceeded: 2_499, NumberOfTasksFailed: 1 });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'dir/ü ñ.txt' }));
    expect(tags.TagSet).toEqual([{ Key: 'project', Value: 'blue' }]);

    const rows = await reportRows(s3, jobId);
    expect(rows.map((r) => r.split(',').slice(0, 2).join(',')).sort()).toEqual(lines.slice().sort());
    expect(rows).toContain(`data,${manifestKey('dir/ü ñ.txt')},,succeeded,200,,Successful`);
    expect(rows.find((r) => r.startsWith('data,no/such/key,'))).toMatch(/^data,no\/such\/key,,failed,404,NoSuchKey,/);
  });

  it('waits in Suspended for confirmation, then runs to Complete', async () => {
    const { s3, control } = await setup();
    await putAll(s3, ['a', 'b']);
    const jobId = await createTaggingJob(s3, control, ['data,a', 'data,b'], { ConfirmationRequired: true });
    const suspended = await until(control, jobId, ['Suspended']);
    expect(suspended.ProgressSummary?.TotalNumberOfTasks).toBe(2);
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, RequestedJobStatus: 'Ready' }));
    const done = await until(control, jobId, ['Complete']);
    expect(done.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 });
  });

  it('fails a job whose manifest ETag does not match, saying so', async () => {
    const { s3, control } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'm.csv', Body: 'data,a\n' }));
    const Location = { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: '"0123456789abcdef0123456789abcdef"' };
    const { JobId } = await control.send(
      new CreateJobCommand(jobInput({ Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location } })),
    );
    const failed = await until(control, JobId!, ['Failed', 'Complete']);
    expect(failed.Status).toBe('Failed');
    expect(failed.FailureReasons?.[0]?.FailureCode).toBe('ManifestETagMismatch');
  });

  it('fails the job once more than half of at least 1,000 tasks failed, and still writes the report', async () => {
    const { s3, control } = await setup();
    const lines = Array.from({ length: 1_200 }, (_, i) => `data,missing-${i}`);
    const jobId = await createTaggingJob(s3, control, lines);
    const job = await until(control, jobId, ['Failed', 'Complete']);
    expect(job.Status).toBe('Failed');
    expect(job.FailureReasons?.[0]?.FailureCode).toBe('TaskFailureThresholdExceeded');
    const ran = (job.ProgressSummary?.NumberOfTasksFailed ?? 0) + (job.ProgressSummary?.NumberOfTasksSucceeded ?? 0);
    expect(ran).toBeGreaterThanOrEqual(1_000);
    const rows = await reportRows(s3, jobId);
    expect(rows).toHaveLength(ran);
    expect(rows.every((r) => /,failed,404,NoSuchKey,/.test(r))).toBe(true);
  });
});

describe('cancel before the job runs', () => {
  it('removes the chunks a suspended job had prepared', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3 = s3Client(server);
    const control = controlClient(server);
    await createBuckets(s3);
    await putAll(s3, ['a', 'b', 'c']);
    const jobId = await createTaggingJob(s3, control, ['data,a', 'data,b', 'data,c'], { ConfirmationRequired: true });
    await until(control, jobId, ['Suspended']);
    expect((await server.store.chunkCounts(jobId)).total).toBe(1);
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, RequestedJobStatus: 'Cancelled' }));
    const deadline = Date.now() + 5_000;
    while ((await server.store.chunkCounts(jobId)).total > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await server.store.chunkCounts(jobId)).total).toBe(0);
    expect((await until(control, jobId, ['Cancelled'])).ProgressSummary?.NumberOfTasksSucceeded).toBe(0);
  });
});
