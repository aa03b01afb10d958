/**
 * The engine's way to S3, whichever store is behind it: the embedded store in-process, or any
 * S3-compatible endpoint over HTTP. Manifest readers, operations and the report writer depend on
 * this port only. Failures are S3PortErrors carrying S3's error code and HTTP status, which is
 * what a completion report records and what the retry policy classifies.
 */
import type { Readable } from 'node:stream';
import type { ReplicationConfiguration } from '../domain/replication.js';

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
  /** Epoch ms (HeadObject only; second precision over HTTP). */
  readonly lastModified?: number;
  /** The stored metadata (HeadObject only): Content-* and x-amz-meta-* (names lower-case). */
  readonly metadata?: PortMetadata;
  readonly storageClass?: string;
  /**
   * The version's server-side encryption (HeadObject only): what a generator's
   * MatchAnyObjectEncryption filter compares. `customerKey` for SSE-C (x-amz-server-side-encryption-customer-algorithm);
   * absent algorithm and no customerKey: not encrypted.
   */
  readonly encryption?: {
    readonly algorithm?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
    readonly kmsKeyId?: string;
    readonly bucketKeyEnabled?: boolean;
    readonly customerKey?: boolean;
  };
  /**
   * x-amz-replication-status (HeadObject only): absent when the object has none (the generator's
   * ObjectReplicationStatuses filter takes that as NONE). Stores that replicate fill it.
   */
  readonly replicationStatus?: 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';
}

/** One object of a listing page (ListObjectsV2 Contents, ListObjectVersions Version). */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** With its quotes, as S3 sends it. */
  readonly etag: string;
  /** Epoch ms. */
  readonly lastModified: number;
  readonly storageClass: string;
}

export interface ListedVersion extends ListedObject {
  readonly versionId: string;
  readonly isLatest: boolean;
}

export interface ListObjectsOptions {
  readonly prefix?: string;
  /** Exclusive: the page starts after this key (ListObjectsV2 start-after). */
  readonly startAfter?: string;
  /** At most 1000 (S3's cap). */
  readonly maxKeys?: number;
  /** x-amz-expected-bucket-owner: 403 AccessDenied when another account owns the bucket. */
  readonly expectedBucketOwner?: string;
}

export interface ListObjectsPage {
  /** In key order (UTF-8 binary order, as S3 lists). */
  readonly objects: readonly ListedObject[];
  readonly isTruncated: boolean;
}

export interface ListVersionsOptions {
  readonly prefix?: string;
  /** Exclusive start (key-marker, version-id-marker): after this version of this key, or after the whole key without a version marker. */
  readonly keyMarker?: string;
  readonly versionIdMarker?: string;
  readonly maxKeys?: number;
  readonly expectedBucketOwner?: string;
}

export interface ListVersionsPage {
  /** Versions in key order, each key's newest first; delete markers are left out (they have no data to act on). */
  readonly versions: readonly ListedVersion[];
  readonly isTruncated: boolean;
  /** Where the next page starts (what S3 answered as NextKeyMarker / NextVersionIdMarker). */
  readonly nextKeyMarker?: string;
  readonly nextVersionIdMarker?: string;
}

export interface GetObjectOptions {
  /** Byte range, inclusive start and end as in an HTTP Range header; end omitted = to the end. */
  readonly range?: { readonly start: number; readonly end?: number };
  /** Fail with 412 PreconditionFailed unless the object's ETag matches (quotes ignored). */
  readonly ifMatch?: string;
  /**
   * S3's `partNumber`: the bytes of part N of a multipart object, with the object's part count in
   * the answer (x-amz-mp-parts-count); an object uploaded in one piece is its own part 1. Not with
   * `range`.
   */
  readonly partNumber?: number;
}

export interface GetObjectResult extends ObjectHead {
  readonly body: Readable;
  /** The parts of a multipart object, when a `partNumber` was asked for; absent for any other object. */
  readonly partsCount?: number;
}

export interface PutObjectOptions {
  readonly contentType?: string;
  /** Required when `body` is a stream. */
  readonly contentLength?: number;
  /**
   * x-amz-expected-bucket-owner: the account that must own the bucket (S3 answers 403
   * AccessDenied when another does, 400 InvalidBucketOwnerAWSAccountID for a malformed id).
   */
  readonly expectedBucketOwner?: string;
  /** Server-side encryption of the new object (absent: the bucket's default). */
  readonly encryption?: PortEncryption;
}

export interface PortTag {
  readonly key: string;
  readonly value: string;
}

export type PortGrantee =
  | { readonly type: 'CanonicalUser'; readonly id: string; readonly displayName?: string }
  | { readonly type: 'Group'; readonly uri: string }
  | { readonly type: 'AmazonCustomerByEmail'; readonly email: string };

export type PortPermission = 'FULL_CONTROL' | 'WRITE' | 'WRITE_ACP' | 'READ' | 'READ_ACP';

export interface PortGrant {
  readonly grantee: PortGrantee;
  readonly permission: PortPermission;
}

/**
 * An ACL as S3 takes it: a canned ACL (x-amz-acl), or explicit grants. With grants, `owner` is
 * the AccessControlPolicy's Owner, which S3 requires to be the object owner (else AccessDenied).
 */
export type PortAcl =
  | { readonly canned: string }
  | { readonly grants: readonly PortGrant[]; readonly owner?: { readonly id: string; readonly displayName?: string } };

/** Content-* and friends, the metadata S3 keeps as HTTP headers. */
export interface PortSystemMetadata {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  /** An HTTP date or ISO-8601 string, sent as the Expires header. */
  readonly expires?: string;
  readonly websiteRedirectLocation?: string;
}

export interface PortMetadata {
  readonly system: PortSystemMetadata;
  /** x-amz-meta-*, names without the prefix. */
  readonly user: Readonly<Record<string, string>>;
}

export interface PortObjectLock {
  readonly mode?: 'GOVERNANCE' | 'COMPLIANCE';
  /** Epoch ms. */
  readonly retainUntil?: number;
  readonly legalHold?: boolean;
}

/**
 * Server-side encryption a write asks for (x-amz-server-side-encryption and friends). Absent, the
 * store applies its default (S3: the bucket's default encryption, SSE-S3 unless configured).
 * `algorithm` may be absent with only `bucketKeyEnabled` given: the request then leaves the
 * algorithm to the bucket's default (a bucket defaulting to SSE-KMS takes the bucket-key setting;
 * the embedded store, whose default is SSE-S3, refuses it with 400 InvalidArgument).
 */
export interface PortEncryption {
  readonly algorithm?: 'AES256' | 'aws:kms';
  /** A KMS key id, alias or ARN (SSE-KMS only). */
  readonly kmsKeyId?: string;
  readonly bucketKeyEnabled?: boolean;
}

/** CopyObject as S3 defines it: every field optional, each absent one means S3's default. */
export interface CopyObjectRequest {
  readonly source: ObjectRef;
  readonly bucket: string;
  readonly key: string;
  /** COPY (S3's default): the source's metadata; REPLACE: `metadata` (empty when absent). */
  readonly metadataDirective?: 'COPY' | 'REPLACE';
  readonly metadata?: PortMetadata;
  /** COPY (default): the source's tags; REPLACE: `tags` ([] = no tags). */
  readonly taggingDirective?: 'COPY' | 'REPLACE';
  readonly tags?: readonly PortTag[];
  readonly storageClass?: string;
  readonly checksumAlgorithm?: string;
  /** Conditions on the source (x-amz-copy-source-if-*), epoch ms. */
  readonly ifModifiedSince?: number;
  readonly ifUnmodifiedSince?: number;
  readonly lock?: PortObjectLock;
  readonly acl?: PortAcl;
  /** The copy's encryption; never the source's (S3 encrypts a copy as asked, else by default). */
  readonly encryption?: PortEncryption;
  /**
   * x-amz-website-redirect-location of the copy, sent whatever the metadata directive: S3 never
   * copies the source's redirect (it is "unique to each object"), so it is this or none.
   */
  readonly websiteRedirectLocation?: string;
  /** x-amz-request-payer: requester, for Requester Pays buckets. */
  readonly requestPayer?: boolean;
}

export interface CopyObjectResponse {
  readonly etag: string;
  readonly versionId?: string;
  readonly sourceVersionId?: string;
}

/**
 * CreateMultipartUpload: what a PutObject/CopyObject would write, given explicitly (there is no
 * directive: a copy reads the source's metadata and tags first when it keeps them).
 */
export interface CreateMultipartUploadRequest {
  readonly bucket: string;
  readonly key: string;
  readonly metadata?: PortMetadata;
  readonly tags?: readonly PortTag[];
  readonly storageClass?: string;
  readonly checksumAlgorithm?: string;
  readonly lock?: PortObjectLock;
  readonly acl?: PortAcl;
  readonly encryption?: PortEncryption;
  readonly requestPayer?: boolean;
}

export interface UploadRef {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  /** x-amz-request-payer: requester on the call (UploadPartCopy, Complete, Abort). */
  readonly requestPayer?: boolean;
}

/** What a read may add to its request. */
export interface ReadOptions {
  /** x-amz-request-payer: requester, for Requester Pays buckets. */
  readonly requestPayer?: boolean;
}

export interface UploadPartCopyRequest extends UploadRef {
  readonly partNumber: number;
  readonly source: ObjectRef;
  /** Inclusive byte range of the source (x-amz-copy-source-range). */
  readonly range: { readonly start: number; readonly end: number };
  /** Conditions on the source (x-amz-copy-source-if-*); ETags with or without quotes, times epoch ms. */
  readonly ifMatch?: string;
  readonly ifModifiedSince?: number;
  readonly ifUnmodifiedSince?: number;
}

export interface UploadPartCopyResponse {
  readonly etag: string;
  /** The part's checksum (base64) when the upload was created with a checksum algorithm. */
  readonly checksum?: { readonly algorithm: string; readonly value: string };
}

export interface CompletedPortPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksum?: { readonly algorithm: string; readonly value: string };
}

export interface CompleteMultipartUploadRequest extends UploadRef {
  readonly parts: readonly CompletedPortPart[];
}

/** What the object subresource calls answer: the version they acted on, when the bucket is versioned. */
export interface VersionResult {
  readonly versionId?: string;
}

/**
 * RestoreObject of an archived object (S3 API Reference, RestoreObject): a temporary readable
 * copy. Absent members are left out of the request, for S3 to decide: `days` is required for
 * GLACIER and DEEP_ARCHIVE objects and refused for Intelligent-Tiering archive tiers, whose
 * restores do not expire; `tier` defaults to Standard.
 */
export interface RestoreObjectRequest {
  readonly days?: number;
  readonly tier?: 'Standard' | 'Bulk' | 'Expedited';
}

export interface RestoreObjectResult extends VersionResult {
  /**
   * 'accepted' (202): a restore was started; 'extended' (200): a restored copy was there, and its
   * expiry now counts from this request. A restore still running fails the call with 409
   * RestoreAlreadyInProgress.
   */
  readonly status: 'accepted' | 'extended';
}

/**
 * PutObjectRetention (S3 API Reference): a mode with its retain-until date, or neither to remove
 * the retention. S3 refuses to shorten a COMPLIANCE retention, and a GOVERNANCE one without
 * `bypassGovernanceRetention` (x-amz-bypass-governance-retention), with 403 AccessDenied.
 */
export interface PortRetention {
  readonly mode?: 'GOVERNANCE' | 'COMPLIANCE';
  /** Epoch ms. */
  readonly retainUntil?: number;
}

/**
 * UpdateObjectEncryption (S3 API Reference): the object's encryption becomes SSE-KMS with this
 * key, in place (no copy: the ETag and LastModified stay).
 */
export interface UpdateObjectEncryptionRequest {
  readonly kmsKeyArn: string;
  readonly bucketKeyEnabled?: boolean;
}

// --- replication (S3ReplicateObject, issue 14) ------------------------------------------------

/** Everything a replica copies of one source version (operations/replicate.ts). */
export interface ReplicationSource {
  /** The version's head: its versionId, metadata and storage class are always there. */
  readonly head: ObjectHead;
  readonly tags: readonly PortTag[];
  /** The version's ACL grants. */
  readonly grants: readonly PortGrant[];
  readonly lock: PortObjectLock;
  /** Its x-amz-replication-status, when it has one. */
  readonly replicationStatus?: string;
}

/**
 * A replica's write: the data streamed (never held whole) with what PutObject can set, and —
 * where the destination keeps them — s3batch's replica extension (domain/replication.ts
 * REPLICA_STATUS_HEADER): the REPLICA status, and the source's version id.
 */
export interface PutReplicaRequest {
  readonly bucket: string;
  readonly key: string;
  readonly contentLength: number;
  readonly metadata: PortMetadata;
  readonly tags: readonly PortTag[];
  /** Absent: the destination's default (private to the bucket owner). */
  readonly grants?: readonly PortGrant[];
  readonly lock?: PortObjectLock;
  readonly storageClass?: string;
  /** Sent only to a store that keeps it (the embedded store, another s3batch). */
  readonly replica?: { readonly versionId: string };
}

/** What a replica is written with, as CreateMultipartUpload (and the store's PutObject) take it. */
export function replicaAttributes(r: PutReplicaRequest): CreateMultipartUploadRequest {
  return {
    bucket: r.bucket,
    key: r.key,
    metadata: r.metadata,
    tags: r.tags,
    ...(r.grants !== undefined ? { acl: { grants: r.grants } } : {}),
    ...(r.lock !== undefined ? { lock: r.lock } : {}),
    ...(r.storageClass !== undefined ? { storageClass: r.storageClass } : {}),
  };
}

/** The replication calls of the port, in a block of their own. */
export interface S3ReplicationPort {
  /** GetBucketReplication; 404 ReplicationConfigurationNotFoundError when the bucket has none. */
  getBucketReplication(bucket: string): Promise<ReplicationConfiguration>;
  /** Head, tags, ACL and Object Lock settings of one version. */
  getReplicationSource(ref: ObjectRef): Promise<ReplicationSource>;
  putReplica(request: PutReplicaRequest, body: Readable): Promise<{ etag: string; versionId?: string }>;
  /**
   * Records x-amz-replication-status on a source version. S3 has no call for it (its replication
   * sets it itself): a store reached over HTTP answers 501 NotImplemented, without a request sent.
   */
  setReplicationStatus(ref: ObjectRef, status: 'COMPLETED' | 'FAILED'): Promise<void>;
}

export interface S3Port {
  /**
   * The replication calls (S3ReplicateObject): the embedded store's and the HTTP client's ports
   * have them; a port without them cannot be replicated from or to.
   */
  readonly replication?: S3ReplicationPort;
  getObject(ref: ObjectRef, options?: GetObjectOptions): Promise<GetObjectResult>;
  headObject(ref: ObjectRef, options?: ReadOptions): Promise<ObjectHead>;
  putObject(
    ref: Omit<ObjectRef, 'versionId'>,
    body: Buffer | Readable,
    options?: PutObjectOptions,
  ): Promise<{ etag: string; versionId?: string }>;
  /** Replaces the version's whole tag set. */
  putObjectTagging(ref: ObjectRef, tags: readonly PortTag[]): Promise<VersionResult>;
  deleteObjectTagging(ref: ObjectRef): Promise<VersionResult>;
  putObjectAcl(ref: ObjectRef, acl: PortAcl): Promise<VersionResult>;
  restoreObject(ref: ObjectRef, request: RestoreObjectRequest): Promise<RestoreObjectResult>;
  putObjectRetention(ref: ObjectRef, retention: PortRetention, options?: { readonly bypassGovernanceRetention?: boolean }): Promise<VersionResult>;
  putObjectLegalHold(ref: ObjectRef, on: boolean): Promise<VersionResult>;
  updateObjectEncryption(ref: ObjectRef, request: UpdateObjectEncryptionRequest): Promise<void>;
  copyObject(request: CopyObjectRequest): Promise<CopyObjectResponse>;
  getObjectTagging(ref: ObjectRef, options?: ReadOptions): Promise<{ tags: PortTag[]; versionId?: string }>;
  createMultipartUpload(request: CreateMultipartUploadRequest): Promise<{ uploadId: string }>;
  uploadPartCopy(request: UploadPartCopyRequest): Promise<UploadPartCopyResponse>;
  completeMultipartUpload(request: CompleteMultipartUploadRequest): Promise<{ etag: string; versionId?: string }>;
  abortMultipartUpload(upload: UploadRef): Promise<void>;
  /** ListObjectsV2, one page: what a manifest generator lists (issue 13). */
  listObjects(bucket: string, options?: ListObjectsOptions): Promise<ListObjectsPage>;
  /** ListObjectVersions, one page: every version of a replication job's generated manifest. */
  listObjectVersions(bucket: string, options?: ListVersionsOptions): Promise<ListVersionsPage>;
}

export class S3PortError extends Error {
  /** S3's error code, e.g. NoSuchKey, AccessDenied, SlowDown; `NetworkError` (or Node's code, ENOTFOUND…) for transport failures: s3/http-s3-client.ts transportFailure. */
  readonly code: string;
  /** The HTTP status S3 answered with; 0 when no answer arrived. */
  readonly status: number;
  /**
   * The store's own <Message>, without the call it answered: what a completion report shows
   * (AWS's ResultMessage is S3's message), so that the HTTP and in-process paths report alike.
   * `message` adds the call (`CopyObject s3://a/b to s3://c/d: …`) for logs and FailureReasons.
   */
  readonly storeMessage: string;
  constructor(code: string, status: number, message: string, options?: { cause?: unknown; storeMessage?: string }) {
    super(message, options);
    this.name = 'S3PortError';
    this.code = code;
    this.status = status;
    this.storeMessage = options?.storeMessage ?? message;
  }
}

/**
 * The code of s3batch's own refusal to call a remote store for an account that has no credentials
 * there (s3/refusing-s3-port.ts): nothing was sent, and the message says what the operator must
 * configure. 403, so that it is never retried.
 */
export const NO_STORE_CREDENTIALS = 'NoStoreCredentials';
