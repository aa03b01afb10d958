/**
 * The JobStore contract: semantic, asynchronous operations over jobs. SQLite implements it today
 * and PostgreSQL next to it; both run the one contract suite in test/contract/. No connection,
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

  /** A random secret kept in the store (e.g. to sign NextTokens), created on first use. */
  getSecret(name: string): Promise<Buffer>;

  close(): Promise<void>;
}
