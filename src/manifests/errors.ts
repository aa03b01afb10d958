/**
 * Why a manifest cannot be used. A ManifestError becomes the job's `FailureReasons` entry as it
 * is: `failureCode` (≤ 64 chars) and `message` (≤ 256 chars, written for the user: what is wrong
 * and where — object, line — so that they can fix it). `retryable` marks failures of the read
 * itself (throttling, 5xx, network) that say nothing about the manifest: the engine retries the
 * preparation (or the chunk read) with backoff and only fails the job when it gives up.
 */
import { clipText as clip } from '../domain/text.js';
import { failureKind, networkFailure } from '../s3/failure-kind.js';
import { NO_STORE_CREDENTIALS, S3PortError } from '../s3/s3-port.js';

export type ManifestFailureCode =
  /** The manifest (or an inventory data file) does not exist: NoSuchKey, NoSuchBucket, NoSuchVersion. */
  | 'ManifestNotFound'
  /** Reading it is forbidden (403). */
  | 'ManifestAccessDenied'
  /** Its ETag is not the one the job names, or it changed after preparation. */
  | 'ManifestETagMismatch'
  /** `Location.ObjectArn` is not `arn:aws:s3:::bucket/key`. */
  | 'InvalidManifestLocation'
  /** A malformed line, a bad manifest.json, a wrong MD5, an unsupported format or field list. */
  | 'InvalidManifestContent'
  /** Zero tasks. */
  | 'ManifestEmpty'
  /** An inventory manifest.json over the size cap. */
  | 'ManifestTooLarge'
  /** Any other failed read; `retryable` tells whether trying again may help. */
  | 'ManifestReadFailed';

export const MAX_FAILURE_REASON_CHARS = 256;

export class ManifestError extends Error {
  readonly failureCode: ManifestFailureCode;
  /** True when the read failed for a transient reason (throttling, 5xx, network): try again later. */
  readonly retryable: boolean;
  constructor(failureCode: ManifestFailureCode, message: string, options?: { retryable?: boolean; cause?: unknown }) {
    super(clip(message, MAX_FAILURE_REASON_CHARS), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ManifestError';
    this.failureCode = failureCode;
    this.retryable = options?.retryable ?? false;
  }
}

export { clip };

/** `s3://bucket/key`, the key shortened so that messages stay within their 256 characters. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${clip(bucket, 63)}/${clip(key, 96)}`;
}

/** Whether a failed read may succeed if tried again: s3/failure-kind.ts's one list decides. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ManifestError) return error.retryable;
  const kind = failureKind(error);
  return kind === 'throttled' || kind === 'transient';
}

/**
 * Maps a failed GET of the manifest (`what` = "the manifest", "the inventory data file s3://…")
 * to the reason the user reads. AccessDenied keeps AWS's wording. `etag` is quoted: pass only an
 * ETag the job itself named (its manifest's), never one learned by reading an object.
 *
 * An error that is neither the store's answer nor a known network failure is returned as it is,
 * not as a read failure: it is a bug of s3batch (or the job store failing under preparation's
 * `onChunk`), which the engine tells apart and reports as such (engine/preparer.ts), rather than
 * retrying it and blaming the read.
 */
export function readFailure(error: unknown, what: string, etag?: string): unknown {
  if (error instanceof ManifestError) return error;
  if (error instanceof S3PortError) {
    switch (error.code) {
      case 'NoSuchKey':
        return new ManifestError('ManifestNotFound', `${cap(what)} does not exist (NoSuchKey)`, { cause: error });
      case 'NoSuchBucket':
        return new ManifestError('ManifestNotFound', `The bucket of ${what} does not exist (NoSuchBucket)`, {
          cause: error,
        });
      case 'NoSuchVersion':
        return new ManifestError('ManifestNotFound', `The version of ${what} that the job names does not exist (NoSuchVersion)`, {
          cause: error,
        });
      case 'InvalidObjectState':
        return new ManifestError(
          'ManifestReadFailed',
          `Reading ${what} failed: InvalidObjectState (it is archived; restore it or copy it to a readable storage class)`,
          { cause: error },
        );
      case NO_STORE_CREDENTIALS:
        // s3batch's own refusal, nothing was sent: its message says what to configure.
        return new ManifestError('ManifestAccessDenied', `Cannot read ${what}: ${error.storeMessage}`, { cause: error });
      case 'AccessDenied':
      case 'AllAccessDisabled':
      case 'AccountProblem':
        return new ManifestError('ManifestAccessDenied', `Reading ${what} is forbidden: ${error.code}`, { cause: error });
      case 'PreconditionFailed':
        return new ManifestError(
          'ManifestETagMismatch',
          `${cap(what)} changed after the job was prepared${etag === undefined ? '' : ` (its ETag is no longer ${quoted(etag)})`}`,
          { cause: error },
        );
      default:
        if (error.status === 403) {
          return new ManifestError('ManifestAccessDenied', `Reading ${what} is forbidden: ${error.code}`, { cause: error });
        }
        return new ManifestError(
          'ManifestReadFailed',
          `Reading ${what} failed: ${error.code}${error.status ? ` (HTTP ${error.status})` : ''}`,
          { retryable: isTransient(error), cause: error },
        );
    }
  }
  const network = networkFailure(error);
  if (network) {
    // A connection that broke under the body (Node's "aborted", ECONNRESET): another read may work.
    return new ManifestError('ManifestReadFailed', `Reading ${what} failed: ${network.error.message} (${network.code})`, {
      retryable: network.transient,
      cause: error,
    });
  }
  return error;
}

/** The ETag without its surrounding quotes (S3 sends `"abc"`, users paste either form). */
export function bareEtag(etag: string): string {
  let s = etag.trim();
  if (s.startsWith('W/')) s = s.slice(2);
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  return s;
}

export function quoted(etag: string): string {
  return `"${clip(bareEtag(etag), 64)}"`;
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
