/**
 * The JobStore contract: semantic, asynchronous operations over jobs. SQLite (one process) and
 * PostgreSQL (many nodes) implement it; both run the one contract suite in test/contract/. No connection,
 * transaction or SQL crosses this interface. Expected refusals are `JobStoreError`s with a code;
 * the API maps each code to its protocol error in one place.
 */
import type { Job, JobFailure, JobProgress, GeneratedManifestDescriptor } from '../domain/job.js';
import type { JobStatus, RequestedJobStatus } from '../domain/job-status.js';
import type { JobSpec, S3Tag } from '../domain/job-spec.js';

export const JOB_STORE_ERROR_CODES = [
  /** no such job in this account */
  'NotFound',
  /** the ClientRequestToken was used for a different request */
  'IdempotencyMismatch',
  /** the job's status does not allow the change (UpdateJobStatus table, guarded transitions) */
  'StatusConflict',
  /** the job is terminal; its priority cannot change */
  'TerminalJob',
  /**
   * the caller no longer holds the chunk's lease: it expired and another claim took it, it was
   * released, or the chunk was completed under another token (or deleted). Nothing was changed.
   */
  'LeaseLost',
  /**
   * addChunks: a chunk index is already stored with a different locator or task count, an index
   * is new after the final batch, or the final batch leaves a gap in 0..n-1. Nothing was changed.
   */
  'ChunkConflict',
  /**
   * the database cannot be reached right now (a PostgreSQL server restarting, a connection cut):
   * nothing was changed, or the change's outcome is unknown and retrying is safe because every
   * operation is idempotent or guarded. The API answers 503 ServiceUnavailable, which SDKs retry.
   */
  'Unavailable',
] as const;
export type JobStoreErrorCode = (typeof JOB_STORE_ERROR_CODES)[number];

export class JobStoreError extends Error {
  readonly code: JobStoreErrorCode;
  /** for StatusConflict: the status the job was in */
  readonly status: JobStatus | undefined;
  constructor(code: JobStoreErrorCode, message: string, status?: JobStatus) {
    super(message);
    this.name = 'JobStoreError';
    this.code = code;
    this.status = status;
  }
}

export interface NewJob {
  readonly id: string;
  readonly accountId: string;
  readonly arn: string;
  readonly spec: JobSpec;
  readonly tags: readonly S3Tag[];
  readonly clientRequestToken: string;
  readonly requestHash: string;
  readonly nowMs: number;
}

export interface CreateJobResult {
  readonly job: Job;
  /** false when the token had been used for an identical request: `job` is the first one */
  readonly created: boolean;
}

/** Newest first: a page starts strictly after this position. */
export interface JobCursor {
  readonly createdMs: number;
  readonly id: string;
}

export interface ListJobsQuery {
  readonly accountId: string;
  /** empty or absent: every status */
  readonly statuses?: readonly JobStatus[];
  readonly limit: number;
  readonly after?: JobCursor;
}

export interface StatusRequestResult {
  readonly job: Job;
  /** the status before the request */
  readonly from: JobStatus;
}

/** Fields a guarded transition may set together with the new status. */
export interface TransitionPatch {
  readonly failureReasons?: readonly JobFailure[];
  readonly suspendedCause?: string | null;
  readonly statusUpdateReason?: string | null;
  readonly progress?: Partial<JobProgress>;
  readonly generatedManifest?: GeneratedManifestDescriptor | null;
}

/**
 * A chunk as preparation adds it: a range of one job's manifest records, the unit that is leased,
 * run, counted and reported.
 */
export interface NewChunk {
  /** 0-based ordinal; a job's chunks are 0..n-1 with no gap once the final batch is added. */
  readonly index: number;
  /**
   * Where the chunk's records are (the manifest reader's ChunkLocator). Opaque to the store: any
   * JSON value, kept as its JSON.stringify text and handed back JSON.parse'd by claimChunks.
   */
  readonly locator: unknown;
  /** Records (tasks) in the chunk, an integer ≥ 1. */
  readonly taskCount: number;
  /**
   * The chunk's records themselves (opaque bytes: the engine's encoding of the manifest lines),
   * kept with the chunk and handed back by every claim, so that a job never reads the user's
   * manifest again after preparation — the user may overwrite or delete it (AWS reads it only
   * while Preparing), and every node reads the same bytes. Deleted with the chunk.
   */
  readonly records?: Buffer;
}

export interface AddChunksOptions {
  /**
   * This is the last batch of the job. The call then checks that the job's chunks are exactly
   * 0..n-1 and records that the set is complete: later calls may only re-add identical chunks.
   */
  readonly final: boolean;
  /**
   * A generated manifest's listing position after this batch (S3JobManifestGenerator), committed
   * in the same transaction as the chunks: a listing that crashes resumes from exactly the last
   * committed batch, so no object is lost or becomes two tasks. See ListingPosition.
   */
  readonly listing?: ListingPosition;
  /** With `final`: the generated manifest written (EnableManifestOutput), set on the job in the same transaction. */
  readonly generatedManifest?: GeneratedManifestDescriptor;
}

/** Where a manifest generator's listing of the source bucket stands (AddChunksOptions.listing). */
export interface ListingPosition {
  /**
   * Opaque to the store, like a chunk locator: any JSON value (the lister's cursor: the last key
   * or key+version it looked at), kept as JSON text and handed back JSON.parse'd.
   */
  readonly cursor: unknown;
  /** Objects (or versions) the listing looked at so far, matched or not: an integer ≥ 0. */
  readonly scanned: number;
  /** The listing reached the end of the bucket; only with `final`. */
  readonly done: boolean;
}

export interface ListingCheckpoint extends ListingPosition {
  /** When the position was committed (the store's clock, as for the final mark). */
  readonly updatedMs: number;
}

export interface AddChunksResult {
  /** Chunks this call stored (a batch that was already stored, e.g. re-added after a crash, stores 0). */
  readonly added: number;
  /** The job's chunks after the call. */
  readonly chunks: number;
  /** The job's `progress.totalTasks` after the call: the sum of the taskCount of its chunks. */
  readonly totalTasks: number;
}

/** A chunk as readChunkRecords hands it back. */
export interface StoredChunkRecords {
  readonly index: number;
  readonly taskCount: number;
  /** JSON.parse'd, as claimChunks hands it out. */
  readonly locator: unknown;
  readonly records: Buffer | undefined;
}

/** A lease as its holder names it. */
export interface ChunkLease {
  readonly index: number;
  /** The random token of this claim; every later call about the chunk must present it. */
  readonly token: string;
}

export interface ClaimedChunk extends ChunkLease {
  readonly jobId: string;
  /** The locator given to addChunks (a fresh JSON.parse'd copy). */
  readonly locator: unknown;
  readonly taskCount: number;
  /** The records given to addChunks, byte for byte; undefined when it was given none. */
  readonly records: Buffer | undefined;
  readonly owner: string;
  /**
   * Tasks at the start of the chunk already committed by checkpointChunk (0 for a fresh chunk):
   * the claimant runs tasks `doneTasks..taskCount-1` and completes the chunk with their counts.
   */
  readonly doneTasks: number;
  /** 1 on the chunk's first claim, +1 on every claim after it (after a lease expired or a release). */
  readonly attempt: number;
  /** The lease is held until this instant (exclusive); renew before it. */
  readonly leaseExpiresMs: number;
}

export interface RenewLeasesResult {
  /** The leases extended, with their new expiry, in the order asked. */
  readonly renewed: readonly { readonly index: number; readonly leaseExpiresMs: number }[];
  /** Indexes whose lease the caller no longer holds: stop working on them, never complete them. */
  readonly lost: readonly number[];
}

/** What running a chunk produced; committed with the chunk, all or nothing. */
export interface ChunkOutcome {
  /**
   * Tasks that succeeded / failed: integers ≥ 0 whose sum is the chunk's tasks not yet committed
   * (taskCount − doneTasks; unless `partial`).
   */
  readonly succeeded: number;
  readonly failed: number;
  /**
   * Only when the job is being cancelled: the tasks not started are never run, so succeeded +
   * failed may be less than taskCount (the report covers what ran). Without it a short count is a
   * RangeError: every manifest record must be counted.
   */
  readonly partial?: boolean;
  /** The chunk's rows of the succeeded-tasks and failed-tasks report files (CSV bytes, possibly empty). */
  readonly reportSucceeded: Buffer;
  readonly reportFailed: Buffer;
}

/**
 * The next tasks of a chunk that ran (its tasks doneTasks..doneTasks+n−1, n = succeeded + failed ≥ 1,
 * fewer than the chunk still has): committed while the rest goes back to pending.
 */
export interface ChunkCheckpoint {
  readonly succeeded: number;
  readonly failed: number;
  /** Those tasks' rows of the succeeded-tasks and failed-tasks report files. */
  readonly reportSucceeded: Buffer;
  readonly reportFailed: Buffer;
}

export interface CompleteChunkResult {
  /**
   * 'completed': this call committed the chunk. 'alreadyDone': an earlier call with the same token
   * committed it (a retried completion whose reply was lost); nothing changed.
   */
  readonly outcome: 'completed' | 'alreadyDone';
  /** The job's progress after the call (what getJob shows from now on). */
  readonly progress: JobProgress;
}

export interface ChunkCounts {
  /** never claimed, or released */
  readonly pending: number;
  /** claimed and not completed, including leases that expired but nobody has claimed again yet */
  readonly leased: number;
  readonly done: number;
  readonly total: number;
  /** the final batch was added (addChunks with `final: true`) */
  readonly final: boolean;
}

export const REPORT_PART_STATUSES = ['succeeded', 'failed'] as const;
export type ReportPartStatus = (typeof REPORT_PART_STATUSES)[number];

/** Total bytes of a job's report parts, per status. */
export interface ReportLength {
  readonly succeeded: number;
  readonly failed: number;
}

// ---- The dashboard (issue 16): job search and sign-in sessions. ---------------------------------

/** Jobs of one account whose id or description holds `text`, newest first, paged like listJobs. */
export interface SearchJobsQuery extends ListJobsQuery {
  /** Matched case-insensitively (ASCII letters) anywhere in the job id or in its Description. */
  readonly text: string;
}

/** A dashboard sign-in, as the store keeps it. */
export interface DashboardSession {
  /** The session's key: a hash of the cookie's random value (the store never sees the cookie). */
  readonly id: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  /** Sent back by the browser in a header with every state-changing request. */
  readonly csrfToken: string;
  readonly createdMs: number;
  readonly lastSeenMs: number;
  /** The session ends at this instant (exclusive) unless used before: min(last use + idle time, absoluteExpiresMs). */
  readonly idleExpiresMs: number;
  /** The session ends at this instant (exclusive) however often it is used. */
  readonly absoluteExpiresMs: number;
}

export interface JobStore {
  /**
   * Creates the job unless the account already used `clientRequestToken`: then returns the first
   * job if `requestHash` matches, else fails with IdempotencyMismatch. Atomic under concurrency.
   */
  createJob(input: NewJob): Promise<CreateJobResult>;

  /** The job, or undefined if it does not exist in this account. */
  getJob(accountId: string, jobId: string): Promise<Job | undefined>;

  /** Jobs of one account, newest first (createdMs desc, id desc), at most `limit`. */
  listJobs(query: ListJobsQuery): Promise<Job[]>;

  /**
   * The engine's scan for work, across every account: jobs in one of `statuses`, at most `limit`
   * in all and at most `perAccount` (default: `limit`) of one account. The accounts take turns —
   * every account's first job comes before any account's second — and each account's jobs come
   * highest priority first, then oldest (createdMs asc, id asc); within a turn, higher priority
   * first, then older. So however many jobs one account queues, another account's job is among
   * the first the engine sees (priorities compare the jobs of one account only, reference §5.4),
   * and reading stays bounded by `limit` rows whatever the number waiting.
   */
  findJobs(statuses: readonly JobStatus[], limit: number, perAccount?: number): Promise<Job[]>;

  /**
   * Deletes up to `limit` jobs, of any account, that ended (Complete, Failed, Cancelled) before
   * `cutoffMs`, with everything kept for them. Returns how many. AWS keeps ended jobs 90 days.
   */
  deleteJobsEndedBefore(cutoffMs: number, limit: number): Promise<number>;

  /**
   * UpdateJobStatus, atomically: applies `decideStatusRequest` to the current status.
   * NotFound, or StatusConflict when the table refuses.
   */
  requestStatus(
    accountId: string,
    jobId: string,
    requested: RequestedJobStatus,
    reason: string | undefined,
    nowMs: number,
  ): Promise<StatusRequestResult>;

  /** NotFound, or TerminalJob. Returns the job after the change and the priority before it. */
  updatePriority(
    accountId: string,
    jobId: string,
    priority: number,
    nowMs: number,
  ): Promise<{ job: Job; from: number }>;

  /**
   * Moves a job to `to` if its status is one of `from` (the engine's way of driving the
   * lifecycle). Sets TerminationDate on terminal statuses, SuspendedDate on Suspended, and keeps
   * the Active timer. StatusConflict if the job is elsewhere; NotFound if it does not exist.
   * A move the lifecycle table forbids (domain/job-lifecycle.ts) is a bug, not a race: it rejects
   * with IllegalTransitionError and changes nothing.
   */
  transition(
    jobId: string,
    from: readonly JobStatus[],
    to: JobStatus,
    nowMs: number,
    patch?: TransitionPatch,
  ): Promise<Job>;

  getTags(accountId: string, jobId: string): Promise<S3Tag[]>;
  /** Replaces every tag (an empty list removes them all). */
  putTags(accountId: string, jobId: string, tags: readonly S3Tag[], nowMs: number): Promise<Job>;
  deleteTags(accountId: string, jobId: string, nowMs: number): Promise<Job>;

  // ---- Chunks and leases: the engine's unit of work (issue 4). ------------------------------------
  //
  // A chunk is pending, leased or done. A lease is (owner, random token, expiry); time is the
  // caller's `nowMs`. A lease taken at t for L ms is held during [t, t + L): from t + L on the chunk
  // is claimable again. Expiry alone takes nothing away: until another claim takes the chunk, the
  // holder's token still renews, releases and completes it. Every call about one chunk checks the
  // token, so a holder whose chunk was reclaimed can no longer change it. The methods taking a job
  // id fail with NotFound when the job does not exist (in any account: these are engine
  // operations); malformed arguments (a negative index, max < 1, counts above taskCount …) are
  // programming errors and reject with a RangeError.

  /**
   * Adds a batch of the job's chunks and sets `progress.totalTasks` to the sum of the taskCount
   * of all its stored chunks, in one transaction. Idempotent per chunk index: a chunk already
   * stored with the same locator (same JSON text) and taskCount is left as it is, whatever its
   * state — so preparation that crashed may simply start over and re-add every batch. A stored
   * index with a different locator or taskCount, a new index after the final batch, or a final
   * batch that leaves the chunks other than 0..n-1 fails with ChunkConflict and stores nothing.
   * Meant for batches of ~1000 chunks.
   */
  addChunks(jobId: string, chunks: readonly NewChunk[], options: AddChunksOptions): Promise<AddChunksResult>;

  /**
   * Atomically leases up to `max` chunks of the job to `owner`, lowest index first, among the
   * pending ones and those whose lease expired (`leaseExpiresMs <= nowMs`). Each gets a fresh
   * random token, expiry `nowMs + leaseMs` and attempt + 1. Concurrent claims (from this or any
   * other node) never return the same chunk twice. Returns [] when nothing is claimable.
   */
  claimChunks(jobId: string, owner: string, max: number, leaseMs: number, nowMs: number): Promise<ClaimedChunk[]>;

  /**
   * Extends to `nowMs + leaseMs` every listed lease the caller still holds (leased under that
   * token, even if its expiry passed unnoticed); reports the others as lost. One transaction.
   */
  renewLeases(
    jobId: string,
    leases: readonly ChunkLease[],
    leaseMs: number,
    nowMs: number,
  ): Promise<RenewLeasesResult>;

  /**
   * Gives a leased chunk back without completing it (pause, cancel, shutdown): it becomes pending
   * and claimable at once; its attempt count stays. Returns false, changing nothing, when the
   * caller does not hold the lease.
   */
  releaseChunk(jobId: string, index: number, token: string): Promise<boolean>;

  /**
   * Gives back every chunk, of any job, leased to `owner`: a node that restarted under the same
   * name holds none of its previous life's work, which would otherwise wait for the leases to
   * expire. Returns how many chunks became pending.
   */
  releaseLeasesOf(owner: string): Promise<number>;

  /**
   * Commits a chunk, in ONE transaction: checks that `token` holds its lease, marks it done,
   * stores its two report parts and adds `succeeded`/`failed` to the job's progress (getJob shows
   * it at once). LeaseLost when the token is not the holder's — nothing is counted. Completing
   * again with the token that completed it is a no-op answering 'alreadyDone'. So each chunk is
   * counted exactly once, whatever is retried or raced.
   */
  completeChunk(
    jobId: string,
    index: number,
    token: string,
    outcome: ChunkOutcome,
    nowMs: number,
  ): Promise<CompleteChunkResult>;

  /**
   * Commits the leading tasks that ran of a leased chunk and gives the rest back, in ONE
   * transaction: checks the token, adds the counts to the chunk's and the job's, appends the report
   * parts after the chunk's earlier ones, advances the chunk's `doneTasks`, and makes the chunk
   * pending (attempts kept), so that the next claim runs only what is left. A job being paused (a
   * higher priority arrived) or a node shutting down stops at once instead of finishing its chunks,
   * and nothing that ran is run again. LeaseLost when the token does not hold the lease — nothing
   * is counted (a repeat of a checkpoint that landed is such a call: the lease is gone with it).
   * RangeError when the counts are not between 1 and the chunk's remaining tasks − 1 (all of them
   * is completeChunk).
   */
  checkpointChunk(jobId: string, index: number, token: string, checkpoint: ChunkCheckpoint): Promise<{ readonly progress: JobProgress }>;

  /** The job's chunks by state (zeros when it has none). */
  chunkCounts(jobId: string): Promise<ChunkCounts>;

  // ---- Generated manifests (issue 13) --------------------------------------------------------------

  /**
   * The listing position last committed by addChunks (`options.listing`), or undefined when none
   * was (a job that is not generated, or whose listing committed nothing yet). A position is
   * replaced only by one with at least as many `scanned`: a stale lister cannot move it back.
   * deleteChunks deletes it with the chunks.
   */
  listingCheckpoint(jobId: string): Promise<ListingCheckpoint | undefined>;

  /**
   * The job's chunks with their records, in index order, as addChunks stored them (records
   * undefined for a chunk stored without). Streams: a few chunks per read, never all of them.
   * Writing a generated manifest out reads the listing back through it.
   */
  readChunkRecords(jobId: string): AsyncIterable<StoredChunkRecords>;

  /**
   * The job's non-empty report parts of one status, in chunk-index order (a chunk's checkpoints
   * first, in task order, then its completion), byte for byte as committed. Streams: reads a few parts at a time, never the whole report. A part of a chunk
   * completed while iterating may or may not be included; read once every chunk is done.
   */
  readReportParts(jobId: string, status: ReportPartStatus): AsyncIterable<Buffer>;

  /** The byte length of everything readReportParts would yield, per status. */
  reportLength(jobId: string): Promise<ReportLength>;

  /**
   * Deletes the job's chunks, their report parts and the final mark; the job and its progress
   * stay. Call it once the completion report is written (or to restart preparation from scratch).
   * Works in several short transactions so that a large job does not hold the store: a crash
   * midway leaves some chunks behind, and calling it again finishes. Returns the chunks deleted.
   */
  deleteChunks(jobId: string): Promise<number>;

  /**
   * The database server's clock (epoch ms), for the nodes' clock-skew check: leases use the
   * callers' clocks, so nodes sharing a database must agree with it. Undefined for a store on this
   * machine, read by this process alone (SQLite): there is nothing to disagree with.
   */
  databaseTimeMs(): Promise<number | undefined>;

  // ---- The dashboard (issue 16). --------------------------------------------------------------

  /**
   * listJobs narrowed to the jobs whose id or Description holds `query.text` (ASCII case-insensitive;
   * `%`, `_` and every other character match themselves). An empty text matches every job.
   */
  searchJobs(query: SearchJobsQuery): Promise<Job[]>;

  /** Stores a new session (its id is unique: a second one with the same id is a programming error). */
  createSession(session: DashboardSession): Promise<void>;

  /**
   * The session, if it is alive at `nowMs` (before both its idle and absolute expiry): then its
   * last use becomes `nowMs` and its idle expiry min(nowMs + idleMs, absoluteExpiresMs), in one
   * step. A session that has expired is deleted and undefined returned, as for an unknown id.
   */
  useSession(id: string, nowMs: number, idleMs: number): Promise<DashboardSession | undefined>;

  /** Deletes the session (sign-out). False when there was none. */
  deleteSession(id: string): Promise<boolean>;

  /** Deletes up to `limit` sessions expired at `nowMs`; returns how many. */
  deleteExpiredSessions(nowMs: number, limit: number): Promise<number>;

  /** A random secret kept in the store (e.g. to sign NextTokens), created on first use. */
  getSecret(name: string): Promise<Buffer>;

  close(): Promise<void>;
}
