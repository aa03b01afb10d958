/**
 * The retry policy of S3 calls, pure: which failures are worth another attempt and how long to
 * wait before it. Transient failures say nothing about the object (the store is busy, a socket
 * broke); permanent ones are the answer (NoSuchKey stays NoSuchKey) and are reported at once.
 */
import { S3PortError } from '../s3/s3-port.js';

export type FailureKind =
  /** the store asks us to slow down: retry, and lower the job's concurrency */
  | 'throttled'
  /** 5xx, timeouts, broken connections: retry */
  | 'transient'
  /** the answer about this object: fail the task now */
  | 'permanent';

export interface ClassifiedFailure {
  readonly kind: FailureKind;
  readonly code: string;
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  readonly message: string;
  /** What a completion report's ResultMessage shows: the store's message alone. */
  readonly resultMessage: string;
}

const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestLimitExceeded']);
const TRANSIENT = new Set(['InternalError', 'ServiceUnavailable', 'RequestTimeout', 'NetworkError', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

export function classifyFailure(err: unknown): ClassifiedFailure {
  if (err instanceof S3PortError) {
    const base = { code: err.code, status: err.status, message: err.message, resultMessage: err.storeMessage };
    if (THROTTLING.has(err.code) || err.status === 429) return { kind: 'throttled', ...base };
    if (TRANSIENT.has(err.code) || err.status === 0 || err.status >= 500) return { kind: 'transient', ...base };
    return { kind: 'permanent', ...base };
  }
  // Not an S3 answer (a socket error surfacing raw, a bug): no status arrived, so try again.
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'transient', code: typeof code === 'string' ? code : 'NetworkError', status: 0, message, resultMessage: message };
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
 * Runs `call` until it succeeds, fails permanently or runs out of attempts; rethrows the last
 * error. `onFailure` sees every failed attempt (the throttle controller listens here).
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
      if (failure.kind === 'permanent' || attempt >= policy.maxAttempts || options.stopped?.()) throw err;
      await options.sleep(backoffMs(attempt - 1, policy, options.random));
    }
  }
}
