/**
 * Accounts share a node fairly (engine/schedule-plan.ts, engine/limiter.ts FairPool): priorities
 * order the jobs of one account only (reference §5.4), so however many jobs, at whatever priority,
 * one account queues, another account's job runs at once. The reproduction of issue 9: account A
 * with one long job at priority 1000 and more than 1,000 jobs waiting at 999 kept account B's
 * one-task job at priority 10 in Ready until A's long job ended.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, UpdateJobStatusCommand } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, describe as describeJob, until } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const CROWD = 1_050;
const LONG_TASKS = 50_000;

describe('fair shares between accounts', () => {
  it('another account’s job completes while one account’s long job runs with more than 1,000 of its jobs waiting', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3A = s3Client(server);
    const s3B = s3Client(server, ACCOUNT_B);
    const controlA = controlClient(server);
    const controlB = controlClient(server, ACCOUNT_B);
    await createBuckets(s3A, ['data-a', 'manifests-a']);
    await createBuckets(s3B, ['data-b', 'manifests-b']);
    await s3A.send(new PutObjectCommand({ Bucket: 'data-a', Key: 'one', Body: 'x' }));
    await s3B.send(new PutObjectCommand({ Bucket: 'data-b', Key: 'one', Body: 'x' }));
    // The long job tags one object LONG_TASKS times: long enough, and no objects to upload.
    const long = await s3A.send(new PutObjectCommand({ Bucket: 'manifests-a', Key: 'long.csv', Body: 'data-a,one\n'.repeat(LONG_TASKS) }));
    const short = await s3A.send(new PutObjectCommand({ Bucket: 'manifests-a', Key: 'short.csv', Body: 'data-a,one\n' }));
    const manifest = (bucket: string, key: string, etag: string) => ({
      Spec: { Format: 'S3BatchOperations_CSV_20180820' as const, Fields: ['Bucket' as const, 'Key' as const] },
      Location: { ObjectArn: `arn:aws:s3:::${bucket}/${key}`, ETag: etag },
    });

    // A's long job and its crowd, prepared while waiting for confirmation.
    const { JobId: longJob } = await controlA.send(
      new CreateJobCommand(jobInput({ Priority: 1000, ConfirmationRequired: true, Manifest: manifest('manifests-a', 'long.csv', long.ETag!) })),
    );
    const crowdSpec = (await server.jobs.describeJob(ACCOUNT_A.accountId, longJob!))!.spec;
    const crowd: string[] = [];
    for (let i = 0; i < CROWD; i++) {
      const { job } = await server.jobs.createJob({
        accountId: ACCOUNT_A.accountId,
        spec: { ...crowdSpec, Priority: 999, Manifest: manifest('manifests-a', 'short.csv', short.ETag!) },
        tags: [],
        clientRequestToken: `crowd-${i}`,
      });
      crowd.push(job.id);
    }
    const deadline = Date.now() + 60_000;
    while ((await server.store.findJobs(['Suspended'], CROWD + 2)).length < CROWD + 1) {
      if (Date.now() > deadline) throw new Error('the crowd was not prepared in time');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const id of [longJob!, ...crowd]) await server.jobs.requestStatus(ACCOUNT_A.accountId, id, 'Ready');
    await until(controlA, longJob!, ['Active']);

    // B's one-task job at a low priority: it runs at once, beside A's long job.
    const { JobId: jobB } = await controlB.send(
      new CreateJobCommand(jobInput({ Priority: 10, Manifest: manifest('manifests-b', 'one.csv', (await s3B.send(new PutObjectCommand({ Bucket: 'manifests-b', Key: 'one.csv', Body: 'data-b,one\n' }))).ETag!) }, ACCOUNT_B)),
    );
    let done;
    for (const end = Date.now() + 20_000; ; ) {
      done = (await controlB.send(new DescribeJobCommand({ AccountId: ACCOUNT_B.accountId, JobId: jobB }))).Job!;
      if (done.Status === 'Complete' || done.Status === 'Failed' || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(done.Status).toBe('Complete');
    expect(done.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 1 });
    const longNow = await describeJob(controlA, longJob!);
    expect(longNow.Status).toBe('Active');
    expect(longNow.ProgressSummary!.NumberOfTasksSucceeded!).toBeLessThan(LONG_TASKS);
    // A's crowd still waits behind its long job: priorities hold within the account.
    const { Status: crowdStatus } = await describeJob(controlA, crowd[0]!);
    expect(crowdStatus).toBe('Ready');

    // The crowd first (still Ready: cancelled at once), then the long job.
    for (const id of crowd) await server.jobs.requestStatus(ACCOUNT_A.accountId, id, 'Cancelled');
    await controlA.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: longJob!, RequestedJobStatus: 'Cancelled' }));
  }, 120_000);
});
