/**
 * The engine's way to S3, whichever store is behind it: the embedded store in-process, or any
 * S3-compatible endpoint over HTTP. Manifest readers, operations and the report writer depend on
 * this port only. Failures are S3PortErrors carrying S3's error code and HTTP status, which is
 * what a completion report records and what the retry policy classifies.
 */
import type { Readable } from 'node:stream';

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export interface ObjectHead {
  /** With its quotes, as S3 sends it. */
  readonly etag: string;
  readonly versionId?: string;
  readonly contentLength: number;
}

export interface GetObjectOptions {
  /** Byte range, inclusive start and end as in an HTTP Range header; end omitted = to the end. */
  readonly range?: { readonly start: number; readonly end?: number };
  /** Fail with 412 PreconditionFailed unless the object's ETag matches (quotes ignored). */
  readonly ifMatch?: string;
}

export interface GetObjectResult extends ObjectHead {
  readonly body: Readable;
}

export interface PutObjectOptions {
  readonly contentType?: string;
  /** Required when `body` is a stream. */
  readonly contentLength?: number;
}

export interface S3Port {
  getObject(ref: ObjectRef, options?: GetObjectOptions): Promise<GetObjectResult>;
  headObject(ref: ObjectRef): Promise<ObjectHead>;
  putObject(
    ref: Omit<ObjectRef, 'versionId'>,
    body: Buffer | Readable,
    options?: PutObjectOptions,
  ): Promise<{ etag: string; versionId?: string }>;
}

export class S3PortError extends Error {
  /** S3's error code, e.g. NoSuchKey, AccessDenied, SlowDown; `RequestTimeout`/`NetworkError` for transport failures. */
  readonly code: string;
  /** The HTTP status S3 answered with; 0 when no answer arrived. */
  readonly status: number;
  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3PortError';
    this.code = code;
    this.status = status;
  }
}
