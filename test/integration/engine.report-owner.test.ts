/**
 * Report.ExpectedBucketOwner: the report is written with x-amz-expected-bucket-owner, so that a
 * report bucket owned by another account than the one named is refused (403 AccessDenied) and
 * nothing is written to it. As for any report that cannot be written, the job still reaches its
 * status with its counts, and FailureReasons says why the report is missing (engine/finalize.ts).
 * The embedded store in-process, and a remote store over HTTP.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { JobDescriptor } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, createTaggingJob, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startRemotePair, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const REPORT = { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'out', Format: 'Report_CSV_20180820' as const, ReportScope: 'AllTasks' as const };

/** `engine` runs the job; `s3` is where its buckets are (the same server, or the remote store). */
async function embedded(): Promise<{ engine: TestServer; s3: S3Client }> {
  const engine = await startTestServer({}, undefined, { engine: true });
  return { engine, s3: s3Client(engine) };
}

async function remote(): Promise<{ engine: TestServer; s3: S3Client }> {
  const { store, engine } = await startRemotePair();
  return { engine, s3: s3Client(store) };
}

async function runJob(setup: typeof embedded, ExpectedBucketOwner: string): Promise<{ job: JobDescriptor & { JobId: string }; s3: S3Client }> {
  const { engine, s3 } = await setup();
  await createBuckets(s3);
  await putAll(s3, ['a', 'b']);
  const control = controlClient(engine);
  const jobId = await createTaggingJob(s3, control, ['data,a', 'data,b', 'data,missing'], { Report: { ...REPORT, ExpectedBucketOwner } });
  const job = await until(control, jobId, ['Complete', 'Failed']);
  return { job: { ...job, JobId: jobId }, s3 };
}

describe.each([
  ['the embedded store', embedded],
  ['a remote store', remote],
] as const)('Report.ExpectedBucketOwner, %s', (_name, setup) => {
  it('the owner of the report bucket: the report is written', async () => {
    const { job, s3 } = await runJob(setup, ACCOUNT_A.accountId);
    expect(job.Status).toBe('Complete');
    expect(job.FailureReasons ?? []).toEqual([]);
    expect((await reportRows(s3, job.JobId)).sort()).toEqual([
      'data,a,,succeeded,200,,Successful',
      'data,b,,succeeded,200,,Successful',
      'data,missing,,failed,404,NoSuchKey,The specified key does not exist.',
    ]);
  });

  it('another account: nothing is written to the bucket, the job completes with its counts and a ReportWriteFailed reason', async () => {
    const { job, s3 } = await runJob(setup, ACCOUNT_B.accountId);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 1 });
    expect(job.FailureReasons).toEqual([{ FailureCode: 'ReportWriteFailed', FailureReason: expect.stringMatching(/^The job report could not be written to your report bucket: AccessDenied /) }]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'reports' }))).KeyCount).toBe(0);
  });
});
