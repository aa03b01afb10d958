/**
 * Runs the JobStore contract on SQLite (a fresh temp-dir database file per test, removed after a
 * passing test and kept — with its path printed — after a failing one), plus what only SQLite
 * has: migrations, the WAL file mode, and the busy-timeout behaviour.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';

import type { JobStore } from '../../src/store/job-store.js';
import { MIGRATIONS, migrate, openSqliteJobStore, SqliteStoreError } from '../../src/store/sqlite/index.js';
import { runChunkStoreContract } from './chunk-store.contract.js';
import { runDashboardStoreContract } from './dashboard-store.contract.js';
import { runJobStoreContract, type JobStoreHarness } from './job-store.contract.js';

/** A fresh directory for one test: removed when the test passes, kept (and printed) when it fails. */
async function makeTestDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 's3batch-sqlite-'));
  onTestFinished(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      console.warn(`kept the SQLite database of the failed test "${ctx.task.name}" in ${dir}`);
    } else {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return dir;
}

/** The contract harness: a store over a fresh file, reopenable over the same file. */
async function makeSqliteHarness(): Promise<JobStoreHarness> {
  const dir = await makeTestDir();
  // a nested path: opening creates the missing parent directory
  const file = path.join(dir, 'data', 's3batch.db');
  const opened: JobStore[] = [await openSqliteJobStore({ path: file })];
  const first = opened[0];
  if (!first) throw new Error('unreachable');
  return {
    store: first,
    reopen: async () => {
      const store = await openSqliteJobStore({ path: file });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
    },
  };
}

runJobStoreContract('SQLite JobStore', makeSqliteHarness);
runChunkStoreContract('SQLite JobStore', makeSqliteHarness);
runDashboardStoreContract('SQLite JobStore', makeSqliteHarness);

describe('SQLite JobStore specifics', () => {
  let file: string;
  const stores: JobStore[] = [];
  const raws: Database.Database[] = [];

  beforeEach(async () => {
    file = path.join(await makeTestDir(), 's3batch.db');
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const raw of raws.splice(0)) raw.close();
  });

  async function open(options: { busyTimeoutMs?: number } = {}): Promise<JobStore> {
    const store = await openSqliteJobStore({ path: file, ...options });
    stores.push(store);
    return store;
  }

  function rawConnection(): Database.Database {
    const raw = new Database(file, { timeout: 0 });
    raws.push(raw);
    return raw;
  }

  it('numbers migrations 1..N', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('records every migration in the ledger once; reopening is a no-op', async () => {
    await (await open()).close();
    const ledger = () =>
      rawConnection().prepare('SELECT version, name, applied_ms FROM schema_migrations ORDER BY version').all();
    const afterFirstOpen = ledger();
    expect(afterFirstOpen.map((r) => (r as { version: number }).version)).toEqual(MIGRATIONS.map((m) => m.version));
    await (await open()).close();
    expect(ledger()).toEqual(afterFirstOpen);
  });

  it('has no database clock of its own (one process, this machine): no skew to check', async () => {
    expect(await (await open()).databaseTimeMs()).toBeUndefined();
  });

  it('uses WAL', async () => {
    await open();
    expect(rawConnection().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('refuses a database migrated by a newer version', async () => {
    await (await open()).close();
    rawConnection()
      .prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)')
      .run(MIGRATIONS.length + 41, 'from the future', 0);
    const err: unknown = await openSqliteJobStore({ path: file }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SqliteStoreError);
    expect((err as SqliteStoreError).code).toBe('NewerSchema');
    expect((err as Error).message).toContain(`migrations ${MIGRATIONS.length + 41} are unknown`);
  });

  it('migration 4 (chunk checkpoints) keeps the report parts and chunks a version-3 database holds', async () => {
    const raw = rawConnection();
    raw.pragma('foreign_keys = ON');
    migrate(raw, 1, MIGRATIONS.slice(0, 3));
    raw.prepare(
      `INSERT INTO jobs (id, account_id, arn, status, priority, client_request_token, request_hash, created_ms, updated_ms, spec_json, total_tasks, succeeded_tasks)
       VALUES ('job-1', '111122223333', 'arn:aws:s3:us-east-1:111122223333:job/job-1', 'Active', 1, 't', 'h', 1, 1, '{}', 5, 3)`,
    ).run();
    raw.prepare(`INSERT INTO job_chunks (job_id, chunk_index, task_count, locator_json, state, lease_owner, lease_token, lease_expires_ms, succeeded_tasks, done_ms)
       VALUES ('job-1', 0, 3, '{}', 'done', 'n', 'tok', 5, 3, 4), ('job-1', 1, 2, '{"i":1}', 'pending', NULL, NULL, NULL, 0, NULL)`).run();
    raw.prepare(`INSERT INTO job_chunk_reports (job_id, chunk_index, status, bytes, body) VALUES ('job-1', 0, 'succeeded', 3, X'616263')`).run();
    raw.close();
    raws.splice(raws.indexOf(raw), 1);

    const store = await open();
    expect((await collect(store.readReportParts('job-1', 'succeeded'))).map((b) => b.toString())).toEqual(['abc']);
    expect(await store.reportLength('job-1')).toEqual({ succeeded: 3, failed: 0 });
    const [claimed] = await store.claimChunks('job-1', 'node', 5, 1000, 10);
    expect(claimed).toMatchObject({ index: 1, doneTasks: 0, taskCount: 2, locator: { i: 1 } });
    if (!claimed) throw new Error('claim');
    await store.checkpointChunk('job-1', 1, claimed.token, { succeeded: 1, failed: 0, reportSucceeded: Buffer.from('d'), reportFailed: Buffer.alloc(0) });
    expect((await collect(store.readReportParts('job-1', 'succeeded'))).map((b) => b.toString())).toEqual(['abc', 'd']);
    expect(await store.deleteChunks('job-1')).toBe(2);
  });

  it('fails with a clear Busy error when another connection holds the write lock, and reads meanwhile', async () => {
    const store = await open({ busyTimeoutMs: 50 });
    const { job } = await store.createJob({
      id: 'job-1',
      accountId: '111122223333',
      arn: 'arn:aws:s3:us-east-1:111122223333:job/job-1',
      spec: {
        Operation: { S3DeleteObjectTagging: {} },
        Report: { Enabled: false },
        Priority: 1,
        RoleArn: 'arn:aws:iam::111122223333:role/r',
        ConfirmationRequired: false,
      },
      tags: [],
      clientRequestToken: 't',
      requestHash: 'h',
      nowMs: 1,
    });
    const raw = rawConnection();
    raw.exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      const err: unknown = await store.updatePriority('111122223333', 'job-1', 5, 2).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err).toBeInstanceOf(SqliteStoreError);
      expect((err as SqliteStoreError).code).toBe('Busy');
      expect((err as Error).message).toMatch(/locked by another connection/);
      // WAL: readers are not blocked by the other writer
      expect(await store.getJob('111122223333', 'job-1')).toEqual(job);
    } finally {
      raw.exec('COMMIT');
    }
    expect((await store.updatePriority('111122223333', 'job-1', 5, 2)).from).toBe(1);
  });
});

async function collect(parts: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const part of parts) out.push(part);
  return out;
}
