/**
 * The retry policy of S3 calls, pure: which failures are worth another attempt and how long to
 * wait before it. Transient failures say nothing about the object (the store is busy, a socket
 * broke); permanent ones are the answer (NoSuchKey stays NoSuchKey) and are reported at once.
 * Which failures are transient is s3/failure-kind.ts's one list; an error that is none of the known
 * ones is a bug of s3batch (`internal`): never retried, reported under INTERNAL_ERROR_CODE.
 */
import { clipText, visibleText } from '../domain/text.js';
import { ManifestError } from '../manifests/index.js';
import { failureKind, networkFailure, type FailureKind } from '../s3/failure-kind.js';
import { S3PortError } from '../s3/s3-port.js';

export type { FailureKind } from '../s3/failure-kind.js';

export interface ClassifiedFailure {
  readonly kind: FailureKind;
  readonly code: string;
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  /** For logs and FailureReasons: the call and the store's message. */
  readonly message: string;
  /** What a completion report's ResultMessage shows: the store's message alone. */
  readonly resultMessage: string;
}

/**
 * The error code of s3batch's own failures (a bug: an error the code does not know), in a task's
 * report row (with HTTP status 0: no S3 answer came) and in a job's FailureReasons. Not S3's
 * InternalError, which is the store's 500 and is retried: this one says the fault is s3batch's.
 */
export const INTERNAL_ERROR_CODE = 'S3BatchInternalError';

/** `TypeError: x is not a function`, one line, short: what a user may paste into a bug report. */
function errorSummary(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return clipText(visibleText(text), 160);
}

/**
 * The text a user reads for an internal error (a report row's ResultMessage, a FailureReason):
 * whose fault it is and what to do, never the stack (the server log has it). `failed` says what
 * failed ("this task", "the job while preparing it"). The error's own words come last, so that a
 * FailureReason clipped to its 256 characters loses only their end.
 */
export function internalErrorMessage(err: unknown, failed = 'this task'): string {
  return `An internal error in s3batch failed ${failed}: a bug in s3batch, not a problem of your request or of the store. Please report it (the server log has the details): ${errorSummary(err)}`;
}

export function classifyFailure(err: unknown): ClassifiedFailure {
  if (err instanceof S3PortError) {
    return { kind: failureKind(err), code: err.code, status: err.status, message: err.message, resultMessage: err.storeMessage };
  }
  if (err instanceof ManifestError) {
    // A chunk read: a failed read may be tried again, a manifest that changed or is malformed may not.
    return { kind: err.retryable ? 'transient' : 'permanent', code: err.failureCode, status: 0, message: err.message, resultMessage: err.message };
  }
  const network = networkFailure(err);
  if (network) {
    // A socket error surfacing raw (a body cut short) or wrapped (fetch's TypeError): no answer came.
    const outer = err instanceof Error ? err.message : String(err);
    const message = network.error === err || network.error.message === outer ? outer : `${outer}: ${network.error.message}`;
    return { kind: network.transient ? 'transient' : 'permanent', code: network.code, status: 0, message, resultMessage: message };
  }
  return { kind: 'internal', code: INTERNAL_ERROR_CODE, status: 0, message: errorSummary(err), resultMessage: internalErrorMessage(err) };
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 5_000, maxAttempts: 8 };

/**
 * "Full jitter" (AWS Architecture Blog): uniform in [0, min(cap, base·2^n)) before retry n
 * (n = 0 before the second attempt), so that many tasks failing together do not retry together.
 */
export function backoffMs(retry: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `call` until it succeeds, fails permanently (or with an internal error) or runs out of
 * attempts; rethrows the last error. `onFailure` sees every failed attempt (the throttle
 * controller listens here).
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  options: {
    readonly policy?: BackoffPolicy;
    readonly sleep: (ms: number) => Promise<void>;
    readonly random?: () => number;
    readonly onFailure?: (failure: ClassifiedFailure) => void;
    /** Stop retrying (e.g. the job is being cancelled): the last error is thrown. */
    readonly stopped?: () => boolean;
  },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const failure = classifyFailure(err);
      options.onFailure?.(failure);
      const retryable = failure.kind === 'throttled' || failure.kind === 'transient';
      if (!retryable || attempt >= policy.maxAttempts || options.stopped?.()) throw err;
      await options.sleep(backoffMs(attempt - 1, policy, options.random));
    }
  }
}
