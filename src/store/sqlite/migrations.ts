/**
 * The SQLite schema of the job store, as numbered, append-only migrations kept in this module (so
 * the build ships them without copying .sql files), applied at open by the shared runner
 * (src/lib/sqlite-migrations.ts: one IMMEDIATE transaction per migration, newer files refused).
 *
 * Rules: never edit or renumber a migration that has shipped; add the next number instead.
 *
 * Conventions (STYLE.md, house conventions): times are integer epoch milliseconds in `*_ms`
 * columns; everything that is filtered, sorted or guarded is an explicit column; what is only
 * read back whole (the spec, tags, failure reasons, the generated manifest) is JSON text. Tables
 * are STRICT so a wrong type is an error instead of a silent coercion.
 */
import type Database from 'better-sqlite3';

import { migrate as runMigrations, NewerSchemaError, type Migration } from '../../lib/sqlite-migrations.js';
import { SqliteStoreError } from './sqlite-store-error.js';

export type { Migration };

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
    version: 7,
    name: 'manifest generator listings',
    sql: `
      -- Where a generated manifest's listing of its source bucket stands (issue 13): written by
      -- addChunks in the transaction that stores the chunks cut up to that position, so that a
      -- crash resumes the listing from exactly what was committed. Deleted with the chunks.
      CREATE TABLE job_listings (
        job_id      TEXT    NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        cursor_json TEXT    NOT NULL,
        scanned     INTEGER NOT NULL CHECK (scanned >= 0),
        done        INTEGER NOT NULL CHECK (done IN (0, 1)),
        updated_ms  INTEGER NOT NULL
      ) STRICT;
    `,
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

/**
 * Applies every pending job-store migration (or those given). Returns the versions applied by
 * this call; a file migrated by a newer s3batch is SqliteStoreError('NewerSchema').
 */
export function migrate(db: Database.Database, nowMs: number, migrations: readonly Migration[] = MIGRATIONS): number[] {
  try {
    return runMigrations(db, nowMs, migrations);
  } catch (err) {
    if (err instanceof NewerSchemaError) throw new SqliteStoreError('NewerSchema', err.message, { cause: err });
    throw err;
  }
}
