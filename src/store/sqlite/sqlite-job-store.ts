/**
 * The JobStore on SQLite (better-sqlite3): one connection per process, every write in an
 * IMMEDIATE transaction so that read-decide-write sequences (idempotent create, the
 * UpdateJobStatus table, guarded transitions) take the write lock before they read.
 *
 * better-sqlite3 is synchronous; the methods are still `async` so the contract is the same as
 * PostgreSQL's and every failure (including a synchronous throw) arrives as a rejection. While a
 * statement waits for a lock held by another process it blocks the event loop for at most
 * `busyTimeoutMs`, then fails with SqliteStoreError('Busy') instead of hanging.
 *
 * Chunks, leases and report parts (the engine's unit of work) are in chunk-operations.ts, over the
 * same connection and the same `run`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import type { Job } from '../../domain/job.js';
import { assertTransition } from '../../domain/job-lifecycle.js';
import { decideStatusRequest, isTerminal, type JobStatus, type RequestedJobStatus } from '../../domain/job-status.js';
import type { S3Tag } from '../../domain/job-spec.js';
import {
  JobStoreError,
  type CreateJobResult,
  type JobStore,
  type ListJobsQuery,
  type NewJob,
  type StatusRequestResult,
  type TransitionPatch,
} from '../job-store.js';
import { createChunkOperations } from './chunk-operations.js';
import { createDashboardOperations } from './dashboard-operations.js';
import { newJobToInsertParams, rowStatus, rowToJob, type JobRow } from '../rows/job-row.js';
import { prepareJobStatements, type JobStatements, type ListParams } from './job-statements.js';
import { applyPatch, stateAfterStatusChange, stateWithoutStatusChange, type JobStateParams } from '../rows/job-state.js';
import { migrate } from './migrations.js';
import { SqliteStoreError } from './sqlite-store-error.js';

export interface SqliteJobStoreOptions {
  /** The database file; its directory is created if missing. `:memory:` for a throwaway store. */
  readonly path: string;
  /** How long a write waits for another connection's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** The clock used to stamp the migration ledger and new secrets (default Date.now). */
  readonly now?: () => number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating and migrating if needed) the SQLite database at `options.path`.
 *
 * @example
 * const store = await openSqliteJobStore({ path: 'data/s3batch.db' });
 * const { job } = await store.createJob(newJob);
 * await store.close();
 */
export async function openSqliteJobStore(options: SqliteJobStoreOptions): Promise<JobStore> {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const inMemory = options.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });

  const db = new Database(options.path, { timeout: busyTimeoutMs });
  try {
    configure(db, busyTimeoutMs);
    migrate(db, now());
    return createSqliteJobStore(db, { busyTimeoutMs, now });
  } catch (err) {
    db.close();
    throw translateError(err, db.name, busyTimeoutMs);
  }
}

function configure(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // WAL: readers never block the writer and the writer never blocks readers, so the API can
  // serve DescribeJob/ListJobs while the engine commits; commits append to the log instead of
  // rewriting pages.
  db.pragma('journal_mode = WAL');
  // NORMAL (instead of FULL) in WAL mode fsyncs at checkpoints, not at every commit. The database
  // cannot be corrupted by a crash; an OS crash or power loss can only lose the last few commits.
  // That is the trade the engine is built for: it groups task results into few, larger commits
  // (leases and idempotent task retries cover a lost tail), and per-commit fsync would otherwise
  // be the throughput limit.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

function translateError(err: unknown, file: string, busyTimeoutMs: number): unknown {
  if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY')) {
    return new SqliteStoreError(
      'Busy',
      `The SQLite database ${file} stayed locked by another connection for more than ${busyTimeoutMs} ms ` +
        `(${err.code}). Is another s3batch process using the same file?`,
      { cause: err },
    );
  }
  return err;
}

function notFound(jobId: string): JobStoreError {
  return new JobStoreError('NotFound', `No job ${jobId} in this account`);
}

function createSqliteJobStore(
  db: Database.Database,
  config: { readonly busyTimeoutMs: number; readonly now: () => number },
): JobStore {
  const sql: JobStatements = prepareJobStatements(db);
  let closed = false;

  /** Runs `fn` against the open database; every failure becomes a rejection. */
  async function run<T>(fn: () => T): Promise<T> {
    if (closed) throw new SqliteStoreError('Closed', `The SQLite job store ${db.name} is closed`);
    try {
      return fn();
    } catch (err) {
      throw translateError(err, db.name, config.busyTimeoutMs);
    }
  }

  /** Writes `state` over a row read in the same transaction; the status guard cannot fail then. */
  function writeState(row: JobRow, state: JobStateParams): Job {
    const written = sql.updateState.get({ ...state, id: row.id, expected_status: row.status });
    if (!written) throw new Error(`job ${row.id} changed status under an IMMEDIATE transaction`);
    return rowToJob(written);
  }

  const createJobTx = db.transaction((input: NewJob): CreateJobResult => {
    const existing = sql.byAccountAndToken.get(input.accountId, input.clientRequestToken);
    if (existing) {
      if (existing.request_hash !== input.requestHash) {
        throw new JobStoreError(
          'IdempotencyMismatch',
          `ClientRequestToken ${input.clientRequestToken} was already used for a different request (job ${existing.id})`,
        );
      }
      return { job: rowToJob(existing), created: false };
    }
    const inserted = sql.insert.get(newJobToInsertParams(input));
    if (!inserted) throw new Error(`INSERT of job ${input.id} returned no row`);
    return { job: rowToJob(inserted), created: true };
  });

  const requestStatusTx = db.transaction(
    (
      accountId: string,
      jobId: string,
      requested: RequestedJobStatus,
      reason: string | undefined,
      nowMs: number,
    ): StatusRequestResult => {
      const row = sql.byAccountAndId.get(accountId, jobId);
      if (!row) throw notFound(jobId);
      const from = rowStatus(row);
      const outcome = decideStatusRequest(from, requested);
      let state: JobStateParams;
      switch (outcome.kind) {
        case 'refused':
          throw new JobStoreError('StatusConflict', outcome.reason, from);
        case 'remember-confirmation':
          state = stateWithoutStatusChange(row, from, nowMs);
          state.confirmed_early = 1;
          break;
        case 'transition':
          assertTransition(jobId, from, outcome.to);
          state = stateAfterStatusChange(row, from, outcome.to, nowMs);
          break;
      }
      // A reason given with the request replaces the stored one; no reason keeps it.
      if (reason !== undefined) state.status_update_reason = reason;
      return { job: writeState(row, state), from };
    },
  );

  const transitionTx = db.transaction(
    (jobId: string, from: readonly JobStatus[], to: JobStatus, nowMs: number, patch?: TransitionPatch): Job => {
      const row = sql.byId.get(jobId);
      if (!row) throw new JobStoreError('NotFound', `No job ${jobId}`);
      const current = rowStatus(row);
      if (!from.includes(current)) {
        throw new JobStoreError(
          'StatusConflict',
          `Job ${jobId} is ${current}, not ${from.join(' or ') || '(no status given)'}; it cannot move to ${to}`,
          current,
        );
      }
      assertTransition(jobId, current, to);
      return writeState(row, applyPatch(stateAfterStatusChange(row, current, to, nowMs), patch));
    },
  );

  const updatePriorityTx = db.transaction(
    (accountId: string, jobId: string, priority: number, nowMs: number): { job: Job; from: number } => {
      const row = sql.byAccountAndId.get(accountId, jobId);
      if (!row) throw notFound(jobId);
      const status = rowStatus(row);
      if (isTerminal(status)) {
        throw new JobStoreError('TerminalJob', `Job ${jobId} is ${status}; its priority can no longer change`, status);
      }
      const updated = sql.updatePriority.get(priority, nowMs, jobId);
      if (!updated) throw new Error(`UPDATE of job ${jobId} returned no row`);
      return { job: rowToJob(updated), from: row.priority };
    },
  );

  const getSecretTx = db.transaction((name: string): Buffer => {
    const existing = sql.secret.get(name);
    if (existing) return existing;
    const value = randomBytes(32);
    sql.insertSecret.run(name, value, config.now());
    return value;
  });

  // Chunks, leases and report parts (migration 2): chunk-operations.ts.
  const chunks = createChunkOperations(db, run, config.now);
  // Job search and dashboard sessions (migration 8): dashboard-operations.ts.
  const dashboard = createDashboardOperations(db, run);

  function setTags(accountId: string, jobId: string, tags: readonly S3Tag[], nowMs: number): Job {
    const row = sql.updateTags.get(JSON.stringify(tags), nowMs, accountId, jobId);
    if (!row) throw notFound(jobId);
    return rowToJob(row);
  }

  return {
    createJob: (input) => run(() => createJobTx.immediate(input)),

    getJob: (accountId, jobId) =>
      run(() => {
        const row = sql.byAccountAndId.get(accountId, jobId);
        return row ? rowToJob(row) : undefined;
      }),

    listJobs: (query: ListJobsQuery) =>
      run(() => {
        if (!Number.isInteger(query.limit) || query.limit < 0) {
          throw new RangeError(`listJobs: limit must be a non-negative integer, got ${query.limit}`);
        }
        if (query.limit === 0) return [];
        const byStatus = query.statuses !== undefined && query.statuses.length > 0;
        const params: ListParams = { account_id: query.accountId, limit: query.limit };
        if (byStatus) params.statuses = JSON.stringify(query.statuses);
        if (query.after) {
          params.after_created_ms = query.after.createdMs;
          params.after_id = query.after.id;
        }
        const stmt = sql.list[(byStatus ? 2 : 0) + (query.after ? 1 : 0)];
        if (!stmt) throw new Error('unreachable: listJobs statement variant');
        return stmt.all(params).map(rowToJob);
      }),

    findJobs: (statuses, limit, perAccount = limit) =>
      run(() => {
        if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`findJobs: limit must be a non-negative integer, got ${limit}`);
        if (!Number.isInteger(perAccount) || perAccount < 0) throw new RangeError(`findJobs: perAccount must be a non-negative integer, got ${perAccount}`);
        return sql.findByStatus.all(JSON.stringify(statuses), perAccount, limit).map(rowToJob);
      }),

    deleteJobsEndedBefore: (cutoffMs, limit) =>
      run(() => {
        if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`deleteJobsEndedBefore: limit must be a non-negative integer, got ${limit}`);
        return sql.deleteEnded.run(cutoffMs, limit).changes;
      }),

    requestStatus: (accountId, jobId, requested, reason, nowMs) =>
      run(() => requestStatusTx.immediate(accountId, jobId, requested, reason, nowMs)),

    updatePriority: (accountId, jobId, priority, nowMs) =>
      run(() => updatePriorityTx.immediate(accountId, jobId, priority, nowMs)),

    transition: (jobId, from, to, nowMs, patch) => run(() => transitionTx.immediate(jobId, from, to, nowMs, patch)),

    getTags: (accountId, jobId) =>
      run(() => {
        const row = sql.byAccountAndId.get(accountId, jobId);
        if (!row) throw notFound(jobId);
        return [...rowToJob(row).tags];
      }),

    putTags: (accountId, jobId, tags, nowMs) => run(() => setTags(accountId, jobId, tags, nowMs)),

    deleteTags: (accountId, jobId, nowMs) => run(() => setTags(accountId, jobId, [], nowMs)),

    getSecret: (name) => run(() => Buffer.from(getSecretTx.immediate(name))),

    // One process on this machine's clock: no skew to measure.
    databaseTimeMs: () => run(() => undefined),

    ...chunks,

    ...dashboard,

    close: async () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
