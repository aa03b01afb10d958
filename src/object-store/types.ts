/** The data the ObjectStore contract (object-store.ts) takes and returns. */
import type { Readable } from 'node:stream';
import type { ChecksumAlgorithm, ChecksumType } from './checksums.js';
export type { ReplicationConfiguration, ReplicationStatus } from '../domain/replication.js';
import type { ReplicationStatus } from '../domain/replication.js';

export type StorageClass =
  | 'STANDARD'
  | 'REDUCED_REDUNDANCY'
  | 'STANDARD_IA'
  | 'ONEZONE_IA'
  | 'INTELLIGENT_TIERING'
  | 'GLACIER'
  | 'GLACIER_IR'
  | 'DEEP_ARCHIVE';

export type VersioningStatus = 'Enabled' | 'Suspended';
export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export type Permission = 'FULL_CONTROL' | 'WRITE' | 'WRITE_ACP' | 'READ' | 'READ_ACP';

export type Grantee =
  | { readonly type: 'CanonicalUser'; readonly id: string; readonly displayName?: string }
  | { readonly type: 'Group'; readonly uri: string }
  | { readonly type: 'AmazonCustomerByEmail'; readonly email: string };

export interface Grant {
  readonly grantee: Grantee;
  readonly permission: Permission;
}

export interface Owner {
  /** The canonical user id (64 hex digits). */
  readonly id: string;
  readonly displayName: string;
}

export interface AccessControlPolicy {
  readonly owner: Owner;
  readonly grants: readonly Grant[];
}

/** An ACL as a request gives it: a canned ACL name, or explicit grants (owner implied). */
export type AclInput = { readonly canned: string } | { readonly grants: readonly Grant[]; readonly owner?: Owner };

/** The HTTP "system" metadata S3 stores with an object. */
export interface SystemMetadata {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  readonly expires?: string;
  readonly websiteRedirectLocation?: string;
}

export type SseAlgorithm = 'AES256' | 'aws:kms' | 'aws:kms:dsse';

/**
 * An object's server-side encryption, as S3 keeps and answers it. Nothing is encrypted here (the
 * store keeps plain blobs): this is the setting S3 would apply and report. A write may ask for
 * `bucketKeyEnabled` alone (the algorithm left to the default), hence the optional algorithm in
 * what a request asks; what an object has always names its algorithm.
 */
export interface ServerSideEncryption {
  readonly algorithm: SseAlgorithm;
  /** As the request gave it (there is no KMS to resolve an alias or key id into an ARN). */
  readonly kmsKeyId?: string;
  /** Only ever true (an object without an S3 Bucket Key has no flag). */
  readonly bucketKeyEnabled?: boolean;
}

/**
 * UpdateObjectEncryption's request (S3 API Reference, UpdateObjectEncryption): the object's new
 * encryption, which S3 takes only as SSE-KMS with a key ARN. Members are optional as a request may
 * leave them out: the store refuses such a request as S3 does.
 */
export interface ObjectEncryptionUpdate {
  readonly sseKms?: { readonly kmsKeyArn?: string; readonly bucketKeyEnabled?: boolean };
}

/** The encryption a write asks for (x-amz-server-side-encryption*); absent = the default (SSE-S3). */
export interface EncryptionRequest {
  readonly algorithm?: SseAlgorithm;
  readonly kmsKeyId?: string;
  readonly bucketKeyEnabled?: boolean;
}

export interface ObjectMetadata {
  readonly system: SystemMetadata;
  /** `x-amz-meta-*`, names lower-case and without the prefix. */
  readonly user: Readonly<Record<string, string>>;
}

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Base64; a COMPOSITE multipart checksum ends in `-N`. */
  readonly value: string;
  readonly type: ChecksumType;
}

export interface ObjectLock {
  readonly mode?: LockMode;
  /** Epoch ms. */
  readonly retainUntil?: number;
  readonly legalHold?: boolean;
}

export interface RestoreStatus {
  /** True while the restore is running. */
  readonly ongoing: boolean;
  /** Epoch ms at which the restored copy expires (once it is ready). */
  readonly expiry?: number;
}

export interface ObjectInfo {
  readonly bucket: string;
  readonly key: string;
  /** Undefined on a never-versioned bucket; `'null'` for the null version. */
  readonly versionId?: string;
  readonly isLatest: boolean;
  readonly size: number;
  /** With its quotes, as S3 sends it. */
  readonly etag: string;
  /** Epoch ms. */
  readonly lastModified: number;
  readonly metadata: ObjectMetadata;
  readonly storageClass: StorageClass;
  readonly checksum?: Checksum;
  /** Number of parts of a multipart object. */
  readonly partsCount?: number;
  /** The parts of a multipart object, in order: size, and its checksum when the upload had an algorithm. */
  readonly parts?: ReadonlyArray<{ readonly size: number; readonly checksum?: string }>;
  readonly tagCount: number;
  readonly restore?: RestoreStatus;
  readonly lock: ObjectLock;
  /** The owning account. */
  readonly owner: string;
  readonly encryption: ServerSideEncryption;
  /** x-amz-replication-status (COMPLETED on a replicated source, REPLICA on a replica). */
  readonly replicationStatus?: ReplicationStatus;
}

export interface BucketInfo {
  readonly name: string;
  /** Epoch ms. */
  readonly created: number;
  readonly region: string;
  readonly owner: string;
}

export interface DefaultRetention {
  readonly mode: LockMode;
  readonly days?: number;
  readonly years?: number;
}

export interface ObjectLockConfiguration {
  readonly enabled: boolean;
  readonly defaultRetention?: DefaultRetention;
}

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export interface Conditions {
  /** ETags as sent (quotes optional, `*` allowed, comma-separated lists allowed). */
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  /** Epoch ms. */
  readonly ifModifiedSince?: number;
  readonly ifUnmodifiedSince?: number;
}

/** What a client claims about an upload's content; every claim is checked while streaming. */
export interface UploadIntegrity {
  /** Content-MD5, base64. */
  readonly contentMd5?: string;
  /** The hex x-amz-content-sha256 of a header-signed request. */
  readonly sha256Hex?: string;
  /** The exact size the body must have (decoded), when known. */
  readonly contentLength?: number;
  readonly checksum?: {
    readonly algorithm: ChecksumAlgorithm;
    /** From an x-amz-checksum-* header. */
    readonly value?: string;
    /** From an aws-chunked trailer: asked for once the body has ended. */
    readonly trailer?: () => Promise<string | undefined>;
  };
}

export interface WriteAttributes {
  readonly metadata?: ObjectMetadata;
  readonly tags?: readonly Tag[];
  readonly acl?: AclInput;
  readonly storageClass?: StorageClass;
  readonly lock?: ObjectLock;
  readonly encryption?: EncryptionRequest;
}

export interface PutObjectInput extends WriteAttributes {
  readonly bucket: string;
  readonly key: string;
  readonly integrity?: UploadIntegrity;
  /** Conditional write: `*` (must not exist) / an ETag (must match the current object). */
  readonly conditions?: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'>;
  /** A replica (S3ReplicateObject): marked REPLICA, with the source's version id when given. */
  readonly replica?: ReplicaWrite;
}

/**
 * How a replica is written: it is marked x-amz-replication-status REPLICA, and keeps the source's
 * version id (as S3's replicas do) when `versionId` is given — replacing a version of that id,
 * so that replicating a version again leaves one copy of it.
 */
export interface ReplicaWrite {
  readonly versionId?: string;
}

export interface PutObjectResult {
  readonly etag: string;
  readonly versionId?: string;
  readonly size: number;
  readonly checksum?: Checksum;
  readonly encryption: ServerSideEncryption;
}

export interface ByteRange {
  /** Inclusive; a suffix range has `suffix` instead. */
  readonly start?: number;
  readonly end?: number;
  /** Last `suffix` bytes. */
  readonly suffix?: number;
}

export interface GetObjectOptions {
  readonly versionId?: string;
  readonly range?: ByteRange;
  readonly partNumber?: number;
  readonly conditions?: Conditions;
}

export interface GetObjectResult {
  readonly info: ObjectInfo;
  /** The bytes served (inclusive) when a range or part was asked for. */
  readonly range?: { readonly start: number; readonly end: number };
  readonly contentLength: number;
  readonly body: Readable;
}

export type HeadObjectResult = Omit<GetObjectResult, 'body'>;

export interface DeleteObjectOptions {
  readonly versionId?: string;
  readonly bypassGovernanceRetention?: boolean;
  readonly conditions?: Pick<Conditions, 'ifMatch'>;
}

export interface DeleteObjectResult {
  readonly versionId?: string;
  /** True when a delete marker was created, or the deleted version was one. */
  readonly deleteMarker: boolean;
}

export interface DeleteObjectsResult {
  readonly deleted: ReadonlyArray<{
    readonly key: string;
    readonly versionId?: string;
    readonly deleteMarker?: boolean;
    readonly deleteMarkerVersionId?: string;
  }>;
  readonly errors: ReadonlyArray<{ readonly key: string; readonly versionId?: string; readonly code: string; readonly message: string }>;
}

export type MetadataDirective = 'COPY' | 'REPLACE';

export interface CopyObjectInput extends WriteAttributes {
  readonly source: ObjectRef;
  readonly bucket: string;
  readonly key: string;
  readonly metadataDirective?: MetadataDirective;
  readonly taggingDirective?: MetadataDirective;
  /** Conditions on the source (x-amz-copy-source-if-*). */
  readonly sourceConditions?: Conditions;
  /**
   * Conditional write on the destination, as for PutObject: `*` (must not exist) / an ETag (must
   * match the current object). S3's CopyObject takes If-None-Match and If-Match since 2024.
   */
  readonly conditions?: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'>;
  /** Asks for this checksum on the copy (x-amz-checksum-algorithm). */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  /**
   * x-amz-website-redirect-location of the copy, whatever the directive. S3 never copies the
   * source's ("unique to each object"); absent, a REPLACE takes `metadata`'s, a COPY has none.
   */
  readonly websiteRedirectLocation?: string;
}

export interface CopyObjectResult {
  readonly etag: string;
  readonly lastModified: number;
  readonly versionId?: string;
  readonly sourceVersionId?: string;
  readonly checksum?: Checksum;
  /** The copy's: from the request, else the default — never the source's. */
  readonly encryption: ServerSideEncryption;
}

export interface ListObjectsOptions {
  readonly prefix?: string;
  readonly delimiter?: string;
  /** Exclusive start: a key, or a common prefix returned earlier (skips everything under it). */
  readonly after?: string;
  readonly maxKeys?: number;
}

export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: number;
  readonly storageClass: StorageClass;
  readonly owner: string;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly checksumType?: ChecksumType;
  readonly restore?: RestoreStatus;
}

export interface ListObjectsResult {
  readonly objects: readonly ObjectSummary[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts (exclusive). */
  readonly next?: string;
}

export interface ListVersionsOptions {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly keyMarker?: string;
  readonly versionIdMarker?: string;
  readonly maxKeys?: number;
}

export interface VersionSummary extends ObjectSummary {
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
}

export interface ListVersionsResult {
  readonly versions: readonly VersionSummary[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
  readonly nextKeyMarker?: string;
  readonly nextVersionIdMarker?: string;
}

export interface CreateMultipartUploadInput extends WriteAttributes {
  readonly bucket: string;
  readonly key: string;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly checksumType?: ChecksumType;
  /** A replica's upload: applied when it completes (PutObjectInput.replica). */
  readonly replica?: ReplicaWrite;
}

export interface UploadPartInput {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly partNumber: number;
  readonly integrity?: UploadIntegrity;
}

export interface PartResult {
  readonly etag: string;
  readonly checksum?: Checksum;
  readonly lastModified: number;
  /** The upload's (S3 answers it on every part). */
  readonly encryption: ServerSideEncryption;
}

export interface UploadPartCopyInput {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly partNumber: number;
  readonly source: ObjectRef;
  /** Inclusive byte range of the source (x-amz-copy-source-range). */
  readonly range?: { readonly start: number; readonly end: number };
  readonly sourceConditions?: Conditions;
}

export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteMultipartUploadInput {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly parts: readonly CompletedPart[];
  /** A full-object checksum the client computed (x-amz-checksum-* on Complete). */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
  readonly conditions?: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'>;
}

export interface UploadInfo {
  readonly uploadId: string;
  readonly key: string;
  readonly initiated: number;
  readonly storageClass: StorageClass;
  readonly owner: string;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly checksumType?: ChecksumType;
  readonly encryption: ServerSideEncryption;
}

export interface PartInfo {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: number;
  readonly checksum?: string;
}

export interface ListPartsResult {
  readonly upload: UploadInfo;
  readonly parts: readonly PartInfo[];
  readonly isTruncated: boolean;
  readonly nextPartNumberMarker?: number;
}

export interface ListUploadsOptions {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly keyMarker?: string;
  readonly uploadIdMarker?: string;
  readonly maxUploads?: number;
}

export interface ListUploadsResult {
  readonly uploads: readonly UploadInfo[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
  readonly nextKeyMarker?: string;
  readonly nextUploadIdMarker?: string;
}

export interface RestoreRequest {
  /** Days the restored copy is kept (required for GLACIER and DEEP_ARCHIVE objects). */
  readonly days?: number;
  readonly tier?: 'Standard' | 'Bulk' | 'Expedited';
}

