/**
 * Hand-written bodies for members no installed client sends yet (reference §3.1 "newest
 * additions"): annotation directive, event holds, checksum algorithms, S3UpdateObjectEncryption,
 * every ObjectEncryptionFilter member, report bucket owner; plus Lambda and ACL variants.
 */
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../lib/xml.js';
import { parseCreateJobRequest } from './index.js';
import { fixtureText } from './test-support.js';

const load = (name: string): ReturnType<typeof parseCreateJobRequest> => parseCreateJobRequest(parseXml(fixtureText(name)));
const operation = (name: string): unknown => load(name).spec.Operation;
const filter = (name: string): unknown =>
  load(name).spec.ManifestGenerator?.S3JobManifestGenerator?.Filter?.MatchAnyObjectEncryption;

describe('hand-written CreateJob bodies', () => {
  it('S3PutObjectCopy with the newest members (botocore style)', () => {
    const { spec, tags, clientRequestToken } = load('handwritten-copy-newest-members.xml');
    expect(clientRequestToken).toBe('tok-newest');
    expect(tags).toEqual([]);
    expect(spec.Priority).toBe(2147483647);
    expect(spec.ConfirmationRequired).toBe(true);
    expect(spec.Operation).toEqual({
      S3PutObjectCopy: {
        TargetResource: 'arn:aws:s3:::dest',
        MetadataDirective: 'COPY',
        AnnotationDirective: 'COPY',
        NewObjectMetadata: { UserMetadata: {}, ContentLength: 5368709120, RequesterCharged: false },
        NewObjectTagging: [],
        RedirectLocation: '/elsewhere',
        RequesterPays: true,
        ObjectLockRetainUntilDate: '2031-01-01T00:00:00.123Z',
        ChecksumAlgorithm: 'MD5',
        ObjectLockEventHold: 'ON',
        ObjectLockEventHoldDuration: { Days: 30 },
      },
    });
    expect(spec.Report).toEqual({
      Bucket: 'arn:aws:s3:::rep',
      Format: 'Report_CSV_20180820',
      Enabled: true,
      ReportScope: 'FailedTasksOnly',
      ExpectedBucketOwner: '111122223333',
    });
    expect(spec.Manifest?.Spec.Fields).toEqual(['Ignore', 'Bucket', 'Key', 'VersionId']);
  });

  it('S3PutObjectCopy to an S3 Express bucket, hold for Years, SHA512, EXCLUDE', () => {
    const { spec } = load('handwritten-copy-express-years.xml');
    expect(spec.Priority).toBe(0);
    expect(spec.Operation).toEqual({
      S3PutObjectCopy: {
        TargetResource: 'arn:aws:s3express:us-east-1:111122223333:bucket/base--use1-az4--x-s3',
        AnnotationDirective: 'EXCLUDE',
        ChecksumAlgorithm: 'SHA512',
        ObjectLockEventHold: 'OFF',
        ObjectLockEventHoldDuration: { Years: 100 },
      },
    });
  });

  it('S3PutObjectRetention with EventHold and EventHoldDuration', () => {
    expect(operation('handwritten-retention-event-hold-days.xml')).toEqual({
      S3PutObjectRetention: { Retention: { EventHold: 'ON', EventHoldDuration: { Days: 36500 } } },
    });
    expect(operation('handwritten-retention-event-hold-years.xml')).toEqual({
      S3PutObjectRetention: {
        BypassGovernanceRetention: false,
        Retention: {
          RetainUntilDate: '2030-05-05T00:00:00.000Z',
          Mode: 'COMPLIANCE',
          EventHold: 'OFF',
          EventHoldDuration: { Years: 1 },
        },
      },
    });
    expect(operation('handwritten-retention-remove.xml')).toEqual({ S3PutObjectRetention: { Retention: {} } });
  });

  it('S3ComputeObjectChecksum with the XXHASH algorithms and CRC64NVME without a type', () => {
    expect(operation('handwritten-compute-checksum-xxhash64.xml')).toEqual({
      S3ComputeObjectChecksum: { ChecksumAlgorithm: 'XXHASH64', ChecksumType: 'FULL_OBJECT' },
    });
    expect(operation('handwritten-compute-checksum-xxhash3.xml')).toEqual({
      S3ComputeObjectChecksum: { ChecksumAlgorithm: 'XXHASH3', ChecksumType: 'COMPOSITE' },
    });
    expect(operation('handwritten-compute-checksum-xxhash128.xml')).toEqual({
      S3ComputeObjectChecksum: { ChecksumAlgorithm: 'XXHASH128' },
    });
    expect(operation('handwritten-compute-checksum-crc64nvme-default-type.xml')).toEqual({
      S3ComputeObjectChecksum: { ChecksumAlgorithm: 'CRC64NVME' },
    });
  });

  it('S3UpdateObjectEncryption (another partition, BucketKeyEnabled absent)', () => {
    expect(operation('handwritten-update-object-encryption.xml')).toEqual({
      S3UpdateObjectEncryption: {
        ObjectEncryption: {
          SSEKMS: { KMSKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
        },
      },
    });
  });

  it('S3PutObjectLegalHold OFF', () => {
    expect(operation('handwritten-legal-hold-off.xml')).toEqual({ S3PutObjectLegalHold: { LegalHold: { Status: 'OFF' } } });
  });

  it('LambdaInvoke: schema 1.0 with a $LATEST-qualified function; 2.0 with UserArguments', () => {
    expect(operation('handwritten-lambda-schema-1.0.xml')).toEqual({
      LambdaInvoke: { FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST', InvocationSchemaVersion: '1.0' },
    });
    expect(operation('handwritten-lambda-user-arguments.xml')).toEqual({
      LambdaInvoke: { FunctionArn: 'f', InvocationSchemaVersion: '2.0', UserArguments: { a: 'x & y <z>', b: '' } },
    });
  });

  it('S3PutObjectAcl with a grant list, and with a canned ACL', () => {
    expect(operation('reference-4.1-derived-acl-grants.xml')).toEqual({
      S3PutObjectAcl: {
        AccessControlPolicy: {
          AccessControlList: {
            Owner: { ID: 'oid', DisplayName: 'od' },
            Grants: [
              {
                Grantee: { TypeIdentifier: 'uri', Identifier: 'http://acs.amazonaws.com/groups/global/AllUsers' },
                Permission: 'READ',
              },
            ],
          },
        },
      },
    });
    expect(operation('reference-4.1-derived-acl-canned.xml')).toEqual({
      S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: 'private' } },
    });
  });

  it('MatchAnyObjectEncryption with each union member', () => {
    expect(filter('handwritten-generator-sse-s3.xml')).toEqual([{ SSES3: {} }]);
    expect(filter('handwritten-generator-sse-kms-empty.xml')).toEqual([{ SSEKMS: {} }]);
    expect(filter('handwritten-generator-dsse-kms.xml')).toEqual([
      { DSSEKMS: { KmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abcd-1234' } },
    ]);
    expect(filter('handwritten-generator-sse-c.xml')).toEqual([{ SSEC: {} }]);
    expect(filter('handwritten-generator-not-sse.xml')).toEqual([{ NOTSSE: {} }]);
  });

  it('generator with SSE-S3 manifest encryption, nanosecond timestamps truncated to ms', () => {
    const { spec } = load('handwritten-generator-sse-s3.xml');
    expect(spec.ConfirmationRequired).toBe(false);
    expect(spec.ManifestGenerator).toEqual({
      S3JobManifestGenerator: {
        SourceBucket: 'arn:aws:s3:::src',
        ManifestOutputLocation: {
          Bucket: 'arn:aws:s3:::man',
          ManifestEncryption: { SSES3: {} },
          ManifestFormat: 'S3InventoryReport_CSV_20211130',
        },
        Filter: { CreatedBefore: '2024-01-01T00:00:00.999Z', MatchAnyObjectEncryption: [{ SSES3: {} }] },
        EnableManifestOutput: true,
      },
    });
    expect(load('handwritten-generator-not-sse.xml').spec.ManifestGenerator?.S3JobManifestGenerator?.ExpectedBucketOwner).toBe(
      '111122223333',
    );
  });
});
