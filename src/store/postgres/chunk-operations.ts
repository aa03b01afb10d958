/**
 * Chunks, leases and report parts on PostgreSQL: the engine's side of the JobStore, shared by
 * every node on the database.
 *
 * A claim is one statement: it picks the lowest claimable indexes `FOR UPDATE SKIP LOCKED` and
 * leases them, so concurrent claims — from this node or any other — skip each other's rows instead
 * of waiting or taking the same chunk. A completion or checkpoint locks its chunk row, checks the
 * token, stores the report parts and adds the counts to the job row in one transaction, so a chunk
 * is counted wholly or not at all. Lock order is always chunk row, then job row (and addChunks
 * takes the job row before inserting), so two transactions never wait for each other in a cycle.
 *
 * The rules (argument checks, counts, the row → ClaimedChunk mapping) are those of the SQLite
 * store: src/store/rows/chunk-rules.ts.
 */
import type pg from 'pg';

import type { JobProgress } from '../../domain/job.js';
import {
  JobStoreError,
  REPORT_PART_STATUSES,
  type ChunkCounts,
  type ChunkOutcome,
  type ListingCheckpoint,
  type StoredChunkRecords,
  type ReportLength,
  type ReportPartStatus,
} from '../job-store.js';
import {
  assertIndex,
  assertPositive,
  assertTime,
  checkCheckpoint,
  checkOutcome,
  CHUNK_COLUMN_LIST,
  chunkConflict,
  doneTasksOf,
  leaseLostReason,
  notFound,
  prepareListing,
  prepareNewChunk,
  PROGRESS_COLUMN_LIST,
  toClaimed,
  toProgress,
  type ChunkRow,
  type ProgressRow,
} from '../rows/chunk-rules.js';
import type { ChunkOperations } from '../rows/chunk-rules.js';
import type { Db } from './connection.js';


/** Report parts read per query: a few hundred KB, never the whole report. */
const REPORT_PAGE_PARTS = 8;
/** Chunks deleted per transaction (their report parts and records go with them by cascade). */
const DELETE_BATCH_CHUNKS = 64;
/** Chunks read per query by readChunkRecords: a few MB of records at most. */
const RECORDS_PAGE_CHUNKS = 16;

/** A pooled connection inside a transaction, or the pool itself. */
type Queryable = { query(text: string, params: unknown[]): Promise<{ rowCount: number | null }> };

async function jobExists(q: Queryable, jobId: string): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM jobs WHERE id = $1', [jobId]);
  return (rowCount ?? 0) > 0;
}

async function assertJob(q: Queryable, jobId: string): Promise<void> {
  if (!(await jobExists(q, jobId))) throw notFound(jobId);
}

/** The chunk row `token` holds, locked for the transaction; LeaseLost (NotFound for an unknown job). */
async function heldChunk(client: pg.PoolClient, jobId: string, index: number, token: string): Promise<ChunkRow> {
  const { rows } = await client.query<ChunkRow>(
    `SELECT ${CHUNK_COLUMN_LIST} FROM job_chunks WHERE job_id = $1 AND chunk_index = $2 FOR UPDATE`,
    [jobId, index],
  );
  const row = rows[0];
  if (!row) {
    await assertJob(client, jobId);
    throw new JobStoreError('LeaseLost', `Job ${jobId} has no chunk ${index} (deleted, or never added)`);
  }
  if (row.lease_token !== token) {
    throw new JobStoreError('LeaseLost', `The lease on chunk ${index} of job ${jobId} is lost: ${leaseLostReason(row)}`);
  }
  return row;
}

/** Stores a commit's non-empty report parts after the chunk's earlier ones, and adds its counts to the job. */
async function commitParts(
  client: pg.PoolClient,
  jobId: string,
  row: ChunkRow,
  parts: { succeeded: number; failed: number; reportSucceeded: Buffer; reportFailed: Buffer },
): Promise<JobProgress> {
  const firstTask = doneTasksOf(row);
  const byStatus: readonly [ReportPartStatus, Buffer][] = [
    ['succeeded', parts.reportSucceeded],
    ['failed', parts.reportFailed],
  ];
  for (const [status, body] of byStatus) {
    if (body.length === 0) continue;
    await client.query(
      'INSERT INTO job_chunk_reports (job_id, chunk_index, first_task, status, bytes, body) VALUES ($1, $2, $3, $4, $5, $6)',
      [jobId, row.chunk_index, firstTask, status, body.length, body],
    );
  }
  const { rows } = await client.query<ProgressRow>(
    `UPDATE jobs SET succeeded_tasks = succeeded_tasks + $1, failed_tasks = failed_tasks + $2
     WHERE id = $3 RETURNING ${PROGRESS_COLUMN_LIST}`,
    [parts.succeeded, parts.failed, jobId],
  );
  const progress = rows[0];
  if (!progress) throw notFound(jobId);
  return toProgress(progress);
}

export function createChunkOperations(db: Db, now: () => number): ChunkOperations {
  async function* reportParts(jobId: string, status: ReportPartStatus): AsyncGenerator<Buffer> {
    if (!(REPORT_PART_STATUSES as readonly string[]).includes(status)) {
      throw new RangeError(`readReportParts: status must be succeeded or failed, got ${String(status)}`);
    }
    await assertJob(db, jobId);
    let after = { index: -1, firstTask: 0 };
    for (;;) {
      // Short keyset-paged queries rather than a cursor: no connection is held while the consumer
      // awaits an upload between parts.
      const { rows } = await db.query<{ chunk_index: number; first_task: number; body: Buffer }>(
        `SELECT chunk_index, first_task, body FROM job_chunk_reports
         WHERE job_id = $1 AND status = $2 AND (chunk_index, first_task) > ($3, $4)
         ORDER BY chunk_index, first_task LIMIT $5`,
        [jobId, status, after.index, after.firstTask, REPORT_PAGE_PARTS],
      );
      for (const row of rows) {
        after = { index: row.chunk_index, firstTask: row.first_task };
        yield row.body;
      }
      if (rows.length < REPORT_PAGE_PARTS) return;
    }
  }

  async function* chunkRecords(jobId: string): AsyncGenerator<StoredChunkRecords> {
    await assertJob(db, jobId);
    let from = 0;
    for (;;) {
      // Keyset-paged, as reportParts: no connection is held while the consumer uploads.
      const { rows } = await db.query<{ chunk_index: number; task_count: number; locator_json: string; body: Buffer | null }>(
        `SELECT c.chunk_index, c.task_count, c.locator_json, r.body FROM job_chunks c
         LEFT JOIN job_chunk_records r ON r.job_id = c.job_id AND r.chunk_index = c.chunk_index
         WHERE c.job_id = $1 AND c.chunk_index >= $2 ORDER BY c.chunk_index LIMIT $3`,
        [jobId, from, RECORDS_PAGE_CHUNKS],
      );
      for (const row of rows) {
        yield { index: row.chunk_index, taskCount: row.task_count, locator: JSON.parse(row.locator_json) as unknown, records: row.body ?? undefined };
      }
      if (rows.length < RECORDS_PAGE_CHUNKS) return;
      from = rows[rows.length - 1]!.chunk_index + 1;
    }
  }

  return {
    addChunks: async (jobId, chunks, options) => {
      const prepared = chunks.map(prepareNewChunk);
      const listing = prepareListing(options);
      return db.tx(async (client) => {
        // The job row first: concurrent addChunks of one job take turns, so the final check sees
        // every chunk, and the lock order matches completions' (chunk rows are not locked here).
        const locked = await client.query('SELECT 1 FROM jobs WHERE id = $1 FOR NO KEY UPDATE', [jobId]);
        if ((locked.rowCount ?? 0) === 0) throw notFound(jobId);
        const sealed = ((await client.query('SELECT 1 FROM job_chunk_sets WHERE job_id = $1', [jobId])).rowCount ?? 0) > 0;
        let added = 0;
        for (const c of prepared) {
          const inserted = await client.query(
            `INSERT INTO job_chunks (job_id, chunk_index, task_count, locator_json) VALUES ($1, $2, $3, $4)
             ON CONFLICT (job_id, chunk_index) DO NOTHING RETURNING chunk_index`,
            [jobId, c.index, c.taskCount, c.locatorJson],
          );
          if ((inserted.rowCount ?? 0) > 0) {
            if (sealed) throw chunkConflict(`Job ${jobId} already has its final set of chunks; chunk ${c.index} is new`);
            if (c.records !== undefined) {
              await client.query('INSERT INTO job_chunk_records (job_id, chunk_index, body) VALUES ($1, $2, $3)', [jobId, c.index, c.records]);
            }
            added += 1;
            continue;
          }
          const { rows } = await client.query<{ task_count: number; locator_json: string; records: Buffer | null }>(
            `SELECT c.task_count, c.locator_json, r.body AS records
             FROM job_chunks c LEFT JOIN job_chunk_records r ON r.job_id = c.job_id AND r.chunk_index = c.chunk_index
             WHERE c.job_id = $1 AND c.chunk_index = $2`,
            [jobId, c.index],
          );
          const stored = rows[0];
          const storedRecords = stored?.records ?? undefined;
          const sameRecords = c.records === undefined ? storedRecords === undefined : storedRecords !== undefined && c.records.equals(storedRecords);
          if (!stored || stored.task_count !== c.taskCount || stored.locator_json !== c.locatorJson || !sameRecords) {
            throw chunkConflict(
              `Chunk ${c.index} of job ${jobId} is already stored with a different ` +
                (stored?.task_count !== c.taskCount ? `taskCount (${stored?.task_count} ≠ ${c.taskCount})` : stored.locator_json !== c.locatorJson ? 'locator' : 'records'),
            );
          }
        }
        const { rows: totalsRows } = await client.query<{ n: number; max_index: number | null; tasks: number }>(
          `SELECT count(*) AS n, max(chunk_index) AS max_index, coalesce(sum(task_count), 0)::int8 AS tasks
           FROM job_chunks WHERE job_id = $1`,
          [jobId],
        );
        const totals = totalsRows[0];
        if (!totals) throw new Error('unreachable: an aggregate returned no row');
        if (options.final) {
          if (totals.n > 0 && totals.max_index !== totals.n - 1) {
            throw chunkConflict(
              `The final batch leaves job ${jobId} with ${totals.n} chunks whose highest index is ` +
                `${totals.max_index}: some of 0..${totals.max_index} are missing`,
            );
          }
          await client.query('INSERT INTO job_chunk_sets (job_id, final_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING', [jobId, now()]);
          if (listing?.generatedManifestJson !== undefined) {
            await client.query('UPDATE jobs SET generated_manifest_json = $1 WHERE id = $2', [listing.generatedManifestJson, jobId]);
          }
        }
        if (listing?.position) {
          // A stale lister (resumed from an older position) never moves the position back.
          await client.query(
            `INSERT INTO job_listings (job_id, cursor_json, scanned, done, updated_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (job_id) DO UPDATE SET cursor_json = excluded.cursor_json, scanned = excluded.scanned,
               done = excluded.done, updated_ms = excluded.updated_ms
             WHERE excluded.scanned >= job_listings.scanned`,
            [jobId, listing.position.cursorJson, listing.position.scanned, listing.position.done, now()],
          );
        }
        await client.query('UPDATE jobs SET total_tasks = $1 WHERE id = $2', [totals.tasks, jobId]);
        return { added, chunks: totals.n, totalTasks: totals.tasks };
      });
    },

    claimChunks: async (jobId, owner, max, leaseMs, nowMs) => {
      if (typeof owner !== 'string' || owner === '') throw new RangeError('claimChunks: owner must be a non-empty string');
      assertPositive('claimChunks', 'max', max);
      assertPositive('claimChunks', 'leaseMs', leaseMs);
      assertTime('claimChunks', nowMs);
      await assertJob(db, jobId);
      const { rows } = await db.query<ChunkRow & { records: Buffer | null }>(
        `WITH picked AS (
           SELECT chunk_index FROM job_chunks
           WHERE job_id = $1 AND (state = 'pending' OR (state = 'leased' AND lease_expires_ms <= $4))
           ORDER BY chunk_index LIMIT $5
           FOR UPDATE SKIP LOCKED)
         UPDATE job_chunks c
         SET state = 'leased', lease_owner = $2, lease_token = gen_random_uuid()::text,
             lease_expires_ms = $4::int8 + $3::int8, attempts = c.attempts + 1
         FROM picked
         WHERE c.job_id = $1 AND c.chunk_index = picked.chunk_index
         RETURNING ${CHUNK_COLUMN_LIST.split(', ').map((col) => `c.${col}`).join(', ')},
           (SELECT r.body FROM job_chunk_records r WHERE r.job_id = c.job_id AND r.chunk_index = c.chunk_index) AS records`,
        [jobId, owner, leaseMs, nowMs, max],
      );
      return rows.map((row) => toClaimed(row, row.records ?? undefined)).sort((a, b) => a.index - b.index);
    },

    renewLeases: async (jobId, leases, leaseMs, nowMs) => {
      for (const lease of leases) assertIndex('renewLeases', lease.index);
      assertPositive('renewLeases', 'leaseMs', leaseMs);
      assertTime('renewLeases', nowMs);
      await assertJob(db, jobId);
      if (leases.length === 0) return { renewed: [], lost: [] };
      const { rows } = await db.query<{ chunk_index: number; lease_expires_ms: number }>(
        `UPDATE job_chunks c SET lease_expires_ms = $2
         FROM unnest($3::int[], $4::text[]) AS l(chunk_index, token)
         WHERE c.job_id = $1 AND c.chunk_index = l.chunk_index AND c.state = 'leased' AND c.lease_token = l.token
         RETURNING c.chunk_index, c.lease_expires_ms`,
        [jobId, nowMs + leaseMs, leases.map((l) => l.index), leases.map((l) => l.token)],
      );
      const held = new Map(rows.map((r) => [r.chunk_index, r.lease_expires_ms]));
      const renewed: { index: number; leaseExpiresMs: number }[] = [];
      const lost: number[] = [];
      for (const { index } of leases) {
        const expires = held.get(index);
        if (expires === undefined) lost.push(index);
        else renewed.push({ index, leaseExpiresMs: expires });
      }
      return { renewed, lost };
    },

    releaseChunk: async (jobId, index, token) => {
      assertIndex('releaseChunk', index);
      await assertJob(db, jobId);
      const { rowCount } = await db.query(
        `UPDATE job_chunks SET state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL
         WHERE job_id = $1 AND chunk_index = $2 AND state = 'leased' AND lease_token = $3`,
        [jobId, index, token],
      );
      return rowCount === 1;
    },

    releaseLeasesOf: async (owner) => {
      if (owner === '') throw new RangeError('releaseLeasesOf: owner must not be empty');
      const { rowCount } = await db.query(
        `UPDATE job_chunks SET state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL
         WHERE state = 'leased' AND lease_owner = $1`,
        [owner],
      );
      return rowCount ?? 0;
    },

    completeChunk: async (jobId, index, token, outcome: ChunkOutcome, nowMs) => {
      assertIndex('completeChunk', index);
      assertTime('completeChunk', nowMs);
      return db.tx(async (client) => {
        const row = await heldChunk(client, jobId, index, token);
        if (row.state === 'done') {
          const { rows } = await client.query<ProgressRow>(`SELECT ${PROGRESS_COLUMN_LIST} FROM jobs WHERE id = $1`, [jobId]);
          const progress = rows[0];
          if (!progress) throw notFound(jobId);
          return { outcome: 'alreadyDone' as const, progress: toProgress(progress) };
        }
        checkOutcome(jobId, row, outcome);
        await client.query(
          `UPDATE job_chunks SET state = 'done', succeeded_tasks = succeeded_tasks + $1, failed_tasks = failed_tasks + $2, done_ms = $3
           WHERE job_id = $4 AND chunk_index = $5`,
          [outcome.succeeded, outcome.failed, nowMs, jobId, index],
        );
        return { outcome: 'completed' as const, progress: await commitParts(client, jobId, row, outcome) };
      });
    },

    checkpointChunk: async (jobId, index, token, checkpoint) => {
      assertIndex('checkpointChunk', index);
      return db.tx(async (client) => {
        const row = await heldChunk(client, jobId, index, token);
        if (row.state !== 'leased') {
          throw new JobStoreError('LeaseLost', `Chunk ${index} of job ${jobId} is no longer leased: ${leaseLostReason(row)}`);
        }
        checkCheckpoint(jobId, row, checkpoint);
        await client.query(
          `UPDATE job_chunks
           SET state = 'pending', lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL,
               succeeded_tasks = succeeded_tasks + $1, failed_tasks = failed_tasks + $2
           WHERE job_id = $3 AND chunk_index = $4`,
          [checkpoint.succeeded, checkpoint.failed, jobId, index],
        );
        return { progress: await commitParts(client, jobId, row, checkpoint) };
      });
    },

    chunkCounts: async (jobId): Promise<ChunkCounts> => {
      await assertJob(db, jobId);
      const { rows } = await db.query<{ state: string; n: number }>(
        'SELECT state, count(*) AS n FROM job_chunks WHERE job_id = $1 GROUP BY state',
        [jobId],
      );
      const by = new Map(rows.map((r) => [r.state, r.n]));
      const pending = by.get('pending') ?? 0;
      const leased = by.get('leased') ?? 0;
      const done = by.get('done') ?? 0;
      const final = ((await db.query('SELECT 1 FROM job_chunk_sets WHERE job_id = $1', [jobId])).rowCount ?? 0) > 0;
      return { pending, leased, done, total: pending + leased + done, final };
    },

    readReportParts: (jobId, status) => reportParts(jobId, status),

    listingCheckpoint: async (jobId): Promise<ListingCheckpoint | undefined> => {
      await assertJob(db, jobId);
      const { rows } = await db.query<{ cursor_json: string; scanned: number; done: boolean; updated_ms: number }>(
        'SELECT cursor_json, scanned, done, updated_ms FROM job_listings WHERE job_id = $1',
        [jobId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { cursor: JSON.parse(row.cursor_json) as unknown, scanned: row.scanned, done: row.done, updatedMs: row.updated_ms };
    },

    readChunkRecords: (jobId) => chunkRecords(jobId),

    reportLength: async (jobId): Promise<ReportLength> => {
      await assertJob(db, jobId);
      const { rows } = await db.query<{ status: string; bytes: number }>(
        'SELECT status, sum(bytes)::int8 AS bytes FROM job_chunk_reports WHERE job_id = $1 GROUP BY status',
        [jobId],
      );
      const by = new Map(rows.map((r) => [r.status, r.bytes]));
      return { succeeded: by.get('succeeded') ?? 0, failed: by.get('failed') ?? 0 };
    },

    deleteChunks: async (jobId) => {
      await assertJob(db, jobId);
      let deleted = 0;
      for (;;) {
        // Highest indexes first, a batch per transaction; report parts and records go by cascade.
        const { rowCount } = await db.query(
          `DELETE FROM job_chunks WHERE job_id = $1 AND chunk_index IN (
             SELECT chunk_index FROM job_chunks WHERE job_id = $1 ORDER BY chunk_index DESC LIMIT $2)`,
          [jobId, DELETE_BATCH_CHUNKS],
        );
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < DELETE_BATCH_CHUNKS) break;
      }
      await db.query('DELETE FROM job_chunk_sets WHERE job_id = $1', [jobId]);
      await db.query('DELETE FROM job_listings WHERE job_id = $1', [jobId]);
      return deleted;
    },
  };
}
