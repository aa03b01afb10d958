/**
 * The clock-skew guard against a real PostgreSQL clock: a node whose clock agrees claims; one
 * that is off by more than a quarter of the lease logs it and claims nothing — an engine on such a
 * node leaves a job's chunks alone — until the clocks agree again. SQLite has no clock to disagree with.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { createClockSkewGuard, maxSkewMs } from '../../src/engine/clock-skew.js';
import { createEngine } from '../../src/engine/engine.js';
import type { JobStore } from '../../src/store/job-store.js';
import { openPostgresJobStore } from '../../src/store/postgres/index.js';
import { capturingLogger } from '../helpers/logs.js';
import { dropSchema, postgresUrl, testSchemaName } from '../helpers/postgres.js';
import { openBench } from './harness.js';

const url = postgresUrl();
const schema = testSchemaName('skew');
const stores: JobStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  await dropSchema(url, schema);
});

async function pgStore(): Promise<JobStore> {
  const store = await openPostgresJobStore({ connectionString: url, schema, maxConnections: 4 });
  stores.push(store);
  return store;
}

describe('clock skew', () => {
  it('a quarter of the lease is the most a node may be off', () => {
    expect(maxSkewMs(10_000)).toBe(2_500);
  });

  it('allows claims when the clocks agree, logging the skew', async () => {
    const { logger, lines } = capturingLogger('info');
    const guard = createClockSkewGuard({ store: await pgStore(), now: Date.now, leaseMs: 10_000, logger });
    expect(guard.claimsAllowed()).toBe(false); // not before the first comparison
    await guard.start();
    guard.stop();
    expect(guard.claimsAllowed()).toBe(true);
    expect(Math.abs(guard.lastSkewMs() ?? Infinity)).toBeLessThan(1_000);
    expect(lines.find((l) => l.msg === 'clock check')).toMatchObject({ maxSkewMs: 2_500 });
  });

  it('refuses claims while this node is off by more than a quarter of the lease, and claims again once it agrees', async () => {
    const { logger, lines } = capturingLogger('info');
    let offset = 60_000;
    const guard = createClockSkewGuard({ store: await pgStore(), now: () => Date.now() + offset, leaseMs: 10_000, logger, retryMs: 20 });
    await guard.start();
    try {
      expect(guard.claimsAllowed()).toBe(false);
      expect(guard.lastSkewMs()).toBeGreaterThan(59_000);
      expect(lines.find((l) => l.level === 50)?.msg).toMatch(/claims no chunks until the clocks agree/);
      offset = -3_000; // behind counts too
      await new Promise((r) => setTimeout(r, 200));
      expect(guard.claimsAllowed()).toBe(false);
      offset = 0;
      const end = Date.now() + 5_000;
      while (!guard.claimsAllowed() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(guard.claimsAllowed()).toBe(true);
      expect(lines.some((l) => l.msg === 'clock check: the clocks agree again; claiming chunks')).toBe(true);
    } finally {
      guard.stop();
    }
  });

  it('an engine on a skewed node leaves the chunks alone; the job runs once its clock agrees', async () => {
    const b = await openBench({ store: await pgStore() });
    // The bench clock starts in 2025: years away from the database's.
    const lines = ['data,a', 'data,b', 'data,c'];
    for (const l of lines) b.s3.put('data', l.slice(5), 'x');
    const job = await b.createJob({}, lines);
    const { logger } = capturingLogger('error');
    const engine = createEngine({
      store: b.store,
      events: b.events,
      s3For: () => b.s3,
      nodeId: 'skewed-node',
      now: () => b.clock.now,
      logger,
      pollMs: 20,
      sleep: async () => {},
      limits: { leaseMs: 10_000 },
      clockCheckMs: 50,
    });
    engine.start();
    try {
      const end = Date.now() + 10_000;
      while ((await b.job(job.id)).status !== 'Active' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 500));
      expect(await b.store.chunkCounts(job.id)).toMatchObject({ leased: 0, done: 0 });
      expect((await b.job(job.id)).progress.succeededTasks).toBe(0);

      b.clock.now = Date.now();
      while ((await b.job(job.id)).status !== 'Complete' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect((await b.job(job.id)).progress).toMatchObject({ totalTasks: 3, succeededTasks: 3 });
    } finally {
      await engine.stop();
    }
  });
});
