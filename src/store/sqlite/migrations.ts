/**
 * The SQLite schema, as numbered, append-only migrations kept in this module (so the build ships
 * them without copying .sql files), and the runner that applies them at open.
 *
 * Rules: never edit or renumber a migration that has shipped; add the next number instead. Each
 * migration runs in its own IMMEDIATE transaction that first inserts its ledger row, so a second
 * process racing on the same file waits for the write lock, then sees the row and steps back. A
 * database whose ledger holds numbers this version does not know was written by a newer
 * s3batch and is refused, rather than half-understood.
 *
 * Conventions (STYLE.md, house conventions): times are integer epoch milliseconds in `*_ms`
 * columns; everything that is filtered, sorted or guarded is an explicit column; what is only
 * read back whole (the spec, tags, failure reasons, the generated manifest) is JSON text. Tables
 * are STRICT so a wrong type is an error instead of a silent coercion.
 */
import type Database from 'better-sqlite3';

import { SqliteStoreError } from './sqlite-store-error.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'jobs and secrets',
    sql: `
      -- One row per job. id is globally unique (the engine's transition() takes the id alone);
      -- every API lookup also filters on account_id.
      CREATE TABLE jobs (
        id                      TEXT    NOT NULL PRIMARY KEY,
        account_id              TEXT    NOT NULL,
        arn                     TEXT    NOT NULL,
        status                  TEXT    NOT NULL CHECK (status IN (
                                  'Active', 'Cancelled', 'Cancelling', 'Complete', 'Completing',
                                  'Failed', 'Failing', 'New', 'Paused', 'Pausing', 'Preparing',
                                  'Ready', 'Suspended')),
        -- the current priority; spec_json keeps the requested one
        priority                INTEGER NOT NULL,
        client_request_token    TEXT    NOT NULL,
        request_hash            TEXT    NOT NULL,
        created_ms              INTEGER NOT NULL,
        updated_ms              INTEGER NOT NULL,
        -- non-null exactly when status is Complete, Failed or Cancelled
        termination_ms          INTEGER,
        -- the last time the job entered Suspended (kept as history once it leaves)
        suspended_ms            INTEGER,
        suspended_cause         TEXT,
        status_update_reason    TEXT,
        -- UpdateJobStatus(Ready) arrived while New/Preparing
        confirmed_early         INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_early IN (0, 1)),
        total_tasks             INTEGER NOT NULL DEFAULT 0,
        succeeded_tasks         INTEGER NOT NULL DEFAULT 0,
        failed_tasks            INTEGER NOT NULL DEFAULT 0,
        -- time spent in Active before the current Active period; the period began at
        -- active_since_ms, which is non-null exactly while status is Active
        active_ms               INTEGER NOT NULL DEFAULT 0,
        active_since_ms         INTEGER,
        spec_json               TEXT    NOT NULL,
        tags_json               TEXT    NOT NULL DEFAULT '[]',
        failure_reasons_json    TEXT    NOT NULL DEFAULT '[]',
        generated_manifest_json TEXT
      ) STRICT;

      -- CreateJob idempotency: one job per (account, ClientRequestToken).
      CREATE UNIQUE INDEX jobs_account_token ON jobs (account_id, client_request_token);

      -- ListJobs: newest first, keyset-paged on (created_ms, id); with and without a status filter.
      CREATE INDEX jobs_account_created ON jobs (account_id, created_ms DESC, id DESC);
      CREATE INDEX jobs_account_status_created ON jobs (account_id, status, created_ms DESC, id DESC);

      -- Random secrets the service keeps (NextToken signing, ...), created once and never rotated
      -- by the store.
      CREATE TABLE secrets (
        name       TEXT    NOT NULL PRIMARY KEY,
        value      BLOB    NOT NULL,
        created_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'job chunks, leases and report parts',
    sql: `
      -- The engine's unit of work (issue 4): a range of one job's manifest records, leased, run,
      -- counted and reported as a whole. Chunks are added by preparation (idempotent on
      -- (job_id, chunk_index)) and deleted once the completion report is written.
      --
      -- state: 'pending' (claimable), 'leased' (lease_owner holds it with lease_token until
      -- lease_expires_ms, exclusive; claimable again from then on), 'done' (counted; lease_token
      -- stays, so that a retried completion with the same token is recognised as a no-op).
      -- attempts counts claims. succeeded_tasks/failed_tasks are what completion added to the job.
      -- The row stays small: report bytes live in job_chunk_reports.
      CREATE TABLE job_chunks (
        job_id           TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        chunk_index      INTEGER NOT NULL CHECK (chunk_index >= 0),
        task_count       INTEGER NOT NULL CHECK (task_count >= 1),
        locator_json     TEXT    NOT NULL,
        state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done')),
        lease_owner      TEXT,
        lease_token      TEXT,
        lease_expires_ms INTEGER,
        attempts         INTEGER NOT NULL DEFAULT 0,
        succeeded_tasks  INTEGER NOT NULL DEFAULT 0,
        failed_tasks     INTEGER NOT NULL DEFAULT 0,
        done_ms          INTEGER,
        PRIMARY KEY (job_id, chunk_index),
        CHECK ((state = 'pending') = (lease_token IS NULL)),
        CHECK (state = 'pending' OR (lease_owner IS NOT NULL AND lease_expires_ms IS NOT NULL)),
        CHECK (succeeded_tasks >= 0 AND failed_tasks >= 0 AND succeeded_tasks + failed_tasks <= task_count)
      ) STRICT;

      -- Claims: the lowest pending indexes, and the leased chunks (few: at most what is in flight)
      -- to find expired leases, are both range scans of one state; chunkCounts is covered by it.
      CREATE INDEX job_chunks_claim ON job_chunks (job_id, state, chunk_index);

      -- The final batch of a job's chunks was added: the set is complete (0..n-1).
      CREATE TABLE job_chunk_sets (
        job_id   TEXT    NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        final_ms INTEGER NOT NULL
      ) STRICT;

      -- A completed chunk's rows of one report file ('succeeded' or 'failed' tasks), CSV bytes as
      -- the engine rendered them. Empty parts are not stored. bytes precedes body so that summing
      -- lengths reads no blob. The key doubles as the index the foreign key needs.
      CREATE TABLE job_chunk_reports (
        job_id      TEXT    NOT NULL,
        chunk_index INTEGER NOT NULL,
        status      TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed')),
        bytes       INTEGER NOT NULL CHECK (bytes > 0),
        body        BLOB    NOT NULL,
        PRIMARY KEY (job_id, chunk_index, status),
        FOREIGN KEY (job_id, chunk_index) REFERENCES job_chunks (job_id, chunk_index) ON DELETE CASCADE
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'leases by owner',
    sql: `
      -- releaseLeasesOf at a node's start: the few leased chunks of one owner, whatever the job.
      CREATE INDEX job_chunks_owner ON job_chunks (lease_owner) WHERE state = 'leased';
    `,
  },
  {
    version: 4,
    name: 'chunk checkpoints',
    sql: `
      -- checkpointChunk commits the leading tasks of a chunk and gives the rest back, so a chunk may
      -- have several report parts per status: first_task (the part's first task, counted from the
      -- chunk's start) orders them and is unique per part. A pending chunk's done prefix is
      -- job_chunks.succeeded_tasks + failed_tasks (0 for a chunk never checkpointed).
      CREATE TABLE job_chunk_reports_v4 (
        job_id      TEXT    NOT NULL,
        chunk_index INTEGER NOT NULL,
        first_task  INTEGER NOT NULL CHECK (first_task >= 0),
        status      TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed')),
        bytes       INTEGER NOT NULL CHECK (bytes > 0),
        body        BLOB    NOT NULL,
        PRIMARY KEY (job_id, chunk_index, status, first_task),
        FOREIGN KEY (job_id, chunk_index) REFERENCES job_chunks (job_id, chunk_index) ON DELETE CASCADE
      ) STRICT;
      INSERT INTO job_chunk_reports_v4 (job_id, chunk_index, first_task, status, bytes, body)
        SELECT job_id, chunk_index, 0, status, bytes, body FROM job_chunk_reports;
      DROP TABLE job_chunk_reports;
      ALTER TABLE job_chunk_reports_v4 RENAME TO job_chunk_reports;
    `,
  },
  {
    version: 5,
    name: 'chunk records',
    sql: `
      -- The records of a chunk as preparation read them from the manifest (NewChunk.records): runs
      -- read them from here, never from the user's manifest again. A table of its own keeps
      -- job_chunks rows small for claims and counts. Chunks added before this migration have none
      -- and are read from the manifest as before.
      CREATE TABLE job_chunk_records (
        job_id      TEXT    NOT NULL,
        chunk_index INTEGER NOT NULL,
        body        BLOB    NOT NULL,
        PRIMARY KEY (job_id, chunk_index),
        FOREIGN KEY (job_id, chunk_index) REFERENCES job_chunks (job_id, chunk_index) ON DELETE CASCADE
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'scheduling index',
    sql: `
      -- findJobs ranks each account's jobs of some statuses by priority, then age, with the accounts
      -- taking turns: this index holds everything the ranking reads, so it never touches a job row
      -- (whose spec JSON is large) except the few it returns, however many jobs wait.
      CREATE INDEX jobs_scheduling ON jobs (status, account_id, priority DESC, created_ms, id);
    `,
  },
  {
    // Reserved for the listing checkpoints of issue 13 (generated manifests), built on another
    // branch: the runner needs 1..N with no gap. Merging that branch replaces this entry.
    version: 7,
    name: 'reserved',
    sql: '',
  },
  {
    version: 8,
    name: 'dashboard sessions',
    sql: `
      -- Dashboard sign-ins (issue 16). id is a SHA-256 of the cookie's random value, so that a copy
      -- of the database holds no usable cookie. idle_expires_ms is min(last use + idle time,
      -- absolute_expires_ms): the one column that says when the session ends.
      CREATE TABLE dashboard_sessions (
        id                  TEXT    NOT NULL PRIMARY KEY,
        account_id          TEXT    NOT NULL,
        access_key_id       TEXT    NOT NULL,
        csrf_token          TEXT    NOT NULL,
        created_ms          INTEGER NOT NULL,
        last_seen_ms        INTEGER NOT NULL,
        idle_expires_ms     INTEGER NOT NULL,
        absolute_expires_ms INTEGER NOT NULL,
        CHECK (idle_expires_ms <= absolute_expires_ms)
      ) STRICT;
      CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (idle_expires_ms);
    `,
  },
] satisfies Migration[]);

const LEDGER_SQL = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_ms INTEGER NOT NULL
  ) STRICT
`;

/** Checks the list itself: versions are 1, 2, 3 … in order, with no gap. */
export function assertMigrationsWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`SQLite migration #${i} has version ${m.version}; expected ${i + 1}`);
    }
  });
}

/**
 * Applies every pending migration, each in one IMMEDIATE transaction. Returns the versions
 * applied by this call (empty when the database was already up to date).
 */
export function migrate(
  db: Database.Database,
  nowMs: number,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  assertMigrationsWellFormed(migrations);
  db.transaction(() => db.exec(LEDGER_SQL)).immediate();

  const appliedVersions = (): Set<number> =>
    new Set(db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all());

  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...appliedVersions()].filter((v) => !known.has(v)).sort((a, b) => a - b);
  if (unknown.length > 0) {
    throw new SqliteStoreError(
      'NewerSchema',
      `The database ${db.name} was migrated by a newer version of s3batch (migrations ${unknown.join(', ')} are ` +
        `unknown to this version, which knows 1..${migrations.length}). Upgrade s3batch to open it.`,
    );
  }

  const insertLedger = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)',
  );
  const isApplied = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const applied: number[] = [];
  for (const m of migrations) {
    const ran = db
      .transaction(() => {
        // Re-checked under the write lock: another process may have applied it meanwhile.
        if (isApplied.get(m.version) !== undefined) return false;
        insertLedger.run(m.version, m.name, nowMs);
        db.exec(m.sql);
        return true;
      })
      .immediate();
    if (ran) applied.push(m.version);
  }
  return applied;
}
