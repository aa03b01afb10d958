/**
 * S3PutObjectCopy (reference §3.1): copies each object to TargetResource under TargetKeyPrefix +
 * its key. Decisions: the prefix is prepended as given (no `/` added); NewObjectMetadata without
 * a MetadataDirective means REPLACE (what the console sends); NewObjectTagging absent copies the
 * source's tags, [] gives the copy none. Repeats after a crash copy again: on a versioned target
 * that adds a version, and the task still counts once (the chunk is counted once).
 *
 * Sources larger than `multipartThreshold` (default 5 GiB, CopyObject's limit in S3) are copied
 * with a multipart copy. With the default threshold the copy is tried first and only a store's
 * "too large" refusal leads to the multipart path (one request per object otherwise); with a lower
 * threshold a HeadObject decides. The multipart path: HeadObject (the version is then pinned), CreateMultipartUpload with what
 * CopyObject would have written (the source's metadata and tags when the directives keep them),
 * UploadPartCopy per range with x-amz-copy-source-if-match on the source's ETag, then
 * CompleteMultipartUpload. Any failure aborts the upload and surfaces the first error.
 *
 * Encryption, redirect and Requester Pays (the headers go out exactly when the job asks, so that a
 * bucket policy or a store deciding encryption itself sees nothing it did not expect):
 * - NewObjectMetadata.SSEAlgorithm `KMS` → `x-amz-server-side-encryption: aws:kms`, `AES256` →
 *   `AES256`. It is sent whatever the metadata directive: S3's CopyObject applies its SSE headers
 *   under COPY and REPLACE alike (encryption is not metadata the directive copies), and a copy
 *   never inherits the source's encryption — what is not asked for is the destination's default.
 *   A NewObjectMetadata that holds nothing but SSEAlgorithm therefore does not imply REPLACE:
 *   REPLACE would only wipe the source's metadata, which such a job does not ask for.
 * - SSEAwsKmsKeyId without SSEAlgorithm implies `aws:kms`: S3 accepts a key id only with
 *   `aws:kms`, and a KMS key is the only thing the field can mean (reference §3.1 lists it as a
 *   member of its own, next to BucketKeyEnabled). With SSEAlgorithm AES256 both are sent, and the
 *   store answers each task as S3 does (400 InvalidArgument).
 * - BucketKeyEnabled → `x-amz-server-side-encryption-bucket-key-enabled`, as given. Without any
 *   algorithm it is still sent: the destination bucket's default encryption decides (one that
 *   defaults to SSE-KMS takes it; an SSE-S3 default, like the embedded store's, refuses it).
 * - RedirectLocation → `x-amz-website-redirect-location`, whatever the directive (S3 never copies
 *   the source's redirect: the copy has this one or none — the multipart path drops the source's).
 * - RequesterPays true → `x-amz-request-payer: requester` on every request of the task.
 */
import { parseBucketArn } from '../domain/arn.js';
import { ILLEGAL_SELF_COPY_MESSAGE, selfCopyChangesSomething } from '../domain/self-copy.js';
import type { S3CopyObjectOperation, S3ObjectMetadata } from '../domain/job-spec.js';
import {
  S3PortError,
  type CompletedPortPart,
  type CopyObjectRequest,
  type ObjectHead,
  type ObjectRef,
  type PortEncryption,
  type PortMetadata,
  type S3Port,
} from '../s3/s3-port.js';
import { MALFORMED_ACL_MESSAGE, malformedGrant, portAcl } from './acl.js';
import { taskRef, type TaskOperation } from './types.js';

function metadata(m: S3ObjectMetadata): PortMetadata {
  const system: Record<string, string> = {};
  if (m.ContentType !== undefined) system.contentType = m.ContentType;
  if (m.ContentEncoding !== undefined) system.contentEncoding = m.ContentEncoding;
  if (m.ContentDisposition !== undefined) system.contentDisposition = m.ContentDisposition;
  if (m.ContentLanguage !== undefined) system.contentLanguage = m.ContentLanguage;
  if (m.CacheControl !== undefined) system.cacheControl = m.CacheControl;
  if (m.HttpExpiresDate !== undefined) system.expires = new Date(m.HttpExpiresDate).toUTCString();
  return { system, user: m.UserMetadata ?? {} };
}

const time = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/** The encryption the job asks for, or undefined (see the file's comment for the mapping). */
export function copyEncryption(op: S3CopyObjectOperation): PortEncryption | undefined {
  const asked = op.NewObjectMetadata?.SSEAlgorithm;
  const algorithm = asked === 'KMS' ? 'aws:kms' : asked === 'AES256' ? 'AES256' : op.SSEAwsKmsKeyId !== undefined ? 'aws:kms' : undefined;
  const encryption: PortEncryption = {
    ...(algorithm !== undefined ? { algorithm } : {}),
    ...(op.SSEAwsKmsKeyId !== undefined ? { kmsKeyId: op.SSEAwsKmsKeyId } : {}),
    ...(op.BucketKeyEnabled !== undefined ? { bucketKeyEnabled: op.BucketKeyEnabled } : {}),
  };
  return Object.keys(encryption).length > 0 ? encryption : undefined;
}

/** NewObjectMetadata implies REPLACE unless it only asks for encryption (SSEAlgorithm). */
function impliedDirective(m: S3ObjectMetadata | undefined): 'REPLACE' | undefined {
  if (m === undefined) return undefined;
  const keys = Object.keys(m).filter((k) => m[k as keyof S3ObjectMetadata] !== undefined);
  return keys.length === 1 && keys[0] === 'SSEAlgorithm' ? undefined : 'REPLACE';
}

/** Everything of the request but the source and target key, which vary per task. */
export function copyTemplate(op: S3CopyObjectOperation): Omit<CopyObjectRequest, 'source' | 'key'> {
  const bucket = op.TargetResource === undefined ? undefined : parseBucketArn(op.TargetResource)?.bucket;
  if (bucket === undefined) throw new TypeError(`TargetResource ${String(op.TargetResource)} is not a bucket ARN`);
  const directive = op.MetadataDirective ?? impliedDirective(op.NewObjectMetadata);
  const acl = portAcl(op.CannedAccessControlList, op.AccessControlGrants);
  const lock = {
    ...(op.ObjectLockMode !== undefined ? { mode: op.ObjectLockMode } : {}),
    ...(op.ObjectLockRetainUntilDate !== undefined ? { retainUntil: Date.parse(op.ObjectLockRetainUntilDate) } : {}),
    ...(op.ObjectLockLegalHoldStatus !== undefined ? { legalHold: op.ObjectLockLegalHoldStatus === 'ON' } : {}),
  };
  const ifModifiedSince = time(op.ModifiedSinceConstraint);
  const ifUnmodifiedSince = time(op.UnModifiedSinceConstraint);
  const encryption = copyEncryption(op);
  return {
    bucket,
    ...(directive !== undefined ? { metadataDirective: directive } : {}),
    ...(directive === 'REPLACE' ? { metadata: metadata(op.NewObjectMetadata ?? {}) } : {}),
    ...(op.NewObjectTagging !== undefined
      ? { taggingDirective: 'REPLACE' as const, tags: op.NewObjectTagging.map((t) => ({ key: t.Key, value: t.Value })) }
      : {}),
    ...(op.StorageClass !== undefined ? { storageClass: op.StorageClass } : {}),
    ...(op.ChecksumAlgorithm !== undefined ? { checksumAlgorithm: op.ChecksumAlgorithm } : {}),
    ...(ifModifiedSince !== undefined ? { ifModifiedSince } : {}),
    ...(ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince } : {}),
    ...(Object.keys(lock).length > 0 ? { lock } : {}),
    ...(acl ? { acl } : {}),
    ...(encryption ? { encryption } : {}),
    ...(op.RedirectLocation !== undefined ? { websiteRedirectLocation: op.RedirectLocation } : {}),
    ...(op.RequesterPays === true ? { requestPayer: true } : {}),
  };
}

export interface CopyOptions {
  /** Sources larger than this many bytes are copied part by part (default 5 GiB). */
  readonly multipartThreshold?: number;
  /** Bytes per part (default 512 MiB; at least 5 MiB, grown so that there are at most 10,000 parts). */
  readonly partSize?: number;
  /** Parts copied at once (default 4). */
  readonly partConcurrency?: number;
}

export const COPY_OBJECT_LIMIT = 5 * 1024 ** 3;
const MIN_PART = 5 * 1024 ** 2;
const MAX_PARTS = 10_000;

export function copy(op: S3CopyObjectOperation, options: CopyOptions = {}): TaskOperation {
  const template = copyTemplate(op);
  const prefix = op.TargetKeyPrefix ?? '';
  const threshold = options.multipartThreshold ?? COPY_OBJECT_LIMIT;
  // Grants S3 would refuse fail each task (as S3 answers each CopyObject), not the job.
  const badAcl = op.CannedAccessControlList === undefined && op.AccessControlGrants ? malformedGrant(op.AccessControlGrants) : undefined;
  return async (task, s3) => {
    if (badAcl !== undefined) throw new S3PortError('MalformedACLError', 400, `${MALFORMED_ACL_MESSAGE} (${badAcl})`);
    const request: CopyObjectRequest = { ...template, source: taskRef(task), key: `${prefix}${task.key}` };
    const readOptions = payerOf(request);
    if (threshold >= COPY_OBJECT_LIMIT) {
      // At S3's own limit one request does: CopyObject, and only a source the store refuses as
      // too large costs a HeadObject and a multipart copy.
      try {
        await s3.copyObject(request);
        return;
      } catch (err) {
        if (!isTooLargeForCopy(err)) throw err;
      }
      await multipartCopy(s3, request, await s3.headObject(request.source, readOptions), options);
      return;
    }
    let head: ObjectHead;
    try {
      head = await s3.headObject(request.source, readOptions);
    } catch (err) {
      // A HEAD answer has no body (a 404 says neither NoSuchKey nor NoSuchVersion): CopyObject
      // names the failure as S3 would report it.
      if (err instanceof S3PortError && err.status >= 400 && err.status < 500) {
        await s3.copyObject(request);
        return;
      }
      throw err;
    }
    if (head.contentLength <= threshold) {
      await s3.copyObject(request);
      return;
    }
    await multipartCopy(s3, request, head, options);
  };
}

/** `requestPayer` for every other request of a Requester Pays copy (reads, upload calls), else nothing. */
function payerOf(request: CopyObjectRequest): { requestPayer?: true } {
  return request.requestPayer === true ? { requestPayer: true } : {};
}

/**
 * S3 answers a CopyObject of a source over 5 GB with 400 InvalidRequest "The specified copy source
 * is larger than the maximum allowable size for a copy source: 5368709120"; some S3-compatible
 * stores say EntityTooLarge.
 */
function isTooLargeForCopy(err: unknown): boolean {
  if (!(err instanceof S3PortError) || err.status !== 400) return false;
  return err.code === 'EntityTooLarge' || (err.code === 'InvalidRequest' && /copy source is larger/i.test(err.message));
}

/** The part size for `size` bytes: the wanted size, at least 5 MiB, and large enough for 10,000 parts. */
export function partSizeFor(size: number, wanted = 512 * 1024 ** 2): number {
  return Math.max(wanted, MIN_PART, Math.ceil(size / MAX_PARTS));
}

function preconditionFailed(): S3PortError {
  return new S3PortError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
}

/**
 * Whether the copy would write the very object it reads: the same bucket and key, and the latest
 * version (a task naming an older version restores it, which S3 allows unchanged). Only then is the
 * destination's current version asked for.
 */
async function copiesOntoItself(s3: S3Port, request: CopyObjectRequest, head: ObjectHead): Promise<boolean> {
  if (request.source.bucket !== request.bucket || request.source.key !== request.key) return false;
  if (request.source.versionId === undefined) return true;
  try {
    const current = await s3.headObject({ bucket: request.bucket, key: request.key }, payerOf(request));
    return current.versionId === head.versionId;
  } catch (err) {
    // No current object (a delete marker is the latest): the version is not the latest one.
    if (err instanceof S3PortError && err.status === 404) return false;
    throw err;
  }
}

async function multipartCopy(s3: S3Port, request: CopyObjectRequest, head: ObjectHead, options: CopyOptions): Promise<void> {
  // CopyObject's rule (domain/self-copy.ts), which a multipart copy would otherwise skip: the
  // same request fails alike below and above the threshold, before any upload is started.
  if (!selfCopyChangesSomething(request) && (await copiesOntoItself(s3, request, head))) {
    throw new S3PortError('InvalidRequest', 400, ILLEGAL_SELF_COPY_MESSAGE);
  }
  const source: ObjectRef = head.versionId !== undefined ? { ...request.source, versionId: head.versionId } : request.source;
  // x-amz-copy-source-if-match wins over if-unmodified-since in S3, so the time conditions are
  // checked here, once, against the version the parts will copy (S3 compares whole seconds).
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  if (head.lastModified !== undefined) {
    if (request.ifModifiedSince !== undefined && seconds(head.lastModified) <= seconds(request.ifModifiedSince)) throw preconditionFailed();
    if (request.ifUnmodifiedSince !== undefined && seconds(head.lastModified) > seconds(request.ifUnmodifiedSince)) throw preconditionFailed();
  }
  const payer = payerOf(request);
  const base: PortMetadata =
    request.metadataDirective === 'REPLACE' ? (request.metadata ?? { system: {}, user: {} }) : (head.metadata ?? { system: {}, user: {} });
  // As CopyObject: the redirect is the request's or none, never the source's (which a COPY's
  // HeadObject metadata carries).
  const { websiteRedirectLocation: metadataRedirect, ...system } = base.system;
  const redirect = request.websiteRedirectLocation ?? (request.metadataDirective === 'REPLACE' ? metadataRedirect : undefined);
  const metadata: PortMetadata = { system: { ...system, ...(redirect !== undefined ? { websiteRedirectLocation: redirect } : {}) }, user: base.user };
  const tags = request.taggingDirective === 'REPLACE' ? (request.tags ?? []) : (await s3.getObjectTagging(source, payer)).tags;
  const { uploadId } = await s3.createMultipartUpload({
    bucket: request.bucket,
    key: request.key,
    metadata,
    tags,
    ...(request.storageClass !== undefined ? { storageClass: request.storageClass } : {}),
    ...(request.checksumAlgorithm !== undefined ? { checksumAlgorithm: request.checksumAlgorithm } : {}),
    ...(request.lock ? { lock: request.lock } : {}),
    ...(request.acl ? { acl: request.acl } : {}),
    ...(request.encryption ? { encryption: request.encryption } : {}),
    ...payer,
  });
  const upload = { bucket: request.bucket, key: request.key, uploadId, ...payer };
  try {
    const size = head.contentLength;
    const partSize = partSizeFor(size, options.partSize);
    const count = Math.ceil(size / partSize);
    const parts: CompletedPortPart[] = new Array<CompletedPortPart>(count);
    let next = 0;
    let failed = false;
    let firstError: unknown;
    const worker = async (): Promise<void> => {
      while (!failed && next < count) {
        const index = next++;
        const start = index * partSize;
        try {
          const result = await s3.uploadPartCopy({
            ...upload,
            partNumber: index + 1,
            source,
            range: { start, end: Math.min(start + partSize, size) - 1 },
            ifMatch: head.etag,
          });
          parts[index] = { partNumber: index + 1, etag: result.etag, ...(result.checksum ? { checksum: result.checksum } : {}) };
        } catch (err) {
          if (!failed) firstError = err;
          failed = true;
          return;
        }
      }
    };
    const workers = Array.from({ length: Math.max(1, Math.min(options.partConcurrency ?? 4, count)) }, worker);
    // The first failure is the one reported, once the parts under way have ended (then the abort frees them).
    await Promise.all(workers);
    if (failed) throw firstError;
    await s3.completeMultipartUpload({ ...upload, parts });
  } catch (err) {
    await s3.abortMultipartUpload(upload).catch(() => undefined);
    throw err;
  }
}
