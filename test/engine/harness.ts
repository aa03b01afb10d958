/**
 * The engine's unit-test bench: a real SQLite JobStore on a temp dir (or a store given), the real event bus, a
 * movable clock, and MemoryS3 (the in-memory S3Port with fault injection) as every job's S3.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { createJobEvents, type JobEvents, type JobEventMap } from '../../src/domain/events.js';
import type { Job } from '../../src/domain/job.js';
import type { JobSpec } from '../../src/domain/job-spec.js';
import type { EngineContext } from '../../src/engine/engine-context.js';
import { MemoryS3 } from '../../src/manifests/test-support.js';
import type { JobStore } from '../../src/store/job-store.js';
import { openSqliteJobStore } from '../../src/store/sqlite/index.js';

export const ACCOUNT = '111122223333';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export interface Bench {
  readonly store: JobStore;
  /** The store's SQLite file (a test may open a second connection to it). */
  readonly dbPath: string;
  readonly events: JobEvents;
  readonly s3: MemoryS3;
  readonly ctx: EngineContext;
  readonly clock: { now: number };
  readonly statusLog: Array<JobEventMap['job:statusChanged']>;
  createJob(spec?: Partial<JobSpec>, manifestLines?: string[]): Promise<Job>;
  job(id: string): Promise<Job>;
}

/** `store`: another JobStore to use (the caller closes it) instead of a fresh SQLite one. */
export async function openBench(options: { busyTimeoutMs?: number; store?: JobStore } = {}): Promise<Bench> {
  const dir = await mkdtemp(path.join(tmpdir(), 's3batch-engine-'));
  const dbPath = path.join(dir, 'jobs.db');
  const store = options.store ?? (await openSqliteJobStore({ path: dbPath, ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}) }));
  cleanups.push(async () => {
    if (!options.store) await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const events = createJobEvents((err) => {
    throw err;
  });
  const statusLog: Bench['statusLog'] = [];
  events.on('job:statusChanged', (e) => statusLog.push(e));
  const s3 = new MemoryS3(['data', 'manifests', 'reports']);
  const clock = { now: Date.parse('2025-01-01T00:00:00Z') };
  const ctx: EngineContext = {
    store,
    events,
    s3For: () => s3,
    now: () => clock.now,
    logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
    sleep: async () => {},
  };
  let seq = 0;
  return {
    store,
    dbPath,
    events,
    s3,
    ctx,
    clock,
    statusLog,
    async createJob(spec = {}, manifestLines = ['data,a', 'data,b']) {
      const key = `m-${++seq}.csv`;
      const { etag } = s3.put('manifests', key, manifestLines.map((l) => `${l}\n`).join(''));
      const full: JobSpec = {
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'k', Value: 'v' }] } },
        Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'r', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
        Priority: 10,
        RoleArn: 'arn:aws:iam::111122223333:role/batch',
        ConfirmationRequired: false,
        Manifest: {
          Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
          Location: { ObjectArn: `arn:aws:s3:::manifests/${key}`, ETag: etag },
        },
        ...spec,
      };
      const id = randomUUID();
      const { job } = await store.createJob({
        id,
        accountId: ACCOUNT,
        arn: `arn:aws:s3:us-east-1:${ACCOUNT}:job/${id}`,
        spec: full,
        tags: [],
        clientRequestToken: id,
        requestHash: id,
        nowMs: clock.now + seq,
      });
      return job;
    },
    async job(id) {
      const job = await store.getJob(ACCOUNT, id);
      if (!job) throw new Error(`no job ${id}`);
      return job;
    },
  };
}
