/**
 * The job lifecycle end to end (reference §5.1–5.4): cancel in every status a job can be
 * cancelled in, and priority preemption — through real servers and the AWS SDK v3 clients only.
 *
 * Server B is the store, server A runs the engine against B through a proxy (test/helpers/
 * lifecycle.ts). The proxy's gates hold the task requests of a job, so a test puts the job in the
 * status it wants and keeps it there while it asks; the proxy's log tells which tasks were asked
 * of the store, and when. Nothing waits on a clock: every wait polls DescribeJob (or the proxy)
 * with a generous bound.
 */
import type { JobDescriptor } from '@aws-sdk/client-s3-control';
import { describe as group, expect, it } from 'vitest';
import { describe } from '../helpers/engine-jobs.js';
import {
  cancel,
  confirm,
  createJob,
  describeAs,
  drain,
  firstIndex,
  JOB_CONCURRENCY,
  lastIndex,
  listed,
  manifestOf,
  parsedReport,
  planJob,
  reach,
  reachAs,
  reportObjects,
  requestsPerKey,
  setPriority,
  startRig,
  taskOf,
  waitFor,
  type JobPlan,
  type Rig,
} from '../helpers/lifecycle.js';
import type { Gate } from '../helpers/fault-proxy.js';
import { errorOf } from '../object-store/helpers.js';
import { ACCOUNT_B } from '../helpers/server.js';

const TEST_MS = 45_000;

/** The job as AWS shows a cancelled one: Cancelled, TerminationDate, the reason echoed, no FailureReasons. */
function expectCancelled(job: JobDescriptor, reason: string): void {
  expect(job.Status).toBe('Cancelled');
  expect(job.TerminationDate).toBeInstanceOf(Date);
  expect(job.TerminationDate!.getTime()).toBeGreaterThanOrEqual(job.CreationTime!.getTime());
  expect(job.StatusUpdateReason).toBe(reason);
  expect(job.FailureReasons ?? []).toEqual([]);
}

/**
 * A job that ran some of its tasks: the counts are what ran, each task was asked of the store
 * once, and the report has one row per task that ran — the very tasks the store was asked — each
 * manifest line at most once, failures where the object was missing.
 */
async function expectExactPartialRun(rig: Rig, jobId: string, plan: JobPlan): Promise<number> {
  const job = await describe(rig.control, jobId);
  const summary = job.ProgressSummary!;
  const succeeded = summary.NumberOfTasksSucceeded!;
  const failed = summary.NumberOfTasksFailed!;
  expect(summary.TotalNumberOfTasks).toBe(plan.lines.length);
  const asked = requestsPerKey(rig, plan.name);
  expect([...asked.values()].filter((n) => n !== 1)).toEqual([]);
  expect(succeeded + failed).toBe(asked.size);

  const rows = await parsedReport(rig, jobId);
  expect(rows).toHaveLength(succeeded + failed);
  expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  expect(rows.map((r) => r.key).sort()).toEqual([...asked.keys()].sort());
  const existing = new Set(plan.existing);
  const ok = rows.filter((r) => r.status === 'succeeded');
  const bad = rows.filter((r) => r.status === 'failed');
  expect(ok).toHaveLength(succeeded);
  expect(bad).toHaveLength(failed);
  expect(ok.every((r) => existing.has(r.key) && r.row.endsWith(',succeeded,200,,Successful'))).toBe(true);
  expect(bad.every((r) => !existing.has(r.key) && /,failed,404,NoSuchKey,/.test(r.row))).toBe(true);
  return succeeded + failed;
}

/** A job that ran to Complete: every manifest line exactly once, in the counts, the report and the store's requests. */
async function expectExactCompleteRun(rig: Rig, jobId: string, plan: JobPlan): Promise<JobDescriptor> {
  const job = await reach(rig, jobId, 'Complete');
  expect(job.ProgressSummary).toMatchObject({
    TotalNumberOfTasks: plan.lines.length,
    NumberOfTasksSucceeded: plan.existing.length,
    NumberOfTasksFailed: plan.lines.length - plan.existing.length,
  });
  expect(await expectExactPartialRun(rig, jobId, plan)).toBe(plan.lines.length);
  return job;
}

/** No task request of the job `name` ever reached the store, and no report was written. */
async function expectNothingRan(rig: Rig, jobId: string, name: string): Promise<void> {
  expect(rig.proxy.count(taskOf(name))).toBe(0);
  const job = await describe(rig.control, jobId);
  expect(job.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 0 });
  expect(await reportObjects(rig, jobId)).toEqual([]);
}

/** The job `name` is running with exactly JOB_CONCURRENCY tasks held at `gate` (after `ran` let through). */
async function heldRunning(rig: Rig, jobId: string, gate: { held: number; passed: number }, ran: number): Promise<void> {
  await waitFor(`${JOB_CONCURRENCY} tasks held`, () => gate.passed === ran && gate.held === JOB_CONCURRENCY);
  expect((await describe(rig.control, jobId)).Status).toBe('Active');
}

/**
 * Job L (priority 10) runs with `lowRan` tasks let through and the next ones held; then job H
 * (priority 50, `highRan` of its tasks let through) arrives and pushes L to Pausing.
 */
async function lowPushedAside(
  rig: Rig,
  low: { tasks: number; missingEvery?: number; ran: number },
  high: { tasks: number; missingEvery?: number; ran?: number },
): Promise<{ low: JobPlan; high: JobPlan; lowGate: Gate; highGate: Gate; lowId: string; highId: string }> {
  const lowPlan = await planJob(rig, 'l', low.tasks, low.missingEvery);
  const highPlan = await planJob(rig, 'h', high.tasks, high.missingEvery);
  const lowGate = rig.gate(taskOf('l'));
  const highGate = rig.gate(taskOf('h'));
  lowGate.allow(low.ran);
  const lowId = await createJob(rig, lowPlan, { priority: 10 });
  await heldRunning(rig, lowId, lowGate, low.ran);
  if (high.ran !== undefined) highGate.allow(high.ran);
  const highId = await createJob(rig, highPlan, { priority: 50 });
  await reach(rig, lowId, 'Pausing');
  return { low: lowPlan, high: highPlan, lowGate, highGate, lowId, highId };
}

async function expectError(p: Promise<unknown>, name: string): Promise<void> {
  const e = await errorOf(p);
  expect({ name: e.name, status: e.status }).toEqual({ name, status: 400 });
}

group('cancel, in each status a job can be cancelled in', () => {
  it('New: cancelled straight after CreateJob, before or while it is prepared: Cancelled at once, nothing runs', async () => {
    const rig = await startRig();
    const plan = await planJob(rig, 'n', 30);
    const jobId = await createJob(rig, plan);
    expect(await cancel(rig, jobId, 'oops')).toMatchObject({ JobId: jobId, Status: 'Cancelled', StatusUpdateReason: 'oops' });
    await drain(rig, 'barrier');
    expectCancelled(await describe(rig.control, jobId), 'oops');
    await expectNothingRan(rig, jobId, 'n');
  }, TEST_MS);

  it('Preparing: Cancelled at once; the preparation that ends afterwards starts nothing, and its chunks are dropped', async () => {
    const rig = await startRig();
    const plan = await planJob(rig, 'p', 30);
    const manifest = rig.gate(manifestOf('p'));
    const jobId = await createJob(rig, plan);
    await waitFor('the manifest read held', () => manifest.held > 0);
    expect((await describe(rig.control, jobId)).Status).toBe('Preparing');

    const out = await cancel(rig, jobId, 'not now');
    expect(out).toMatchObject({ JobId: jobId, Status: 'Cancelled', StatusUpdateReason: 'not now' });
    expectCancelled(await describe(rig.control, jobId), 'not now');

    manifest.open();
    await drain(rig, 'barrier');
    await waitFor('the prepared chunks dropped', async () => (await rig.engine.store.chunkCounts(jobId)).total === 0);
    expect(manifest.passed).toBeGreaterThan(0); // the preparation did read the manifest after the cancel
    expectCancelled(await describe(rig.control, jobId), 'not now');
    await expectNothingRan(rig, jobId, 'p');
  }, TEST_MS);

  it('Suspended: Cancelled at once, nothing runs, and it can no longer be confirmed', async () => {
    const rig = await startRig();
    const plan = await planJob(rig, 's', 30);
    const jobId = await createJob(rig, plan, { confirmationRequired: true });
    expect((await reach(rig, jobId, 'Suspended')).ProgressSummary?.TotalNumberOfTasks).toBe(30);

    expect(await cancel(rig, jobId, 'wrong tags')).toMatchObject({ Status: 'Cancelled', StatusUpdateReason: 'wrong tags' });
    await expectError(confirm(rig, jobId), 'JobStatusException');
    await drain(rig, 'barrier');
    const job = await describe(rig.control, jobId);
    expectCancelled(job, 'wrong tags');
    expect(job.ProgressSummary?.TotalNumberOfTasks).toBe(30);
    await expectNothingRan(rig, jobId, 's');
  }, TEST_MS);

  it('Ready (behind a running higher-priority job): Cancelled at once, and it does not run when the other ends', async () => {
    const rig = await startRig();
    const high = await planJob(rig, 'h', 20);
    const ready = await planJob(rig, 'r', 20);
    const gate = rig.gate(taskOf('h'));
    const highId = await createJob(rig, high, { priority: 50 });
    await heldRunning(rig, highId, gate, 0);
    const readyId = await createJob(rig, ready, { priority: 10 });
    await reach(rig, readyId, 'Ready');
    expect(await listed(rig, 'Ready')).toEqual([readyId]);

    expect(await cancel(rig, readyId, 'superseded')).toMatchObject({ Status: 'Cancelled' });
    gate.open();
    await expectExactCompleteRun(rig, highId, high);
    await drain(rig, 'barrier');
    const job = await describe(rig.control, readyId);
    expectCancelled(job, 'superseded');
    expect(job.ProgressSummary?.TotalNumberOfTasks).toBe(20);
    await expectNothingRan(rig, readyId, 'r');
  }, TEST_MS);

  it('Active, tasks held mid-way: Cancelling while they are in flight, no new task after, the report covers exactly what ran', async () => {
    const rig = await startRig();
    const plan = await planJob(rig, 'a', 120, 10);
    const gate = rig.gate(taskOf('a'));
    gate.allow(30);
    const jobId = await createJob(rig, plan);
    await heldRunning(rig, jobId, gate, 30);

    expect(await cancel(rig, jobId, 'stop it')).toMatchObject({ Status: 'Cancelling', StatusUpdateReason: 'stop it' });
    const mark = rig.proxy.log.length;
    const cancelling = await describe(rig.control, jobId);
    expect(cancelling.Status).toBe('Cancelling');
    expect(cancelling.TerminationDate).toBeUndefined();
    // A job already Cancelling cannot be cancelled again (reference §5.3).
    await expectError(cancel(rig, jobId), 'JobStatusException');

    gate.open();
    expectCancelled(await reach(rig, jobId, 'Cancelled'), 'stop it');
    // The tasks held at the cancel finished; none started after it.
    expect(rig.proxy.count(taskOf('a'), mark)).toBe(0);
    const ran = await expectExactPartialRun(rig, jobId, plan);
    expect(ran).toBe(30 + JOB_CONCURRENCY);
    await drain(rig, 'barrier');
    expect(rig.proxy.count(taskOf('a'), mark)).toBe(0);
  }, TEST_MS);

  it('Active, tasks flowing: at most the tasks in flight start after the cancel; counts and report agree', async () => {
    const rig = await startRig({ delayMs: (r) => (taskOf('f')(r) ? 10 : 0) });
    const plan = await planJob(rig, 'f', 400, 7);
    const jobId = await createJob(rig, plan);
    // 75: not a multiple of the 20 tasks a run claims at once, so the cancel lands mid-chunk
    await waitFor('75 tasks asked', () => rig.proxy.count(taskOf('f')) >= 75);

    const out = await cancel(rig, jobId, 'enough');
    const mark = rig.proxy.log.length;
    expect(out.Status).toBe('Cancelling');
    expectCancelled(await reach(rig, jobId, 'Cancelled'), 'enough');
    expect(rig.proxy.count(taskOf('f'), mark)).toBeLessThanOrEqual(JOB_CONCURRENCY);
    const ran = await expectExactPartialRun(rig, jobId, plan);
    expect(ran).toBeLessThan(400);
    await drain(rig, 'barrier');
    expect(rig.proxy.count(taskOf('f'), mark)).toBeLessThanOrEqual(JOB_CONCURRENCY);
  }, TEST_MS);

  it('Pausing (pushed aside by a higher-priority job): Cancelling, the rest of its claimed chunks never starts', async () => {
    const rig = await startRig();
    const { low, high, lowGate, highGate, lowId, highId } = await lowPushedAside(rig, { tasks: 100, missingEvery: 9, ran: 5 }, { tasks: 20 });

    expect(await cancel(rig, lowId, 'make room')).toMatchObject({ Status: 'Cancelling' });
    const mark = rig.proxy.log.length;
    lowGate.open();
    expectCancelled(await reach(rig, lowId, 'Cancelled'), 'make room');
    // Neither Pausing nor Cancelling starts a task: only the ones held in flight ran.
    expect(rig.proxy.count(taskOf('l'), mark)).toBe(0);
    expect(await expectExactPartialRun(rig, lowId, low)).toBe(5 + JOB_CONCURRENCY);

    highGate.open();
    await expectExactCompleteRun(rig, highId, high);
    await drain(rig, 'barrier');
    expect(rig.proxy.count(taskOf('l'), mark)).toBe(0);
    expect((await describe(rig.control, lowId)).Status).toBe('Cancelled');
  }, TEST_MS);

  it('Paused: cancelled without running again; it stays Cancelled when the higher-priority job ends', async () => {
    const rig = await startRig();
    const { low, high, lowGate, highGate, lowId, highId } = await lowPushedAside(rig, { tasks: 100, missingEvery: 9, ran: 5 }, { tasks: 20 });
    lowGate.open();
    const paused = await reach(rig, lowId, 'Paused');
    expect(await listed(rig, 'Paused')).toEqual([lowId]);
    const ranBefore = paused.ProgressSummary!.NumberOfTasksSucceeded! + paused.ProgressSummary!.NumberOfTasksFailed!;
    expect(ranBefore).toBe(rig.proxy.count(taskOf('l')));
    expect(ranBefore).toBeLessThan(100);

    const mark = rig.proxy.log.length;
    const out = await cancel(rig, lowId, 'not needed');
    // Nothing runs while Paused: AWS may cancel at once or pass through Cancelling (reference §5.1).
    expect(['Cancelling', 'Cancelled']).toContain(out.Status);
    expectCancelled(await reach(rig, lowId, 'Cancelled'), 'not needed');
    expect(await expectExactPartialRun(rig, lowId, low)).toBe(ranBefore);

    highGate.open();
    await expectExactCompleteRun(rig, highId, high);
    await drain(rig, 'barrier');
    expect(rig.proxy.count(taskOf('l'), mark)).toBe(0);
    expectCancelled(await describe(rig.control, lowId), 'not needed');
  }, TEST_MS);

  it('a job already Complete or Cancelled refuses the cancel (JobStatusException) and a priority change (BadRequestException), unchanged', async () => {
    const rig = await startRig();
    const done = await planJob(rig, 'c', 5);
    const doneId = await createJob(rig, done);
    const complete = await expectExactCompleteRun(rig, doneId, done);
    const gone = await planJob(rig, 'x', 5);
    const goneId = await createJob(rig, gone, { confirmationRequired: true });
    await reach(rig, goneId, 'Suspended');
    await cancel(rig, goneId, 'first');
    const cancelled = await describe(rig.control, goneId);

    for (const [jobId, before] of [
      [doneId, complete],
      [goneId, cancelled],
    ] as const) {
      await expectError(cancel(rig, jobId, 'again'), 'JobStatusException');
      await expectError(confirm(rig, jobId), 'JobStatusException');
      await expectError(setPriority(rig, jobId, 99), 'BadRequestException');
      const after = await describe(rig.control, jobId);
      const seen = (j: JobDescriptor) => [j.Status, j.Priority, j.StatusUpdateReason, j.TerminationDate?.getTime(), j.ProgressSummary?.NumberOfTasksSucceeded];
      expect(seen(after)).toEqual(seen(before));
    }
  }, TEST_MS);
});

group('priorities', () => {
  it('a higher-priority job pauses the running one, completes first; the lower one resumes and completes with exact counts', async () => {
    const rig = await startRig();
    const { low, high, lowGate, highGate, lowId, highId } = await lowPushedAside(rig, { tasks: 100, missingEvery: 20, ran: 10 }, { tasks: 30, missingEvery: 10 });
    await reach(rig, highId, 'Active');
    // L starts no task once Pausing: the ones in flight end, the rest of its chunks is given back
    // (checkpointed), and it is Paused while H runs.
    lowGate.open();
    const paused = await reach(rig, lowId, 'Paused');
    const { NumberOfTasksSucceeded: ok = 0, NumberOfTasksFailed: failed = 0 } = paused.ProgressSummary ?? {};
    expect(ok + failed).toBe(rig.proxy.count(taskOf('l')));
    expect(ok + failed).toBe(10 + JOB_CONCURRENCY);
    expect(paused.TerminationDate).toBeUndefined();
    expect(await listed(rig, 'Paused')).toEqual([lowId]);
    expect(await listed(rig, 'Active')).toEqual([highId]);
    lowGate.close();
    const pausedAt = rig.proxy.log.length;

    highGate.open();
    const highDone = await expectExactCompleteRun(rig, highId, high);
    // L resumes on its own once H is done; its tasks are held again, so it cannot have ended.
    await reach(rig, lowId, 'Active');
    await waitFor('L running again', () => lowGate.held > 0);
    // Every task of H was asked before L asked anything again.
    const firstLowAgain = firstIndex(rig, taskOf('l'), pausedAt);
    expect(firstLowAgain).toBeGreaterThan(lastIndex(rig, taskOf('h')));

    lowGate.open();
    const lowDone = await expectExactCompleteRun(rig, lowId, low);
    expect(highDone.TerminationDate!.getTime()).toBeLessThanOrEqual(lowDone.TerminationDate!.getTime());
    expect(lowDone.FailureReasons ?? []).toEqual([]);
  }, TEST_MS);

  it('the paused job resumes when the higher-priority job that pushed it aside is cancelled, and completes exactly', async () => {
    const rig = await startRig();
    const { low, high, lowGate, highGate, lowId, highId } = await lowPushedAside(rig, { tasks: 60, missingEvery: 12, ran: 5 }, { tasks: 60, ran: 3 });
    lowGate.open();
    await reach(rig, lowId, 'Paused');
    await heldRunning(rig, highId, highGate, 3);

    expect(await cancel(rig, highId, 'L first')).toMatchObject({ Status: 'Cancelling' });
    highGate.open();
    expectCancelled(await reach(rig, highId, 'Cancelled'), 'L first');
    expect(await expectExactPartialRun(rig, highId, high)).toBe(3 + JOB_CONCURRENCY);
    const lowDone = await expectExactCompleteRun(rig, lowId, low);
    expect(lowDone.FailureReasons ?? []).toEqual([]);
    expect(lowDone.StatusUpdateReason).toBeUndefined();
  }, TEST_MS);

  it("priorities are relative within an account: another account's higher-priority job does not pause this one", async () => {
    const rig = await startRig();
    const mine = await planJob(rig, 'l', 60, 12);
    const theirs = await planJob(rig, 'h', 30);
    const mineGate = rig.gate(taskOf('l'));
    const theirGate = rig.gate(taskOf('h'));
    mineGate.allow(5);
    const mineId = await createJob(rig, mine, { priority: 10 });
    await heldRunning(rig, mineId, mineGate, 5);
    const theirId = await createJob(rig, theirs, { priority: 50, account: ACCOUNT_B });
    await reachAs(rig, ACCOUNT_B, theirId, 'Active');
    await waitFor("the other account's tasks held", () => theirGate.held === JOB_CONCURRENCY);

    // Reference §5.4: priority orders the jobs of one account (and Region), not everyone's.
    expect((await describe(rig.control, mineId)).Status).toBe('Active');
    mineGate.open();
    await expectExactCompleteRun(rig, mineId, mine);
    expect((await describeAs(rig, ACCOUNT_B, theirId)).Status).toBe('Active');
    theirGate.open();
    const done = await reachAs(rig, ACCOUNT_B, theirId, 'Complete');
    expect(done.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 30, NumberOfTasksSucceeded: 30, NumberOfTasksFailed: 0 });
  }, TEST_MS);

  it('UpdateJobPriority raising the paused job above the running one swaps them', async () => {
    const rig = await startRig();
    const { low, high, lowGate, highGate, lowId, highId } = await lowPushedAside(rig, { tasks: 60, missingEvery: 15, ran: 5 }, { tasks: 60, missingEvery: 15 });
    lowGate.open();
    await reach(rig, lowId, 'Paused');
    lowGate.close();
    await heldRunning(rig, highId, highGate, 0);

    expect(await setPriority(rig, lowId, 100)).toBe(100);
    // H is pushed aside (its tasks held: Pausing), L runs again.
    await reach(rig, highId, 'Pausing');
    await reach(rig, lowId, 'Active');
    highGate.open();
    await reach(rig, highId, 'Paused');
    highGate.close();
    const swappedAt = rig.proxy.log.length;
    expect(await listed(rig, 'Paused')).toEqual([highId]);
    expect((await describe(rig.control, lowId)).Priority).toBe(100);

    lowGate.open();
    const lowDone = await expectExactCompleteRun(rig, lowId, low);
    await reach(rig, highId, 'Active');
    await waitFor('H running again', () => highGate.held > 0);
    expect(rig.proxy.count(taskOf('h'), swappedAt)).toBeGreaterThan(0);
    expect(firstIndex(rig, taskOf('h'), swappedAt)).toBeGreaterThan(lastIndex(rig, taskOf('l')));
    highGate.open();
    const highDone = await expectExactCompleteRun(rig, highId, high);
    expect(lowDone.TerminationDate!.getTime()).toBeLessThanOrEqual(highDone.TerminationDate!.getTime());
  }, TEST_MS);
});
