/**
 * What a failed call to a store (or to any service a task calls) means for the caller, decided in
 * one place for every caller that retries: the engine's tasks, chunk reads and report writes
 * (engine/retry.ts), preparation's manifest reads (manifests/errors.ts) and the HTTP client's
 * transport errors (s3/http-s3-client.ts). Only failures known to be transient are retried. An
 * error that is none of the known ones is not a flaky network but a bug of s3batch: `internal`,
 * never retried; the engine logs it with its stack and reports it under its own code
 * (engine/retry.ts INTERNAL_ERROR_CODE).
 */
import { S3PortError } from './s3-port.js';

export type FailureKind =
  /** the store asks us to slow down: retry, and lower the job's concurrency */
  | 'throttled'
  /** the store failed (500, 503, a timeout) or the connection broke: retry */
  | 'transient'
  /** an answer (NoSuchKey stays NoSuchKey), or a failure another attempt would meet alike: do not retry */
  | 'permanent'
  /** an error s3batch does not know: a bug of s3batch, never retried */
  | 'internal';

/**
 * Codes that ask the caller to slow down: S3's SlowDown, and the throttling codes AWS services
 * answer with (the AWS SDKs retry these as throttling; Lambda's Invoke says TooManyRequestsException).
 * 429 Too Many Requests says the same in HTTP's words.
 */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
]);

/**
 * S3's codes for a failure of the service rather than of the request: InternalError ("We
 * encountered an internal error. Please try again.", 500, also sent in the body of a 200 CopyObject
 * answer), ServiceUnavailable (503), RequestTimeout (400: the socket sat idle too long). NetworkError
 * is ours: a request that got no answer because the connection failed in one of the ways listed in
 * TRANSIENT_NETWORK_CODES (s3/http-s3-client.ts).
 */
export const TRANSIENT_S3_CODES: ReadonlySet<string> = new Set(['InternalError', 'ServiceUnavailable', 'RequestTimeout', 'NetworkError']);

/**
 * HTTP's transient statuses (the AWS SDKs' TRANSIENT_ERROR_STATUS_CODES, plus 408): the server or a
 * gateway before it failed this time. Other 5xx are not transient: 501 NotImplemented (S3: "a header
 * you provided implies functionality that is not implemented") answers the same way every time.
 */
export const TRANSIENT_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 500, 502, 503, 504]);

/**
 * Error codes of a connection that failed or broke, after which a new connection may work: Node's
 * socket errors (errno names) and undici's (Node's fetch wraps them as the `cause` of a
 * `TypeError: fetch failed`). undici's other codes are not transient: UND_ERR_ABORTED, _DESTROYED,
 * _CLOSED (we aborted or closed the request or client), _INVALID_ARG, _INVALID_RETURN_VALUE,
 * _REQ_CONTENT_LENGTH_MISMATCH, _NOT_SUPPORTED (a bug in the call), _HEADERS_OVERFLOW,
 * _RES_EXCEEDED_MAX_SIZE (the answer is too large, every time), _RESPONSE_STATUS_CODE (the status
 * is what to classify), _REQ_RETRY (undici's own retries gave up).
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', // the peer reset the connection (Node's "socket hang up", a body cut short: "aborted")
  'ECONNREFUSED', // nothing listens (yet): the store is restarting
  'ECONNABORTED',
  'EPIPE', // wrote to a connection the peer had closed
  'ETIMEDOUT', // connect or read timed out
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN', // the resolver could not answer this time ("temporary failure in name resolution")
  // A stream (a response body) closed before its end without an error of its own: the
  // connection under it went away (the S3 API treats it as a cut body too: object-store/http/s3-api.ts).
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET', // "other side closed", a reset
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', // the answer ended before its Content-Length: the connection was cut
]);

/**
 * Connection failures that come from how the endpoint is configured, and come again on every
 * attempt: known, so not bugs, but never retried.
 * - ENOTFOUND (EAI_NONAME, EAI_FAIL): the resolver answered that the endpoint's host name does not
 *   exist (NXDOMAIN) — a misconfigured endpoint. A task's retries (about 3 s of backoff in all,
 *   engine/retry.ts) would not outlast a DNS change, and every task would cost eight lookups
 *   before failing; the report row names ENOTFOUND at once instead. A resolver that could not
 *   answer says EAI_AGAIN, which is transient.
 * - TLS: the handshake failed (EPROTO: e.g. https to a plain-HTTP port; ERR_SSL_*, ERR_TLS_*) or
 *   the certificate was refused (OpenSSL's verification codes: CERT_HAS_EXPIRED,
 *   UNABLE_TO_VERIFY_LEAF_SIGNATURE, DEPTH_ZERO_SELF_SIGNED_CERT…).
 * - llhttp's HPE_*: the answer is not HTTP (a wrong port).
 */
const PERMANENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_FAIL', 'EPROTO']);
const PERMANENT_NETWORK_PATTERN =
  /^(?:HPE_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|CRL_|ERROR_IN_(?:CERT|CRL)_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|INVALID_CA$|INVALID_PURPOSE$|PATH_LENGTH_EXCEEDED$|HOSTNAME_MISMATCH$)/;

/** How deep `cause` chains are followed (fetch nests one level; a wrapper may add one). */
const MAX_CAUSE_DEPTH = 5;

export interface NetworkFailure {
  /** The code found: Node's or undici's, or `TimeoutError`. */
  readonly code: string;
  /** The error that carried it: `err` itself or one of its causes. */
  readonly error: Error;
  readonly transient: boolean;
}

/**
 * The network failure in `err` or its causes, if it is a known one (either list above). A
 * `TimeoutError` (the DOMException of `AbortSignal.timeout`, fetch's way to time out) is a
 * transient one, with that name as its code. An AggregateError (Node tries each address of a
 * host) is transient when each of its errors is.
 */
export function networkFailure(err: unknown): NetworkFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return { code, error: current, transient: true };
    if (typeof code === 'string' && (PERMANENT_NETWORK_CODES.has(code) || PERMANENT_NETWORK_PATTERN.test(code))) {
      return { code, error: current, transient: false };
    }
    if (current.name === 'TimeoutError') return { code: 'TimeoutError', error: current, transient: true };
    if (current instanceof AggregateError && current.errors.length > 0) {
      const inner = current.errors.map((e) => networkFailure(e));
      if (inner.every((f) => f?.transient)) return { code: inner[0]!.code, error: current, transient: true };
    }
    current = current.cause;
  }
  return undefined;
}

/** What kind of failure `err` is; see FailureKind. */
export function failureKind(err: unknown): FailureKind {
  if (err instanceof S3PortError) {
    if (THROTTLING_CODES.has(err.code) || err.status === 429) return 'throttled';
    if (TRANSIENT_S3_CODES.has(err.code) || TRANSIENT_NETWORK_CODES.has(err.code) || TRANSIENT_HTTP_STATUSES.has(err.status)) return 'transient';
    return 'permanent';
  }
  const network = networkFailure(err);
  if (network) return network.transient ? 'transient' : 'permanent';
  return 'internal';
}
