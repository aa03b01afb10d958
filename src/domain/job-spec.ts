/**
 * The canonical, typed model of a job as it was requested: the CreateJob request minus the
 * transport bits (account header, ClientRequestToken, Tags). Member names are AWS's, so that
 * the model reads like the API reference and maps 1:1 onto the SDK types.
 *
 * Stored as JSON (it is the `spec` of a job) and used by DescribeJob, the idempotency comparison,
 * cloning, the dashboard and the CLI. Timestamps are ISO-8601 strings with milliseconds
 * (`2020-01-02T03:04:05.000Z`), normalised on the way in. Optional members are absent (never
 * `undefined`-valued) so that JSON.stringify of two equal requests is equal.
 *
 * `Extensions.s3batch` is the one place for what s3batch adds and the AWS XML never carries
 * (rate limits, user pause, extra operations); nothing in it is rendered in AWS responses.
 */

export interface S3Tag {
  Key: string;
  Value: string;
}

export interface S3Grantee {
  TypeIdentifier?: 'id' | 'emailAddress' | 'uri';
  Identifier?: string;
  DisplayName?: string;
}

export interface S3Grant {
  Grantee?: S3Grantee;
  Permission?: 'FULL_CONTROL' | 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP';
}

export type S3CannedAccessControlList =
  | 'private'
  | 'public-read'
  | 'public-read-write'
  | 'aws-exec-read'
  | 'authenticated-read'
  | 'bucket-owner-read'
  | 'bucket-owner-full-control';

export type S3StorageClass =
  | 'STANDARD'
  | 'STANDARD_IA'
  | 'ONEZONE_IA'
  | 'GLACIER'
  | 'INTELLIGENT_TIERING'
  | 'DEEP_ARCHIVE'
  | 'GLACIER_IR';

export type S3ChecksumAlgorithm =
  | 'CRC32'
  | 'CRC32C'
  | 'SHA1'
  | 'SHA256'
  | 'CRC64NVME'
  | 'SHA512'
  | 'MD5'
  | 'XXHASH64'
  | 'XXHASH3'
  | 'XXHASH128';

export interface S3ObjectMetadata {
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  UserMetadata?: Record<string, string>;
  ContentLength?: number;
  ContentMD5?: string;
  ContentType?: string;
  HttpExpiresDate?: string;
  RequesterCharged?: boolean;
  SSEAlgorithm?: 'AES256' | 'KMS';
}

export interface DaysOrYears {
  Days?: number;
  Years?: number;
}

export interface LambdaInvokeOperation {
  FunctionArn?: string;
  InvocationSchemaVersion?: string;
  UserArguments?: Record<string, string>;
}

export interface S3CopyObjectOperation {
  TargetResource?: string;
  CannedAccessControlList?: S3CannedAccessControlList;
  AccessControlGrants?: S3Grant[];
  MetadataDirective?: 'COPY' | 'REPLACE';
  AnnotationDirective?: 'COPY' | 'EXCLUDE';
  ModifiedSinceConstraint?: string;
  NewObjectMetadata?: S3ObjectMetadata;
  /** absent ⇒ copy the source's tags; empty ⇒ the copy has no tags */
  NewObjectTagging?: S3Tag[];
  RedirectLocation?: string;
  RequesterPays?: boolean;
  StorageClass?: S3StorageClass;
  UnModifiedSinceConstraint?: string;
  SSEAwsKmsKeyId?: string;
  TargetKeyPrefix?: string;
  ObjectLockLegalHoldStatus?: 'OFF' | 'ON';
  ObjectLockMode?: 'COMPLIANCE' | 'GOVERNANCE';
  ObjectLockRetainUntilDate?: string;
  BucketKeyEnabled?: boolean;
  ChecksumAlgorithm?: S3ChecksumAlgorithm;
  ObjectLockEventHold?: 'ON' | 'OFF';
  ObjectLockEventHoldDuration?: DaysOrYears;
}

export interface S3ObjectOwner {
  ID?: string;
  DisplayName?: string;
}

export interface S3AccessControlList {
  Owner: S3ObjectOwner;
  Grants?: S3Grant[];
}

export interface S3AccessControlPolicy {
  AccessControlList?: S3AccessControlList;
  CannedAccessControlList?: S3CannedAccessControlList;
}

export interface S3SetObjectAclOperation {
  AccessControlPolicy?: S3AccessControlPolicy;
}

export interface S3SetObjectTaggingOperation {
  TagSet?: S3Tag[];
}

export type EmptyOperation = Record<string, never>;

export interface S3InitiateRestoreObjectOperation {
  ExpirationInDays?: number;
  GlacierJobTier?: 'BULK' | 'STANDARD';
}

export interface S3SetObjectLegalHoldOperation {
  LegalHold: { Status: 'OFF' | 'ON' };
}

export interface S3Retention {
  RetainUntilDate?: string;
  Mode?: 'COMPLIANCE' | 'GOVERNANCE';
  EventHold?: 'ON' | 'OFF';
  EventHoldDuration?: DaysOrYears;
}

export interface S3SetObjectRetentionOperation {
  BypassGovernanceRetention?: boolean;
  Retention: S3Retention;
}

export interface S3ComputeObjectChecksumOperation {
  ChecksumAlgorithm?: S3ChecksumAlgorithm;
  ChecksumType?: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface S3UpdateObjectEncryptionOperation {
  ObjectEncryption?: { SSEKMS?: { KMSKeyArn: string; BucketKeyEnabled?: boolean } };
}

/** Exactly one member is set (validated at the edge). */
export interface JobOperation {
  LambdaInvoke?: LambdaInvokeOperation;
  S3PutObjectCopy?: S3CopyObjectOperation;
  S3PutObjectAcl?: S3SetObjectAclOperation;
  S3PutObjectTagging?: S3SetObjectTaggingOperation;
  S3DeleteObjectTagging?: EmptyOperation;
  S3InitiateRestoreObject?: S3InitiateRestoreObjectOperation;
  S3PutObjectLegalHold?: S3SetObjectLegalHoldOperation;
  S3PutObjectRetention?: S3SetObjectRetentionOperation;
  S3ReplicateObject?: EmptyOperation;
  S3ComputeObjectChecksum?: S3ComputeObjectChecksumOperation;
  S3UpdateObjectEncryption?: S3UpdateObjectEncryptionOperation;
}

export const OPERATION_NAMES = [
  'LambdaInvoke',
  'S3PutObjectCopy',
  'S3PutObjectAcl',
  'S3PutObjectTagging',
  'S3DeleteObjectTagging',
  'S3InitiateRestoreObject',
  'S3PutObjectLegalHold',
  'S3PutObjectRetention',
  'S3ReplicateObject',
  'S3ComputeObjectChecksum',
  'S3UpdateObjectEncryption',
] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/** The name of the one operation a validated JobOperation carries. */
export function operationName(op: JobOperation): OperationName {
  const name = OPERATION_NAMES.find((n) => op[n] !== undefined);
  if (!name) throw new Error('JobOperation carries no operation');
  return name;
}

export interface JobReport {
  Bucket?: string;
  Format?: 'Report_CSV_20180820';
  Enabled: boolean;
  Prefix?: string;
  ReportScope?: 'AllTasks' | 'FailedTasksOnly';
  ExpectedBucketOwner?: string;
}

export type JobManifestFieldName = 'Ignore' | 'Bucket' | 'Key' | 'VersionId';

export interface JobManifest {
  Spec: {
    Format: 'S3BatchOperations_CSV_20180820' | 'S3InventoryReport_CSV_20161130';
    Fields?: JobManifestFieldName[];
  };
  Location: {
    ObjectArn: string;
    ObjectVersionId?: string;
    ETag: string;
  };
}

export interface ObjectEncryptionFilter {
  SSES3?: EmptyOperation;
  SSEKMS?: { KmsKeyArn?: string; BucketKeyEnabled?: boolean };
  DSSEKMS?: { KmsKeyArn?: string };
  SSEC?: EmptyOperation;
  NOTSSE?: EmptyOperation;
}

export interface JobManifestGeneratorFilter {
  EligibleForReplication?: boolean;
  CreatedAfter?: string;
  CreatedBefore?: string;
  ObjectReplicationStatuses?: ('COMPLETED' | 'FAILED' | 'REPLICA' | 'NONE')[];
  KeyNameConstraint?: {
    MatchAnyPrefix?: string[];
    MatchAnySuffix?: string[];
    MatchAnySubstring?: string[];
  };
  ObjectSizeGreaterThanBytes?: number;
  ObjectSizeLessThanBytes?: number;
  MatchAnyStorageClass?: S3StorageClass[];
  MatchAnyObjectEncryption?: ObjectEncryptionFilter[];
}

export interface S3JobManifestGenerator {
  ExpectedBucketOwner?: string;
  SourceBucket: string;
  ManifestOutputLocation?: {
    ExpectedManifestBucketOwner?: string;
    Bucket: string;
    ManifestPrefix?: string;
    ManifestEncryption?: { SSES3?: EmptyOperation; SSEKMS?: { KeyId: string } };
    ManifestFormat: 'S3InventoryReport_CSV_20211130';
  };
  Filter?: JobManifestGeneratorFilter;
  EnableManifestOutput: boolean;
}

/** A union: exactly one member. */
export interface JobManifestGenerator {
  S3JobManifestGenerator?: S3JobManifestGenerator;
}

/** s3batch's own additions; never rendered in AWS responses. Grows with later issues. */
export interface S3BatchExtensions {
  /**
   * S3UpdateObjectEncryption where the store answers NotImplemented: `copy` re-encrypts by copying
   * each object onto itself (operations/update-encryption.ts). From the job tag
   * `s3batch:encryption-fallback` (ENCRYPTION_FALLBACK_TAG), read at CreateJob.
   */
  encryptionFallback?: 'copy';
  [key: string]: unknown;
}

/** The job tag that asks for S3BatchExtensions.encryptionFallback (its value: `copy`). */
export const ENCRYPTION_FALLBACK_TAG = 's3batch:encryption-fallback';

export interface JobSpec {
  Operation: JobOperation;
  Report: JobReport;
  Priority: number;
  RoleArn: string;
  /** Always the effective value: absent in the request means true, as on AWS. */
  ConfirmationRequired: boolean;
  Manifest?: JobManifest;
  ManifestGenerator?: JobManifestGenerator;
  Description?: string;
  Extensions?: { s3batch?: S3BatchExtensions };
}

/** What CreateJob carries besides the spec. */
export interface CreateJobInput {
  readonly accountId: string;
  readonly clientRequestToken: string;
  readonly spec: JobSpec;
  readonly tags: readonly S3Tag[];
}
