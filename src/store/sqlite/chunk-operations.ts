/**
 * Chunks, leases and report parts on SQLite: the engine's side of the JobStore (issue 4).
 *
 * Every write is one IMMEDIATE transaction of prepared statements: a claim reads the claimable
 * indexes and leases them under the write lock, so two claims (two nodes on one file, or two
 * callers in this process) never take the same chunk; a completion checks the token, marks the
 * chunk done, stores its report parts and adds its counts to the job row's counters in the same
 * commit, so a chunk is wholly counted or not at all. A commit costs a handful of row writes — the
 * job row's JSON is never rewritten — which keeps one commit per chunk (≈1000 tasks) cheap and
 * leaves the connection free for DescribeJob between commits.
 *
 * Expiry is a predicate evaluated at claim time (`lease_expires_ms <= now`), not a sweep: an
 * expired lease is claimable, and until someone claims it the holder's token still works.
 */
import { randomUUID } from 'node:crypto';

import type Database from 'better-sqlite3';

import type { JobProgress } from '../../domain/job.js';
import {
  JobStoreError,
  REPORT_PART_STATUSES,
  type AddChunksResult,
  type ChunkCheckpoint,
  type ChunkCounts,
  type ChunkLease,
  type ChunkOutcome,
  type ClaimedChunk,
  type CompleteChunkResult,
  type ListingCheckpoint,
  type RenewLeasesResult,
  type ReportLength,
  type ReportPartStatus,
  type StoredChunkRecords,
} from '../job-store.js';
import { prepareChunkStatements, type ChunkRow } from './chunk-statements.js';
import {
  assertIndex,
  assertPositive,
  assertTime,
  checkCheckpoint,
  checkOutcome,
  chunkConflict,
  doneTasksOf,
  leaseLostReason,
  notFound,
  prepareListing,
  prepareNewChunk,
  toClaimed,
  toProgress,
  type PreparedChunk,
  type PreparedListing,
} from '../rows/chunk-rules.js';
import type { ChunkOperations } from '../rows/chunk-rules.js';


/** Runs `fn` against the open database; every failure becomes a rejection (the store's `run`). */
export type RunInStore = <T>(fn: () => T) => Promise<T>;

/** Report parts read per query: a few hundred KB, never the whole report. */
const REPORT_PAGE_PARTS = 8;
/** Chunks deleted per transaction (each with up to two report blobs whose pages must be freed). */
const DELETE_BATCH_CHUNKS = 64;
/** Chunks read per query by readChunkRecords: a few MB of records at most. */
const RECORDS_PAGE_CHUNKS = 16;

/** The chunk row `token` holds, or LeaseLost (NotFound for an unknown job). */
function heldChunk(
  sql: ReturnType<typeof prepareChunkStatements>,
  jobId: string,
  index: number,
  token: string,
): ChunkRow {
  const row = sql.chunk.get(jobId, index);
  if (!row) {
    if (sql.jobExists.get(jobId) === undefined) throw notFound(jobId);
    throw new JobStoreError('LeaseLost', `Job ${jobId} has no chunk ${index} (deleted, or never added)`);
  }
  if (row.lease_token !== token) {
    throw new JobStoreError('LeaseLost', `The lease on chunk ${index} of job ${jobId} is lost: ${leaseLostReason(row)}`);
  }
  return row;
}

/** Stores a commit's non-empty report parts, after the chunk's earlier ones. */
function insertParts(
  sql: ReturnType<typeof prepareChunkStatements>,
  jobId: string,
  row: ChunkRow,
  parts: { reportSucceeded: Buffer; reportFailed: Buffer },
): void {
  const firstTask = doneTasksOf(row);
  const byStatus: readonly [ReportPartStatus, Buffer][] = [
    ['succeeded', parts.reportSucceeded],
    ['failed', parts.reportFailed],
  ];
  for (const [status, body] of byStatus) {
    if (body.length > 0) sql.insertReport.run(jobId, row.chunk_index, firstTask, status, body.length, body);
  }
}

export function createChunkOperations(
  db: Database.Database,
  run: RunInStore,
  now: () => number,
): ChunkOperations {
  const sql = prepareChunkStatements(db);

  function assertJob(jobId: string): void {
    if (sql.jobExists.get(jobId) === undefined) throw notFound(jobId);
  }

  const addChunksTx = db.transaction(
    (jobId: string, chunks: readonly PreparedChunk[], final: boolean, listing: PreparedListing | undefined): AddChunksResult => {
      assertJob(jobId);
      const sealed = sql.isFinal.get(jobId) !== undefined;
      let added = 0;
      for (const c of chunks) {
        if (sql.insertChunk.get(jobId, c.index, c.taskCount, c.locatorJson)) {
          if (sealed) {
            throw chunkConflict(`Job ${jobId} already has its final set of chunks; chunk ${c.index} is new`);
          }
          if (c.records !== undefined) sql.insertRecords.run(jobId, c.index, c.records);
          added += 1;
          continue;
        }
        const stored = sql.chunk.get(jobId, c.index);
        const storedRecords = stored ? sql.records.get(jobId, c.index) : undefined;
        const sameRecords = c.records === undefined ? storedRecords === undefined : storedRecords !== undefined && c.records.equals(storedRecords);
        if (!stored || stored.task_count !== c.taskCount || stored.locator_json !== c.locatorJson || !sameRecords) {
          throw chunkConflict(
            `Chunk ${c.index} of job ${jobId} is already stored with a different ` +
              (stored?.task_count !== c.taskCount ? `taskCount (${stored?.task_count} ≠ ${c.taskCount})` : stored.locator_json !== c.locatorJson ? 'locator' : 'records'),
          );
        }
      }
      const totals = sql.chunkTotals.get(jobId);
      if (!totals) throw new Error('unreachable: an aggregate returned no row');
      if (final) {
        if (totals.n > 0 && totals.max_index !== totals.n - 1) {
          throw chunkConflict(
            `The final batch leaves job ${jobId} with ${totals.n} chunks whose highest index is ` +
              `${totals.max_index}: some of 0..${totals.max_index} are missing`,
          );
        }
        sql.markFinal.run(jobId, now());
        if (listing?.generatedManifestJson !== undefined) sql.setGeneratedManifest.run(listing.generatedManifestJson, jobId);
      }
      if (listing?.position) sql.putListing.run(jobId, listing.position.cursorJson, listing.position.scanned, listing.position.done ? 1 : 0, now());
      sql.setTotalTasks.run(totals.tasks, jobId);
      return { added, chunks: totals.n, totalTasks: totals.tasks };
    },
  );

  const claimTx = db.transaction(
    (jobId: string, owner: string, max: number, leaseMs: number, nowMs: number): ClaimedChunk[] => {
      assertJob(jobId);
      const pending = sql.pendingIndexes.all(jobId, max);
      const expired = sql.expiredIndexes.all(jobId, nowMs, max);
      const chosen = expired.length === 0 ? pending : [...pending, ...expired].sort((a, b) => a - b).slice(0, max);
      return chosen.map((index) => {
        const row = sql.lease.get({
          job_id: jobId,
          chunk_index: index,
          owner,
          token: randomUUID(),
          expires_ms: nowMs + leaseMs,
        });
        if (!row) throw new Error(`chunk ${index} of job ${jobId} vanished under an IMMEDIATE transaction`);
        return toClaimed(row, sql.records.get(jobId, index));
      });
    },
  );

  const renewTx = db.transaction(
    (jobId: string, leases: readonly ChunkLease[], leaseMs: number, nowMs: number): RenewLeasesResult => {
      assertJob(jobId);
      const renewed: { index: number; leaseExpiresMs: number }[] = [];
      const lost: number[] = [];
      for (const { index, token } of leases) {
        const row = sql.renew.get(nowMs + leaseMs, jobId, index, token);
        if (row) renewed.push({ index, leaseExpiresMs: row.lease_expires_ms });
        else lost.push(index);
      }
      return { renewed, lost };
    },
  );

  const completeTx = db.transaction(
    (jobId: string, index: number, token: string, outcome: ChunkOutcome, nowMs: number): CompleteChunkResult => {
      const row = heldChunk(sql, jobId, index, token);
      if (row.state === 'done') {
        const progress = sql.progress.get(jobId);
        if (!progress) throw notFound(jobId);
        return { outcome: 'alreadyDone', progress: toProgress(progress) };
      }
      checkOutcome(jobId, row, outcome);
      const marked = sql.markDone.run(outcome.succeeded, outcome.failed, nowMs, jobId, index, token);
      if (marked.changes !== 1) throw new Error(`chunk ${index} of job ${jobId} changed under an IMMEDIATE transaction`);
      insertParts(sql, jobId, row, outcome);
      const progress = sql.addProgress.get(outcome.succeeded, outcome.failed, jobId);
      if (!progress) throw notFound(jobId);
      return { outcome: 'completed', progress: toProgress(progress) };
    },
  );

  const checkpointTx = db.transaction(
    (jobId: string, index: number, token: string, checkpoint: ChunkCheckpoint): { progress: JobProgress } => {
      const row = heldChunk(sql, jobId, index, token);
      if (row.state !== 'leased') {
        throw new JobStoreError('LeaseLost', `Chunk ${index} of job ${jobId} is no longer leased: ${leaseLostReason(row)}`);
      }
      checkCheckpoint(jobId, row, checkpoint);
      const changed = sql.checkpoint.run(checkpoint.succeeded, checkpoint.failed, jobId, index, token);
      if (changed.changes !== 1) throw new Error(`chunk ${index} of job ${jobId} changed under an IMMEDIATE transaction`);
      insertParts(sql, jobId, row, checkpoint);
      const progress = sql.addProgress.get(checkpoint.succeeded, checkpoint.failed, jobId);
      if (!progress) throw notFound(jobId);
      return { progress: toProgress(progress) };
    },
  );

  const releaseTx = db.transaction((jobId: string, index: number, token: string): boolean => {
    assertJob(jobId);
    return sql.release.run(jobId, index, token).changes === 1;
  });

  /** Deletes the job's highest DELETE_BATCH_CHUNKS chunks (and, with the last ones, the final mark). */
  const deleteBatchTx = db.transaction((jobId: string): { deleted: number; finished: boolean } => {
    const floor = sql.deletionFloor.get(jobId, DELETE_BATCH_CHUNKS - 1);
    sql.deleteReportsFrom.run(jobId, floor ?? 0);
    sql.deleteRecordsFrom.run(jobId, floor ?? 0);
    const deleted = sql.deleteChunksFrom.run(jobId, floor ?? 0).changes;
    if (floor === undefined) {
      sql.deleteFinal.run(jobId);
      sql.deleteListing.run(jobId);
    }
    return { deleted, finished: floor === undefined };
  });

  async function* chunkRecords(jobId: string): AsyncGenerator<StoredChunkRecords> {
    await run(() => assertJob(jobId));
    let from = 0;
    for (;;) {
      // Short queries, as for report parts: the consumer awaits uploads between chunks.
      const page = await run(() => sql.recordsPage.all(jobId, from, RECORDS_PAGE_CHUNKS));
      for (const row of page) {
        yield { index: row.chunk_index, taskCount: row.task_count, locator: JSON.parse(row.locator_json) as unknown, records: row.body ?? undefined };
      }
      if (page.length < RECORDS_PAGE_CHUNKS) return;
      from = page[page.length - 1]!.chunk_index + 1;
    }
  }

  async function* reportParts(jobId: string, status: ReportPartStatus): AsyncGenerator<Buffer> {
    if (!(REPORT_PART_STATUSES as readonly string[]).includes(status)) {
      throw new RangeError(`readReportParts: status must be succeeded or failed, got ${String(status)}`);
    }
    let after = { index: -1, firstTask: 0 };
    let first = true;
    for (;;) {
      // One short query per page: better-sqlite3 allows no other statement on the connection while
      // an iterator is open, and the consumer awaits uploads between parts.
      const page = await run(() => {
        if (first) assertJob(jobId);
        return sql.reportPage.all(jobId, status, after.index, after.firstTask, REPORT_PAGE_PARTS);
      });
      first = false;
      for (const row of page) {
        after = { index: row.chunk_index, firstTask: row.first_task };
        yield row.body;
      }
      if (page.length < REPORT_PAGE_PARTS) return;
    }
  }

  return {
    addChunks: (jobId, chunks, options) =>
      run(() => addChunksTx.immediate(jobId, chunks.map(prepareNewChunk), options.final, prepareListing(options))),

    listingCheckpoint: (jobId) =>
      run((): ListingCheckpoint | undefined => {
        assertJob(jobId);
        const row = sql.listing.get(jobId);
        if (!row) return undefined;
        return { cursor: JSON.parse(row.cursor_json) as unknown, scanned: row.scanned, done: row.done === 1, updatedMs: row.updated_ms };
      }),

    readChunkRecords: (jobId) => chunkRecords(jobId),

    claimChunks: (jobId, owner, max, leaseMs, nowMs) =>
      run(() => {
        if (typeof owner !== 'string' || owner === '') throw new RangeError('claimChunks: owner must be a non-empty string');
        assertPositive('claimChunks', 'max', max);
        assertPositive('claimChunks', 'leaseMs', leaseMs);
        assertTime('claimChunks', nowMs);
        return claimTx.immediate(jobId, owner, max, leaseMs, nowMs);
      }),

    renewLeases: (jobId, leases, leaseMs, nowMs) =>
      run(() => {
        for (const lease of leases) assertIndex('renewLeases', lease.index);
        assertPositive('renewLeases', 'leaseMs', leaseMs);
        assertTime('renewLeases', nowMs);
        return renewTx.immediate(jobId, leases, leaseMs, nowMs);
      }),

    releaseChunk: (jobId, index, token) =>
      run(() => {
        assertIndex('releaseChunk', index);
        return releaseTx.immediate(jobId, index, token);
      }),

    releaseLeasesOf: (owner) =>
      run(() => {
        if (owner === '') throw new RangeError('releaseLeasesOf: owner must not be empty');
        return sql.releaseOwner.run(owner).changes;
      }),

    completeChunk: (jobId, index, token, outcome, nowMs) =>
      run(() => {
        assertIndex('completeChunk', index);
        assertTime('completeChunk', nowMs);
        return completeTx.immediate(jobId, index, token, outcome, nowMs);
      }),

    checkpointChunk: (jobId, index, token, checkpoint) =>
      run(() => {
        assertIndex('checkpointChunk', index);
        return checkpointTx.immediate(jobId, index, token, checkpoint);
      }),

    chunkCounts: (jobId) =>
      run((): ChunkCounts => {
        assertJob(jobId);
        const by = new Map(sql.countsByState.all(jobId).map((r) => [r.state, r.n]));
        const pending = by.get('pending') ?? 0;
        const leased = by.get('leased') ?? 0;
        const done = by.get('done') ?? 0;
        const final = sql.isFinal.get(jobId) !== undefined;
        return { pending, leased, done, total: pending + leased + done, final };
      }),

    readReportParts: (jobId, status) => reportParts(jobId, status),

    reportLength: (jobId) =>
      run((): ReportLength => {
        assertJob(jobId);
        const by = new Map(sql.reportBytes.all(jobId).map((r) => [r.status, r.bytes]));
        return { succeeded: by.get('succeeded') ?? 0, failed: by.get('failed') ?? 0 };
      }),

    deleteChunks: async (jobId) => {
      await run(() => assertJob(jobId));
      let deleted = 0;
      for (;;) {
        const batch = await run(() => deleteBatchTx.immediate(jobId));
        deleted += batch.deleted;
        if (batch.finished) return deleted;
        // let the API (and the engine's commits) in between batches
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}
