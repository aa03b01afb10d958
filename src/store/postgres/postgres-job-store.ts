/**
 * The JobStore on PostgreSQL (`pg`, a pool per store): the store for many nodes. Every
 * read-decide-write (idempotent create, the UpdateJobStatus table, guarded transitions) runs in
 * one transaction that reads the job row FOR NO KEY UPDATE — a row lock that serialises deciders
 * on the job without blocking the foreign-key checks of chunk inserts. The lifecycle bookkeeping
 * (dates, the Active timer) is the same pure code as SQLite's (src/store/rows/job-state.ts).
 *
 * Chunks, leases and report parts are in chunk-operations.ts, over the same pool.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';

import type { Job } from '../../domain/job.js';
import { isTerminal, type JobStatus } from '../../domain/job-status.js';
import type { S3Tag } from '../../domain/job-spec.js';
import { JobStoreError, type JobStore, type NewJob } from '../job-store.js';
import { JOB_COLUMN_LIST, newJobToInsertParams, rowStatus, rowToJob, type JobRow } from '../rows/job-row.js';
import { stateAfterStatusRequest, stateAfterTransition, type JobStateParams } from '../rows/job-state.js';
import { createChunkOperations } from './chunk-operations.js';
import type { ClusterStore } from '../cluster-store.js';
import { createPostgresCluster } from './cluster.js';
import { createDashboardOperations, jobPageSql } from './dashboard-operations.js';
import { clientConfig, createDb, createPool, type Db } from './connection.js';
import { migratePostgres, POSTGRES_MIGRATIONS } from './migrations.js';

export interface PostgresJobStoreOptions {
  /** `postgres://user@host:port/database` (the driver's URL syntax). */
  readonly connectionString: string;
  /** The schema holding the tables (default `s3batch`); created and migrated at open. */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** The clock used to stamp the migration ledger and new secrets (default Date.now). */
  readonly now?: () => number;
  /** Skip the migrations (they must have been run, e.g. by `s3batch migrate`). */
  readonly skipMigrations?: boolean;
  /** Errors of idle pooled connections (a server restart), for the log. */
  readonly onIdleError?: (err: Error) => void;
}

export const DEFAULT_POSTGRES_SCHEMA = 's3batch';

function notFound(jobId: string): JobStoreError {
  return new JobStoreError('NotFound', `No job ${jobId} in this account`);
}

/** The columns a status change writes, in the order of STATE_SET's placeholders $3…. */
const STATE_COLUMNS = [
  'status',
  'updated_ms',
  'termination_ms',
  'suspended_ms',
  'suspended_cause',
  'status_update_reason',
  'confirmed_early',
  'total_tasks',
  'succeeded_tasks',
  'failed_tasks',
  'active_ms',
  'active_since_ms',
  'failure_reasons_json',
  'generated_manifest_json',
] as const satisfies readonly (keyof JobStateParams)[];

const UPDATE_STATE_SQL = `UPDATE jobs SET ${STATE_COLUMNS.map((c, i) => `${c} = $${i + 3}`).join(', ')}
  WHERE id = $1 AND status = $2 RETURNING ${JOB_COLUMN_LIST}`;

const FIND_JOBS_SQL = `
  WITH turns AS (
    SELECT id, priority, created_ms,
           row_number() OVER (PARTITION BY account_id ORDER BY priority DESC, created_ms ASC, id ASC) AS turn
    FROM jobs WHERE status = ANY($1::text[]))
  SELECT ${JOB_COLUMN_LIST.split(', ').map((c) => `j.${c}`).join(', ')}
  FROM turns t JOIN jobs j ON j.id = t.id
  WHERE t.turn <= $2
  ORDER BY t.turn, t.priority DESC, t.created_ms ASC, t.id ASC LIMIT $3`;

/**
 * Opens the store: a pool over `connectionString` with the schema on its search path, migrated
 * (under an advisory lock, so several nodes may open at once) unless `skipMigrations`.
 *
 * @example
 * const store = await openPostgresJobStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
 */
export async function openPostgresJobStore(options: PostgresJobStoreOptions): Promise<JobStore> {
  return (await openPostgresStores(options)).jobs;
}

/**
 * The JobStore and the ClusterStore of many nodes over one pool; closing the JobStore closes both.
 */
export async function openPostgresStores(options: PostgresJobStoreOptions): Promise<{ jobs: JobStore; cluster: ClusterStore }> {
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const now = options.now ?? Date.now;
  const poolOptions = {
    connectionString: options.connectionString,
    schema,
    ...(options.maxConnections !== undefined ? { max: options.maxConnections } : {}),
    ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
  };
  const pool = createPool(poolOptions);
  const db = createDb(pool, `${redact(options.connectionString)} (schema ${schema})`);
  try {
    if (!options.skipMigrations) await runMigrations(db, schema, now());
  } catch (err) {
    await db.close();
    throw err;
  }
  const config = clientConfig(poolOptions);
  const cluster = createPostgresCluster({ db, schema, connect: () => new pg.Client(config) });
  const jobs = createPostgresJobStore(db, now);
  return {
    jobs: {
      ...jobs,
      close: async () => {
        await cluster.close();
        await jobs.close();
      },
    },
    cluster,
  };
}

/**
 * Migrates the schema and closes again: `s3batch migrate`, run alone before upgrading nodes.
 * Returns the versions applied (empty when it was up to date) and the latest known.
 */
export async function migratePostgresSchema(
  options: Pick<PostgresJobStoreOptions, 'connectionString' | 'schema' | 'now'>,
): Promise<{ applied: number[]; latest: number }> {
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const db = createDb(createPool({ connectionString: options.connectionString, schema, max: 1 }), schema);
  try {
    return { applied: await runMigrations(db, schema, (options.now ?? Date.now)()), latest: POSTGRES_MIGRATIONS.length };
  } finally {
    await db.close();
  }
}

/** Runs the migrations on one connection of `db` (the advisory lock is per session). */
export async function runMigrations(db: Db, schema: string, nowMs: number): Promise<number[]> {
  // Not tx(): the runner holds a session lock and commits each migration on its own.
  return db.session((client) => migratePostgres(client, schema, nowMs));
}

/** The URL without its password, for messages. */
export function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(an unparsable PostgreSQL URL)';
  }
}

function createPostgresJobStore(db: Db, now: () => number): JobStore {
  async function lockJob(client: pg.PoolClient, where: string, params: readonly unknown[]): Promise<JobRow | undefined> {
    const { rows } = await client.query<JobRow>(`SELECT ${JOB_COLUMN_LIST} FROM jobs WHERE ${where} FOR NO KEY UPDATE`, params as unknown[]);
    return rows[0];
  }

  async function writeState(client: pg.PoolClient, row: JobRow, state: JobStateParams): Promise<Job> {
    const { rows } = await client.query<JobRow>(UPDATE_STATE_SQL, [row.id, row.status, ...STATE_COLUMNS.map((c) => state[c])]);
    const written = rows[0];
    if (!written) throw new Error(`job ${row.id} changed status under a row lock`);
    return rowToJob(written);
  }

  async function setTags(accountId: string, jobId: string, tags: readonly S3Tag[], nowMs: number): Promise<Job> {
    const { rows } = await db.query<JobRow>(
      `UPDATE jobs SET tags_json = $1, updated_ms = $2 WHERE account_id = $3 AND id = $4 RETURNING ${JOB_COLUMN_LIST}`,
      [JSON.stringify(tags), nowMs, accountId, jobId],
    );
    const row = rows[0];
    if (!row) throw notFound(jobId);
    return rowToJob(row);
  }

  function checkLimit(what: string, name: string, value: number): void {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what}: ${name} must be a non-negative integer, got ${value}`);
  }

  const chunks = createChunkOperations(db, now);
  // Job search and dashboard sessions (migration 2): dashboard-operations.ts.
  const dashboard = createDashboardOperations(db);

  return {
    createJob: (input: NewJob) =>
      db.tx(async (client) => {
        const p = newJobToInsertParams(input);
        const inserted = await client.query<JobRow>(
          `INSERT INTO jobs (id, account_id, arn, status, priority, client_request_token, request_hash,
                             created_ms, updated_ms, spec_json, tags_json)
           VALUES ($1, $2, $3, 'New', $4, $5, $6, $7, $7, $8, $9)
           ON CONFLICT (account_id, client_request_token) DO NOTHING
           RETURNING ${JOB_COLUMN_LIST}`,
          [p.id, p.account_id, p.arn, p.priority, p.client_request_token, p.request_hash, p.created_ms, p.spec_json, p.tags_json],
        );
        const row = inserted.rows[0];
        if (row) return { job: rowToJob(row), created: true };
        // The token was used (perhaps by a concurrent create that just committed: ON CONFLICT
        // waited for it).
        const { rows } = await client.query<JobRow>(
          `SELECT ${JOB_COLUMN_LIST} FROM jobs WHERE account_id = $1 AND client_request_token = $2`,
          [input.accountId, input.clientRequestToken],
        );
        const existing = rows[0];
        if (!existing) throw new Error(`job with token ${input.clientRequestToken} vanished after a conflict`);
        if (existing.request_hash !== input.requestHash) {
          throw new JobStoreError(
            'IdempotencyMismatch',
            `ClientRequestToken ${input.clientRequestToken} was already used for a different request (job ${existing.id})`,
          );
        }
        return { job: rowToJob(existing), created: false };
      }),

    getJob: async (accountId, jobId) => {
      const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMN_LIST} FROM jobs WHERE account_id = $1 AND id = $2`, [accountId, jobId]);
      const row = rows[0];
      return row ? rowToJob(row) : undefined;
    },

    listJobs: async (query) => {
      checkLimit('listJobs', 'limit', query.limit);
      if (query.limit === 0) return [];
      const { sql, params } = jobPageSql(query);
      const { rows } = await db.query<JobRow>(sql, params);
      return rows.map(rowToJob);
    },

    findJobs: async (statuses, limit, perAccount = limit) => {
      checkLimit('findJobs', 'limit', limit);
      checkLimit('findJobs', 'perAccount', perAccount);
      const { rows } = await db.query<JobRow>(FIND_JOBS_SQL, [[...statuses], perAccount, limit]);
      return rows.map(rowToJob);
    },

    deleteJobsEndedBefore: async (cutoffMs, limit) => {
      checkLimit('deleteJobsEndedBefore', 'limit', limit);
      const { rowCount } = await db.query(
        `DELETE FROM jobs WHERE id IN (
           SELECT id FROM jobs WHERE status IN ('Complete', 'Failed', 'Cancelled') AND termination_ms < $1 LIMIT $2)`,
        [cutoffMs, limit],
      );
      return rowCount ?? 0;
    },

    requestStatus: (accountId, jobId, requested, reason, nowMs) =>
      db.tx(async (client) => {
        const row = await lockJob(client, 'account_id = $1 AND id = $2', [accountId, jobId]);
        if (!row) throw notFound(jobId);
        const { state, from } = stateAfterStatusRequest(row, requested, reason, nowMs);
        return { job: await writeState(client, row, state), from };
      }),

    updatePriority: (accountId, jobId, priority, nowMs) =>
      db.tx(async (client) => {
        const row = await lockJob(client, 'account_id = $1 AND id = $2', [accountId, jobId]);
        if (!row) throw notFound(jobId);
        const status = rowStatus(row);
        if (isTerminal(status)) {
          throw new JobStoreError('TerminalJob', `Job ${jobId} is ${status}; its priority can no longer change`, status);
        }
        const { rows } = await client.query<JobRow>(
          `UPDATE jobs SET priority = $1, updated_ms = $2 WHERE id = $3 RETURNING ${JOB_COLUMN_LIST}`,
          [priority, nowMs, jobId],
        );
        const updated = rows[0];
        if (!updated) throw new Error(`UPDATE of job ${jobId} returned no row`);
        return { job: rowToJob(updated), from: row.priority };
      }),

    transition: (jobId, from: readonly JobStatus[], to, nowMs, patch) =>
      db.tx(async (client) => {
        const row = await lockJob(client, 'id = $1', [jobId]);
        if (!row) throw new JobStoreError('NotFound', `No job ${jobId}`);
        return writeState(client, row, stateAfterTransition(row, from, to, nowMs, patch));
      }),

    getTags: async (accountId, jobId) => {
      const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMN_LIST} FROM jobs WHERE account_id = $1 AND id = $2`, [accountId, jobId]);
      const row = rows[0];
      if (!row) throw notFound(jobId);
      return [...rowToJob(row).tags];
    },

    putTags: (accountId, jobId, tags, nowMs) => setTags(accountId, jobId, tags, nowMs),

    deleteTags: (accountId, jobId, nowMs) => setTags(accountId, jobId, [], nowMs),

    getSecret: async (name) => {
      // Two nodes asking at once: one INSERT wins, both read the winner's value.
      await db.query('INSERT INTO secrets (name, value, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
        name,
        randomBytes(32),
        now(),
      ]);
      const { rows } = await db.query<{ value: Buffer }>('SELECT value FROM secrets WHERE name = $1', [name]);
      const row = rows[0];
      if (!row) throw new Error(`secret ${name} vanished after its insert`);
      return Buffer.from(row.value);
    },

    databaseTimeMs: async () => {
      // clock_timestamp(), not now(): now() is the transaction's start, and this wants the instant.
      const { rows } = await db.query<{ ms: number }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8 AS ms');
      const row = rows[0];
      if (!row) throw new Error('SELECT clock_timestamp() returned no row');
      return row.ms;
    },

    ...chunks,

    ...dashboard,

    close: () => db.close(),
  };
}
