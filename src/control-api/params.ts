/**
 * Validation of what the jobs API takes outside the XML body: the job id in the path and the
 * query parameters (reference §3.2 request tables). Violations name the member and the query
 * parameter, with the operation's validation error code.
 */
import { isJobStatus, REQUESTED_JOB_STATUSES, type JobStatus, type RequestedJobStatus } from '../domain/job-status.js';
import { findNonXmlChar } from '../lib/xml.js';
import { S3ControlError, type S3ControlErrorCode } from './errors.js';

/**
 * Every query parameter of every jobs-API request, before any route reads it: a value is text the
 * API may store (`statusUpdateReason`) or echo in an error, and responses are XML, so a character
 * XML 1.0 does not allow is refused here, as a malformed request (400 InvalidRequest).
 */
export function checkQueryCharacters(pairs: ReadonlyArray<readonly [string, string]>): void {
  for (const [name, value] of pairs) {
    const bad = findNonXmlChar(name) ?? findNonXmlChar(value);
    if (bad !== undefined) {
      throw new S3ControlError(
        'InvalidRequest',
        `The query parameter "${clip(name.replace(/[^\x20-\x7e]/g, '?'))}" holds the character ${bad}, which is not allowed in the jobs API`,
      );
    }
  }
}

type ValidationCode = Extract<S3ControlErrorCode, 'BadRequestException' | 'InvalidRequestException'>;

export class QueryParams {
  readonly #pairs: ReadonlyArray<readonly [string, string]>;
  readonly #code: ValidationCode;
  constructor(pairs: ReadonlyArray<readonly [string, string]>, code: ValidationCode) {
    this.#pairs = pairs;
    this.#code = code;
  }

  all(name: string): string[] {
    return this.#pairs.filter(([k]) => k === name).map(([, v]) => v);
  }

  /** The single value of a parameter; giving it twice is an error. */
  one(name: string, member: string): string | undefined {
    const values = this.all(name);
    if (values.length > 1) throw this.fail(`${member} (query parameter "${name}") must be given at most once`);
    return values[0];
  }

  required(name: string, member: string): string {
    const value = this.one(name, member);
    if (value === undefined) throw this.fail(`${member} (query parameter "${name}") is required`);
    return value;
  }

  integer(name: string, member: string, min: number, max: number, value: string): number {
    if (!/^-?\d{1,12}$/.test(value) || Number(value) < min || Number(value) > max) {
      throw this.fail(`${member} (query parameter "${name}") must be an integer between ${min} and ${max}; got "${clip(value)}"`);
    }
    return Number(value);
  }

  fail(message: string): S3ControlError {
    return new S3ControlError(this.#code, message);
  }
}

const JOB_ID = /^[a-zA-Z0-9\-_]{5,36}$/;

/** The `{id}` of the path, already percent-decoded. */
export function validateJobId(jobId: string, code: ValidationCode | 'NotFoundException'): string {
  if (!JOB_ID.test(jobId)) {
    throw new S3ControlError(
      code,
      `JobId must be 5 to 36 characters of letters, digits, '-' and '_'; got "${clip(jobId)}"`,
    );
  }
  return jobId;
}

export function parsePriority(params: QueryParams): number {
  return params.integer('priority', 'Priority', 0, 2147483647, params.required('priority', 'Priority'));
}

export function parseRequestedJobStatus(params: QueryParams): RequestedJobStatus {
  const value = params.required('requestedJobStatus', 'RequestedJobStatus');
  if (!(REQUESTED_JOB_STATUSES as readonly string[]).includes(value)) {
    throw params.fail(
      `RequestedJobStatus (query parameter "requestedJobStatus") must be one of: ${REQUESTED_JOB_STATUSES.join(', ')}; got "${clip(value)}"`,
    );
  }
  return value as RequestedJobStatus;
}

export function parseStatusUpdateReason(params: QueryParams): string | undefined {
  const value = params.one('statusUpdateReason', 'StatusUpdateReason');
  if (value === undefined) return undefined;
  const length = [...value].length;
  if (length < 1 || length > 256) {
    throw params.fail(`StatusUpdateReason (query parameter "statusUpdateReason") must be 1 to 256 characters long; got ${length}`);
  }
  return value;
}

export function parseJobStatuses(params: QueryParams): JobStatus[] {
  const statuses: JobStatus[] = [];
  params.all('jobStatuses').forEach((value, i) => {
    if (!isJobStatus(value)) {
      throw params.fail(`JobStatuses[${i}] (query parameter "jobStatuses") must be a job status; got "${clip(value)}"`);
    }
    statuses.push(value);
  });
  return statuses;
}

export const DEFAULT_MAX_RESULTS = 1000;

export function parseMaxResults(params: QueryParams): number {
  const value = params.one('maxResults', 'MaxResults');
  return value === undefined ? DEFAULT_MAX_RESULTS : params.integer('maxResults', 'MaxResults', 0, 1000, value);
}

const NEXT_TOKEN = /^[A-Za-z0-9+:/=?#-_]+$/;

export function parseNextToken(params: QueryParams): string | undefined {
  const value = params.one('nextToken', 'NextToken');
  if (value === undefined) return undefined;
  if (value.length < 1 || value.length > 1024 || !NEXT_TOKEN.test(value)) {
    throw params.fail('NextToken (query parameter "nextToken") must be 1 to 1024 characters of the NextToken alphabet');
  }
  return value;
}

function clip(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
