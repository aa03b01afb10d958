/**
 * The embedded object store's storage-layer contract. The HTTP adapter (http/) is a thin protocol
 * layer over it, and the job engine calls it in-process. Every call names the calling account:
 * each account owns its buckets, and another account's bucket answers AccessDenied. Failures
 * are S3Errors (errors.ts) carrying S3's code and status, whichever way the store was reached.
 *
 * Versions: `versionId` is `'null'` for the null version. On a bucket whose versioning was never
 * enabled, results carry no versionId at all (as S3 sends no x-amz-version-id header there).
 */
import type { Readable } from 'node:stream';
import type {
  AccessControlPolicy,
  AclInput,
  BucketInfo,
  CompleteMultipartUploadInput,
  CopyObjectInput,
  CopyObjectResult,
  CreateMultipartUploadInput,
  DeleteObjectOptions,
  DeleteObjectResult,
  DeleteObjectsResult,
  GetObjectOptions,
  GetObjectResult,
  HeadObjectResult,
  ListObjectsOptions,
  ListObjectsResult,
  ListPartsResult,
  ListUploadsOptions,
  ListUploadsResult,
  ListVersionsOptions,
  ListVersionsResult,
  LockMode,
  ObjectLockConfiguration,
  ObjectEncryptionUpdate,
  ObjectRef,
  PartResult,
  PutObjectInput,
  PutObjectResult,
  ReplicationConfiguration,
  ReplicationStatus,
  RestoreRequest,
  Tag,
  UploadPartCopyInput,
  UploadPartInput,
  VersioningStatus,
} from './types.js';

export type { ChecksumAlgorithm, ChecksumType } from './checksums.js';
export type * from './types.js';

export interface ObjectStore {
  // buckets
  listBuckets(account: string): Promise<BucketInfo[]>;
  createBucket(account: string, bucket: string, options?: { objectLockEnabled?: boolean; acl?: AclInput }): Promise<void>;
  deleteBucket(account: string, bucket: string): Promise<void>;
  headBucket(account: string, bucket: string): Promise<BucketInfo>;
  getBucketVersioning(account: string, bucket: string): Promise<VersioningStatus | undefined>;
  putBucketVersioning(account: string, bucket: string, status: VersioningStatus): Promise<void>;
  getObjectLockConfiguration(account: string, bucket: string): Promise<ObjectLockConfiguration>;
  putObjectLockConfiguration(account: string, bucket: string, config: ObjectLockConfiguration): Promise<void>;
  getBucketAcl(account: string, bucket: string): Promise<AccessControlPolicy>;
  putBucketAcl(account: string, bucket: string, acl: AclInput): Promise<void>;

  // objects
  putObject(account: string, input: PutObjectInput, body: Readable | Buffer): Promise<PutObjectResult>;
  getObject(account: string, ref: Omit<ObjectRef, 'versionId'>, options?: GetObjectOptions): Promise<GetObjectResult>;
  headObject(account: string, ref: Omit<ObjectRef, 'versionId'>, options?: GetObjectOptions): Promise<HeadObjectResult>;
  deleteObject(account: string, ref: Omit<ObjectRef, 'versionId'>, options?: DeleteObjectOptions): Promise<DeleteObjectResult>;
  deleteObjects(
    account: string,
    bucket: string,
    objects: ReadonlyArray<{ key: string; versionId?: string }>,
    options?: { bypassGovernanceRetention?: boolean },
  ): Promise<DeleteObjectsResult>;
  copyObject(account: string, input: CopyObjectInput): Promise<CopyObjectResult>;
  listObjects(account: string, bucket: string, options?: ListObjectsOptions): Promise<ListObjectsResult>;
  listObjectVersions(account: string, bucket: string, options?: ListVersionsOptions): Promise<ListVersionsResult>;

  // multipart
  createMultipartUpload(account: string, input: CreateMultipartUploadInput): Promise<{ uploadId: string }>;
  uploadPart(account: string, input: UploadPartInput, body: Readable | Buffer): Promise<PartResult>;
  uploadPartCopy(account: string, input: UploadPartCopyInput): Promise<PartResult & { sourceVersionId?: string }>;
  completeMultipartUpload(account: string, input: CompleteMultipartUploadInput): Promise<PutObjectResult>;
  abortMultipartUpload(account: string, bucket: string, key: string, uploadId: string): Promise<void>;
  listParts(
    account: string,
    bucket: string,
    key: string,
    uploadId: string,
    options?: { partNumberMarker?: number; maxParts?: number },
  ): Promise<ListPartsResult>;
  listMultipartUploads(account: string, bucket: string, options?: ListUploadsOptions): Promise<ListUploadsResult>;

  // subresources of a version (latest when ref.versionId is undefined); each returns the version acted on
  getObjectTagging(account: string, ref: ObjectRef): Promise<{ tags: Tag[]; versionId?: string }>;
  putObjectTagging(account: string, ref: ObjectRef, tags: readonly Tag[]): Promise<{ versionId?: string }>;
  deleteObjectTagging(account: string, ref: ObjectRef): Promise<{ versionId?: string }>;
  getObjectAcl(account: string, ref: ObjectRef): Promise<{ acl: AccessControlPolicy; versionId?: string }>;
  putObjectAcl(account: string, ref: ObjectRef, acl: AclInput): Promise<{ versionId?: string }>;
  /** 'accepted' for a new restore (202), 'extended' when a restored copy already exists (200). */
  restoreObject(account: string, ref: ObjectRef, request: RestoreRequest): Promise<{ status: 'accepted' | 'extended'; versionId?: string }>;
  getObjectRetention(account: string, ref: ObjectRef): Promise<{ mode: LockMode; retainUntil: number }>;
  putObjectRetention(
    account: string,
    ref: ObjectRef,
    retention: { mode?: LockMode; retainUntil?: number },
    options?: { bypassGovernanceRetention?: boolean },
  ): Promise<{ versionId?: string }>;
  getObjectLegalHold(account: string, ref: ObjectRef): Promise<{ status: 'ON' | 'OFF' }>;
  putObjectLegalHold(account: string, ref: ObjectRef, on: boolean): Promise<{ versionId?: string }>;
  /**
   * UpdateObjectEncryption: the version's recorded encryption becomes SSE-KMS with the key given,
   * in place — no data is copied, and its ETag, LastModified, checksum and storage class stay.
   */
  updateObjectEncryption(account: string, ref: ObjectRef, update: ObjectEncryptionUpdate): Promise<void>;

  // replication (S3ReplicateObject; only batch replication runs: writes are not replicated as they happen)
  /** 404 ReplicationConfigurationNotFoundError when the bucket has none. */
  getBucketReplication(account: string, bucket: string): Promise<ReplicationConfiguration>;
  putBucketReplication(account: string, bucket: string, config: ReplicationConfiguration): Promise<void>;
  deleteBucketReplication(account: string, bucket: string): Promise<void>;
  /** Records a version's x-amz-replication-status (a replicated source version becomes COMPLETED). */
  setReplicationStatus(account: string, ref: ObjectRef, status: ReplicationStatus): Promise<void>;

  /** The canonical user id S3 shows for an account. */
  canonicalIdOf(account: string): string;
  close(): Promise<void>;
}
