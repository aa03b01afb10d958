/**
 * The `jobs` row as both SQL stores return it (SQLite, and PostgreSQL with int8 read as numbers),
 * and its mapping to and from the readonly domain `Job`. Columns are listed explicitly
 * (JOB_COLUMNS) so that a schema change shows up here.
 */
import type { GeneratedManifestDescriptor, Job, JobFailure } from '../../domain/job.js';
import { isJobStatus, type JobStatus } from '../../domain/job-status.js';
import type { JobSpec, S3Tag } from '../../domain/job-spec.js';
import type { NewJob } from '../job-store.js';

/**
 * A row that the schema should have made impossible (an unknown status, invalid JSON): the
 * database was changed behind the store's back. `code` matches the stores' own error codes.
 */
export class CorruptRowError extends Error {
  readonly code = 'CorruptRow';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptRowError';
  }
}

export interface JobRow {
  readonly id: string;
  readonly account_id: string;
  readonly arn: string;
  readonly status: string;
  readonly priority: number;
  readonly client_request_token: string;
  readonly request_hash: string;
  readonly created_ms: number;
  readonly updated_ms: number;
  readonly termination_ms: number | null;
  readonly suspended_ms: number | null;
  readonly suspended_cause: string | null;
  readonly status_update_reason: string | null;
  readonly confirmed_early: number;
  readonly total_tasks: number;
  readonly succeeded_tasks: number;
  readonly failed_tasks: number;
  readonly active_ms: number;
  readonly active_since_ms: number | null;
  readonly spec_json: string;
  readonly tags_json: string;
  readonly failure_reasons_json: string;
  readonly generated_manifest_json: string | null;
}

/** Every column of `jobs`, for SELECT and RETURNING lists. */
export const JOB_COLUMNS = [
  'id',
  'account_id',
  'arn',
  'status',
  'priority',
  'client_request_token',
  'request_hash',
  'created_ms',
  'updated_ms',
  'termination_ms',
  'suspended_ms',
  'suspended_cause',
  'status_update_reason',
  'confirmed_early',
  'total_tasks',
  'succeeded_tasks',
  'failed_tasks',
  'active_ms',
  'active_since_ms',
  'spec_json',
  'tags_json',
  'failure_reasons_json',
  'generated_manifest_json',
] as const satisfies readonly (keyof JobRow)[];

export const JOB_COLUMN_LIST = JOB_COLUMNS.join(', ');

function parseJson<T>(row: JobRow, column: keyof JobRow, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CorruptRowError(`jobs.${column} of job ${row.id} is not valid JSON`, { cause: err });
  }
}

/** The row's status, checked (the CHECK constraint makes a failure here a corrupt file). */
export function rowStatus(row: JobRow): JobStatus {
  const status = row.status;
  if (!isJobStatus(status)) {
    throw new CorruptRowError(`job ${row.id} has an unknown status ${JSON.stringify(status)}`);
  }
  return status;
}

export function rowToJob(row: JobRow): Job {
  const status = rowStatus(row);
  return {
    id: row.id,
    accountId: row.account_id,
    arn: row.arn,
    status,
    priority: row.priority,
    spec: parseJson<JobSpec>(row, 'spec_json', row.spec_json),
    tags: parseJson<S3Tag[]>(row, 'tags_json', row.tags_json),
    clientRequestToken: row.client_request_token,
    requestHash: row.request_hash,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
    terminationMs: row.termination_ms,
    suspendedMs: row.suspended_ms,
    suspendedCause: row.suspended_cause,
    statusUpdateReason: row.status_update_reason,
    failureReasons: parseJson<JobFailure[]>(row, 'failure_reasons_json', row.failure_reasons_json),
    confirmedEarly: row.confirmed_early === 1,
    progress: {
      totalTasks: row.total_tasks,
      succeededTasks: row.succeeded_tasks,
      failedTasks: row.failed_tasks,
      activeMs: row.active_ms,
      activeSinceMs: row.active_since_ms,
    },
    generatedManifest:
      row.generated_manifest_json === null
        ? null
        : parseJson<GeneratedManifestDescriptor>(row, 'generated_manifest_json', row.generated_manifest_json),
  };
}

/** Named parameters of the INSERT of a new job (status New, progress zero). */
export interface InsertJobParams {
  readonly id: string;
  readonly account_id: string;
  readonly arn: string;
  readonly priority: number;
  readonly client_request_token: string;
  readonly request_hash: string;
  readonly created_ms: number;
  readonly spec_json: string;
  readonly tags_json: string;
}

export function newJobToInsertParams(input: NewJob): InsertJobParams {
  return {
    id: input.id,
    account_id: input.accountId,
    arn: input.arn,
    priority: input.spec.Priority,
    client_request_token: input.clientRequestToken,
    request_hash: input.requestHash,
    created_ms: input.nowMs,
    spec_json: JSON.stringify(input.spec),
    tags_json: JSON.stringify(input.tags),
  };
}
