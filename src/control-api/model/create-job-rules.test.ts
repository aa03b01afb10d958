/**
 * One failing case per rule of CreateJobRequest outside Operation (reference §3.1, §3.2, §5.11):
 * request members, job tags, Report, Manifest, ManifestGenerator and its filter. Each case
 * changes one thing in a valid request (the big §4.1 example, or it with the §4.1
 * ManifestGenerator instead of its Manifest). Expected paths and rules are written by hand from
 * the reference tables.
 */
import { describe, expect, it } from 'vitest';
import type { XmlElement } from '../../lib/xml.js';
import { parseCreateJobRequest } from './index.js';
import { baseRequest, errorOf, generatorRequest, withElement, without } from './test-support.js';

type Case = readonly [rule: string, doc: () => XmlElement, path: string, says: string];

const x = (n: number, ch = 'x'): string => ch.repeat(n);
const set = (parent: string, fragment: string) => (): XmlElement => withElement(baseRequest(), parent, fragment);
const drop = (path: string) => (): XmlElement => without(baseRequest(), path);
const gset = (parent: string, fragment: string) => (): XmlElement => withElement(generatorRequest(), parent, fragment);
const gdrop = (path: string) => (): XmlElement => without(generatorRequest(), path);
const tags = (n: number): string =>
  `<Tags>${Array.from({ length: n }, (_, i) => `<member><Key>k${i}</Key><Value>v</Value></member>`).join('')}</Tags>`;
const tag = (key: string, value: string): string => `<Tags><member><Key>${key}</Key><Value>${value}</Value></member></Tags>`;

const INT = 'must be an integer between 0 and 2147483647';
const LONG0 = 'must be an integer between 0 and 9007199254740991';
const BOOL = 'must be a boolean (true or false)';
const TIME = 'must be an ISO-8601 timestamp';
const TAG_PATTERN = String.raw`must match pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`;
const ACCOUNT_PATTERN = String.raw`must match pattern ^\d{12}$`;
const KMS_PATTERN = 'must match pattern arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+';
const KMS_ARN = 'arn:aws:kms:us-east-1:111122223333:key/';

const request: Case[] = [
  ['root element must be CreateJobRequest', () => ({ CreateJob: baseRequest()['CreateJobRequest'] ?? '' }), 'The request body', 'must be a CreateJobRequest'],
  ['ConfirmationRequired is a boolean', set('', '<ConfirmationRequired>yes</ConfirmationRequired>'), 'ConfirmationRequired', BOOL],
  ['Operation is required', drop('Operation'), 'Operation', 'is required'],
  ['Report is required', drop('Report'), 'Report', 'is required'],
  ['ClientRequestToken is required', drop('ClientRequestToken'), 'ClientRequestToken', 'is required'],
  ['ClientRequestToken min 1', set('', '<ClientRequestToken/>'), 'ClientRequestToken', 'must be at least 1 character long'],
  ['ClientRequestToken max 64', set('', `<ClientRequestToken>${x(65)}</ClientRequestToken>`), 'ClientRequestToken', 'must be at most 64 characters long'],
  ['Description min 1', set('', '<Description></Description>'), 'Description', 'must be at least 1 character long'],
  ['Description max 256', set('', `<Description>${x(257)}</Description>`), 'Description', 'must be at most 256 characters long'],
  ['Description max 256 counts characters, not UTF-16 units', set('', `<Description>${x(257, '😀')}</Description>`), 'Description', 'at most 256'],
  ['Priority is required', drop('Priority'), 'Priority', 'is required'],
  ['Priority min 0', set('', '<Priority>-1</Priority>'), 'Priority', INT],
  ['Priority max 2147483647', set('', '<Priority>2147483648</Priority>'), 'Priority', INT],
  ['Priority is decimal: no fraction', set('', '<Priority>1.5</Priority>'), 'Priority', INT],
  ['Priority is decimal: no exponent', set('', '<Priority>1e3</Priority>'), 'Priority', INT],
  ['Priority is decimal: no spaces', set('', '<Priority> 12</Priority>'), 'Priority', INT],
  ['Priority is decimal: not empty', set('', '<Priority></Priority>'), 'Priority', INT],
  ['Priority is decimal: no sign', set('', '<Priority>+1</Priority>'), 'Priority', INT],
  ['Priority is decimal: no overflow', set('', '<Priority>99999999999999999999999</Priority>'), 'Priority', INT],
  ['Priority is text, not an element', set('', '<Priority><Value>1</Value></Priority>'), 'Priority', 'must be a text value'],
  ['Priority occurs once', set('', '<Priority>1</Priority><Priority>2</Priority>'), 'Priority', 'must occur at most once'],
  ['RoleArn is required', drop('RoleArn'), 'RoleArn', 'is required'],
  ['RoleArn min 1', set('', '<RoleArn/>'), 'RoleArn', 'must be at least 1 character long'],
  ['RoleArn max 2048', set('', `<RoleArn>arn:aws:iam::111122223333:role/${x(2048)}</RoleArn>`), 'RoleArn', 'must be at most 2048 characters long'],
  ['RoleArn pattern', set('', '<RoleArn>arn:aws:iam::1111:role/r</RoleArn>'), 'RoleArn', String.raw`must match pattern arn:[^:]+:iam::\d{12}:role/.*`],
  ['Report is a structure, not text', set('', '<Report>yes</Report>'), 'Report', 'must contain elements'],
  ['a Manifest or a ManifestGenerator', drop('Manifest'), 'Manifest', 'or ManifestGenerator is required'],
  ['not both Manifest and ManifestGenerator', () => withElement(generatorRequest(), '', baseManifest()), 'ManifestGenerator', 'must not be given together with Manifest'],
];

function baseManifest(): string {
  return '<Manifest><Spec><Format>S3InventoryReport_CSV_20161130</Format></Spec><Location><ObjectArn>arn:aws:s3:::inv/manifest.json</ObjectArn><ETag>e</ETag></Location></Manifest>';
}

const jobTags: Case[] = [
  ['Tags at most 50', set('', tags(51)), 'Tags', 'must have at most 50 items'],
  ['Tags keys unique', set('', '<Tags><member><Key>a</Key><Value>1</Value></member><member><Key>a</Key><Value>2</Value></member></Tags>'), 'Tags[1].Key', 'must be unique'],
  ['Tags items are <member>', set('', '<Tags><S3Tag><Key>a</Key><Value>b</Value></S3Tag></Tags>'), 'Tags.S3Tag', 'is not allowed'],
  ['Tag Key is required', set('', '<Tags><member><Value>v</Value></member></Tags>'), 'Tags[0].Key', 'is required'],
  ['Tag Value is required', set('', '<Tags><member><Key>k</Key></member></Tags>'), 'Tags[0].Value', 'is required'],
  ['Tag Key min 1', set('', tag('', 'v')), 'Tags[0].Key', 'must be at least 1 character long'],
  ['Tag Key max 128', set('', tag(x(129), 'v')), 'Tags[0].Key', 'must be at most 128 characters long'],
  ['Tag Key pattern', set('', tag('a*b', 'v')), 'Tags[0].Key', TAG_PATTERN],
  ['Tag Value max 256', () => withElement(baseRequest(), 'Tags', `<member><Key>a</Key><Value/></member><member><Key>b</Key><Value/></member><member><Key>c</Key><Value/></member><member><Key>d</Key><Value>${x(257)}</Value></member>`), 'Tags[3].Value', 'must be at most 256 characters long'],
  ['Tag Value pattern', set('', tag('k', 'v#1')), 'Tags[0].Value', TAG_PATTERN],
];

const report: Case[] = [
  ['Report.Enabled is required', set('', '<Report><Bucket>arn:aws:s3:::rep</Bucket></Report>'), 'Report.Enabled', 'is required'],
  ['Report.Enabled is a boolean', set('Report', '<Enabled>TRUE</Enabled>'), 'Report.Enabled', BOOL],
  ['Report.Bucket min 1', set('Report', '<Bucket/>'), 'Report.Bucket', 'must be at least 1 character long'],
  ['Report.Bucket max 128', set('Report', `<Bucket>arn:aws:s3:::${x(116)}</Bucket>`), 'Report.Bucket', 'must be at most 128 characters long'],
  ['Report.Bucket pattern', set('Report', '<Bucket>arn:aws:sqs:::rep</Bucket>'), 'Report.Bucket', 'must match pattern arn:[^:]+:s3:.*'],
  ['Report.Bucket names a bucket', set('Report', '<Bucket>arn:aws:s3:::rep/key</Bucket>'), 'Report.Bucket', 'must be an S3 bucket ARN'],
  ['Report.Format enum', set('Report', '<Format>Report_JSON</Format>'), 'Report.Format', 'must be one of: Report_CSV_20180820'],
  ['Report.Prefix min 1', set('Report', '<Prefix/>'), 'Report.Prefix', 'must be at least 1 character long'],
  ['Report.Prefix max 512', set('Report', `<Prefix>${x(513)}</Prefix>`), 'Report.Prefix', 'must be at most 512 characters long'],
  ['Report.ReportScope enum', set('Report', '<ReportScope>SucceededTasksOnly</ReportScope>'), 'Report.ReportScope', 'must be one of: AllTasks, FailedTasksOnly'],
  ['Report.ExpectedBucketOwner max 64', set('Report', `<ExpectedBucketOwner>${x(65, '1')}</ExpectedBucketOwner>`), 'Report.ExpectedBucketOwner', 'must be at most 64 characters long'],
  ['Report.ExpectedBucketOwner pattern', set('Report', '<ExpectedBucketOwner>1234</ExpectedBucketOwner>'), 'Report.ExpectedBucketOwner', ACCOUNT_PATTERN],
  ['enabled Report needs a Bucket', drop('Report.Bucket'), 'Report.Bucket', 'is required when Enabled is true'],
  ['enabled Report needs a Format', drop('Report.Format'), 'Report.Format', 'is required when Enabled is true'],
];

const fields = (...names: string[]): string => `<Fields>${names.map((n) => `<member>${n}</member>`).join('')}</Fields>`;
const CSV = 'S3BatchOperations_CSV_20180820';

const manifest: Case[] = [
  ['Manifest.Spec is required', drop('Manifest.Spec'), 'Manifest.Spec', 'is required'],
  ['Manifest.Location is required', drop('Manifest.Location'), 'Manifest.Location', 'is required'],
  ['Manifest.Spec.Format is required', drop('Manifest.Spec.Format'), 'Manifest.Spec.Format', 'is required'],
  ['Manifest.Spec.Format enum', set('Manifest.Spec', '<Format>CSV</Format>'), 'Manifest.Spec.Format', `must be one of: ${CSV}, S3InventoryReport_CSV_20161130`],
  ['Manifest.Spec.Fields items enum', set('Manifest.Spec', fields('Bucket', 'Name', 'Key')), 'Manifest.Spec.Fields[1]', 'must be one of: Ignore, Bucket, Key, VersionId'],
  ['CSV manifest needs Fields', drop('Manifest.Spec.Fields'), 'Manifest.Spec.Fields', `is required when Format is ${CSV}`],
  ['CSV Fields contain Bucket', set('Manifest.Spec', fields('Ignore', 'Key')), 'Manifest.Spec.Fields', 'must contain Bucket'],
  ['CSV Fields contain Key', set('Manifest.Spec', fields('Bucket', 'VersionId')), 'Manifest.Spec.Fields', 'must contain Key'],
  ['CSV Fields: Bucket once', set('Manifest.Spec', fields('Bucket', 'Key', 'Bucket')), 'Manifest.Spec.Fields[2]', 'repeats Bucket'],
  ['CSV Fields: Key once', set('Manifest.Spec', fields('Key', 'Bucket', 'Key')), 'Manifest.Spec.Fields[2]', 'repeats Key'],
  ['CSV Fields: VersionId at most once', set('Manifest.Spec', fields('Bucket', 'Key', 'VersionId', 'VersionId')), 'Manifest.Spec.Fields[3]', 'repeats VersionId'],
  ['Manifest.Location.ObjectArn is required', drop('Manifest.Location.ObjectArn'), 'Manifest.Location.ObjectArn', 'is required'],
  ['ObjectArn min 1', set('Manifest.Location', '<ObjectArn/>'), 'Manifest.Location.ObjectArn', 'must be at least 1 character long'],
  ['ObjectArn max 2000', set('Manifest.Location', `<ObjectArn>arn:aws:s3:::src/${x(1987)}</ObjectArn>`), 'Manifest.Location.ObjectArn', 'must be at most 2000 characters long'],
  ['ObjectArn pattern', set('Manifest.Location', '<ObjectArn>arn:aws:sqs:::src/m.csv</ObjectArn>'), 'Manifest.Location.ObjectArn', 'must match pattern arn:[^:]+:s3:.*'],
  ['ObjectArn names a bucket and a key', set('Manifest.Location', '<ObjectArn>arn:aws:s3:::src</ObjectArn>'), 'Manifest.Location.ObjectArn', 'must be an S3 object ARN'],
  ['ObjectArn names a key', set('Manifest.Location', '<ObjectArn>arn:aws:s3:::src/</ObjectArn>'), 'Manifest.Location.ObjectArn', 'must be an S3 object ARN'],
  ['ObjectVersionId min 1', set('Manifest.Location', '<ObjectVersionId/>'), 'Manifest.Location.ObjectVersionId', 'must be at least 1 character long'],
  ['ObjectVersionId max 2000', set('Manifest.Location', `<ObjectVersionId>${x(2001)}</ObjectVersionId>`), 'Manifest.Location.ObjectVersionId', 'must be at most 2000 characters long'],
  ['ETag is required', drop('Manifest.Location.ETag'), 'Manifest.Location.ETag', 'is required'],
  ['ETag min 1', set('Manifest.Location', '<ETag></ETag>'), 'Manifest.Location.ETag', 'must be at least 1 character long'],
  ['ETag max 1024', set('Manifest.Location', `<ETag>${x(1025)}</ETag>`), 'Manifest.Location.ETag', 'must be at most 1024 characters long'],
];

const G = 'ManifestGenerator.S3JobManifestGenerator';
const O = `${G}.ManifestOutputLocation`;
const F = `${G}.Filter`;

const generator: Case[] = [
  ['ManifestGenerator has one member', gset('', '<ManifestGenerator/>'), 'ManifestGenerator', 'must contain exactly one of: S3JobManifestGenerator'],
  ['ManifestGenerator: unknown member', gset('', '<ManifestGenerator><S3Future/></ManifestGenerator>'), 'ManifestGenerator.S3Future', 'is not supported'],
  ['SourceBucket is required', gdrop(`${G}.SourceBucket`), `${G}.SourceBucket`, 'is required'],
  ['SourceBucket min 1', gset(G, '<SourceBucket/>'), `${G}.SourceBucket`, 'must be at least 1 character long'],
  ['SourceBucket max 128', gset(G, `<SourceBucket>arn:aws:s3:::${x(116)}</SourceBucket>`), `${G}.SourceBucket`, 'must be at most 128 characters long'],
  ['SourceBucket pattern', gset(G, '<SourceBucket>arn:aws:s3express:us-east-1:111122223333:bucket/b--x-s3</SourceBucket>'), `${G}.SourceBucket`, 'must match pattern arn:[^:]+:s3:.*'],
  ['SourceBucket names a bucket', gset(G, '<SourceBucket>arn:aws:s3:us-east-1:111122223333:accesspoint/ap</SourceBucket>'), `${G}.SourceBucket`, 'must be an S3 bucket ARN'],
  ['EnableManifestOutput is required', gdrop(`${G}.EnableManifestOutput`), `${G}.EnableManifestOutput`, 'is required'],
  ['EnableManifestOutput is a boolean', gset(G, '<EnableManifestOutput>1</EnableManifestOutput>'), `${G}.EnableManifestOutput`, BOOL],
  ['ExpectedBucketOwner max 64', gset(G, `<ExpectedBucketOwner>${x(65, '1')}</ExpectedBucketOwner>`), `${G}.ExpectedBucketOwner`, 'must be at most 64 characters long'],
  ['ExpectedBucketOwner pattern', gset(G, '<ExpectedBucketOwner>11112222333a</ExpectedBucketOwner>'), `${G}.ExpectedBucketOwner`, ACCOUNT_PATTERN],
  ['EnableManifestOutput=true needs ManifestOutputLocation', gdrop(`${G}.ManifestOutputLocation`), O, 'is required when EnableManifestOutput is true'],
  ['ManifestOutputLocation.Bucket is required', gdrop(`${O}.Bucket`), `${O}.Bucket`, 'is required'],
  ['ManifestOutputLocation.Bucket min 1', gset(O, '<Bucket/>'), `${O}.Bucket`, 'must be at least 1 character long'],
  ['ManifestOutputLocation.Bucket max 128', gset(O, `<Bucket>arn:aws:s3:::${x(116)}</Bucket>`), `${O}.Bucket`, 'must be at most 128 characters long'],
  ['ManifestOutputLocation.Bucket pattern', gset(O, '<Bucket>man</Bucket>'), `${O}.Bucket`, 'must match pattern arn:[^:]+:s3:.*'],
  ['ManifestOutputLocation.Bucket names a bucket', gset(O, '<Bucket>arn:aws:s3:::man/prefix</Bucket>'), `${O}.Bucket`, 'must be an S3 bucket ARN'],
  ['ManifestFormat is required', gdrop(`${O}.ManifestFormat`), `${O}.ManifestFormat`, 'is required'],
  ['ManifestFormat enum', gset(O, '<ManifestFormat>S3InventoryReport_CSV_20161130</ManifestFormat>'), `${O}.ManifestFormat`, 'must be one of: S3InventoryReport_CSV_20211130'],
  ['ManifestPrefix min 1', gset(O, '<ManifestPrefix/>'), `${O}.ManifestPrefix`, 'must be at least 1 character long'],
  ['ManifestPrefix max 512', gset(O, `<ManifestPrefix>${x(513)}</ManifestPrefix>`), `${O}.ManifestPrefix`, 'must be at most 512 characters long'],
  ['ExpectedManifestBucketOwner max 64', gset(O, `<ExpectedManifestBucketOwner>${x(65, '2')}</ExpectedManifestBucketOwner>`), `${O}.ExpectedManifestBucketOwner`, 'must be at most 64 characters long'],
  ['ExpectedManifestBucketOwner pattern', gset(O, '<ExpectedManifestBucketOwner>1111222233334</ExpectedManifestBucketOwner>'), `${O}.ExpectedManifestBucketOwner`, ACCOUNT_PATTERN],
  ['ManifestEncryption SSE-KMS KeyId is required', gset(`${O}.ManifestEncryption`, '<SSE-KMS/>'), `${O}.ManifestEncryption.SSE-KMS.KeyId`, 'is required'],
  ['ManifestEncryption SSE-KMS KeyId min 1', gset(`${O}.ManifestEncryption.SSE-KMS`, '<KeyId/>'), `${O}.ManifestEncryption.SSE-KMS.KeyId`, 'must be at least 1 character long'],
  ['ManifestEncryption SSE-KMS KeyId max 2000', gset(`${O}.ManifestEncryption.SSE-KMS`, `<KeyId>${x(2001)}</KeyId>`), `${O}.ManifestEncryption.SSE-KMS.KeyId`, 'must be at most 2000 characters long'],
  ['ManifestEncryption: at most one of SSE-S3, SSE-KMS', gset(`${O}.ManifestEncryption`, '<SSE-S3/>'), `${O}.ManifestEncryption.SSE-KMS`, 'must not be given together with SSE-S3'],
  ['Filter.EligibleForReplication is a boolean', gset(F, '<EligibleForReplication>yes</EligibleForReplication>'), `${F}.EligibleForReplication`, BOOL],
  ['Filter.CreatedAfter is a timestamp', gset(F, '<CreatedAfter>2020-01-01</CreatedAfter>'), `${F}.CreatedAfter`, TIME],
  ['Filter.CreatedBefore is a timestamp', gset(F, '<CreatedBefore>2020-13-01T00:00:00Z</CreatedBefore>'), `${F}.CreatedBefore`, TIME],
  ['Filter.ObjectReplicationStatuses enum', gset(F, '<ObjectReplicationStatuses><member>NONE</member><member>PENDING</member></ObjectReplicationStatuses>'), `${F}.ObjectReplicationStatuses[1]`, 'must be one of: COMPLETED, FAILED, REPLICA, NONE'],
  ['MatchAnyPrefix holds exactly 1 string', gset(`${F}.KeyNameConstraint`, '<MatchAnyPrefix><member>a/</member><member>b/</member></MatchAnyPrefix>'), `${F}.KeyNameConstraint.MatchAnyPrefix`, 'must have exactly 1 item'],
  ['MatchAnySuffix holds exactly 1 string', gset(`${F}.KeyNameConstraint`, '<MatchAnySuffix/>'), `${F}.KeyNameConstraint.MatchAnySuffix`, 'must have exactly 1 item'],
  ['MatchAnySubstring item min 1', gset(`${F}.KeyNameConstraint`, '<MatchAnySubstring><member></member></MatchAnySubstring>'), `${F}.KeyNameConstraint.MatchAnySubstring[0]`, 'must be at least 1 character long'],
  ['MatchAnyPrefix item max 1024', gset(`${F}.KeyNameConstraint`, `<MatchAnyPrefix><member>${x(1025)}</member></MatchAnyPrefix>`), `${F}.KeyNameConstraint.MatchAnyPrefix[0]`, 'must be at most 1024 characters long'],
  ['ObjectSizeGreaterThanBytes >= 0', gset(F, '<ObjectSizeGreaterThanBytes>-1</ObjectSizeGreaterThanBytes>'), `${F}.ObjectSizeGreaterThanBytes`, LONG0],
  ['ObjectSizeLessThanBytes >= 0', gset(F, '<ObjectSizeLessThanBytes>-5</ObjectSizeLessThanBytes>'), `${F}.ObjectSizeLessThanBytes`, LONG0],
  ['ObjectSizeLessThanBytes is a safe integer', gset(F, '<ObjectSizeLessThanBytes>9007199254740993</ObjectSizeLessThanBytes>'), `${F}.ObjectSizeLessThanBytes`, LONG0],
  ['MatchAnyStorageClass enum', gset(F, '<MatchAnyStorageClass><member>STANDARD</member><member>REDUCED_REDUNDANCY</member></MatchAnyStorageClass>'), `${F}.MatchAnyStorageClass[1]`, 'must be one of: STANDARD, STANDARD_IA, ONEZONE_IA, GLACIER, INTELLIGENT_TIERING, DEEP_ARCHIVE, GLACIER_IR'],
  ['MatchAnyObjectEncryption min 1', gset(F, '<MatchAnyObjectEncryption/>'), `${F}.MatchAnyObjectEncryption`, 'must have exactly 1 item'],
  ['MatchAnyObjectEncryption max 1', gset(F, '<MatchAnyObjectEncryption><ObjectEncryption><SSE-S3/></ObjectEncryption><ObjectEncryption><SSE-C/></ObjectEncryption></MatchAnyObjectEncryption>'), `${F}.MatchAnyObjectEncryption`, 'must have exactly 1 item'],
  ['MatchAnyObjectEncryption items are <ObjectEncryption>', gset(F, '<MatchAnyObjectEncryption><member><SSE-S3/></member></MatchAnyObjectEncryption>'), `${F}.MatchAnyObjectEncryption.member`, 'is not allowed'],
  ['ObjectEncryption union: one member', gset(F, '<MatchAnyObjectEncryption><ObjectEncryption/></MatchAnyObjectEncryption>'), `${F}.MatchAnyObjectEncryption[0]`, 'must contain exactly one of: SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, NOT-SSE'],
  ['ObjectEncryption union: not two', gset(F, '<MatchAnyObjectEncryption><ObjectEncryption><SSE-S3/><SSE-C/></ObjectEncryption></MatchAnyObjectEncryption>'), `${F}.MatchAnyObjectEncryption[0].SSE-C`, 'must not be given together with SSE-S3'],
  ['SSE-KMS filter KmsKeyArn min 20', gset(`${F}.MatchAnyObjectEncryption.ObjectEncryption.SSE-KMS`, '<KmsKeyArn>arn:aws:kms:short</KmsKeyArn>'), `${F}.MatchAnyObjectEncryption[0].SSE-KMS.KmsKeyArn`, 'must be at least 20 characters long'],
  ['SSE-KMS filter KmsKeyArn max 2048', gset(`${F}.MatchAnyObjectEncryption.ObjectEncryption.SSE-KMS`, `<KmsKeyArn>${KMS_ARN}${x(2048)}</KmsKeyArn>`), `${F}.MatchAnyObjectEncryption[0].SSE-KMS.KmsKeyArn`, 'must be at most 2048 characters long'],
  ['SSE-KMS filter KmsKeyArn pattern', gset(`${F}.MatchAnyObjectEncryption.ObjectEncryption.SSE-KMS`, '<KmsKeyArn>arn:aws:kms:us-east-1:111122223333:alias/a</KmsKeyArn>'), `${F}.MatchAnyObjectEncryption[0].SSE-KMS.KmsKeyArn`, KMS_PATTERN],
  ['SSE-KMS filter BucketKeyEnabled is a boolean', gset(`${F}.MatchAnyObjectEncryption.ObjectEncryption.SSE-KMS`, '<BucketKeyEnabled>on</BucketKeyEnabled>'), `${F}.MatchAnyObjectEncryption[0].SSE-KMS.BucketKeyEnabled`, BOOL],
  ['DSSE-KMS filter KmsKeyArn min 20', gset(F, '<MatchAnyObjectEncryption><ObjectEncryption><DSSE-KMS><KmsKeyArn>k</KmsKeyArn></DSSE-KMS></ObjectEncryption></MatchAnyObjectEncryption>'), `${F}.MatchAnyObjectEncryption[0].DSSE-KMS.KmsKeyArn`, 'must be at least 20 characters long'],
  ['DSSE-KMS filter KmsKeyArn max 2048', gset(F, `<MatchAnyObjectEncryption><ObjectEncryption><DSSE-KMS><KmsKeyArn>${KMS_ARN}${x(2048)}</KmsKeyArn></DSSE-KMS></ObjectEncryption></MatchAnyObjectEncryption>`), `${F}.MatchAnyObjectEncryption[0].DSSE-KMS.KmsKeyArn`, 'must be at most 2048 characters long'],
  ['DSSE-KMS filter KmsKeyArn pattern', gset(F, '<MatchAnyObjectEncryption><ObjectEncryption><DSSE-KMS><KmsKeyArn>arn:aws:kms:us-east-1:1111:key/abc</KmsKeyArn></DSSE-KMS></ObjectEncryption></MatchAnyObjectEncryption>'), `${F}.MatchAnyObjectEncryption[0].DSSE-KMS.KmsKeyArn`, KMS_PATTERN],
];

const CREATE_JOB_REQUEST_RULES = [...request, ...jobTags, ...report, ...manifest, ...generator];

describe('parseCreateJobRequest rejects each rule (request, tags, report, manifest, generator)', () => {
  it('the base requests are valid', () => {
    expect(() => parseCreateJobRequest(baseRequest())).not.toThrow();
    expect(() => parseCreateJobRequest(generatorRequest())).not.toThrow();
  });

  it.each(CREATE_JOB_REQUEST_RULES)('%s', (_rule, doc, path, says) => {
    const err = errorOf(() => parseCreateJobRequest(doc()));
    expect(err.code).toBe('BadRequestException');
    expect(err.message.startsWith(`${path} `)).toBe(true);
    expect(err.message).toContain(says);
  });
});
