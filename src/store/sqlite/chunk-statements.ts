/**
 * The SQL of chunks, their records, leases, report parts and generator listings (migrations 2–5, 7), prepared once per connection. Each
 * statement touches one chunk or one index range; none rewrites the job row beyond its counters.
 */
import type Database from 'better-sqlite3';

import { CHUNK_COLUMN_LIST, PROGRESS_COLUMN_LIST, type ChunkRow, type ProgressRow } from '../rows/chunk-rules.js';

export type { ChunkRow, ProgressRow };

export interface LeaseParams {
  job_id: string;
  chunk_index: number;
  owner: string;
  token: string;
  expires_ms: number;
}

export interface ChunkStatements {
  readonly jobExists: Database.Statement<[jobId: string], number>;
  readonly progress: Database.Statement<[jobId: string], ProgressRow>;

  readonly insertChunk: Database.Statement<
    [jobId: string, index: number, taskCount: number, locatorJson: string],
    { chunk_index: number }
  >;
  readonly chunk: Database.Statement<[jobId: string, index: number], ChunkRow>;
  readonly insertRecords: Database.Statement<[jobId: string, index: number, body: Buffer]>;
  readonly records: Database.Statement<[jobId: string, index: number], Buffer>;
  /** [count, max index, sum of task_count] of the job's chunks */
  readonly chunkTotals: Database.Statement<[jobId: string], { n: number; max_index: number | null; tasks: number }>;
  readonly setTotalTasks: Database.Statement<[totalTasks: number, jobId: string]>;
  readonly isFinal: Database.Statement<[jobId: string], number>;
  readonly markFinal: Database.Statement<[jobId: string, finalMs: number]>;

  /** the lowest pending indexes */
  readonly pendingIndexes: Database.Statement<[jobId: string, limit: number], number>;
  /** the lowest indexes whose lease expired at `nowMs` */
  readonly expiredIndexes: Database.Statement<[jobId: string, nowMs: number, limit: number], number>;
  readonly lease: Database.Statement<[LeaseParams], ChunkRow>;
  readonly renew: Database.Statement<
    [expiresMs: number, jobId: string, index: number, token: string],
    { lease_expires_ms: number }
  >;
  readonly release: Database.Statement<[jobId: string, index: number, token: string]>;
  readonly releaseOwner: Database.Statement<[owner: string]>;
  readonly markDone: Database.Statement<
    [succeeded: number, failed: number, doneMs: number, jobId: string, index: number, token: string]
  >;
  /** adds a checkpoint's counts to the chunk and gives it back (pending) */
  readonly checkpoint: Database.Statement<[succeeded: number, failed: number, jobId: string, index: number, token: string]>;
  readonly insertReport: Database.Statement<
    [jobId: string, index: number, firstTask: number, status: string, bytes: number, body: Buffer]
  >;
  readonly addProgress: Database.Statement<[succeeded: number, failed: number, jobId: string], ProgressRow>;

  readonly countsByState: Database.Statement<[jobId: string], { state: string; n: number }>;
  readonly reportPage: Database.Statement<
    [jobId: string, status: string, afterIndex: number, afterFirstTask: number, limit: number],
    { chunk_index: number; first_task: number; body: Buffer }
  >;
  readonly reportBytes: Database.Statement<[jobId: string], { status: string; bytes: number }>;

  /** the index `offset` places below the job's highest one (undefined when fewer): a deletion batch's floor */
  readonly deletionFloor: Database.Statement<[jobId: string, offset: number], number>;
  readonly deleteReportsFrom: Database.Statement<[jobId: string, fromIndex: number]>;
  readonly deleteRecordsFrom: Database.Statement<[jobId: string, fromIndex: number]>;
  readonly deleteChunksFrom: Database.Statement<[jobId: string, fromIndex: number]>;
  readonly deleteFinal: Database.Statement<[jobId: string]>;

  // Generated manifests' listings (migration 7).
  readonly listing: Database.Statement<[jobId: string], ListingRow>;
  /** replaces the position unless the stored one scanned more (a stale lister never moves it back) */
  readonly putListing: Database.Statement<[jobId: string, cursorJson: string, scanned: number, done: number, updatedMs: number]>;
  readonly deleteListing: Database.Statement<[jobId: string]>;
  readonly setGeneratedManifest: Database.Statement<[json: string, jobId: string]>;
  /** chunks with their records from an index on, for readChunkRecords */
  readonly recordsPage: Database.Statement<
    [jobId: string, fromIndex: number, limit: number],
    { chunk_index: number; task_count: number; locator_json: string; body: Buffer | null }
  >;
}

export interface ListingRow {
  readonly cursor_json: string;
  readonly scanned: number;
  readonly done: number;
  readonly updated_ms: number;
}

export function prepareChunkStatements(db: Database.Database): ChunkStatements {
  return {
    jobExists: db.prepare<[string], number>('SELECT 1 FROM jobs WHERE id = ?').pluck(),
    progress: db.prepare(`SELECT ${PROGRESS_COLUMN_LIST} FROM jobs WHERE id = ?`),

    insertChunk: db.prepare(
      `INSERT INTO job_chunks (job_id, chunk_index, task_count, locator_json) VALUES (?, ?, ?, ?)
       ON CONFLICT (job_id, chunk_index) DO NOTHING
       RETURNING chunk_index`,
    ),
    chunk: db.prepare(`SELECT ${CHUNK_COLUMN_LIST} FROM job_chunks WHERE job_id = ? AND chunk_index = ?`),
    insertRecords: db.prepare('INSERT INTO job_chunk_records (job_id, chunk_index, body) VALUES (?, ?, ?)'),
    records: db.prepare<[string, number], Buffer>('SELECT body FROM job_chunk_records WHERE job_id = ? AND chunk_index = ?').pluck(),
    chunkTotals: db.prepare(
      `SELECT count(*) AS n, max(chunk_index) AS max_index, coalesce(sum(task_count), 0) AS tasks
       FROM job_chunks WHERE job_id = ?`,
    ),
    setTotalTasks: db.prepare('UPDATE jobs SET total_tasks = ? WHERE id = ?'),
    isFinal: db.prepare<[string], number>('SELECT 1 FROM job_chunk_sets WHERE job_id = ?').pluck(),
    markFinal: db.prepare('INSERT INTO job_chunk_sets (job_id, final_ms) VALUES (?, ?) ON CONFLICT DO NOTHING'),

    pendingIndexes: db
      .prepare<[string, number], number>(
        `SELECT chunk_index FROM job_chunks WHERE job_id = ? AND state = 'pending'
         ORDER BY chunk_index LIMIT ?`,
      )
      .pluck(),
    expiredIndexes: db
      .prepare<[string, number, number], number>(
        `SELECT chunk_index FROM job_chunks WHERE job_id = ? AND state = 'leased' AND lease_expires_ms <= ?
         ORDER BY chunk_index LIMIT ?`,
      )
      .pluck(),
    lease: db.prepare(
      `UPDATE job_chunks
       SET state = 'leased', lease_owner = @owner, lease_token = @token, lease_expires_ms = @expires_ms,
           attempts = attempts + 1
       WHERE job_id = @job_id AND chunk_index = @chunk_index
       RETURNING ${CHUNK_COLUMN_LIST}`,
    ),
    renew: db.prepare(
      `UPDATE job_chunks SET lease_expires_ms = ?
       WHERE job_id = ? AND chunk_index = ? AND state = 'leased' AND lease_token = ?
       RETURNING lease_expires_ms`,
    ),
    release: db.prepare(
      `UPDATE job_chunks SET state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL
       WHERE job_id = ? AND chunk_index = ? AND state = 'leased' AND lease_token = ?`,
    ),
    releaseOwner: db.prepare(
      `UPDATE job_chunks SET state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL
       WHERE state = 'leased' AND lease_owner = ?`,
    ),
    markDone: db.prepare(
      `UPDATE job_chunks SET state = 'done', succeeded_tasks = succeeded_tasks + ?, failed_tasks = failed_tasks + ?, done_ms = ?
       WHERE job_id = ? AND chunk_index = ? AND state = 'leased' AND lease_token = ?`,
    ),
    checkpoint: db.prepare(
      `UPDATE job_chunks
       SET state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL,
           succeeded_tasks = succeeded_tasks + ?, failed_tasks = failed_tasks + ?
       WHERE job_id = ? AND chunk_index = ? AND state = 'leased' AND lease_token = ?`,
    ),
    insertReport: db.prepare(
      'INSERT INTO job_chunk_reports (job_id, chunk_index, first_task, status, bytes, body) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    addProgress: db.prepare(
      `UPDATE jobs SET succeeded_tasks = succeeded_tasks + ?, failed_tasks = failed_tasks + ?
       WHERE id = ? RETURNING ${PROGRESS_COLUMN_LIST}`,
    ),

    countsByState: db.prepare('SELECT state, count(*) AS n FROM job_chunks WHERE job_id = ? GROUP BY state'),
    reportPage: db.prepare(
      `SELECT chunk_index, first_task, body FROM job_chunk_reports
       WHERE job_id = ? AND status = ? AND (chunk_index, first_task) > (?, ?)
       ORDER BY chunk_index, first_task LIMIT ?`,
    ),
    reportBytes: db.prepare(
      'SELECT status, sum(bytes) AS bytes FROM job_chunk_reports WHERE job_id = ? GROUP BY status',
    ),

    deletionFloor: db
      .prepare<[string, number], number>(
        `SELECT chunk_index FROM job_chunks WHERE job_id = ? ORDER BY chunk_index DESC LIMIT 1 OFFSET ?`,
      )
      .pluck(),
    deleteReportsFrom: db.prepare('DELETE FROM job_chunk_reports WHERE job_id = ? AND chunk_index >= ?'),
    deleteRecordsFrom: db.prepare('DELETE FROM job_chunk_records WHERE job_id = ? AND chunk_index >= ?'),
    deleteChunksFrom: db.prepare('DELETE FROM job_chunks WHERE job_id = ? AND chunk_index >= ?'),
    deleteFinal: db.prepare('DELETE FROM job_chunk_sets WHERE job_id = ?'),

    listing: db.prepare('SELECT cursor_json, scanned, done, updated_ms FROM job_listings WHERE job_id = ?'),
    putListing: db.prepare(
      `INSERT INTO job_listings (job_id, cursor_json, scanned, done, updated_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET cursor_json = excluded.cursor_json, scanned = excluded.scanned,
         done = excluded.done, updated_ms = excluded.updated_ms
       WHERE excluded.scanned >= job_listings.scanned`,
    ),
    deleteListing: db.prepare('DELETE FROM job_listings WHERE job_id = ?'),
    setGeneratedManifest: db.prepare('UPDATE jobs SET generated_manifest_json = ? WHERE id = ?'),
    recordsPage: db.prepare(
      `SELECT c.chunk_index, c.task_count, c.locator_json, r.body FROM job_chunks c
       LEFT JOIN job_chunk_records r ON r.job_id = c.job_id AND r.chunk_index = c.chunk_index
       WHERE c.job_id = ? AND c.chunk_index >= ? ORDER BY c.chunk_index LIMIT ?`,
    ),
  };
}
