/**
 * JobOperation and the eleven operation shapes (reference §3.2), with the rules the model leaves
 * to the service documentation (§3.1): exactly one operation, Lambda schema versions, one ACL
 * form, retention Mode/RetainUntilDate together, Days xor Years, CRC64NVME only full-object.
 *
 * Two members the model leaves optional are required here, because the operation means nothing
 * without them and S3 would refuse every task the same way: S3ComputeObjectChecksum's
 * ChecksumAlgorithm (no default is documented; ChecksumType defaults to FULL_OBJECT) and
 * S3UpdateObjectEncryption's ObjectEncryption.SSE-KMS (S3's UpdateObjectEncryption takes nothing
 * else: "require a valid new encryption type").
 */
import type {
  DaysOrYears,
  EmptyOperation,
  JobOperation,
  LambdaInvokeOperation,
  S3AccessControlList,
  S3AccessControlPolicy,
  S3CannedAccessControlList,
  S3ComputeObjectChecksumOperation,
  S3CopyObjectOperation,
  S3Grant,
  S3Grantee,
  S3InitiateRestoreObjectOperation,
  S3ObjectMetadata,
  S3ObjectOwner,
  S3Retention,
  S3SetObjectAclOperation,
  S3SetObjectLegalHoldOperation,
  S3SetObjectRetentionOperation,
  S3SetObjectTaggingOperation,
  S3UpdateObjectEncryptionOperation,
} from '../../domain/job-spec.js';
import { MAX_USER_METADATA_BYTES, metadataNameProblem, userMetadataProblem } from '../../lib/user-metadata.js';
import { childPath, entryPath, fail } from './fail.js';
import { bool, type Check, enumOf, int, list, long, map, opt, pattern, req, str, struct, timestamp } from './shape.js';
import {
  computeChecksumAlgorithm,
  copyChecksumAlgorithm,
  kmsKeyArn,
  lockMode,
  maxLength1024,
  nonEmptyKmsKeyArn,
  nonEmptyMaxLength1024,
  nonEmptyMaxLength2048,
  nonEmptyMaxLength64,
  objectTags,
  offOn,
  onOff,
  s3RegionalOrExpressBucketArn,
  storageClass,
} from './shapes-common.js';

type Defined<T> = Exclude<T, undefined>;

const empty = struct<EmptyOperation>({});

const lambdaInvoke = struct<LambdaInvokeOperation>(
  {
    FunctionArn: req(
      str({
        min: 1,
        max: 1024,
        pattern: pattern(
          String.raw`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`,
        ),
      }),
    ),
    InvocationSchemaVersion: opt(
      str({
        min: 1,
        max: 64,
        check: (version, path) => {
          if (version !== '1.0' && version !== '2.0') fail(path, 'must be one of: 1.0, 2.0');
        },
      }),
    ),
    UserArguments: opt(map(nonEmptyMaxLength64, maxLength1024, { min: 1, max: 10 })),
  },
  {
    check: (op, path) => {
      if (op.UserArguments !== undefined && op.InvocationSchemaVersion !== '2.0') {
        fail(childPath(path, 'InvocationSchemaVersion'), 'must be 2.0 when UserArguments is given');
      }
    },
  },
);

const cannedAcl = enumOf<S3CannedAccessControlList>({
  private: true,
  'public-read': true,
  'public-read-write': true,
  'aws-exec-read': true,
  'authenticated-read': true,
  'bucket-owner-read': true,
  'bucket-owner-full-control': true,
});

const grantee = struct<S3Grantee>({
  TypeIdentifier: opt(enumOf<Defined<S3Grantee['TypeIdentifier']>>({ id: true, emailAddress: true, uri: true })),
  Identifier: opt(nonEmptyMaxLength1024),
  DisplayName: opt(nonEmptyMaxLength1024),
});

const grants = list(
  struct<S3Grant>({
    Grantee: opt(grantee),
    Permission: opt(
      enumOf<Defined<S3Grant['Permission']>>({ FULL_CONTROL: true, READ: true, WRITE: true, READ_ACP: true, WRITE_ACP: true }),
    ),
  }),
);

/**
 * UserMetadata becomes `x-amz-meta-*` headers of every CopyObject the job sends: names S3 could
 * never receive, two names that are one header, or more than S3's 2 KB would fail (or, before this
 * rule, corrupt) every task, so the job is refused instead — with the rule the store applies
 * (lib/user-metadata.ts).
 */
const userMetadataRule: Check<S3ObjectMetadata> = (metadata, path) => {
  if (metadata.UserMetadata === undefined) return;
  const problem = userMetadataProblem(metadata.UserMetadata);
  if (problem === undefined) return;
  const at = childPath(path, 'UserMetadata');
  switch (problem.kind) {
    case 'name':
      return fail(entryPath(at, problem.name), `key ${metadataNameProblem(problem.name) ?? ''}`);
    case 'duplicate':
      return fail(
        entryPath(at, problem.name),
        `key is the same metadata header as ${JSON.stringify(problem.other)} (x-amz-meta-${problem.name.toLowerCase()}): S3 stores metadata names in lower case`,
      );
    case 'size':
      return fail(at, `must be at most ${MAX_USER_METADATA_BYTES} bytes in all (the UTF-8 bytes of every key and value, S3's limit for user metadata); it is ${problem.size} bytes`);
  }
};

const objectMetadata = struct<S3ObjectMetadata>({
  CacheControl: opt(nonEmptyMaxLength1024),
  ContentDisposition: opt(nonEmptyMaxLength1024),
  ContentEncoding: opt(nonEmptyMaxLength1024),
  ContentLanguage: opt(nonEmptyMaxLength1024),
  UserMetadata: opt(map(nonEmptyMaxLength1024, maxLength1024, { max: 8192 })),
  ContentLength: opt(long(0)),
  ContentMD5: opt(nonEmptyMaxLength1024),
  ContentType: opt(nonEmptyMaxLength1024),
  HttpExpiresDate: opt(timestamp),
  RequesterCharged: opt(bool),
  SSEAlgorithm: opt(enumOf<Defined<S3ObjectMetadata['SSEAlgorithm']>>({ AES256: true, KMS: true })),
}, { check: userMetadataRule });

const daysOrYearsRule: Check<DaysOrYears> = (duration, path) => {
  if (duration.Days !== undefined && duration.Years !== undefined) {
    fail(childPath(path, 'Years'), 'must not be given together with Days: give exactly one of Days, Years');
  }
  if (duration.Days === undefined && duration.Years === undefined) fail(path, 'must contain exactly one of: Days, Years');
};

/** S3ObjectLockEventHoldDuration and S3ObjectLockRetentionEventHoldDuration (same limits). */
const eventHoldDuration = struct<DaysOrYears>(
  { Days: opt(int(1, 36500)), Years: opt(int(1, 100)) },
  { check: daysOrYearsRule },
);

const copyObject = struct<S3CopyObjectOperation>({
  TargetResource: req(s3RegionalOrExpressBucketArn),
  CannedAccessControlList: opt(cannedAcl),
  AccessControlGrants: opt(grants),
  MetadataDirective: opt(enumOf<Defined<S3CopyObjectOperation['MetadataDirective']>>({ COPY: true, REPLACE: true })),
  AnnotationDirective: opt(enumOf<Defined<S3CopyObjectOperation['AnnotationDirective']>>({ COPY: true, EXCLUDE: true })),
  ModifiedSinceConstraint: opt(timestamp),
  NewObjectMetadata: opt(objectMetadata),
  NewObjectTagging: opt(objectTags),
  RedirectLocation: opt(nonEmptyMaxLength2048),
  RequesterPays: opt(bool),
  StorageClass: opt(storageClass),
  UnModifiedSinceConstraint: opt(timestamp),
  SSEAwsKmsKeyId: opt(kmsKeyArn),
  TargetKeyPrefix: opt(nonEmptyMaxLength1024),
  ObjectLockLegalHoldStatus: opt(offOn),
  ObjectLockMode: opt(lockMode),
  ObjectLockRetainUntilDate: opt(timestamp),
  BucketKeyEnabled: opt(bool),
  ChecksumAlgorithm: opt(copyChecksumAlgorithm),
  ObjectLockEventHold: opt(onOff),
  ObjectLockEventHoldDuration: opt(eventHoldDuration),
});

const accessControlPolicyRule: Check<S3AccessControlPolicy> = (policy, path) => {
  const hasList = policy.AccessControlList !== undefined;
  const hasCanned = policy.CannedAccessControlList !== undefined;
  if (hasList && hasCanned) {
    fail(
      childPath(path, 'CannedAccessControlList'),
      'must not be given together with AccessControlList: give exactly one of AccessControlList, CannedAccessControlList',
    );
  }
  if (!hasList && !hasCanned) fail(path, 'must contain exactly one of: AccessControlList, CannedAccessControlList');
};

const putObjectAcl = struct<S3SetObjectAclOperation>({
  AccessControlPolicy: req(
    struct<S3AccessControlPolicy>(
      {
        AccessControlList: opt(
          struct<S3AccessControlList>({
            Owner: req(struct<S3ObjectOwner>({ ID: opt(nonEmptyMaxLength1024), DisplayName: opt(nonEmptyMaxLength1024) })),
            Grants: opt(grants),
          }),
        ),
        CannedAccessControlList: opt(cannedAcl),
      },
      { check: accessControlPolicyRule },
    ),
  ),
});

const initiateRestore = struct<S3InitiateRestoreObjectOperation>({
  ExpirationInDays: opt(int(0)),
  GlacierJobTier: opt(enumOf<Defined<S3InitiateRestoreObjectOperation['GlacierJobTier']>>({ BULK: true, STANDARD: true })),
});

const retentionRule: Check<S3Retention> = (retention, path) => {
  const why = 'give both Mode and RetainUntilDate to set retention, or neither to remove it';
  if (retention.Mode !== undefined && retention.RetainUntilDate === undefined) {
    fail(childPath(path, 'RetainUntilDate'), `is required when Mode is given: ${why}`);
  }
  if (retention.Mode === undefined && retention.RetainUntilDate !== undefined) {
    fail(childPath(path, 'Mode'), `is required when RetainUntilDate is given: ${why}`);
  }
};

const putObjectRetention = struct<S3SetObjectRetentionOperation>({
  BypassGovernanceRetention: opt(bool),
  Retention: req(
    struct<S3Retention>(
      {
        RetainUntilDate: opt(timestamp),
        Mode: opt(lockMode),
        EventHold: opt(onOff),
        EventHoldDuration: opt(eventHoldDuration),
      },
      { check: retentionRule },
    ),
  ),
});

const computeChecksum = struct<S3ComputeObjectChecksumOperation>(
  {
    ChecksumAlgorithm: req(computeChecksumAlgorithm),
    ChecksumType: opt(
      enumOf<Defined<S3ComputeObjectChecksumOperation['ChecksumType']>>({ FULL_OBJECT: true, COMPOSITE: true }),
    ),
  },
  {
    check: (op, path) => {
      if (op.ChecksumAlgorithm === 'CRC64NVME' && op.ChecksumType !== undefined && op.ChecksumType !== 'FULL_OBJECT') {
        fail(childPath(path, 'ChecksumType'), 'must be FULL_OBJECT when ChecksumAlgorithm is CRC64NVME');
      }
    },
  },
);

type ObjectEncryption = Defined<S3UpdateObjectEncryptionOperation['ObjectEncryption']>;

const updateObjectEncryption = struct<S3UpdateObjectEncryptionOperation>({
  ObjectEncryption: req(
    struct<ObjectEncryption>({
      SSEKMS: req(
        struct<Defined<ObjectEncryption['SSEKMS']>>({ KMSKeyArn: req(nonEmptyKmsKeyArn), BucketKeyEnabled: opt(bool) }),
        'SSE-KMS',
      ),
    }),
  ),
});

/** JobOperation: a structure, but exactly one operation must be set (reference §1). */
export const jobOperation = struct<JobOperation>(
  {
    LambdaInvoke: opt(lambdaInvoke),
    S3PutObjectCopy: opt(copyObject),
    S3PutObjectAcl: opt(putObjectAcl),
    S3PutObjectTagging: opt(struct<S3SetObjectTaggingOperation>({ TagSet: opt(objectTags) })),
    S3DeleteObjectTagging: opt(empty),
    S3InitiateRestoreObject: opt(initiateRestore),
    S3PutObjectLegalHold: opt(
      struct<S3SetObjectLegalHoldOperation>({
        LegalHold: req(
          struct<S3SetObjectLegalHoldOperation['LegalHold']>({
            Status: req(enumOf<S3SetObjectLegalHoldOperation['LegalHold']['Status']>({ OFF: true, ON: true })),
          }),
        ),
      }),
    ),
    S3PutObjectRetention: opt(putObjectRetention),
    S3ReplicateObject: opt(empty),
    S3ComputeObjectChecksum: opt(computeChecksum),
    S3UpdateObjectEncryption: opt(updateObjectEncryption),
  },
  { union: true },
);
