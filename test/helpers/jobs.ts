/** Valid CreateJob inputs for the SDK, one per operation, exercising as many members as it models. */
import { randomUUID } from 'node:crypto';
import type { CreateJobCommandInput, JobOperation } from '@aws-sdk/client-s3-control';
import { ACCOUNT_A } from './server.js';

export const MANIFEST_CSV = {
  Spec: { Format: 'S3BatchOperations_CSV_20180820' as const, Fields: ['Bucket' as const, 'Key' as const] },
  Location: { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: '"60e460c9d1046e73f7dde5043ac3ae85"' },
};

export function jobInput(over: Partial<CreateJobCommandInput> = {}, account = ACCOUNT_A): CreateJobCommandInput {
  return {
    AccountId: account.accountId,
    Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'project', Value: 'blue' }] } },
    Report: { Enabled: false },
    Priority: 10,
    RoleArn: `arn:aws:iam::${account.accountId}:role/batch`,
    ClientRequestToken: randomUUID(),
    ConfirmationRequired: false,
    Manifest: MANIFEST_CSV,
    ...over,
  };
}

/** Every operation of today's model, with its members filled. */
export const OPERATIONS: Record<string, JobOperation> = {
  LambdaInvoke: {
    LambdaInvoke: {
      FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST',
      InvocationSchemaVersion: '2.0',
      UserArguments: { k1: 'v1', 'k 2': 'v & <2>' },
    },
  },
  S3PutObjectCopy: {
    S3PutObjectCopy: {
      TargetResource: 'arn:aws:s3:::dest',
      CannedAccessControlList: 'bucket-owner-full-control',
      AccessControlGrants: [
        { Grantee: { TypeIdentifier: 'id', Identifier: 'abc', DisplayName: 'n' }, Permission: 'READ' },
        { Grantee: { TypeIdentifier: 'uri', Identifier: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ_ACP' },
      ],
      MetadataDirective: 'REPLACE',
      ModifiedSinceConstraint: new Date('2020-01-02T03:04:05.000Z'),
      NewObjectMetadata: {
        CacheControl: 'no-cache',
        ContentDisposition: 'attachment',
        ContentEncoding: 'gzip',
        ContentLanguage: 'en',
        UserMetadata: { a: '1', b: '' },
        ContentType: 'text/plain',
        HttpExpiresDate: new Date('2030-01-01T00:00:00.000Z'),
        SSEAlgorithm: 'KMS',
      },
      NewObjectTagging: [{ Key: 'k', Value: 'v' }],
      RedirectLocation: '/elsewhere',
      RequesterPays: true,
      StorageClass: 'STANDARD_IA',
      UnModifiedSinceConstraint: new Date('2021-01-01T00:00:00.123Z'),
      SSEAwsKmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abc',
      TargetKeyPrefix: 'copied/',
      ObjectLockLegalHoldStatus: 'ON',
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: new Date('2031-01-01T00:00:00.000Z'),
      BucketKeyEnabled: true,
      ChecksumAlgorithm: 'CRC64NVME',
    },
  },
  S3PutObjectCopyNoTags: { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', NewObjectTagging: [] } },
  S3PutObjectAclGrants: {
    S3PutObjectAcl: {
      AccessControlPolicy: {
        AccessControlList: {
          Owner: { ID: 'oid', DisplayName: 'od' },
          Grants: [{ Grantee: { TypeIdentifier: 'emailAddress', Identifier: 'a@b.c' }, Permission: 'FULL_CONTROL' }],
        },
      },
    },
  },
  S3PutObjectAclCanned: { S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: 'public-read' } } },
  S3PutObjectTagging: { S3PutObjectTagging: { TagSet: [{ Key: 'a', Value: 'b' }, { Key: 'empty', Value: '' }] } },
  S3PutObjectTaggingEmpty: { S3PutObjectTagging: { TagSet: [] } },
  S3DeleteObjectTagging: { S3DeleteObjectTagging: {} },
  S3InitiateRestoreObject: { S3InitiateRestoreObject: { ExpirationInDays: 2, GlacierJobTier: 'BULK' } },
  S3PutObjectLegalHold: { S3PutObjectLegalHold: { LegalHold: { Status: 'ON' } } },
  S3PutObjectRetention: {
    S3PutObjectRetention: {
      Retention: { RetainUntilDate: new Date('2030-05-05T00:00:00.000Z'), Mode: 'COMPLIANCE' },
      BypassGovernanceRetention: true,
    },
  },
  S3PutObjectRetentionRemove: { S3PutObjectRetention: { Retention: {} } },
  S3ReplicateObject: { S3ReplicateObject: {} },
  S3ComputeObjectChecksum: { S3ComputeObjectChecksum: { ChecksumAlgorithm: 'SHA256', ChecksumType: 'COMPOSITE' } },
  S3UpdateObjectEncryption: {
    S3UpdateObjectEncryption: {
      ObjectEncryption: {
        SSEKMS: { KMSKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/abcd-1234', BucketKeyEnabled: true },
      },
    },
  },
};
