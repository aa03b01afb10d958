import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job.js';
import type { JobStatus } from '../../src/domain/job-status.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/engine.js';
import { prepareJob } from '../../src/engine/preparer.js';
import { prepareManifest } from '../../src/manifests/index.js';
import { resultFileKey } from '../../src/reports/index.js';
import { S3PortError, type S3Port } from '../../src/s3/s3-port.js';
import { capturingLogger } from '../helpers/logs.js';
import { ACCOUNT, openBench, type Bench } from './harness.js';

const engines: Engine[] = [];
function startEngine(b: Bench, over: Partial<EngineOptions> = {}): Engine {
  const engine = createEngine({
    store: b.store,
    events: b.events,
    s3For: () => b.s3,
    nodeId: 'node-1',
    now: () => b.clock.now,
    logger: b.ctx.logger,
    pollMs: 20,
    sleep: async () => {},
    chunkSize: 100,
    limits: { globalConcurrency: 16, leaseMs: 30_000 },
    ...over,
  });
  engines.push(engine);
  engine.start();
  return engine;
}

async function until(b: Bench, id: string, statuses: JobStatus[], timeoutMs = 15_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = await b.job(id);
    if (statuses.includes(job.status)) return job;
    if (Date.now() > end) throw new Error(`job ${id} is ${job.status}, not ${statuses.join('/')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function objects(b: Bench, n: number, prefix = 'k'): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    b.s3.put('data', `${prefix}${i}`, 'x');
    lines.push(`data,${prefix}${i}`);
  }
  return lines;
}

const reportRows = (b: Bench, job: Job, status: 'succeeded' | 'failed'): string[] =>
  (b.s3.text('reports', resultFileKey(`r/job-${job.id}/`, job.id, status)) ?? '').split('\n').filter(Boolean);

describe('engine', () => {
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
  });

  it('runs a tagging job to Complete with exact counts and a report echoing the manifest keys', async () => {
    const b = await openBench();
    const lines = objects(b, 250);
    b.s3.put('data', 'ü x+y', 'x');
    lines.push('data,%C3%BC+x%2By', 'data,missing');
    const job = await b.createJob({}, lines);
    startEngine(b);
    const done = await until(b, job.id, ['Complete', 'Failed']);
    expect(done.status).toBe('Complete');
    expect(done.progress).toMatchObject({ totalTasks: 252, succeededTasks: 251, failedTasks: 1 });
    expect(b.s3.tags('data', 'ü x+y')).toEqual([{ key: 'k', value: 'v' }]);
    const ok = reportRows(b, done, 'succeeded');
    expect(ok).toHaveLength(251);
    expect(ok).toContain('data,%C3%BC+x%2By,,succeeded,200,,Successful');
    expect(reportRows(b, done, 'failed')).toEqual([expect.stringMatching(/^data,missing,,failed,404,NoSuchKey,/)]);
    expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 0 });
  });

  it('runs chunks prepared before records were stored (a data dir of an older version) by reading the manifest from S3', async () => {
    const b = await openBench();
    const lines = objects(b, 30);
    const job = await b.createJob({}, lines);
    const manifest = job.spec.Manifest!;
    const key = manifest.Location.ObjectArn.split('/').pop()!;
    const { etag } = await b.s3.headObject({ bucket: 'manifests', key });
    // What SQLite migration 5 leaves such a job with: locators pinned to the manifest, no records.
    await b.store.transition(job.id, ['New'], 'Preparing', b.clock.now);
    const prepared = await prepareManifest(manifest, b.s3, { chunkSize: 7 });
    await b.store.addChunks(job.id, prepared.chunks.map((chunk) => ({ index: chunk.index, taskCount: chunk.taskCount, locator: { chunk, pin: { manifestEtag: etag } } })), { final: true });
    await b.store.transition(job.id, ['Preparing'], 'Ready', b.clock.now);
    startEngine(b);
    const done = await until(b, job.id, ['Complete', 'Failed']);
    expect(done.progress, JSON.stringify(done.failureReasons)).toMatchObject({ totalTasks: 30, succeededTasks: 30, failedTasks: 0 });
    expect(reportRows(b, done, 'succeeded')).toHaveLength(30);
  });

  it('retries SlowDown until every task succeeds, and never retries a permanent error', async () => {
    const b = await openBench();
    const lines = [...objects(b, 300), 'data,gone'];
    let n = 0;
    let goneCalls = 0;
    b.s3.fault = (op, ref) => {
      if (op !== 'putTagging') return undefined;
      if (ref.key === 'gone') goneCalls++;
      return ++n % 10 === 0 ? new S3PortError('SlowDown', 503, 'Please reduce your request rate.') : undefined;
    };
    const job = await b.createJob({}, lines);
    startEngine(b);
    const done = await until(b, job.id, ['Complete', 'Failed']);
    expect(done.progress).toMatchObject({ succeededTasks: 300, failedTasks: 1 });
    expect(goneCalls).toBeGreaterThanOrEqual(1);
    expect(goneCalls).toBeLessThanOrEqual(2); // once, plus a possible SlowDown on that very call
  });

  it('fails a job whose failure rate exceeds 50% after 1000 tasks, and still writes the report', async () => {
    const b = await openBench();
    const lines = Array.from({ length: 1500 }, (_, i) => `data,nope-${i}`);
    const job = await b.createJob({}, lines);
    startEngine(b);
    const done = await until(b, job.id, ['Failed', 'Complete']);
    expect(done.status).toBe('Failed');
    expect(done.failureReasons[0]?.FailureCode).toBe('TaskFailureThresholdExceeded');
    const ran = done.progress.failedTasks + done.progress.succeededTasks;
    expect(ran).toBeGreaterThanOrEqual(1000);
    expect(reportRows(b, done, 'failed')).toHaveLength(ran);
  });

  it('cancels a running job: no new task starts, the report covers what ran', async () => {
    const b = await openBench();
    const lines = objects(b, 400);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const slow: S3Port = { ...bind(b.s3), putObjectTagging: async (ref, tags) => { started++; await gate; return b.s3.putObjectTagging(ref, tags); } };
    const job = await b.createJob({}, lines);
    startEngine(b, { s3For: () => slow, limits: { globalConcurrency: 4 } });
    await until(b, job.id, ['Active']);
    while (started < 4) await new Promise((r) => setTimeout(r, 5));
    const cancelling = await b.store.requestStatus(job.accountId, job.id, 'Cancelled', undefined, b.clock.now);
    b.events.emit('job:statusChanged', { job: cancelling.job, from: 'Active', to: cancelling.job.status });
    release();
    const done = await until(b, job.id, ['Cancelled']);
    const ran = done.progress.succeededTasks + done.progress.failedTasks;
    expect(ran).toBeGreaterThanOrEqual(4);
    expect(ran).toBeLessThan(400);
    expect(reportRows(b, done, 'succeeded')).toHaveLength(ran);
  });

  it('pauses a lower-priority job for a higher one, which finishes first; the lower resumes with exact counts', async () => {
    const b = await openBench();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const gated: S3Port = { ...bind(b.s3), putObjectTagging: async (ref, tags) => { await gate; return b.s3.putObjectTagging(ref, tags); } };
    const low = await b.createJob({ Priority: 1 }, objects(b, 300, 'low'));
    startEngine(b, { s3For: (job) => (job.id === low.id ? gated : b.s3) });
    await until(b, low.id, ['Active']);
    const high = await b.createJob({ Priority: 50 }, objects(b, 200, 'high'));
    b.events.emit('job:created', { job: high });
    await until(b, low.id, ['Pausing', 'Paused']);
    release();
    const highDone = await until(b, high.id, ['Complete']);
    const lowDone = await until(b, low.id, ['Complete']);
    expect(highDone.terminationMs! <= lowDone.terminationMs!).toBe(true);
    expect(lowDone.progress).toMatchObject({ totalTasks: 300, succeededTasks: 300, failedTasks: 0 });
    expect(b.statusLog.filter((e) => e.job.id === low.id).map((e) => e.to)).toEqual(
      expect.arrayContaining(['Pausing', 'Paused', 'Active', 'Completing', 'Complete']),
    );
  });

  it('resumes after a crash: a job left Active with a dead node’s lease completes once the lease expires', async () => {
    const b = await openBench();
    const job = await b.createJob({}, objects(b, 250));
    await prepareJob(b.ctx, job, { chunkSize: 100 });
    await b.store.transition(job.id, ['Ready'], 'Active', b.clock.now);
    const [ghost] = await b.store.claimChunks(job.id, 'dead-node', 1, 1_000, b.clock.now);
    b.clock.now += 5_000;
    startEngine(b, { nodeId: 'node-2' });
    const done = await until(b, job.id, ['Complete']);
    expect(ghost?.index).toBe(0);
    expect(done.progress).toMatchObject({ totalTasks: 250, succeededTasks: 250, failedTasks: 0 });
    expect(reportRows(b, done, 'succeeded')).toHaveLength(250);
  });

  it('a restarted node takes back the leases of its previous life at once, without waiting for them to expire', async () => {
    const b = await openBench();
    const job = await b.createJob({}, objects(b, 250));
    await prepareJob(b.ctx, job, { chunkSize: 100 });
    await b.store.transition(job.id, ['Ready'], 'Active', b.clock.now);
    // the previous life of node-1 held two chunks for an hour; the clock never moves in this test
    await b.store.claimChunks(job.id, 'node-1', 2, 3_600_000, b.clock.now);
    startEngine(b, { nodeId: 'node-1' });
    const done = await until(b, job.id, ['Complete']);
    expect(done.progress).toMatchObject({ totalTasks: 250, succeededTasks: 250, failedTasks: 0 });
    expect(reportRows(b, done, 'succeeded')).toHaveLength(250);
  });

  it('a stop mid-chunk checkpoints what ran: after the restart only the rest runs, each task once, counted and reported once', async () => {
    const b = await openBench();
    const job = await b.createJob({}, objects(b, 250));
    const calls = new Map<string, number>();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const counting = (held: boolean): S3Port => ({
      ...bind(b.s3),
      putObjectTagging: async (ref, tags) => {
        calls.set(ref.key, (calls.get(ref.key) ?? 0) + 1);
        if (held && calls.size > 30) await gate;
        return b.s3.putObjectTagging(ref, tags);
      },
    });
    const first = startEngine(b, { s3For: () => counting(true), limits: { globalConcurrency: 8, leaseMs: 3_600_000 } });
    await until(b, job.id, ['Active']);
    const end = Date.now() + 15_000;
    while (calls.size < 38 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    const stopping = first.stop();
    release();
    await stopping;
    const ranBefore = calls.size;
    // 30 let through, then the 8 held in flight end; nothing else starts (chunks hold 100 tasks)
    expect(ranBefore).toBe(38);
    const stopped = await b.job(job.id);
    expect(stopped.status).toBe('Active');
    expect(stopped.progress.succeededTasks).toBe(ranBefore);
    expect(await b.store.chunkCounts(job.id)).toMatchObject({ leased: 0, done: 0 });

    startEngine(b, { s3For: () => counting(false) });
    const done = await until(b, job.id, ['Complete']);
    expect(done.progress).toMatchObject({ totalTasks: 250, succeededTasks: 250, failedTasks: 0 });
    expect(calls.size).toBe(250);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    const rows = reportRows(b, done, 'succeeded');
    expect(rows).toHaveLength(250);
    expect(new Set(rows).size).toBe(250);
  });

  it('fails a job left in Suspended for more than 30 days, and drops its prepared chunks', async () => {
    const b = await openBench();
    const job = await b.createJob({ ConfirmationRequired: true }, objects(b, 5));
    await prepareJob(b.ctx, job);
    expect((await b.job(job.id)).status).toBe('Suspended');
    const day = 24 * 3600 * 1000;
    b.clock.now += 29 * day;
    const engine = startEngine(b);
    await new Promise((r) => setTimeout(r, 100)); // several scheduling rounds
    expect((await b.job(job.id)).status).toBe('Suspended');
    await engine.stop();
    b.clock.now += day + 1;
    startEngine(b);
    const failed = await until(b, job.id, ['Failed']);
    expect(failed.failureReasons).toEqual([{ FailureCode: 'SuspendedJobExpired', FailureReason: expect.stringContaining('30 days') as unknown }]);
    expect(failed.terminationMs).toBe(b.clock.now);
    await expect.poll(() => b.store.chunkCounts(job.id)).toMatchObject({ total: 0 });
  });

  it('completes a job whose report cannot be written, saying why in FailureReasons (as AWS does)', async () => {
    const b = await openBench();
    const job = await b.createJob(
      { Report: { Enabled: true, Bucket: 'arn:aws:s3:::no-such-bucket', Prefix: 'r', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' } },
      objects(b, 3),
    );
    startEngine(b);
    const done = await until(b, job.id, ['Complete', 'Failed']);
    expect(done.status).toBe('Complete');
    expect(done.progress).toMatchObject({ totalTasks: 3, succeededTasks: 3 });
    expect(done.failureReasons).toEqual([
      { FailureCode: 'ReportWriteFailed', FailureReason: expect.stringMatching(/^The job report could not be written to your report bucket: NoSuchBucket/) as unknown },
    ]);
  });

  describe('errors are classified, never guessed', () => {
    const INTERNAL_ROW = /^data,bug,,failed,0,S3BatchInternalError,"An internal error in s3batch failed this task: a bug in s3batch, not a problem of your request or of the store\. Please report it \(the server log has the details\): TypeError: Cannot read properties of undefined \(reading 'versionId'\)"$/;
    const errorsIn = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.level === 50);

    it('a task whose operation throws a bug is tried once, fails with S3BatchInternalError and is logged once with its stack; a reset is retried', async () => {
      const b = await openBench();
      const { logger, lines: log } = capturingLogger('debug');
      const lines = [...objects(b, 20), 'data,bug', 'data,reset'];
      b.s3.put('data', 'bug', 'x');
      b.s3.put('data', 'reset', 'x');
      const calls = { bug: 0, reset: 0 };
      b.s3.fault = (op, ref) => {
        if (op !== 'putTagging') return undefined;
        if (ref.key === 'bug') return calls.bug++, new TypeError("Cannot read properties of undefined (reading 'versionId')");
        if (ref.key === 'reset' && ++calls.reset < 3) return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
        return undefined;
      };
      const job = await b.createJob({}, lines);
      startEngine(b, { logger });
      const done = await until(b, job.id, ['Complete', 'Failed']);
      expect(done.status).toBe('Complete');
      expect(done.progress).toMatchObject({ totalTasks: 22, succeededTasks: 21, failedTasks: 1 });
      expect(calls).toEqual({ bug: 1, reset: 3 });
      expect(b.s3.tags('data', 'reset')).toEqual([{ key: 'k', value: 'v' }]);
      expect(reportRows(b, done, 'failed')).toEqual([expect.stringMatching(INTERNAL_ROW)]);
      const errors = errorsIn(log);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ jobId: job.id, bucket: 'data', key: 'bug', err: { type: 'TypeError', message: "Cannot read properties of undefined (reading 'versionId')" } });
      expect((errors[0]!.err as { stack: string }).stack).toMatch(/^TypeError: .*\n\s+at /);
    });

    it('a report write that throws a bug is tried once: the job ends with its counts and an S3BatchInternalError reason, logged with its stack', async () => {
      const b = await openBench();
      const { logger, lines: log } = capturingLogger('debug');
      let puts = 0;
      b.s3.fault = (op, ref) => (op === 'put' && ref.bucket === 'reports' ? (puts++, new TypeError('part.open is not a function')) : undefined);
      const job = await b.createJob({}, objects(b, 3));
      startEngine(b, { logger });
      const done = await until(b, job.id, ['Complete', 'Failed']);
      expect([done.status, puts]).toEqual(['Complete', 1]);
      expect(done.progress).toMatchObject({ totalTasks: 3, succeededTasks: 3 });
      expect(done.failureReasons).toEqual([
        { FailureCode: 'S3BatchInternalError', FailureReason: expect.stringMatching(/^An internal error in s3batch failed writing the job report: a bug in s3batch/) as unknown },
      ]);
      const errors = errorsIn(log);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ jobId: job.id, err: { type: 'TypeError' } });
      expect((errors[0]!.err as { stack: string }).stack).toMatch(/\n\s+at /);
    });

    it('a chunk read (of a job prepared by an older version) that throws a bug is tried once and fails the job as an internal error', async () => {
      const b = await openBench();
      const { logger, lines: log } = capturingLogger('debug');
      const job = await b.createJob({}, objects(b, 30));
      const manifest = job.spec.Manifest!;
      const key = manifest.Location.ObjectArn.split('/').pop()!;
      const { etag } = await b.s3.headObject({ bucket: 'manifests', key });
      await b.store.transition(job.id, ['New'], 'Preparing', b.clock.now);
      const prepared = await prepareManifest(manifest, b.s3, { chunkSize: 10 });
      await b.store.addChunks(job.id, prepared.chunks.map((chunk) => ({ index: chunk.index, taskCount: chunk.taskCount, locator: { chunk, pin: { manifestEtag: etag } } })), { final: true });
      await b.store.transition(job.id, ['Preparing'], 'Ready', b.clock.now);
      let gets = 0;
      b.s3.fault = (op, ref) => (op === 'get' && ref.bucket === 'manifests' ? (gets++, new TypeError('locator.end is not a number')) : undefined);
      startEngine(b, { logger, limits: { globalConcurrency: 16, leaseMs: 30_000, chunkClaimBatch: 1 } });
      const done = await until(b, job.id, ['Complete', 'Failed']);
      expect([done.status, gets]).toEqual(['Failed', 1]);
      expect(done.failureReasons).toEqual([
        { FailureCode: 'S3BatchInternalError', FailureReason: expect.stringMatching(/^An internal error in s3batch failed the job while reading chunk 0: a bug in s3batch/) as unknown },
      ]);
      expect(errorsIn(log)).toEqual([expect.objectContaining({ jobId: job.id, chunk: 0, err: expect.objectContaining({ type: 'TypeError' }) })]);
    });
  });

  it('deletes jobs 90 days after they ended, and only those', async () => {
    const b = await openBench();
    const day = 24 * 3600 * 1000;
    const old = await b.createJob({}, objects(b, 2));
    await b.store.transition(old.id, ['New'], 'Cancelled', b.clock.now);
    b.clock.now += 10 * day;
    const recent = await b.createJob({}, objects(b, 2, 'r'));
    await b.store.transition(recent.id, ['New'], 'Failed', b.clock.now);
    b.clock.now += 85 * day; // old ended 95 days ago, recent 85
    startEngine(b);
    await expect.poll(() => b.store.getJob(ACCOUNT, old.id)).toBeUndefined();
    expect((await b.job(recent.id)).status).toBe('Failed');
  });

  it('finalizes a job found Completing after a crash: report written, then Complete', async () => {
    const b = await openBench();
    const job = await b.createJob({}, objects(b, 3));
    await prepareJob(b.ctx, job);
    await b.store.transition(job.id, ['Ready'], 'Active', b.clock.now);
    const [chunk] = await b.store.claimChunks(job.id, 'n', 1, 30_000, b.clock.now);
    const row = (k: string) => `data,${k},,succeeded,200,,Successful\n`;
    await b.store.completeChunk(job.id, chunk!.index, chunk!.token, {
      succeeded: 3, failed: 0, reportSucceeded: Buffer.from(row('k0') + row('k1') + row('k2')), reportFailed: Buffer.alloc(0),
    }, b.clock.now);
    await b.store.transition(job.id, ['Active'], 'Completing', b.clock.now);
    startEngine(b);
    const done = await until(b, job.id, ['Complete']);
    expect(reportRows(b, done, 'succeeded')).toEqual(['data,k0,,succeeded,200,,Successful', 'data,k1,,succeeded,200,,Successful', 'data,k2,,succeeded,200,,Successful']);
  });
});

/** The MemoryS3's methods bound, to override one of them. */
function bind(s3: Bench['s3']): S3Port {
  return {
    getObject: s3.getObject.bind(s3),
    headObject: s3.headObject.bind(s3),
    putObject: s3.putObject.bind(s3),
    putObjectTagging: s3.putObjectTagging.bind(s3),
    deleteObjectTagging: s3.deleteObjectTagging.bind(s3),
    putObjectAcl: s3.putObjectAcl.bind(s3),
    restoreObject: s3.restoreObject.bind(s3),
    putObjectRetention: s3.putObjectRetention.bind(s3),
    putObjectLegalHold: s3.putObjectLegalHold.bind(s3),
    updateObjectEncryption: s3.updateObjectEncryption.bind(s3),
    copyObject: s3.copyObject.bind(s3),
    getObjectTagging: s3.getObjectTagging.bind(s3),
    createMultipartUpload: s3.createMultipartUpload.bind(s3),
    uploadPartCopy: s3.uploadPartCopy.bind(s3),
    completeMultipartUpload: s3.completeMultipartUpload.bind(s3),
    abortMultipartUpload: s3.abortMultipartUpload.bind(s3),
    listObjects: s3.listObjects.bind(s3),
    listObjectVersions: s3.listObjectVersions.bind(s3),
  };
}
