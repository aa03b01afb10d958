/**
 * The chunk rules both SQL stores apply the same way, as pure code over rows: argument checks
 * (RangeErrors), the counts a completion or checkpoint may commit, the LeaseLost wording, and the
 * mapping of a `job_chunks` row to a ClaimedChunk. The SQL around them is each store's own.
 */
import type { JobProgress } from '../../domain/job.js';
import {
  JobStoreError,
  type AddChunksOptions,
  type ChunkCheckpoint,
  type ChunkOutcome,
  type ClaimedChunk,
  type JobStore,
  type NewChunk,
} from '../job-store.js';
import { CorruptRowError } from './job-row.js';

/** The JobStore methods each store's chunk operations implement (store/sqlite, store/postgres). */
export type ChunkOperations = Pick<
  JobStore,
  | 'addChunks'
  | 'claimChunks'
  | 'renewLeases'
  | 'releaseChunk'
  | 'releaseLeasesOf'
  | 'completeChunk'
  | 'checkpointChunk'
  | 'chunkCounts'
  | 'readReportParts'
  | 'reportLength'
  | 'deleteChunks'
  | 'listingCheckpoint'
  | 'readChunkRecords'
>;

/** The `job_chunks` row, every column. */
export interface ChunkRow {
  readonly job_id: string;
  readonly chunk_index: number;
  readonly task_count: number;
  readonly locator_json: string;
  readonly state: string;
  readonly lease_owner: string | null;
  readonly lease_token: string | null;
  readonly lease_expires_ms: number | null;
  readonly attempts: number;
  readonly succeeded_tasks: number;
  readonly failed_tasks: number;
  readonly done_ms: number | null;
}

export const CHUNK_COLUMN_LIST =
  'job_id, chunk_index, task_count, locator_json, state, lease_owner, lease_token, lease_expires_ms, ' +
  'attempts, succeeded_tasks, failed_tasks, done_ms';

/** The job's counters as completeChunk returns them. */
export interface ProgressRow {
  readonly total_tasks: number;
  readonly succeeded_tasks: number;
  readonly failed_tasks: number;
  readonly active_ms: number;
  readonly active_since_ms: number | null;
}

export const PROGRESS_COLUMN_LIST = 'total_tasks, succeeded_tasks, failed_tasks, active_ms, active_since_ms';

export function notFound(jobId: string): JobStoreError {
  return new JobStoreError('NotFound', `No job ${jobId}`);
}

export function chunkConflict(message: string): JobStoreError {
  return new JobStoreError('ChunkConflict', message);
}

export function assertIndex(what: string, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`${what}: a chunk index must be an integer ≥ 0, got ${index}`);
  }
}

export function assertPositive(what: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what}: ${name} must be an integer ≥ 1, got ${value}`);
  }
}

export function assertTime(what: string, nowMs: number): void {
  if (!Number.isSafeInteger(nowMs)) throw new RangeError(`${what}: nowMs must be an integer, got ${nowMs}`);
}

export function toProgress(row: ProgressRow): JobProgress {
  return {
    totalTasks: row.total_tasks,
    succeededTasks: row.succeeded_tasks,
    failedTasks: row.failed_tasks,
    activeMs: row.active_ms,
    activeSinceMs: row.active_since_ms,
  };
}

export function toClaimed(row: ChunkRow, records: Buffer | undefined): ClaimedChunk {
  if (row.lease_token === null || row.lease_owner === null || row.lease_expires_ms === null) {
    throw new Error(`chunk ${row.chunk_index} of job ${row.job_id} was leased without a lease`);
  }
  let locator: unknown;
  try {
    locator = JSON.parse(row.locator_json);
  } catch (err) {
    throw new CorruptRowError(`job_chunks.locator_json of chunk ${row.chunk_index} of job ${row.job_id} is not valid JSON`, { cause: err });
  }
  return {
    jobId: row.job_id,
    index: row.chunk_index,
    token: row.lease_token,
    locator,
    taskCount: row.task_count,
    records,
    doneTasks: doneTasksOf(row),
    owner: row.lease_owner,
    attempt: row.attempts,
    leaseExpiresMs: row.lease_expires_ms,
  };
}

/** Tasks at the start of the chunk that checkpoints already committed (all of them once done). */
export function doneTasksOf(row: ChunkRow): number {
  return row.succeeded_tasks + row.failed_tasks;
}

/** Why `token` does not hold chunk `row` (for the LeaseLost message). */
export function leaseLostReason(row: ChunkRow): string {
  switch (row.state) {
    case 'pending':
      return 'it was released and is pending';
    case 'leased':
      return `it is leased under another token (owner ${row.lease_owner ?? '?'}, attempt ${row.attempts})`;
    default:
      return `it was completed under another lease (owner ${row.lease_owner ?? '?'})`;
  }
}

export interface PreparedChunk {
  readonly index: number;
  readonly taskCount: number;
  readonly locatorJson: string;
  readonly records: Buffer | undefined;
}

export function prepareNewChunk(chunk: NewChunk): PreparedChunk {
  assertIndex('addChunks', chunk.index);
  assertPositive('addChunks', `the taskCount of chunk ${chunk.index}`, chunk.taskCount);
  const locatorJson = JSON.stringify(chunk.locator) as string | undefined;
  if (locatorJson === undefined) {
    throw new RangeError(`addChunks: the locator of chunk ${chunk.index} is not a JSON value`);
  }
  if (chunk.records !== undefined && !Buffer.isBuffer(chunk.records)) {
    throw new RangeError(`addChunks: the records of chunk ${chunk.index} must be a Buffer`);
  }
  return { index: chunk.index, taskCount: chunk.taskCount, locatorJson, records: chunk.records };
}

export function checkCounts(what: string, outcome: ChunkCheckpoint): number {
  const { succeeded, failed } = outcome;
  if (!Number.isSafeInteger(succeeded) || !Number.isSafeInteger(failed) || succeeded < 0 || failed < 0) {
    throw new RangeError(`${what}: succeeded and failed must be integers ≥ 0, got ${succeeded} and ${failed}`);
  }
  if (!Buffer.isBuffer(outcome.reportSucceeded) || !Buffer.isBuffer(outcome.reportFailed)) {
    throw new RangeError(`${what}: the report parts must be Buffers`);
  }
  return succeeded + failed;
}

export function checkOutcome(jobId: string, row: ChunkRow, outcome: ChunkOutcome): void {
  const counted = checkCounts('completeChunk', outcome);
  const remaining = row.task_count - doneTasksOf(row);
  if (counted > remaining || (counted < remaining && outcome.partial !== true)) {
    throw new RangeError(
      `completeChunk: chunk ${row.chunk_index} of job ${jobId} has ${remaining} tasks left ` +
        `(${row.task_count} in all), not ${outcome.succeeded} succeeded + ${outcome.failed} failed` +
        (counted < remaining ? ' (a chunk cut short by a cancel must say partial: true)' : ''),
    );
  }
}

export function checkCheckpoint(jobId: string, row: ChunkRow, checkpoint: ChunkCheckpoint): void {
  const counted = checkCounts('checkpointChunk', checkpoint);
  const remaining = row.task_count - doneTasksOf(row);
  if (counted < 1 || counted >= remaining) {
    throw new RangeError(
      `checkpointChunk: chunk ${row.chunk_index} of job ${jobId} has ${remaining} tasks left; a checkpoint ` +
        `commits 1 to ${remaining - 1} of them, not ${counted} (all of them is completeChunk)`,
    );
  }
}

/** AddChunksOptions' listing and generated manifest, checked and turned into what the SQL takes. */
export interface PreparedListing {
  readonly position?: { readonly cursorJson: string; readonly scanned: number; readonly done: boolean };
  readonly generatedManifestJson?: string;
}

export function prepareListing(options: AddChunksOptions): PreparedListing | undefined {
  const { listing, generatedManifest } = options;
  if (listing === undefined && generatedManifest === undefined) return undefined;
  if (generatedManifest !== undefined && !options.final) throw new RangeError('addChunks: a generatedManifest comes with the final batch only');
  if (listing === undefined) return { generatedManifestJson: JSON.stringify(generatedManifest) };
  const cursorJson = JSON.stringify(listing.cursor) as string | undefined;
  if (cursorJson === undefined) throw new RangeError('addChunks: the listing cursor is not a JSON value');
  if (!Number.isSafeInteger(listing.scanned) || listing.scanned < 0) {
    throw new RangeError(`addChunks: listing.scanned must be an integer ≥ 0, got ${listing.scanned}`);
  }
  if (listing.done && !options.final) throw new RangeError('addChunks: a listing that is done comes with the final batch');
  return {
    position: { cursorJson, scanned: listing.scanned, done: listing.done === true },
    ...(generatedManifest !== undefined ? { generatedManifestJson: JSON.stringify(generatedManifest) } : {}),
  };
}
