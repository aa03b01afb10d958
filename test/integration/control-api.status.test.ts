/**
 * UpdateJobStatus: the status × request table over the wire. Jobs are put in each status through
 * the job store's guarded transition (the engine's own way in), then the SDK asks.
 */
import {
  CreateJobCommand,
  DescribeJobCommand,
  JobStatusException,
  UpdateJobStatusCommand,
  type JobStatus,
} from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { JOB_STATUSES } from '../../src/domain/job-status.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, controlClient, startTestServer } from '../helpers/server.js';
import { moveNewJobTo } from '../helpers/job-paths.js';

/** Written out by hand from the issue: status → [after Ready, after Cancelled] (null = JobStatusException). */
const TABLE: Record<JobStatus, [JobStatus | null, JobStatus | null]> = {
  New: ['New', 'Cancelled'],
  Preparing: ['Preparing', 'Cancelled'],
  Suspended: ['Ready', 'Cancelled'],
  Ready: [null, 'Cancelled'],
  Active: [null, 'Cancelling'],
  Pausing: [null, 'Cancelling'],
  Paused: [null, 'Cancelling'],
  Completing: [null, null],
  Complete: [null, null],
  Failing: [null, null],
  Failed: [null, null],
  Cancelling: [null, null],
  Cancelled: [null, null],
};

const TERMINAL = new Set<JobStatus>(['Complete', 'Failed', 'Cancelled']);

describe('UpdateJobStatus status × request', () => {
  it('covers all 13 statuses', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...JOB_STATUSES].sort());
  });

  for (const [status, [afterReady, afterCancel]] of Object.entries(TABLE) as Array<[JobStatus, [JobStatus | null, JobStatus | null]]>) {
    for (const [requested, expected] of [
      ['Ready', afterReady],
      ['Cancelled', afterCancel],
    ] as const) {
      it(`${status} + ${requested} → ${expected ?? 'JobStatusException'}`, async () => {
        const server = await startTestServer();
        const client = controlClient(server);
        const AccountId = ACCOUNT_A.accountId;
        const { JobId } = await client.send(new CreateJobCommand(jobInput()));
        await moveNewJobTo(server.store, JobId as string, status, Date.now());
        const send = client.send(
          new UpdateJobStatusCommand({ AccountId, JobId, RequestedJobStatus: requested, StatusUpdateReason: 'because' }),
        );
        if (expected === null) {
          const err = await send.catch((e: unknown) => e);
          expect(err).toBeInstanceOf(JobStatusException);
          expect((err as Error).message).toContain(status);
          const { Job } = await client.send(new DescribeJobCommand({ AccountId, JobId }));
          expect(Job?.Status).toBe(status);
          return;
        }
        const out = await send;
        expect(out).toMatchObject({ JobId, Status: expected, StatusUpdateReason: 'because' });
        const { Job } = await client.send(new DescribeJobCommand({ AccountId, JobId }));
        expect(Job?.Status).toBe(expected);
        expect(Job?.StatusUpdateReason).toBe('because');
        if (TERMINAL.has(expected)) expect(Job?.TerminationDate).toBeInstanceOf(Date);
        else expect(Job?.TerminationDate).toBeUndefined();
      });
    }
  }

  it('remembers an early confirmation: the job goes to Ready instead of Suspended after preparation', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const AccountId = ACCOUNT_A.accountId;
    const input = jobInput();
    delete input.ConfirmationRequired;
    const { JobId } = await client.send(new CreateJobCommand(input));
    await client.send(new UpdateJobStatusCommand({ AccountId, JobId, RequestedJobStatus: 'Ready' }));
    const job = await server.jobs.describeJob(AccountId, JobId as string);
    expect(job?.status).toBe('New');
    expect(job?.confirmedEarly).toBe(true);
  });

  it('shows SuspendedDate on a suspended job', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const AccountId = ACCOUNT_A.accountId;
    const { JobId } = await client.send(new CreateJobCommand(jobInput()));
    await moveNewJobTo(server.store, JobId as string, 'Suspended', Date.now(), {
      suspendedCause: 'Waiting for confirmation',
    });
    const { Job } = await client.send(new DescribeJobCommand({ AccountId, JobId }));
    expect(Job?.SuspendedDate).toBeInstanceOf(Date);
    expect(Job?.SuspendedCause).toBe('Waiting for confirmation');
  });

  it('validates the query parameters', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const AccountId = ACCOUNT_A.accountId;
    const { JobId } = await client.send(new CreateJobCommand(jobInput()));
    const bad = await client
      .send(new UpdateJobStatusCommand({ AccountId, JobId, RequestedJobStatus: 'Active' as 'Ready' }))
      .catch((e: unknown) => e);
    expect((bad as Error).name).toBe('BadRequestException');
    expect((bad as Error).message).toContain('RequestedJobStatus');
    const long = await client
      .send(new UpdateJobStatusCommand({ AccountId, JobId, RequestedJobStatus: 'Cancelled', StatusUpdateReason: 'r'.repeat(257) }))
      .catch((e: unknown) => e);
    expect((long as Error).name).toBe('BadRequestException');
    expect((long as Error).message).toContain('StatusUpdateReason');
  });
});
