/**
 * The PostgreSQL schema, as numbered, append-only migrations kept in this module (so the build
 * ships them without copying .sql files), and the runner that applies them.
 *
 * Several nodes may start at once against one empty database: the runner holds a session-level
 * advisory lock (keyed by the schema's name, so stores in other schemas of the same database do
 * not wait for each other) for the whole run, then applies each pending migration in its own
 * transaction together with its ledger row. A node that waited for the lock finds the ledger
 * complete and applies nothing. A ledger holding numbers this version does not know was written
 * by a newer s3batch and is refused, rather than half-understood.
 *
 * The tables are those of the SQLite store (src/store/sqlite/migrations.ts), folded into one first
 * migration, with the same column names so that both stores read the same row shape
 * (src/store/rows/job-row.ts). Times are epoch milliseconds in BIGINT `*_ms` columns (the
 * caller's clock, as the contract says; `now()` is only used for the skew check); what is only read
 * back whole (spec, tags, failure reasons, locators) is JSON *text*, not jsonb, because the
 * contract compares locators by their exact JSON.stringify text, which jsonb would normalise.
 */
import type pg from 'pg';

import { PostgresStoreError } from './postgres-store-error.js';

export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = Object.freeze([
  {
    version: 1,
    name: 'jobs, secrets, chunks, leases, report parts and records',
    sql: `
      CREATE TABLE jobs (
        id                      TEXT     NOT NULL PRIMARY KEY,
        account_id              TEXT     NOT NULL,
        arn                     TEXT     NOT NULL,
        status                  TEXT     NOT NULL CHECK (status IN (
                                  'Active', 'Cancelled', 'Cancelling', 'Complete', 'Completing',
                                  'Failed', 'Failing', 'New', 'Paused', 'Pausing', 'Preparing',
                                  'Ready', 'Suspended')),
        priority                INTEGER  NOT NULL,
        client_request_token    TEXT     NOT NULL,
        request_hash            TEXT     NOT NULL,
        created_ms              BIGINT   NOT NULL,
        updated_ms              BIGINT   NOT NULL,
        termination_ms          BIGINT,
        suspended_ms            BIGINT,
        suspended_cause         TEXT,
        status_update_reason    TEXT,
        -- 0/1 as in SQLite, so that both stores share one row type
        confirmed_early         SMALLINT NOT NULL DEFAULT 0 CHECK (confirmed_early IN (0, 1)),
        total_tasks             BIGINT   NOT NULL DEFAULT 0,
        succeeded_tasks         BIGINT   NOT NULL DEFAULT 0,
        failed_tasks            BIGINT   NOT NULL DEFAULT 0,
        active_ms               BIGINT   NOT NULL DEFAULT 0,
        active_since_ms         BIGINT,
        spec_json               TEXT     NOT NULL,
        tags_json               TEXT     NOT NULL DEFAULT '[]',
        failure_reasons_json    TEXT     NOT NULL DEFAULT '[]',
        generated_manifest_json TEXT
      );
      CREATE UNIQUE INDEX jobs_account_token ON jobs (account_id, client_request_token);
      CREATE INDEX jobs_account_created ON jobs (account_id, created_ms DESC, id DESC);
      CREATE INDEX jobs_account_status_created ON jobs (account_id, status, created_ms DESC, id DESC);
      CREATE INDEX jobs_scheduling ON jobs (status, account_id, priority DESC, created_ms, id);
      CREATE INDEX jobs_ended ON jobs (termination_ms) WHERE termination_ms IS NOT NULL;

      CREATE TABLE secrets (
        name       TEXT   NOT NULL PRIMARY KEY,
        value      BYTEA  NOT NULL,
        created_ms BIGINT NOT NULL
      );

      -- See the SQLite store's migration 2 for the states and the lease rules.
      CREATE TABLE job_chunks (
        job_id           TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        chunk_index      INTEGER NOT NULL CHECK (chunk_index >= 0),
        task_count       INTEGER NOT NULL CHECK (task_count >= 1),
        locator_json     TEXT    NOT NULL,
        state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done')),
        lease_owner      TEXT,
        lease_token      TEXT,
        lease_expires_ms BIGINT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        succeeded_tasks  INTEGER NOT NULL DEFAULT 0,
        failed_tasks     INTEGER NOT NULL DEFAULT 0,
        done_ms          BIGINT,
        PRIMARY KEY (job_id, chunk_index),
        CHECK ((state = 'pending') = (lease_token IS NULL)),
        CHECK (state = 'pending' OR (lease_owner IS NOT NULL AND lease_expires_ms IS NOT NULL)),
        CHECK (succeeded_tasks >= 0 AND failed_tasks >= 0 AND succeeded_tasks + failed_tasks <= task_count)
      );
      CREATE INDEX job_chunks_claim ON job_chunks (job_id, state, chunk_index);
      CREATE INDEX job_chunks_owner ON job_chunks (lease_owner) WHERE state = 'leased';

      CREATE TABLE job_chunk_sets (
        job_id   TEXT   NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        final_ms BIGINT NOT NULL
      );

      CREATE TABLE job_chunk_reports (
        job_id      TEXT    NOT NULL,
        chunk_index INTEGER NOT NULL,
        first_task  INTEGER NOT NULL CHECK (first_task >= 0),
        status      TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed')),
        bytes       INTEGER NOT NULL CHECK (bytes > 0),
        body        BYTEA   NOT NULL,
        PRIMARY KEY (job_id, chunk_index, status, first_task),
        FOREIGN KEY (job_id, chunk_index) REFERENCES job_chunks (job_id, chunk_index) ON DELETE CASCADE
      );

      CREATE TABLE job_chunk_records (
        job_id      TEXT    NOT NULL,
        chunk_index INTEGER NOT NULL,
        body        BYTEA   NOT NULL,
        PRIMARY KEY (job_id, chunk_index),
        FOREIGN KEY (job_id, chunk_index) REFERENCES job_chunks (job_id, chunk_index) ON DELETE CASCADE
      );
    `,
  },
  {
    version: 2,
    name: 'nodes, the embedded store node, live progress',
    sql: `
      -- Nodes sharing the database (ClusterStore): a process registers its node id with a random
      -- instance token and refreshes heartbeat_ms; another process may take the id only once the
      -- heartbeat is stale (the node died) or after a clean deregistration.
      CREATE TABLE nodes (
        id           TEXT    NOT NULL PRIMARY KEY,
        instance     TEXT    NOT NULL,
        role         TEXT    NOT NULL CHECK (role IN ('serve', 'worker')),
        url          TEXT,
        host         TEXT    NOT NULL,
        pid          INTEGER NOT NULL,
        started_ms   BIGINT  NOT NULL,
        heartbeat_ms BIGINT  NOT NULL
      );

      -- The one serve node whose embedded object store the other nodes use (at most one row).
      CREATE TABLE store_node (
        singleton  BOOLEAN NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),
        node_id    TEXT    NOT NULL,
        url        TEXT    NOT NULL,
        claimed_ms BIGINT  NOT NULL
      );

      -- Tasks a node finished in chunks it has not committed yet (replaced by the node about once a
      -- second). Readers count a row only while its chunk is still leased under lease_token, so a
      -- committed chunk is never counted here and in the job's counters at once.
      CREATE TABLE job_live_progress (
        node_id     TEXT    NOT NULL,
        job_id      TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        chunk_index INTEGER NOT NULL,
        lease_token TEXT    NOT NULL,
        succeeded   INTEGER NOT NULL CHECK (succeeded >= 0),
        failed      INTEGER NOT NULL CHECK (failed >= 0),
        updated_ms  BIGINT  NOT NULL,
        PRIMARY KEY (node_id, job_id, chunk_index)
      );
      CREATE INDEX job_live_progress_job ON job_live_progress (job_id);
    `,
  },
  {
    version: 3,
    name: 'manifest generator listings',
    sql: `
      -- Where a generated manifest's listing of its source bucket stands (issue 13), written by
      -- addChunks in the transaction that stores the chunks cut up to it (SQLite migration 7).
      CREATE TABLE job_listings (
        job_id      TEXT    NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        cursor_json TEXT    NOT NULL,
        scanned     BIGINT  NOT NULL CHECK (scanned >= 0),
        done        BOOLEAN NOT NULL,
        updated_ms  BIGINT  NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'dashboard sessions',
    sql: `
      -- See the SQLite store's migration 8: id is a SHA-256 of the cookie's value; idle_expires_ms
      -- is min(last use + idle time, absolute_expires_ms), the one column that says when it ends.
      CREATE TABLE dashboard_sessions (
        id                  TEXT   NOT NULL PRIMARY KEY,
        account_id          TEXT   NOT NULL,
        access_key_id       TEXT   NOT NULL,
        csrf_token          TEXT   NOT NULL,
        created_ms          BIGINT NOT NULL,
        last_seen_ms        BIGINT NOT NULL,
        idle_expires_ms     BIGINT NOT NULL,
        absolute_expires_ms BIGINT NOT NULL,
        CHECK (idle_expires_ms <= absolute_expires_ms)
      );
      CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (idle_expires_ms);
    `,
  },
] satisfies PostgresMigration[]);

const LEDGER_SQL = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_ms BIGINT  NOT NULL
  )
`;

/**
 * Applies every pending migration to the schema `client` has on its search_path (created if
 * missing). Returns the versions this call applied (empty when the schema was up to date).
 */
export async function migratePostgres(
  client: pg.ClientBase,
  schema: string,
  nowMs: number,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`PostgreSQL migration #${i} has version ${m.version}; expected ${i + 1}`);
  });
  // One lock per schema; hashtext() is stable across servers of one major version, and the
  // prefix keeps the key apart from any other application's advisory locks on the database.
  await client.query(`SELECT pg_advisory_lock(hashtext('s3batch migrate ' || $1::text))`, [schema]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(LEDGER_SQL);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v)).sort((a, b) => a - b);
    if (unknown.length > 0) {
      throw new PostgresStoreError(
        'NewerSchema',
        `The PostgreSQL schema ${schema} was migrated by a newer version of s3batch (migrations ${unknown.join(', ')} ` +
          `are unknown to this version, which knows 1..${migrations.length}). Upgrade s3batch to use it.`,
      );
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query('INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)', [m.version, m.name, nowMs]);
        await client.query(m.sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('s3batch migrate ' || $1::text))`, [schema]).catch(() => undefined);
  }
}

/** A schema name as an SQL identifier (names are checked to be plain identifiers at open). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
