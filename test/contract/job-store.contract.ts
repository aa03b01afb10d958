/**
 * The JobStore contract suite. Every backend (SQLite today, PostgreSQL next) runs this one file
 * through `runJobStoreContract`, so the tests use the JobStore interface only — no SQL, no
 * connection, nothing backend-specific. Expected values are written out by hand (the status ×
 * request table in particular is NOT computed with `decideStatusRequest`), so a wrong rule in the
 * domain shows up here instead of being copied into the expectation.
 *
 * Time is passed explicitly (`nowMs`) everywhere: nothing sleeps.
 */
import { randomUUID } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EMPTY_PROGRESS, type GeneratedManifestDescriptor, type Job } from '../../src/domain/job.js';
import type { JobStatus, RequestedJobStatus } from '../../src/domain/job-status.js';
import type { JobSpec, S3Tag } from '../../src/domain/job-spec.js';
import {
  JobStoreError,
  type JobCursor,
  type JobStore,
  type JobStoreErrorCode,
  type NewJob,
} from '../../src/store/job-store.js';

export interface JobStoreHarness {
  /** A store over empty, fresh data. */
  readonly store: JobStore;
  /**
   * Opens a new store over the same data. The suite closes the current store before calling it.
   * Absent when the backend cannot be reopened (the restart test is then skipped).
   */
  readonly reopen?: () => Promise<JobStore>;
  /** Closes whatever store is still open (closing twice must be harmless) and drops the data. */
  readonly cleanup: () => Promise<void>;
}

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const T0 = 1_700_000_000_000;

const ALL_STATUSES: readonly JobStatus[] = [
  'Active',
  'Cancelled',
  'Cancelling',
  'Complete',
  'Completing',
  'Failed',
  'Failing',
  'New',
  'Paused',
  'Pausing',
  'Preparing',
  'Ready',
  'Suspended',
];

/** A legal path from New to each status (each step is one guarded `transition`). */
const PATH_FROM_NEW: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  New: [],
  Preparing: ['Preparing'],
  Suspended: ['Preparing', 'Suspended'],
  Ready: ['Preparing', 'Ready'],
  Active: ['Preparing', 'Ready', 'Active'],
  Pausing: ['Preparing', 'Ready', 'Active', 'Pausing'],
  Paused: ['Preparing', 'Ready', 'Active', 'Pausing', 'Paused'],
  Completing: ['Preparing', 'Ready', 'Active', 'Completing'],
  Complete: ['Preparing', 'Ready', 'Active', 'Completing', 'Complete'],
  Failing: ['Preparing', 'Ready', 'Active', 'Failing'],
  Failed: ['Preparing', 'Ready', 'Active', 'Failing', 'Failed'],
  Cancelling: ['Preparing', 'Ready', 'Active', 'Cancelling'],
  Cancelled: ['Preparing', 'Ready', 'Active', 'Cancelling', 'Cancelled'],
};

/**
 * UpdateJobStatus, by hand: the status the job ends in, 'remembered' (status unchanged,
 * confirmedEarly set) or 'StatusConflict'.
 */
type RequestExpectation = JobStatus | 'remembered' | 'StatusConflict';
const STATUS_REQUEST_TABLE: Readonly<Record<JobStatus, Readonly<Record<RequestedJobStatus, RequestExpectation>>>> = {
  New: { Ready: 'remembered', Cancelled: 'Cancelled' },
  Preparing: { Ready: 'remembered', Cancelled: 'Cancelled' },
  Suspended: { Ready: 'Ready', Cancelled: 'Cancelled' },
  Ready: { Ready: 'StatusConflict', Cancelled: 'Cancelled' },
  Active: { Ready: 'StatusConflict', Cancelled: 'Cancelling' },
  Pausing: { Ready: 'StatusConflict', Cancelled: 'Cancelling' },
  Paused: { Ready: 'StatusConflict', Cancelled: 'Cancelling' },
  Completing: { Ready: 'StatusConflict', Cancelled: 'StatusConflict' },
  Complete: { Ready: 'StatusConflict', Cancelled: 'StatusConflict' },
  Failing: { Ready: 'StatusConflict', Cancelled: 'StatusConflict' },
  Failed: { Ready: 'StatusConflict', Cancelled: 'StatusConflict' },
  Cancelling: { Ready: 'StatusConflict', Cancelled: 'StatusConflict' },
  Cancelled: { Ready: 'StatusConflict', Cancelled: 'StatusConflict' },
};

const TAGS: readonly S3Tag[] = [
  { Key: 'team', Value: 'storage' },
  { Key: 'cost-center', Value: '42' },
];

const TERMINAL: ReadonlySet<JobStatus> = new Set(['Complete', 'Failed', 'Cancelled']);

function makeSpec(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'done', Value: 'yes' }] } },
    Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
    Priority: 10,
    RoleArn: 'arn:aws:iam::111122223333:role/batch',
    ConfirmationRequired: false,
    Manifest: {
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
      Location: { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: '"0123456789abcdef"' },
    },
    Description: 'contract test job',
    ...overrides,
  };
}

function makeNewJob(overrides: Partial<NewJob> = {}): NewJob {
  const id = overrides.id ?? randomUUID();
  const accountId = overrides.accountId ?? ACCOUNT;
  const token = overrides.clientRequestToken ?? randomUUID();
  return {
    id,
    accountId,
    arn: `arn:aws:s3:us-east-1:${accountId}:job/${id}`,
    spec: makeSpec(),
    tags: [],
    clientRequestToken: token,
    requestHash: `hash-of-${token}`,
    nowMs: T0,
    ...overrides,
  };
}

/** The rejection of `promise`, checked to be a JobStoreError with `code` (and `status`). */
async function expectStoreError(
  promise: Promise<unknown>,
  code: JobStoreErrorCode,
  status?: JobStatus,
): Promise<JobStoreError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected JobStoreError ${code}, got a result: ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(JobStoreError);
  const err = outcome.error as JobStoreError;
  expect(err.code).toBe(code);
  if (status !== undefined) expect(err.status).toBe(status);
  return err;
}

const MANIFEST: GeneratedManifestDescriptor = {
  Format: 'S3InventoryReport_CSV_20211130',
  Location: { ObjectArn: 'arn:aws:s3:::manifests/generated/manifest.json', ETag: '"feedface"' },
};

export function runJobStoreContract(name: string, makeStore: () => Promise<JobStoreHarness>): void {
  describe(name, () => {
    let harness: JobStoreHarness;
    let store: JobStore;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    async function create(overrides: Partial<NewJob> = {}): Promise<Job> {
      const { job, created } = await store.createJob(makeNewJob(overrides));
      expect(created).toBe(true);
      return job;
    }

    /** Walks a job from New to `status` along PATH_FROM_NEW; step i happens at `startMs + (i+1)*1000`. */
    async function driveTo(jobId: string, status: JobStatus, startMs = T0): Promise<{ job: Job; atMs: number }> {
      let job = await store.getJob(ACCOUNT, jobId);
      if (!job) throw new Error(`driveTo: no job ${jobId} in ${ACCOUNT}`);
      let previous: JobStatus = 'New';
      let atMs = startMs;
      for (const [i, next] of PATH_FROM_NEW[status].entries()) {
        atMs = startMs + (i + 1) * 1000;
        job = await store.transition(jobId, [previous], next, atMs);
        previous = next;
      }
      return { job, atMs };
    }

    async function listAll(accountId: string, statuses?: JobStatus[]): Promise<string[]> {
      const jobs = await store.listJobs({ accountId, statuses, limit: 10_000 });
      return jobs.map((j) => j.id);
    }

    describe('createJob and getJob', () => {
      it('creates a New job with the spec, tags, priority and zero progress', async () => {
        const input = makeNewJob({
          spec: makeSpec({ Priority: 77 }),
          tags: [
            { Key: 'team', Value: 'storage' },
            { Key: 'env', Value: 'test' },
          ],
          nowMs: T0 + 5,
        });
        const { job, created } = await store.createJob(input);
        expect(created).toBe(true);
        const expected: Job = {
          id: input.id,
          accountId: ACCOUNT,
          arn: input.arn,
          status: 'New',
          priority: 77,
          spec: input.spec,
          tags: input.tags,
          clientRequestToken: input.clientRequestToken,
          requestHash: input.requestHash,
          createdMs: T0 + 5,
          updatedMs: T0 + 5,
          terminationMs: null,
          suspendedMs: null,
          suspendedCause: null,
          statusUpdateReason: null,
          failureReasons: [],
          confirmedEarly: false,
          progress: EMPTY_PROGRESS,
          generatedManifest: null,
        };
        expect(job).toEqual(expected);
        expect(await store.getJob(ACCOUNT, input.id)).toEqual(expected);
      });

      it('returns undefined for an unknown job', async () => {
        expect(await store.getJob(ACCOUNT, randomUUID())).toBeUndefined();
      });

      it('returns the first job, created:false, for the same token and request hash', async () => {
        const first = makeNewJob({ clientRequestToken: 'token-1', requestHash: 'h1', nowMs: T0 });
        const a = await store.createJob(first);
        const b = await store.createJob(makeNewJob({ clientRequestToken: 'token-1', requestHash: 'h1', nowMs: T0 + 9 }));
        expect(a.created).toBe(true);
        expect(b.created).toBe(false);
        expect(b.job).toEqual(a.job);
        expect(b.job.id).toBe(first.id);
        expect(await listAll(ACCOUNT)).toEqual([first.id]);
      });

      it('refuses the same token with a different request hash (IdempotencyMismatch)', async () => {
        const first = await create({ clientRequestToken: 'token-2', requestHash: 'h1' });
        const second = makeNewJob({ clientRequestToken: 'token-2', requestHash: 'h2' });
        await expectStoreError(store.createJob(second), 'IdempotencyMismatch');
        expect(await store.getJob(ACCOUNT, second.id)).toBeUndefined();
        expect(await listAll(ACCOUNT)).toEqual([first.id]);
      });

      it('scopes tokens by account: the same token in another account is a separate job', async () => {
        const mine = await create({ clientRequestToken: 'shared', requestHash: 'h1' });
        const theirs = await store.createJob(
          makeNewJob({ accountId: OTHER_ACCOUNT, clientRequestToken: 'shared', requestHash: 'h2' }),
        );
        expect(theirs.created).toBe(true);
        expect(theirs.job.id).not.toBe(mine.id);
        expect(theirs.job.accountId).toBe(OTHER_ACCOUNT);
        expect(await listAll(ACCOUNT)).toEqual([mine.id]);
        expect(await listAll(OTHER_ACCOUNT)).toEqual([theirs.job.id]);
      });

      it('creates exactly one job for 20 concurrent requests with one token', async () => {
        const inputs = Array.from({ length: 20 }, (_, i) =>
          makeNewJob({ clientRequestToken: 'concurrent', requestHash: 'same', nowMs: T0 + i }),
        );
        const results = await Promise.all(inputs.map((input) => store.createJob(input)));
        expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(results.filter((r) => !r.created)).toHaveLength(19);
        expect(await listAll(ACCOUNT)).toEqual([results[0]?.job.id]);
      });
    });

    describe('account scoping', () => {
      it('treats a job of another account as not found everywhere', async () => {
        const job = await create({ tags: [{ Key: 'k', Value: 'v' }] });
        expect(await store.getJob(OTHER_ACCOUNT, job.id)).toBeUndefined();
        await expectStoreError(store.getTags(OTHER_ACCOUNT, job.id), 'NotFound');
        await expectStoreError(store.putTags(OTHER_ACCOUNT, job.id, [], T0 + 1), 'NotFound');
        await expectStoreError(store.deleteTags(OTHER_ACCOUNT, job.id, T0 + 1), 'NotFound');
        await expectStoreError(store.requestStatus(OTHER_ACCOUNT, job.id, 'Cancelled', 'x', T0 + 1), 'NotFound');
        await expectStoreError(store.requestStatus(OTHER_ACCOUNT, job.id, 'Ready', undefined, T0 + 1), 'NotFound');
        await expectStoreError(store.updatePriority(OTHER_ACCOUNT, job.id, 1, T0 + 1), 'NotFound');
        expect(await listAll(OTHER_ACCOUNT)).toEqual([]);
        expect(await store.getJob(ACCOUNT, job.id)).toEqual(job);
      });

      it('reports unknown jobs as NotFound', async () => {
        const id = randomUUID();
        await expectStoreError(store.getTags(ACCOUNT, id), 'NotFound');
        await expectStoreError(store.putTags(ACCOUNT, id, [], T0), 'NotFound');
        await expectStoreError(store.deleteTags(ACCOUNT, id, T0), 'NotFound');
        await expectStoreError(store.requestStatus(ACCOUNT, id, 'Cancelled', undefined, T0), 'NotFound');
        await expectStoreError(store.updatePriority(ACCOUNT, id, 1, T0), 'NotFound');
        await expectStoreError(store.transition(id, ['New'], 'Preparing', T0), 'NotFound');
      });
    });

    describe('findJobs', () => {
      it('finds jobs of every account by status; each account highest priority first, then oldest; accounts take turns', async () => {
        await create({ id: 'low-old', nowMs: T0, spec: makeSpec({ Priority: 1 }) });
        await create({ id: 'high', nowMs: T0 + 5, spec: makeSpec({ Priority: 9 }) });
        await create({ id: 'low-new', accountId: OTHER_ACCOUNT, nowMs: T0 + 9, spec: makeSpec({ Priority: 1 }) });
        const done = await create({ id: 'done', nowMs: T0 + 1, spec: makeSpec({ Priority: 50 }) });
        await driveTo(done.id, 'Cancelled', T0 + 2);
        // turn 1: each account's first (the higher priority first), turn 2: the rest
        expect((await store.findJobs(['New'], 10)).map((j) => j.id)).toEqual(['high', 'low-new', 'low-old']);
        expect((await store.findJobs(['New', 'Cancelled'], 2)).map((j) => j.id)).toEqual(['done', 'low-new']);
        expect((await store.findJobs(['New'], 10, 1)).map((j) => j.id)).toEqual(['high', 'low-new']);
        expect(await store.findJobs(['Active'], 10)).toEqual([]);
        expect(await store.findJobs(['New'], 0)).toEqual([]);
        await expect(store.findJobs(['New'], 10, -1)).rejects.toThrow(RangeError);
      });

      it('shows another account’s job among the first, however many jobs one account queues at higher priorities', async () => {
        for (let i = 0; i < 300; i++) await create({ id: `a-${i}`, nowMs: T0 + i, spec: makeSpec({ Priority: 1000 - (i % 3) }) });
        await create({ id: 'b-low', accountId: OTHER_ACCOUNT, nowMs: T0 + 500, spec: makeSpec({ Priority: 0 }) });
        const first = await store.findJobs(['New'], 5);
        expect(first.map((j) => j.id)).toEqual(['a-0', 'b-low', 'a-3', 'a-6', 'a-9']);
        const capped = await store.findJobs(['New'], 1000, 4);
        expect(capped.map((j) => j.id)).toEqual(['a-0', 'b-low', 'a-3', 'a-6', 'a-9']);
        // one account alone still gets up to `limit`
        expect(await store.findJobs(['New'], 250)).toHaveLength(250);
      });
    });

    describe('deleteJobsEndedBefore', () => {
      it('deletes ended jobs whose end is older than the cutoff, a batch at a time; nothing else', async () => {
        for (const id of ['old-done', 'old-cancelled', 'new-failed', 'running', 'waiting']) await create({ id, nowMs: T0 });
        const oldDone = await driveTo('old-done', 'Complete', T0);
        await driveTo('old-cancelled', 'Cancelled', T0);
        const newFailed = await driveTo('new-failed', 'Failed', T0 + 100_000);
        await driveTo('running', 'Active', T0);
        await store.addChunks('old-done', [{ index: 0, locator: { any: 'thing' }, taskCount: 1 }], { final: true });
        const cutoff = newFailed.atMs - 1;
        expect(oldDone.atMs).toBeLessThan(cutoff);

        expect(await store.deleteJobsEndedBefore(cutoff, 1)).toBe(1);
        expect(await store.deleteJobsEndedBefore(cutoff, 10)).toBe(1);
        expect(await store.deleteJobsEndedBefore(cutoff, 10)).toBe(0);
        expect((await listAll(ACCOUNT)).sort()).toEqual(['new-failed', 'running', 'waiting']);
        expect(await store.getJob(ACCOUNT, 'old-done')).toBeUndefined();
        expect(await store.chunkCounts('old-done').catch(() => ({ total: 0 }))).toMatchObject({ total: 0 });
        // the cutoff is exclusive: a job that ended exactly then stays
        expect(await store.deleteJobsEndedBefore(newFailed.atMs, 10)).toBe(0);
        expect(await store.deleteJobsEndedBefore(newFailed.atMs + 1, 10)).toBe(1);
        await expect(store.deleteJobsEndedBefore(0, -1)).rejects.toThrow(RangeError);
      });
    });

    describe('listJobs', () => {
      it('lists newest first, ties broken by id descending, only the account’s jobs', async () => {
        for (const id of ['tie-b', 'tie-d', 'tie-a', 'tie-c']) await create({ id, nowMs: T0 + 1000 });
        await create({ id: 'newest', nowMs: T0 + 2000 });
        await create({ id: 'oldest', nowMs: T0 + 500 });
        await create({ id: 'foreign', accountId: OTHER_ACCOUNT, nowMs: T0 + 1500 });
        expect(await listAll(ACCOUNT)).toEqual(['newest', 'tie-d', 'tie-c', 'tie-b', 'tie-a', 'oldest']);
        expect(await listAll(ACCOUNT, [])).toEqual(['newest', 'tie-d', 'tie-c', 'tie-b', 'tie-a', 'oldest']);
      });

      it('filters by one status or several', async () => {
        const ids: Partial<Record<JobStatus, string>> = {};
        const statuses: JobStatus[] = ['New', 'Active', 'Suspended', 'Complete', 'Cancelled'];
        for (const [i, status] of statuses.entries()) {
          const job = await create({ id: `job-${i}-${status}`, nowMs: T0 + i });
          await driveTo(job.id, status, T0 + 100);
          ids[status] = job.id;
        }
        expect(await listAll(ACCOUNT, ['Active'])).toEqual([ids.Active]);
        expect(await listAll(ACCOUNT, ['Failed'])).toEqual([]);
        expect(await listAll(ACCOUNT, ['New', 'Complete', 'Suspended'])).toEqual([
          ids.Complete,
          ids.Suspended,
          ids.New,
        ]);
        expect(await listAll(OTHER_ACCOUNT, ['Active'])).toEqual([]);
      });

      it('returns at most `limit` jobs', async () => {
        for (let i = 0; i < 5; i++) await create({ id: `job-${i}`, nowMs: T0 + i });
        const page = await store.listJobs({ accountId: ACCOUNT, limit: 2 });
        expect(page.map((j) => j.id)).toEqual(['job-4', 'job-3']);
        expect(await store.listJobs({ accountId: ACCOUNT, limit: 0 })).toEqual([]);
      });

      it('pages with a cursor, visiting every job exactly once in order', async () => {
        // 23 jobs over 6 distinct createdMs values: pages end in the middle of ties.
        for (let i = 0; i < 23; i++) await create({ id: `p-${String(i).padStart(2, '0')}`, nowMs: T0 + (i % 6) });
        const everything = await listAll(ACCOUNT);
        expect(everything).toHaveLength(23);

        for (const pageSize of [1, 4, 5, 23, 50]) {
          const seen: string[] = [];
          let after: JobCursor | undefined;
          for (let guard = 0; guard < 100; guard++) {
            const page = await store.listJobs({ accountId: ACCOUNT, limit: pageSize, after });
            expect(page.length).toBeLessThanOrEqual(pageSize);
            seen.push(...page.map((j) => j.id));
            const last = page.at(-1);
            if (!last || page.length < pageSize) break;
            after = { createdMs: last.createdMs, id: last.id };
          }
          expect(seen).toEqual(everything);
        }
      });

      it('pages with a cursor and a status filter', async () => {
        for (let i = 0; i < 10; i++) {
          const job = await create({ id: `s-${i}`, nowMs: T0 + (i % 3) });
          if (i % 2 === 0) await driveTo(job.id, 'Suspended', T0 + 100);
        }
        const suspended = await listAll(ACCOUNT, ['Suspended']);
        expect(suspended).toEqual(['s-8', 's-2', 's-4', 's-6', 's-0']);
        const first = await store.listJobs({ accountId: ACCOUNT, statuses: ['Suspended'], limit: 2 });
        const last = first.at(-1);
        if (!last) throw new Error('expected a first page');
        const rest = await store.listJobs({
          accountId: ACCOUNT,
          statuses: ['Suspended'],
          limit: 10,
          after: { createdMs: last.createdMs, id: last.id },
        });
        expect([...first, ...rest].map((j) => j.id)).toEqual(suspended);
      });
    });

    describe('requestStatus (UpdateJobStatus)', () => {
      const cells = ALL_STATUSES.flatMap((status) =>
        (['Ready', 'Cancelled'] as const).map((requested) => ({
          status,
          requested,
          expected: STATUS_REQUEST_TABLE[status][requested],
        })),
      );

      it.each(cells)('$status + $requested ⇒ $expected', async ({ status, requested, expected }) => {
        const created = await create();
        const { job: before } = await driveTo(created.id, status);
        const nowMs = T0 + 60_000;

        if (expected === 'StatusConflict') {
          await expectStoreError(store.requestStatus(ACCOUNT, created.id, requested, 'why', nowMs), 'StatusConflict', status);
          expect(await store.getJob(ACCOUNT, created.id)).toEqual(before);
          return;
        }

        const result = await store.requestStatus(ACCOUNT, created.id, requested, 'why', nowMs);
        expect(result.from).toBe(status);
        const expectedStatus = expected === 'remembered' ? status : expected;
        expect(result.job.status).toBe(expectedStatus);
        expect(result.job.confirmedEarly).toBe(expected === 'remembered');
        expect(result.job.statusUpdateReason).toBe('why');
        expect(result.job.updatedMs).toBe(nowMs);
        expect(result.job.terminationMs).toBe(expectedStatus === 'Cancelled' ? nowMs : null);
        expect(await store.getJob(ACCOUNT, created.id)).toEqual(result.job);
      });

      it('remembers an early confirmation: New + Ready stays New with confirmedEarly', async () => {
        const job = await create();
        const { job: after, from } = await store.requestStatus(ACCOUNT, job.id, 'Ready', undefined, T0 + 10);
        expect(from).toBe('New');
        expect(after.status).toBe('New');
        expect(after.confirmedEarly).toBe(true);
        expect(after.statusUpdateReason).toBeNull();
        // it stays remembered through preparation
        const prepared = await store.transition(job.id, ['New'], 'Preparing', T0 + 20);
        expect(prepared.confirmedEarly).toBe(true);
      });

      it('stores StatusUpdateReason and keeps the previous one when none is given', async () => {
        const job = await create();
        const first = await store.requestStatus(ACCOUNT, job.id, 'Ready', 'looks good', T0 + 1);
        expect(first.job.statusUpdateReason).toBe('looks good');
        const second = await store.requestStatus(ACCOUNT, job.id, 'Cancelled', undefined, T0 + 2);
        expect(second.job.status).toBe('Cancelled');
        expect(second.job.statusUpdateReason).toBe('looks good');
        expect(second.job.terminationMs).toBe(T0 + 2);
      });
    });

    describe('lifecycle dates and timers', () => {
      it.each(ALL_STATUSES)('TerminationDate is set exactly on terminal statuses: %s', async (status) => {
        const created = await create();
        const { job, atMs } = await driveTo(created.id, status);
        expect(job.status).toBe(status);
        expect(job.terminationMs).toBe(TERMINAL.has(status) ? atMs : null);
        expect(job.updatedMs).toBe(atMs);
        expect((await store.getJob(ACCOUNT, created.id))?.terminationMs).toBe(job.terminationMs);
      });

      it('sets SuspendedDate on Suspended and keeps date and cause after confirmation', async () => {
        const job = await create();
        await store.transition(job.id, ['New'], 'Preparing', T0 + 1);
        const suspended = await store.transition(job.id, ['Preparing'], 'Suspended', T0 + 2, {
          suspendedCause: 'AwaitingConfirmation',
          progress: { totalTasks: 3 },
        });
        expect(suspended.suspendedMs).toBe(T0 + 2);
        expect(suspended.suspendedCause).toBe('AwaitingConfirmation');
        expect(suspended.terminationMs).toBeNull();

        const { job: confirmed } = await store.requestStatus(ACCOUNT, job.id, 'Ready', 'go', T0 + 3);
        expect(confirmed.status).toBe('Ready');
        expect(confirmed.suspendedMs).toBe(T0 + 2);
        expect(confirmed.suspendedCause).toBe('AwaitingConfirmation');
        expect(confirmed.confirmedEarly).toBe(false);
      });

      it('does not set SuspendedDate on other statuses', async () => {
        const job = await create();
        const { job: complete } = await driveTo(job.id, 'Complete');
        expect(complete.suspendedMs).toBeNull();
      });

      it('accumulates the Active timer across Active → Pausing → Paused → Active → Completing', async () => {
        const job = await create();
        await store.transition(job.id, ['New'], 'Preparing', T0 + 1_000);
        await store.transition(job.id, ['Preparing'], 'Ready', T0 + 2_000);

        let j = await store.transition(job.id, ['Ready'], 'Active', T0 + 10_000);
        expect(j.progress).toMatchObject({ activeMs: 0, activeSinceMs: T0 + 10_000 });
        j = await store.transition(job.id, ['Active'], 'Pausing', T0 + 15_000);
        expect(j.progress).toMatchObject({ activeMs: 5_000, activeSinceMs: null });
        j = await store.transition(job.id, ['Pausing'], 'Paused', T0 + 16_000);
        expect(j.progress).toMatchObject({ activeMs: 5_000, activeSinceMs: null });
        j = await store.transition(job.id, ['Paused'], 'Active', T0 + 20_000);
        expect(j.progress).toMatchObject({ activeMs: 5_000, activeSinceMs: T0 + 20_000 });
        j = await store.transition(job.id, ['Active'], 'Completing', T0 + 27_000);
        expect(j.progress).toMatchObject({ activeMs: 12_000, activeSinceMs: null });
        j = await store.transition(job.id, ['Completing'], 'Complete', T0 + 30_000);
        expect(j.progress).toMatchObject({ activeMs: 12_000, activeSinceMs: null });
        expect(j.terminationMs).toBe(T0 + 30_000);
      });

      it('stops the Active timer when a running job is cancelled', async () => {
        const job = await create();
        await driveTo(job.id, 'Ready');
        await store.transition(job.id, ['Ready'], 'Active', T0 + 10_000);
        const { job: cancelling } = await store.requestStatus(ACCOUNT, job.id, 'Cancelled', 'stop', T0 + 13_000);
        expect(cancelling.status).toBe('Cancelling');
        expect(cancelling.progress).toMatchObject({ activeMs: 3_000, activeSinceMs: null });
        expect(cancelling.terminationMs).toBeNull();
        const cancelled = await store.transition(job.id, ['Cancelling'], 'Cancelled', T0 + 14_000);
        expect(cancelled.terminationMs).toBe(T0 + 14_000);
        expect(cancelled.progress.activeMs).toBe(3_000);
      });
    });

    describe('transition', () => {
      it('refuses when the status is not one of `from` (StatusConflict with the current status)', async () => {
        const job = await create();
        await expectStoreError(store.transition(job.id, ['Active', 'Ready'], 'Completing', T0 + 1), 'StatusConflict', 'New');
        await expectStoreError(store.transition(job.id, [], 'Preparing', T0 + 1), 'StatusConflict', 'New');
        expect(await store.getJob(ACCOUNT, job.id)).toEqual(job);
      });

      it('refuses, changing nothing, every move the lifecycle forbids (an engine bug, not a race)', async () => {
        // By hand, as AWS's status table has them: none of these edges exists.
        const forbidden: readonly [JobStatus, JobStatus][] = [
          ['New', 'Active'],
          ['New', 'Suspended'],
          ['New', 'Complete'],
          ['Preparing', 'Active'],
          ['Suspended', 'Active'],
          ['Ready', 'Preparing'],
          ['Ready', 'Paused'],
          ['Active', 'Ready'],
          ['Active', 'Complete'],
          ['Active', 'Active'],
          ['Paused', 'Pausing'],
          ['Completing', 'Failed'],
          ['Cancelling', 'Active'],
          ['Complete', 'Active'],
          ['Failed', 'Failing'],
          ['Cancelled', 'Cancelled'],
        ];
        for (const [from, to] of forbidden) {
          const job = await create();
          const { job: placed } = await driveTo(job.id, from, T0 + 10);
          const err = await store.transition(job.id, [from], to, T0 + 20).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `${from} → ${to}`).toMatchObject({ name: 'IllegalTransitionError', from, to });
          expect(await store.getJob(ACCOUNT, job.id)).toEqual(placed);
        }
      });

      it('accepts any status listed in `from`', async () => {
        const job = await create();
        const moved = await store.transition(job.id, ['Ready', 'New', 'Suspended'], 'Preparing', T0 + 1);
        expect(moved.status).toBe('Preparing');
      });

      it('moves a job of any account (the engine’s operation)', async () => {
        const job = await create({ accountId: OTHER_ACCOUNT });
        const moved = await store.transition(job.id, ['New'], 'Preparing', T0 + 1);
        expect(moved.status).toBe('Preparing');
        expect(moved.accountId).toBe(OTHER_ACCOUNT);
      });

      it('applies the patch with the status; absent fields stay, null clears', async () => {
        const job = await create();
        await store.transition(job.id, ['New'], 'Preparing', T0 + 1);
        const ready = await store.transition(job.id, ['Preparing'], 'Ready', T0 + 2, {
          progress: { totalTasks: 10 },
          generatedManifest: MANIFEST,
          statusUpdateReason: 'prepared',
        });
        expect(ready.progress).toEqual({ ...EMPTY_PROGRESS, totalTasks: 10 });
        expect(ready.generatedManifest).toEqual(MANIFEST);
        expect(ready.statusUpdateReason).toBe('prepared');

        await store.transition(job.id, ['Ready'], 'Active', T0 + 3);
        const failures = [{ FailureCode: 'TaskFailureThreshold', FailureReason: 'too many failed tasks' }];
        const failing = await store.transition(job.id, ['Active'], 'Failing', T0 + 5, {
          progress: { succeededTasks: 3, failedTasks: 7 },
          failureReasons: failures,
          generatedManifest: null,
        });
        expect(failing.progress).toEqual({
          totalTasks: 10,
          succeededTasks: 3,
          failedTasks: 7,
          activeMs: 2,
          activeSinceMs: null,
        });
        expect(failing.failureReasons).toEqual(failures);
        expect(failing.generatedManifest).toBeNull();
        expect(failing.statusUpdateReason).toBe('prepared');

        const failed = await store.transition(job.id, ['Failing'], 'Failed', T0 + 6, { statusUpdateReason: null });
        expect(failed.statusUpdateReason).toBeNull();
        expect(failed.failureReasons).toEqual(failures);
        expect(failed.terminationMs).toBe(T0 + 6);
        expect(await store.getJob(ACCOUNT, job.id)).toEqual(failed);
      });
    });

    describe('updatePriority', () => {
      it.each(ALL_STATUSES)('in %s', async (status) => {
        const created = await create({ spec: makeSpec({ Priority: 10 }) });
        const { job: before } = await driveTo(created.id, status);
        if (TERMINAL.has(status)) {
          await expectStoreError(store.updatePriority(ACCOUNT, created.id, 42, T0 + 99_000), 'TerminalJob');
          expect(await store.getJob(ACCOUNT, created.id)).toEqual(before);
          return;
        }
        const { job, from } = await store.updatePriority(ACCOUNT, created.id, 42, T0 + 99_000);
        expect(from).toBe(10);
        expect(job.priority).toBe(42);
        expect(job.spec.Priority).toBe(10);
        expect(job.status).toBe(status);
        expect(job.updatedMs).toBe(T0 + 99_000);
        expect(await store.getJob(ACCOUNT, created.id)).toEqual(job);
      });
    });

    describe('tags', () => {
      const initial: S3Tag[] = [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ];

      it('replaces, empties and deletes the tag set', async () => {
        const job = await create({ tags: initial });
        expect(await store.getTags(ACCOUNT, job.id)).toEqual(initial);

        const replaced = await store.putTags(ACCOUNT, job.id, [{ Key: 'c', Value: '3' }], T0 + 1);
        expect(replaced.tags).toEqual([{ Key: 'c', Value: '3' }]);
        expect(replaced.updatedMs).toBe(T0 + 1);
        expect(await store.getTags(ACCOUNT, job.id)).toEqual([{ Key: 'c', Value: '3' }]);

        const emptied = await store.putTags(ACCOUNT, job.id, [], T0 + 2);
        expect(emptied.tags).toEqual([]);
        expect(await store.getTags(ACCOUNT, job.id)).toEqual([]);

        await store.putTags(ACCOUNT, job.id, initial, T0 + 3);
        const deleted = await store.deleteTags(ACCOUNT, job.id, T0 + 4);
        expect(deleted.tags).toEqual([]);
        expect(deleted.updatedMs).toBe(T0 + 4);
        expect(await store.getTags(ACCOUNT, job.id)).toEqual([]);
        expect((await store.getJob(ACCOUNT, job.id))?.tags).toEqual([]);
      });

      it('does not let a caller mutate stored tags through a returned array', async () => {
        const job = await create({ tags: initial });
        const tags = await store.getTags(ACCOUNT, job.id);
        tags.push({ Key: 'x', Value: 'y' });
        expect(await store.getTags(ACCOUNT, job.id)).toEqual(initial);
      });
    });

    describe('getSecret', () => {
      it('is 32 bytes, stable, and different per name', async () => {
        const a1 = await store.getSecret('next-token');
        const a2 = await store.getSecret('next-token');
        const b = await store.getSecret('other');
        expect(a1).toHaveLength(32);
        expect(b).toHaveLength(32);
        expect(a2.equals(a1)).toBe(true);
        expect(b.equals(a1)).toBe(false);
      });

      it('is not changed by mutating a returned buffer', async () => {
        const a = await store.getSecret('next-token');
        const copy = Buffer.from(a);
        a.fill(0);
        expect((await store.getSecret('next-token')).equals(copy)).toBe(true);
      });
    });

    describe('databaseTimeMs', () => {
      it('is the database clock, close to this machine’s, or undefined for a store of this process alone', async () => {
        const before = Date.now();
        const ms = await store.databaseTimeMs();
        const after = Date.now();
        if (ms !== undefined) {
          expect(Number.isSafeInteger(ms)).toBe(true);
          // the same machine in the tests: within a second of the call
          expect(ms).toBeGreaterThan(before - 1_000);
          expect(ms).toBeLessThan(after + 1_000);
        }
      });
    });

    describe('close', () => {
      it('rejects calls after close; closing twice is harmless', async () => {
        const job = await create();
        await store.close();
        await store.close();
        await expect(store.getJob(ACCOUNT, job.id)).rejects.toThrow();
        await expect(store.createJob(makeNewJob())).rejects.toThrow();
        await expect(store.listJobs({ accountId: ACCOUNT, limit: 1 })).rejects.toThrow();
        await expect(store.getSecret('s')).rejects.toThrow();
      });
    });

    describe('restart', () => {
      it('keeps jobs, tags, statuses, progress and secrets across close and reopen', async (ctx) => {
        if (!harness.reopen) {
          ctx.skip();
          return;
        }
        const fresh = await create({ tags: TAGS, nowMs: T0 });
        await store.requestStatus(ACCOUNT, fresh.id, 'Ready', 'early', T0 + 1);

        const running = await create({ nowMs: T0 + 1 });
        await driveTo(running.id, 'Ready', T0 + 10);
        await store.transition(running.id, ['Ready'], 'Active', T0 + 100, {
          progress: { totalTasks: 100, succeededTasks: 40, failedTasks: 2 },
          generatedManifest: MANIFEST,
        });
        await store.updatePriority(ACCOUNT, running.id, 99, T0 + 101);

        const cancelled = await create({ nowMs: T0 + 2, accountId: OTHER_ACCOUNT });
        await store.requestStatus(OTHER_ACCOUNT, cancelled.id, 'Cancelled', 'not needed', T0 + 3);

        const secret = await store.getSecret('next-token');
        const before = {
          mine: await store.listJobs({ accountId: ACCOUNT, limit: 10 }),
          theirs: await store.listJobs({ accountId: OTHER_ACCOUNT, limit: 10 }),
          tags: await store.getTags(ACCOUNT, fresh.id),
        };
        expect(before.mine.map((j) => j.id)).toEqual([running.id, fresh.id]);

        await store.close();
        store = await harness.reopen();

        expect(await store.listJobs({ accountId: ACCOUNT, limit: 10 })).toEqual(before.mine);
        expect(await store.listJobs({ accountId: OTHER_ACCOUNT, limit: 10 })).toEqual(before.theirs);
        expect(await store.getTags(ACCOUNT, fresh.id)).toEqual(before.tags);
        expect((await store.getSecret('next-token')).equals(secret)).toBe(true);

        const reread = await store.getJob(ACCOUNT, running.id);
        expect(reread).toMatchObject({ status: 'Active', priority: 99, generatedManifest: MANIFEST });
        expect(reread?.progress).toEqual({
          totalTasks: 100,
          succeededTasks: 40,
          failedTasks: 2,
          activeMs: 0,
          activeSinceMs: T0 + 100,
        });

        // idempotency survives too, and the reopened store writes
        const again = await store.createJob(
          makeNewJob({ clientRequestToken: fresh.clientRequestToken, requestHash: fresh.requestHash }),
        );
        expect(again).toEqual({ created: false, job: before.mine[1] });
        const moved = await store.transition(running.id, ['Active'], 'Completing', T0 + 200);
        expect(moved.progress.activeMs).toBe(100);
      });
    });
  });
}

