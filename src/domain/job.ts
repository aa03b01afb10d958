/**
 * A job as s3batch keeps it: the requested spec plus everything the service tracks. Times are
 * integer epoch milliseconds (`…Ms`), the same on SQLite and PostgreSQL.
 */
import type { JobStatus } from './job-status.js';
import type { JobSpec, S3Tag } from './job-spec.js';
import { clipText, visibleText } from './text.js';

export interface JobFailure {
  readonly FailureCode: string;
  readonly FailureReason: string;
}

/** The model's limits (reference §3.2 JobFailure): FailureCode ≤ 64, FailureReason ≤ 256 characters. */
const MAX_FAILURE_CODE = 64;
const MAX_FAILURE_REASON = 256;

/**
 * The one way to make a FailureReasons entry: a reason may quote user input (a manifest line, a
 * store's message), so control characters are spelled out and both parts clipped to the model's
 * limits — what is stored can always be rendered (domain/text.ts).
 */
export function jobFailure(code: string, reason: string): JobFailure {
  return {
    FailureCode: clipText(visibleText(code), MAX_FAILURE_CODE),
    FailureReason: clipText(visibleText(reason), MAX_FAILURE_REASON),
  };
}

export interface JobProgress {
  readonly totalTasks: number;
  readonly succeededTasks: number;
  readonly failedTasks: number;
  /** Milliseconds spent in Active before the current Active period (if any). */
  readonly activeMs: number;
  /** When the current Active period began; null when the job is not Active. */
  readonly activeSinceMs: number | null;
}

export interface GeneratedManifestDescriptor {
  readonly Format: 'S3InventoryReport_CSV_20211130';
  readonly Location: { readonly ObjectArn: string; readonly ETag: string; readonly ObjectVersionId?: string };
}

export interface Job {
  readonly id: string;
  readonly accountId: string;
  readonly arn: string;
  readonly status: JobStatus;
  /** The current priority (UpdateJobPriority changes it; `spec.Priority` keeps the requested one). */
  readonly priority: number;
  readonly spec: JobSpec;
  readonly tags: readonly S3Tag[];
  readonly clientRequestToken: string;
  /** Hash of the canonical request (spec + tags): the idempotency comparison. */
  readonly requestHash: string;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly terminationMs: number | null;
  readonly suspendedMs: number | null;
  readonly suspendedCause: string | null;
  readonly statusUpdateReason: string | null;
  readonly failureReasons: readonly JobFailure[];
  /** UpdateJobStatus(Ready) arrived while New/Preparing: go to Ready, not Suspended, after preparation. */
  readonly confirmedEarly: boolean;
  readonly progress: JobProgress;
  readonly generatedManifest: GeneratedManifestDescriptor | null;
}

export const EMPTY_PROGRESS: JobProgress = Object.freeze({
  totalTasks: 0,
  succeededTasks: 0,
  failedTasks: 0,
  activeMs: 0,
  activeSinceMs: null,
});

/** Tasks that finished in chunks not yet committed (counted in the store only when the chunk commits). */
export interface LiveProgress {
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * The job with `live` added to its stored counts, never past `totalTasks`: what DescribeJob,
 * ListJobs and `job:progress` show while chunks run.
 */
export function withLiveProgress(job: Job, live: LiveProgress | undefined): Job {
  if (!live || (live.succeeded === 0 && live.failed === 0)) return job;
  const p = job.progress;
  const room = Math.max(0, p.totalTasks - p.succeededTasks - p.failedTasks);
  const succeeded = Math.min(live.succeeded, room);
  const failed = Math.min(live.failed, room - succeeded);
  return { ...job, progress: { ...p, succeededTasks: p.succeededTasks + succeeded, failedTasks: p.failedTasks + failed } };
}

/** `Timers.ElapsedTimeInActiveSeconds` at `nowMs`: whole seconds spent in Active. */
export function elapsedActiveSeconds(progress: JobProgress, nowMs: number): number {
  const running = progress.activeSinceMs === null ? 0 : Math.max(0, nowMs - progress.activeSinceMs);
  return Math.floor((progress.activeMs + running) / 1000);
}

export function jobArn(region: string, accountId: string, jobId: string): string {
  return `arn:aws:s3:${region}:${accountId}:job/${jobId}`;
}
