/**
 * Live progress: tasks that finished in a chunk not yet committed show in describeJob/listJobs
 * (through the job service) and on `job:progress`, and are counted once when the chunk commits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { withLiveProgress, type Job } from '../../src/domain/job.js';
import type { JobStatus } from '../../src/domain/job-status.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createJobService } from '../../src/engine/job-service.js';
import { resultFileKey } from '../../src/reports/index.js';
import type { S3Port } from '../../src/s3/s3-port.js';
import { ACCOUNT, openBench, type Bench } from './harness.js';

const engines: Engine[] = [];
const gates: Array<() => void> = [];
afterEach(async () => {
  for (const release of gates.splice(0)) release();
  for (const e of engines.splice(0)) await e.stop();
});

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** b.s3, but tagging a key outside `open` waits until release(). */
function gatedS3(b: Bench, open: (key: string) => boolean): { s3: S3Port; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  gates.push(release);
  const s3 = new Proxy(b.s3, {
    get(target, prop, receiver) {
      if (prop === 'putObjectTagging') {
        return async (...args: Parameters<S3Port['putObjectTagging']>) => {
          if (!open(args[0].key)) await gate;
          return target.putObjectTagging(...args);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as S3Port;
  return { s3, release };
}

describe('live progress', () => {
  it('shows tasks of an uncommitted chunk, publishes job:progress while it runs, and counts them once', async () => {
    const b = await openBench();
    // The NoSuchKey first: once the gated tasks hold every slot, nothing else starts.
    const lines: string[] = ['data,missing'];
    for (let i = 0; i < 300; i++) {
      b.s3.put('data', `k${i}`, 'x');
      lines.push(`data,k${i}`);
    }
    const { s3, release } = gatedS3(b, (key) => key === 'missing' || Number(key.slice(1)) < 150);
    const engine = createEngine({
      store: b.store,
      events: b.events,
      s3For: () => s3,
      nodeId: 'node-1',
      now: () => b.clock.now,
      logger: b.ctx.logger,
      pollMs: 20,
      sleep: async () => {},
      chunkSize: 1000,
      limits: { globalConcurrency: 16, leaseMs: 30_000, progressIntervalMs: 50 },
    });
    engines.push(engine);
    const jobs = createJobService({ store: b.store, events: b.events, region: 'us-east-1', now: () => b.clock.now, liveProgress: (id) => engine.liveProgress(id) });
    const progressEvents: Job[] = [];
    b.events.on('job:progress', ({ job }) => progressEvents.push(job));

    const job = await b.createJob({}, lines);
    engine.start();

    // Half the tasks (and the NoSuchKey) finished; the one chunk is still running.
    const live = await eventually(
      async () => (await jobs.describeJob(ACCOUNT, job.id))!,
      (j) => j.progress.succeededTasks === 150 && j.progress.failedTasks === 1,
    );
    expect(live.status).toBe('Active');
    expect(live.progress.totalTasks).toBe(301);
    const stored = await b.job(job.id);
    expect([stored.progress.succeededTasks, stored.progress.failedTasks]).toEqual([0, 0]);
    expect((await b.store.chunkCounts(job.id)).done).toBe(0);
    const listed = (await jobs.listJobs({ accountId: ACCOUNT, limit: 10 })).find((j) => j.id === job.id)!;
    expect([listed.progress.succeededTasks, listed.progress.failedTasks]).toEqual([150, 1]);
    // job:progress arrived while the chunk ran, with the live numbers.
    await eventually(
      async () => progressEvents.at(-1)?.progress,
      (p) => p?.succeededTasks === 150 && p.failedTasks === 1,
    );
    const before = progressEvents.length;
    // Throttled: far fewer events than finished tasks.
    expect(before).toBeLessThan(50);

    release();
    const done = await eventually(
      async () => (await jobs.describeJob(ACCOUNT, job.id))!,
      (j) => (['Complete', 'Failed'] as JobStatus[]).includes(j.status),
    );
    expect(done.status).toBe('Complete');
    expect(done.progress).toMatchObject({ totalTasks: 301, succeededTasks: 300, failedTasks: 1 });
    expect((await b.job(job.id)).progress).toMatchObject({ succeededTasks: 300, failedTasks: 1 });
    expect(engine.liveProgress(job.id)).toBeUndefined();
    const rows = (status: 'succeeded' | 'failed') => (b.s3.text('reports', resultFileKey(`r/job-${job.id}/`, job.id, status)) ?? '').split('\n').filter(Boolean);
    expect(rows('succeeded')).toHaveLength(300);
    expect(rows('failed')).toHaveLength(1);
    // No event ever showed more than the job has.
    for (const e of progressEvents) expect(e.progress.succeededTasks + e.progress.failedTasks).toBeLessThanOrEqual(301);
    expect(progressEvents.at(-1)!.progress).toMatchObject({ succeededTasks: 300, failedTasks: 1 });
  });

  it('drops the live counts of a chunk whose lease is lost: another node runs it, nothing is counted twice', async () => {
    const b = await openBench();
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      b.s3.put('data', `k${i}`, 'x');
      lines.push(`data,k${i}`);
    }
    const { s3, release } = gatedS3(b, (key) => Number(key.slice(1)) < 20);
    const engine = createEngine({
      store: b.store,
      events: b.events,
      s3For: () => s3,
      nodeId: 'node-1',
      now: () => b.clock.now,
      logger: b.ctx.logger,
      pollMs: 20,
      sleep: async () => {},
      chunkSize: 1000,
      // Renewed every 100 ms (real time); the lease itself runs on the bench clock.
      limits: { globalConcurrency: 8, leaseMs: 200, progressIntervalMs: 50 },
    });
    engines.push(engine);
    const jobs = createJobService({ store: b.store, events: b.events, region: 'us-east-1', now: () => b.clock.now, liveProgress: (id) => engine.liveProgress(id) });
    const job = await b.createJob({}, lines);
    engine.start();
    await eventually(
      async () => (await jobs.describeJob(ACCOUNT, job.id))!.progress.succeededTasks,
      (n) => n === 20,
    );
    // The lease expires and another node takes the chunk: node-1 learns it at its next renewal.
    b.clock.now += 1_000;
    const [stolen] = await b.store.claimChunks(job.id, 'node-2', 1, 60_000, b.clock.now);
    expect(stolen?.index).toBe(0);
    await eventually(
      async () => (await jobs.describeJob(ACCOUNT, job.id))!.progress,
      (p) => p.succeededTasks === 0 && p.failedTasks === 0,
    );
    expect(engine.liveProgress(job.id)).toEqual({ succeeded: 0, failed: 0 });
    release();
    await new Promise((r) => setTimeout(r, 100));
    // node-1 neither shows nor commits the tasks it ran after losing the chunk.
    expect((await jobs.describeJob(ACCOUNT, job.id))!.progress).toMatchObject({ succeededTasks: 0, failedTasks: 0 });
    expect((await b.store.chunkCounts(job.id)).done).toBe(0);
  });

  it('withLiveProgress never goes past the total', async () => {
    const b = await openBench();
    const job = await b.createJob();
    const base: Job = { ...job, progress: { ...job.progress, totalTasks: 10, succeededTasks: 4, failedTasks: 2 } };
    expect(withLiveProgress(base, undefined)).toBe(base);
    expect(withLiveProgress(base, { succeeded: 3, failed: 1 }).progress).toMatchObject({ succeededTasks: 7, failedTasks: 3 });
    expect(withLiveProgress(base, { succeeded: 9, failed: 9 }).progress).toMatchObject({ succeededTasks: 8, failedTasks: 2 });
    expect(withLiveProgress(base, { succeeded: 1, failed: 9 }).progress).toMatchObject({ succeededTasks: 5, failedTasks: 5 });
  });
});
