/**
 * Real request bodies (JS SDK v3, boto3, AWS CLI captures and the §4.1 examples) are accepted and
 * read into the expected spec; every fixture survives parse → renderJobSpec → parse.
 */
import { describe, expect, it } from 'vitest';
import { buildXml, parseXml, type XmlElement } from '../../lib/xml.js';
import { parseCreateJobRequest, renderJobSpec } from './index.js';
import {
  baseRequest,
  errorOf,
  fixtureNames,
  fixtureText,
  generatorRequest,
  referenceFragments,
  variantBodies,
  withElement,
} from './test-support.js';

const parse = (xml: string): ReturnType<typeof parseCreateJobRequest> => parseCreateJobRequest(parseXml(xml));

describe('captured CreateJob bodies', () => {
  it('JS SDK v3 (object tag value with & < > accepted: object tags are checked by the store per task)', () => {
    const { spec, clientRequestToken, tags } = parse(fixtureText('createjob-request-js-sdk.xml'));
    expect(clientRequestToken).toBe('tok-0001');
    expect(tags).toEqual([{ Key: 'owner', Value: 'me' }]);
    expect(spec.Operation).toEqual({
      S3PutObjectTagging: {
        TagSet: [
          { Key: 'project', Value: 'blue' },
          { Key: 'env', Value: 'prod & <test>' },
        ],
      },
    });
    expect(spec.Report).toEqual({
      Bucket: 'arn:aws:s3:::report-bucket',
      Format: 'Report_CSV_20180820',
      Enabled: true,
      Prefix: 'reports',
      ReportScope: 'AllTasks',
    });
    expect(spec.Priority).toBe(10);
    expect(spec.RoleArn).toBe('arn:aws:iam::123456789012:role/batch-role');
    expect(spec.ConfirmationRequired).toBe(false);
    expect(spec.Manifest).toEqual({
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
      Location: {
        ObjectArn: 'arn:aws:s3:::manifest-bucket/manifests/m.csv',
        ObjectVersionId: 'v1',
        ETag: '"60e460c9d1046e73f7dde5043ac3ae85"',
      },
    });
    expect(spec.Description).toBe('tag everything');
    expect('ManifestGenerator' in spec).toBe(false);
  });

  it('boto3 (no XML declaration, caller order) and the AWS CLI', () => {
    const boto = parse(fixtureText('createjob-request-boto3.xml'));
    const cli = parse(fixtureText('createjob-request-awscli.xml'));
    expect(boto.clientRequestToken).toBe('tok-boto');
    expect(cli.clientRequestToken).toBe('b9c8919c-1cc7-41ac-b0ea-3e0a5f78d0a0');
    expect(boto.tags).toEqual([]);
    expect(boto.spec.Operation.S3PutObjectTagging?.TagSet).toEqual([{ Key: 'project', Value: 'blue' }]);
    expect(cli.spec.Operation.S3PutObjectTagging?.TagSet).toEqual([{ Key: 'k', Value: 'v' }]);
    // Same job apart from the tag set; members arrive in different orders.
    const { Operation: _a, ...bootRest } = boto.spec;
    const { Operation: _b, ...cliRest } = cli.spec;
    expect(JSON.stringify(bootRest)).toBe(JSON.stringify(cliRest));
    expect(cli.spec.ConfirmationRequired).toBe(false);
    expect(cli.spec.Report.Prefix).toBe('p');
    expect(cli.spec.Manifest?.Location).toEqual({ ObjectArn: 'arn:aws:s3:::m/m.csv', ETag: 'e' });
  });

  it('finds the seven CreateJobRequest bodies of the JS SDK session', () => {
    expect(variantBodies()).toHaveLength(7);
  });

  it('JS SDK variants: copy, restore, canned ACL, delete tagging, replicate, Lambda, generator', () => {
    const [copy, restore, acl, deleteTagging, replicate, lambda, generator] = variantBodies().map(parse);
    expect(copy?.spec.Operation.S3PutObjectCopy).toEqual({
      TargetResource: 'arn:aws:s3:::dst',
      MetadataDirective: 'REPLACE',
      NewObjectMetadata: { UserMetadata: { a: 'b' }, ContentType: 'text/plain' },
      NewObjectTagging: [{ Key: 'k', Value: 'v' }],
      StorageClass: 'STANDARD_IA',
      TargetKeyPrefix: 'copied/',
      ChecksumAlgorithm: 'CRC32',
    });
    expect(copy?.spec.Report).toEqual({ Enabled: false });
    expect(copy?.spec.Manifest?.Spec).toEqual({ Format: 'S3InventoryReport_CSV_20161130' });
    expect(copy?.spec.ConfirmationRequired).toBe(true);
    expect(copy?.clientRequestToken).toBe('fdaaf23c-d058-47ef-976b-a24a31c3c633');
    expect(restore?.spec.Operation).toEqual({ S3InitiateRestoreObject: { ExpirationInDays: 2, GlacierJobTier: 'BULK' } });
    expect(acl?.spec.Operation).toEqual({
      S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: 'public-read' } },
    });
    expect(deleteTagging?.spec.Operation).toEqual({ S3DeleteObjectTagging: {} });
    expect(replicate?.spec.Operation).toEqual({ S3ReplicateObject: {} });
    expect(lambda?.spec.Operation).toEqual({
      LambdaInvoke: {
        FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
        InvocationSchemaVersion: '2.0',
        UserArguments: { x: 'y' },
      },
    });
    expect(generator?.spec.ManifestGenerator).toEqual({
      S3JobManifestGenerator: {
        SourceBucket: 'arn:aws:s3:::src',
        Filter: { CreatedAfter: '2024-01-01T00:00:00.000Z', KeyNameConstraint: { MatchAnyPrefix: ['a/'] } },
        EnableManifestOutput: false,
      },
    });
    expect('Manifest' in (generator?.spec ?? {})).toBe(false);
  });
});

describe('reference §4.1 examples', () => {
  it('the big S3PutObjectCopy request', () => {
    const { spec, clientRequestToken, tags } = parseCreateJobRequest(baseRequest());
    const op = spec.Operation.S3PutObjectCopy;
    expect(clientRequestToken).toBe('tok-1');
    expect(tags).toEqual([
      { Key: 't1', Value: 'v1' },
      { Key: 't2', Value: '' },
    ]);
    expect(op?.AccessControlGrants).toEqual([
      { Grantee: { TypeIdentifier: 'id', Identifier: 'abc', DisplayName: 'n' }, Permission: 'READ' },
    ]);
    expect(op?.ModifiedSinceConstraint).toBe('2020-01-02T03:04:05.000Z');
    expect(op?.UnModifiedSinceConstraint).toBe('2021-01-01T00:00:00.123Z');
    expect(op?.NewObjectMetadata).toEqual({
      CacheControl: 'no-cache',
      UserMetadata: { a: '1', b: '2' },
      ContentType: 'text/plain',
      HttpExpiresDate: '2030-01-01T00:00:00.000Z',
      SSEAlgorithm: 'KMS',
    });
    expect(op?.NewObjectTagging).toEqual([{ Key: 'k', Value: 'v' }]);
    expect(op?.SSEAwsKmsKeyId).toBe('arn:aws:kms:us-east-1:111122223333:key/abc');
    expect(op?.ObjectLockLegalHoldStatus).toBe('ON');
    expect(op?.ObjectLockMode).toBe('GOVERNANCE');
    expect(op?.ObjectLockRetainUntilDate).toBe('2031-01-01T00:00:00.000Z');
    expect(op?.BucketKeyEnabled).toBe(true);
    expect(op?.ChecksumAlgorithm).toBe('CRC32');
    expect(spec.Report.ExpectedBucketOwner).toBe('111122223333');
    expect(spec.Manifest?.Location.ETag).toBe('"abc"');
    expect(spec.ConfirmationRequired).toBe(true);
    expect(spec.Description).toBe('desc');
  });

  it('the ManifestGenerator variant', () => {
    const generator = parseCreateJobRequest(generatorRequest()).spec.ManifestGenerator?.S3JobManifestGenerator;
    expect(generator?.ExpectedBucketOwner).toBe('111122223333');
    expect(generator?.EnableManifestOutput).toBe(true);
    expect(generator?.ManifestOutputLocation).toEqual({
      ExpectedManifestBucketOwner: '111122223333',
      Bucket: 'arn:aws:s3:::man',
      ManifestPrefix: 'mp',
      ManifestEncryption: { SSEKMS: { KeyId: 'arn:aws:kms:us-east-1:111122223333:key/x' } },
      ManifestFormat: 'S3InventoryReport_CSV_20211130',
    });
    expect(generator?.Filter).toEqual({
      EligibleForReplication: true,
      CreatedAfter: '2020-01-01T00:00:00.000Z',
      CreatedBefore: '2024-01-01T00:00:00.000Z',
      ObjectReplicationStatuses: ['NONE', 'FAILED'],
      KeyNameConstraint: { MatchAnyPrefix: ['a/'], MatchAnySuffix: ['.txt'], MatchAnySubstring: ['mid'] },
      ObjectSizeGreaterThanBytes: 1,
      ObjectSizeLessThanBytes: 1000,
      MatchAnyStorageClass: ['STANDARD', 'GLACIER'],
      MatchAnyObjectEncryption: [{ SSEKMS: { KmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/abc', BucketKeyEnabled: true } }],
    });
  });

  const fragments = referenceFragments();

  it('has the eleven other-operation payloads', () => expect(fragments).toHaveLength(11));

  it.each(fragments.filter((f) => !f.includes('<S3PutObjectAcl>')))('accepts %s', (fragment) => {
    expect(() => parseCreateJobRequest(withElement(baseRequest(), '', fragment))).not.toThrow();
  });

  it('rejects the ACL payload that sets both ACL forms ("real jobs use one")', () => {
    const fragment = fragments.find((f) => f.includes('<S3PutObjectAcl>')) ?? '';
    const err = errorOf(() => parseCreateJobRequest(withElement(baseRequest(), '', fragment)));
    expect(err.message).toContain('Operation.S3PutObjectAcl.AccessControlPolicy.CannedAccessControlList must not be given');
  });

  it('reads the other-operation payloads', () => {
    const specs = fragments.map((f) => {
      try {
        return parseCreateJobRequest(withElement(baseRequest(), '', f)).spec;
      } catch {
        return undefined;
      }
    });
    expect(specs[0]?.Operation.LambdaInvoke?.UserArguments).toEqual({ k1: 'v1' });
    expect(specs[2]?.Operation.S3PutObjectTagging).toEqual({ TagSet: [{ Key: 'a', Value: 'b' }] });
    expect(specs[3]?.Operation).toEqual({ S3DeleteObjectTagging: {} });
    expect(specs[4]?.Operation.S3InitiateRestoreObject).toEqual({ ExpirationInDays: 1, GlacierJobTier: 'BULK' });
    expect(specs[5]?.Operation.S3PutObjectLegalHold).toEqual({ LegalHold: { Status: 'ON' } });
    expect(specs[6]?.Operation.S3PutObjectRetention).toEqual({
      BypassGovernanceRetention: true,
      Retention: { RetainUntilDate: '2030-05-05T00:00:00.000Z', Mode: 'GOVERNANCE' },
    });
    expect(specs[7]?.Operation).toEqual({ S3ReplicateObject: {} });
    expect(specs[8]?.Operation.S3ComputeObjectChecksum).toEqual({ ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' });
    expect(specs[9]?.Operation.S3UpdateObjectEncryption).toEqual({
      ObjectEncryption: { SSEKMS: { KMSKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/abcd', BucketKeyEnabled: true } },
    });
    expect(specs[10]?.Manifest).toEqual({
      Spec: { Format: 'S3InventoryReport_CSV_20161130' },
      Location: { ObjectArn: 'arn:aws:s3:::inv/manifest.json', ETag: 'e' },
    });
  });
});

/** Every request fixture as a parsed document, by name. */
function allRequests(): [string, XmlElement][] {
  const files = [...fixtureNames('createjob-request-'), ...fixtureNames('handwritten-'), ...fixtureNames('reference-')];
  return [
    ...files.map((name): [string, XmlElement] => [name, parseXml(fixtureText(name))]),
    ...variantBodies().map((body, i): [string, XmlElement] => [`js-sdk variant ${i}`, parseXml(body)]),
    ['§4.1 ManifestGenerator', generatorRequest()],
    ...referenceFragments()
      .filter((f) => !f.includes('<S3PutObjectAcl>'))
      .map((f, i): [string, XmlElement] => [`§4.1 payload ${i}`, withElement(baseRequest(), '', f)]),
  ];
}

describe('round trip: parse → renderJobSpec → parse', () => {
  it.each(allRequests())('%s', (_name, doc) => {
    const { spec } = parseCreateJobRequest(doc);
    const xml = buildXml({ CreateJobRequest: { ...renderJobSpec(spec), ClientRequestToken: 'round-trip' } });
    const again = parseCreateJobRequest(parseXml(xml)).spec;
    expect(again).toEqual(spec);
    expect(JSON.stringify(again)).toBe(JSON.stringify(spec));
  });
});
