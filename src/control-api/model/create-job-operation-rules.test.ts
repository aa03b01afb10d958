/**
 * One failing case per rule of JobOperation and the operation shapes (reference §3.1, §3.2): each
 * case changes one thing in a valid request (the big §4.1 example, with its S3PutObjectCopy or
 * another valid operation). Expected paths and rules are written by hand from the reference.
 */
import { describe, expect, it } from 'vitest';
import type { XmlElement } from '../../lib/xml.js';
import { parseCreateJobRequest } from './index.js';
import { baseRequest, errorOf, withElement, without } from './test-support.js';

type Case = readonly [rule: string, doc: () => XmlElement, path: string, says: string];

const x = (n: number, ch = 'x'): string => ch.repeat(n);
const C = 'Operation.S3PutObjectCopy';
const copy = (parent: string, fragment: string) => (): XmlElement => withElement(baseRequest(), parent, fragment);
const copyDrop = (path: string) => (): XmlElement => without(baseRequest(), path);
const op = (fragment: string) => (): XmlElement => withElement(baseRequest(), '', `<Operation>${fragment}</Operation>`);
const objectTags = (n: number): string =>
  Array.from({ length: n }, (_, i) => `<member><Key>k${i}</Key><Value>v</Value></member>`).join('');

const BOOL = 'must be a boolean (true or false)';
const TIME = 'must be an ISO-8601 timestamp';
const KMS_PATTERN = 'must match pattern arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+';
const CANNED = 'must be one of: private, public-read, public-read-write, aws-exec-read, authenticated-read, bucket-owner-read, bucket-owner-full-control';
const CHECKSUMS_COPY = 'must be one of: CRC32, CRC32C, SHA1, SHA256, CRC64NVME, SHA512, MD5, XXHASH64, XXHASH3, XXHASH128';
const CHECKSUMS_COMPUTE = 'must be one of: CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH64, XXHASH3, XXHASH128';

const operation: Case[] = [
  ['Operation has an operation', op(''), 'Operation', 'must contain exactly one of: LambdaInvoke, S3PutObjectCopy'],
  ['Operation has only one operation', copy('Operation', '<S3ReplicateObject/>'), 'Operation.S3ReplicateObject', 'must not be given together with S3PutObjectCopy'],
  ['Operation: an unknown operation is named', op('<S3Teleport><To>mars</To></S3Teleport>'), 'Operation.S3Teleport', 'is not supported'],
];

const L = 'Operation.LambdaInvoke';
const lambda = (inner: string): (() => XmlElement) => op(`<LambdaInvoke>${inner}</LambdaInvoke>`);
const FN = '<FunctionArn>arn:aws:lambda:us-east-1:111122223333:function:f</FunctionArn>';
const V2 = '<InvocationSchemaVersion>2.0</InvocationSchemaVersion>';
const args = (entries: string): string => `<UserArguments>${entries}</UserArguments>`;
const entry = (key: string, value: string): string => `<entry><key>${key}</key><value>${value}</value></entry>`;

const lambdaInvoke: Case[] = [
  ['LambdaInvoke needs FunctionArn', lambda('<InvocationSchemaVersion>1.0</InvocationSchemaVersion>'), `${L}.FunctionArn`, 'is required'],
  ['FunctionArn min 1', lambda('<FunctionArn/>'), `${L}.FunctionArn`, 'must be at least 1 character long'],
  ['FunctionArn max 1024', lambda(`<FunctionArn>${x(1025)}</FunctionArn>`), `${L}.FunctionArn`, 'must be at most 1024 characters long'],
  ['FunctionArn pattern', lambda('<FunctionArn>!!!</FunctionArn>'), `${L}.FunctionArn`, 'must match pattern (arn:(aws[a-zA-Z-]*)?:lambda:)?'],
  ['InvocationSchemaVersion min 1', lambda(`${FN}<InvocationSchemaVersion/>`), `${L}.InvocationSchemaVersion`, 'must be at least 1 character long'],
  ['InvocationSchemaVersion max 64', lambda(`${FN}<InvocationSchemaVersion>${x(65, '1')}</InvocationSchemaVersion>`), `${L}.InvocationSchemaVersion`, 'must be at most 64 characters long'],
  ['InvocationSchemaVersion is 1.0 or 2.0', lambda(`${FN}<InvocationSchemaVersion>3.0</InvocationSchemaVersion>`), `${L}.InvocationSchemaVersion`, 'must be one of: 1.0, 2.0'],
  ['UserArguments needs schema 2.0', lambda(`${FN}<InvocationSchemaVersion>1.0</InvocationSchemaVersion>${args(entry('k', 'v'))}`), `${L}.InvocationSchemaVersion`, 'must be 2.0 when UserArguments is given'],
  ['UserArguments needs schema 2.0 (absent = 1.0)', lambda(`${FN}${args(entry('k', 'v'))}`), `${L}.InvocationSchemaVersion`, 'must be 2.0 when UserArguments is given'],
  ['UserArguments min 1 entry', lambda(`${FN}${V2}<UserArguments/>`), `${L}.UserArguments`, 'must have at least 1 entry'],
  ['UserArguments max 10 entries', lambda(`${FN}${V2}${args(Array.from({ length: 11 }, (_, i) => entry(`k${i}`, 'v')).join(''))}`), `${L}.UserArguments`, 'must have at most 10 entries'],
  ['UserArguments key min 1', lambda(`${FN}${V2}${args(entry('', 'v'))}`), `${L}.UserArguments[""]`, 'key must be at least 1 character long'],
  ['UserArguments key max 64', lambda(`${FN}${V2}${args(entry(x(65), 'v'))}`), `${L}.UserArguments["${x(64)}…"]`, 'key must be at most 64 characters long'],
  ['UserArguments value max 1024', lambda(`${FN}${V2}${args(entry('k', x(1025)))}`), `${L}.UserArguments["k"]`, 'must be at most 1024 characters long'],
  ['UserArguments keys unique', lambda(`${FN}${V2}${args(entry('k', '1') + entry('k', '2'))}`), `${L}.UserArguments["k"]`, 'is a duplicate key'],
  ['UserArguments entry needs a key', lambda(`${FN}${V2}${args('<entry><value>v</value></entry>')}`), `${L}.UserArguments.entry[0].key`, 'is required'],
  ['UserArguments entry needs a value', lambda(`${FN}${V2}${args('<entry><key>k</key></entry>')}`), `${L}.UserArguments["k"]`, 'value is required'],
];

const M = `${C}.NewObjectMetadata`;
const META_STRINGS = ['CacheControl', 'ContentDisposition', 'ContentEncoding', 'ContentLanguage', 'ContentMD5', 'ContentType'];
const userMetadata = (entries: string): (() => XmlElement) => copy(M, `<UserMetadata>${entries}</UserMetadata>`);

const copyObject: Case[] = [
  ['S3PutObjectCopy needs TargetResource', copyDrop(`${C}.TargetResource`), `${C}.TargetResource`, 'is required'],
  ['TargetResource min 1', copy(C, '<TargetResource/>'), `${C}.TargetResource`, 'must be at least 1 character long'],
  ['TargetResource max 128', copy(C, `<TargetResource>arn:aws:s3:::${x(116)}</TargetResource>`), `${C}.TargetResource`, 'must be at most 128 characters long'],
  ['TargetResource pattern', copy(C, '<TargetResource>arn:aws:sqs:::dest</TargetResource>'), `${C}.TargetResource`, 'must match pattern arn:[^:]+:(s3|s3express):.*'],
  ['TargetResource names a bucket', copy(C, '<TargetResource>arn:aws:s3:::dest/prefix</TargetResource>'), `${C}.TargetResource`, 'must be a bucket ARN'],
  ['CannedAccessControlList enum', copy(C, '<CannedAccessControlList>public</CannedAccessControlList>'), `${C}.CannedAccessControlList`, CANNED],
  ['Grantee.TypeIdentifier enum', copy(`${C}.AccessControlGrants.member.Grantee`, '<TypeIdentifier>canonical</TypeIdentifier>'), `${C}.AccessControlGrants[0].Grantee.TypeIdentifier`, 'must be one of: id, emailAddress, uri'],
  ['Grantee.Identifier min 1', copy(`${C}.AccessControlGrants.member.Grantee`, '<Identifier/>'), `${C}.AccessControlGrants[0].Grantee.Identifier`, 'must be at least 1 character long'],
  ['Grantee.Identifier max 1024', copy(`${C}.AccessControlGrants.member.Grantee`, `<Identifier>${x(1025)}</Identifier>`), `${C}.AccessControlGrants[0].Grantee.Identifier`, 'must be at most 1024 characters long'],
  ['Grantee.DisplayName min 1', copy(`${C}.AccessControlGrants.member.Grantee`, '<DisplayName/>'), `${C}.AccessControlGrants[0].Grantee.DisplayName`, 'must be at least 1 character long'],
  ['Grantee.DisplayName max 1024', copy(`${C}.AccessControlGrants.member.Grantee`, `<DisplayName>${x(1025)}</DisplayName>`), `${C}.AccessControlGrants[0].Grantee.DisplayName`, 'must be at most 1024 characters long'],
  ['Grant.Permission enum', copy(`${C}.AccessControlGrants.member`, '<Permission>ALL</Permission>'), `${C}.AccessControlGrants[0].Permission`, 'must be one of: FULL_CONTROL, READ, WRITE, READ_ACP, WRITE_ACP'],
  ['MetadataDirective enum', copy(C, '<MetadataDirective>KEEP</MetadataDirective>'), `${C}.MetadataDirective`, 'must be one of: COPY, REPLACE'],
  ['AnnotationDirective enum', copy(C, '<AnnotationDirective>REPLACE</AnnotationDirective>'), `${C}.AnnotationDirective`, 'must be one of: COPY, EXCLUDE'],
  ['ModifiedSinceConstraint is a timestamp', copy(C, '<ModifiedSinceConstraint>Thu, 02 Jan 2020 03:04:05 GMT</ModifiedSinceConstraint>'), `${C}.ModifiedSinceConstraint`, TIME],
  ['UnModifiedSinceConstraint is a timestamp', copy(C, '<UnModifiedSinceConstraint>1577934245</UnModifiedSinceConstraint>'), `${C}.UnModifiedSinceConstraint`, TIME],
  ...META_STRINGS.flatMap((name): Case[] => [
    [`NewObjectMetadata.${name} min 1`, copy(M, `<${name}/>`), `${M}.${name}`, 'must be at least 1 character long'],
    [`NewObjectMetadata.${name} max 1024`, copy(M, `<${name}>${x(1025)}</${name}>`), `${M}.${name}`, 'must be at most 1024 characters long'],
  ]),
  ['UserMetadata key min 1', userMetadata('<entry><key></key><value>v</value></entry>'), `${M}.UserMetadata[""]`, 'key must be at least 1 character long'],
  ['UserMetadata key max 1024', userMetadata(`<entry><key>${x(1025)}</key><value>v</value></entry>`), `${M}.UserMetadata["${x(64)}…"]`, 'key must be at most 1024 characters long'],
  ['UserMetadata value max 1024', userMetadata(`<entry><key>a</key><value>${x(1025)}</value></entry>`), `${M}.UserMetadata["a"]`, 'must be at most 1024 characters long'],
  ['UserMetadata max 8192 entries', userMetadata(Array.from({ length: 8193 }, (_, i) => `<entry><key>k${i}</key><value>v</value></entry>`).join('')), `${M}.UserMetadata`, 'must have at most 8192 entries'],
  ['UserMetadata items are <entry>', userMetadata('<member><key>a</key><value>b</value></member>'), `${M}.UserMetadata.member`, 'is not allowed'],
  ['ContentLength min 0', copy(M, '<ContentLength>-1</ContentLength>'), `${M}.ContentLength`, 'must be an integer between 0 and 9007199254740991'],
  ['ContentLength is an integer', copy(M, '<ContentLength>10.0</ContentLength>'), `${M}.ContentLength`, 'must be an integer between 0 and 9007199254740991'],
  ['HttpExpiresDate is a timestamp', copy(M, '<HttpExpiresDate>2030-01-01T00:00:00+01:00</HttpExpiresDate>'), `${M}.HttpExpiresDate`, TIME],
  ['RequesterCharged is a boolean', copy(M, '<RequesterCharged>no</RequesterCharged>'), `${M}.RequesterCharged`, BOOL],
  ['SSEAlgorithm enum', copy(M, '<SSEAlgorithm>aws:kms</SSEAlgorithm>'), `${M}.SSEAlgorithm`, 'must be one of: AES256, KMS'],
  ['NewObjectTagging at most 10 tags', copy(C, `<NewObjectTagging>${objectTags(11)}</NewObjectTagging>`), `${C}.NewObjectTagging`, 'must have at most 10 items'],
  ['NewObjectTagging keys unique', copy(C, '<NewObjectTagging><member><Key>k</Key><Value>1</Value></member><member><Key>k</Key><Value>2</Value></member></NewObjectTagging>'), `${C}.NewObjectTagging[1].Key`, 'must be unique'],
  ['NewObjectTagging Key max 128', copy(`${C}.NewObjectTagging.member`, `<Key>${x(129)}</Key>`), `${C}.NewObjectTagging[0].Key`, 'must be at most 128 characters long'],
  ['NewObjectTagging Key min 1', copy(`${C}.NewObjectTagging.member`, '<Key></Key>'), `${C}.NewObjectTagging[0].Key`, 'must be at least 1 character long'],
  ['NewObjectTagging Value max 256', copy(`${C}.NewObjectTagging.member`, `<Value>${x(257)}</Value>`), `${C}.NewObjectTagging[0].Value`, 'must be at most 256 characters long'],
  ['NewObjectTagging Value required', copyDrop(`${C}.NewObjectTagging.member.Value`), `${C}.NewObjectTagging[0].Value`, 'is required'],
  ['RedirectLocation min 1', copy(C, '<RedirectLocation/>'), `${C}.RedirectLocation`, 'must be at least 1 character long'],
  ['RedirectLocation max 2048', copy(C, `<RedirectLocation>${x(2049)}</RedirectLocation>`), `${C}.RedirectLocation`, 'must be at most 2048 characters long'],
  ['RequesterPays is a boolean', copy(C, '<RequesterPays>1</RequesterPays>'), `${C}.RequesterPays`, BOOL],
  ['StorageClass enum', copy(C, '<StorageClass>REDUCED_REDUNDANCY</StorageClass>'), `${C}.StorageClass`, 'must be one of: STANDARD, STANDARD_IA, ONEZONE_IA, GLACIER, INTELLIGENT_TIERING, DEEP_ARCHIVE, GLACIER_IR'],
  ['SSEAwsKmsKeyId min 1', copy(C, '<SSEAwsKmsKeyId/>'), `${C}.SSEAwsKmsKeyId`, 'must be at least 1 character long'],
  ['SSEAwsKmsKeyId max 2000', copy(C, `<SSEAwsKmsKeyId>${x(2001)}</SSEAwsKmsKeyId>`), `${C}.SSEAwsKmsKeyId`, 'must be at most 2000 characters long'],
  ['TargetKeyPrefix min 1', copy(C, '<TargetKeyPrefix></TargetKeyPrefix>'), `${C}.TargetKeyPrefix`, 'must be at least 1 character long'],
  ['TargetKeyPrefix max 1024', copy(C, `<TargetKeyPrefix>${x(1025)}</TargetKeyPrefix>`), `${C}.TargetKeyPrefix`, 'must be at most 1024 characters long'],
  ['ObjectLockLegalHoldStatus enum', copy(C, '<ObjectLockLegalHoldStatus>on</ObjectLockLegalHoldStatus>'), `${C}.ObjectLockLegalHoldStatus`, 'must be one of: OFF, ON'],
  ['ObjectLockMode enum', copy(C, '<ObjectLockMode>LEGAL</ObjectLockMode>'), `${C}.ObjectLockMode`, 'must be one of: COMPLIANCE, GOVERNANCE'],
  ['ObjectLockRetainUntilDate is a timestamp', copy(C, '<ObjectLockRetainUntilDate>2031-02-30T00:00:00Z</ObjectLockRetainUntilDate>'), `${C}.ObjectLockRetainUntilDate`, TIME],
  ['BucketKeyEnabled is a boolean', copy(C, '<BucketKeyEnabled>True</BucketKeyEnabled>'), `${C}.BucketKeyEnabled`, BOOL],
  ['ChecksumAlgorithm enum', copy(C, '<ChecksumAlgorithm>CRC16</ChecksumAlgorithm>'), `${C}.ChecksumAlgorithm`, CHECKSUMS_COPY],
  ['ObjectLockEventHold enum', copy(C, '<ObjectLockEventHold>YES</ObjectLockEventHold>'), `${C}.ObjectLockEventHold`, 'must be one of: ON, OFF'],
  ['ObjectLockEventHoldDuration.Days min 1', copy(C, '<ObjectLockEventHoldDuration><Days>0</Days></ObjectLockEventHoldDuration>'), `${C}.ObjectLockEventHoldDuration.Days`, 'must be an integer between 1 and 36500'],
  ['ObjectLockEventHoldDuration.Days max 36500', copy(C, '<ObjectLockEventHoldDuration><Days>36501</Days></ObjectLockEventHoldDuration>'), `${C}.ObjectLockEventHoldDuration.Days`, 'must be an integer between 1 and 36500'],
  ['ObjectLockEventHoldDuration.Years min 1', copy(C, '<ObjectLockEventHoldDuration><Years>0</Years></ObjectLockEventHoldDuration>'), `${C}.ObjectLockEventHoldDuration.Years`, 'must be an integer between 1 and 100'],
  ['ObjectLockEventHoldDuration.Years max 100', copy(C, '<ObjectLockEventHoldDuration><Years>101</Years></ObjectLockEventHoldDuration>'), `${C}.ObjectLockEventHoldDuration.Years`, 'must be an integer between 1 and 100'],
  ['ObjectLockEventHoldDuration: not both Days and Years', copy(C, '<ObjectLockEventHoldDuration><Days>1</Days><Years>1</Years></ObjectLockEventHoldDuration>'), `${C}.ObjectLockEventHoldDuration.Years`, 'must not be given together with Days'],
  ['ObjectLockEventHoldDuration: Days or Years', copy(C, '<ObjectLockEventHoldDuration/>'), `${C}.ObjectLockEventHoldDuration`, 'must contain exactly one of: Days, Years'],
];

const A = 'Operation.S3PutObjectAcl.AccessControlPolicy';
const acl = (policy: string): (() => XmlElement) => op(`<S3PutObjectAcl><AccessControlPolicy>${policy}</AccessControlPolicy></S3PutObjectAcl>`);
const aclList = (inner: string): (() => XmlElement) => acl(`<AccessControlList>${inner}</AccessControlList>`);
const OWNER = '<Owner><ID>oid</ID></Owner>';

const putObjectAcl: Case[] = [
  ['S3PutObjectAcl needs AccessControlPolicy', op('<S3PutObjectAcl/>'), A, 'is required'],
  ['AccessControlPolicy: not both forms (the §4.1 payload)', acl(`<AccessControlList>${OWNER}</AccessControlList><CannedAccessControlList>private</CannedAccessControlList>`), `${A}.CannedAccessControlList`, 'must not be given together with AccessControlList'],
  ['AccessControlPolicy: one form', acl(''), A, 'must contain exactly one of: AccessControlList, CannedAccessControlList'],
  ['AccessControlList needs Owner', aclList('<Grants/>'), `${A}.AccessControlList.Owner`, 'is required'],
  ['Owner.ID min 1', aclList('<Owner><ID/></Owner>'), `${A}.AccessControlList.Owner.ID`, 'must be at least 1 character long'],
  ['Owner.ID max 1024', aclList(`<Owner><ID>${x(1025)}</ID></Owner>`), `${A}.AccessControlList.Owner.ID`, 'must be at most 1024 characters long'],
  ['Owner.DisplayName min 1', aclList('<Owner><DisplayName/></Owner>'), `${A}.AccessControlList.Owner.DisplayName`, 'must be at least 1 character long'],
  ['Owner.DisplayName max 1024', aclList(`<Owner><DisplayName>${x(1025)}</DisplayName></Owner>`), `${A}.AccessControlList.Owner.DisplayName`, 'must be at most 1024 characters long'],
  ['Grants[i].Permission enum', aclList(`${OWNER}<Grants><member><Permission>READ</Permission></member><member><Permission>OWN</Permission></member></Grants>`), `${A}.AccessControlList.Grants[1].Permission`, 'must be one of: FULL_CONTROL, READ, WRITE, READ_ACP, WRITE_ACP'],
  ['CannedAccessControlList enum', acl('<CannedAccessControlList>Private</CannedAccessControlList>'), `${A}.CannedAccessControlList`, CANNED],
];

const T = 'Operation.S3PutObjectTagging.TagSet';
const tagSet = (members: string): (() => XmlElement) => op(`<S3PutObjectTagging><TagSet>${members}</TagSet></S3PutObjectTagging>`);

const putObjectTagging: Case[] = [
  ['TagSet at most 10 tags', tagSet(objectTags(11)), T, 'must have at most 10 items'],
  ['TagSet keys unique', tagSet('<member><Key>a</Key><Value/></member><member><Key>b</Key><Value/></member><member><Key>a</Key><Value/></member>'), `${T}[2].Key`, 'must be unique'],
  ['TagSet Key required', tagSet('<member><Value>v</Value></member>'), `${T}[0].Key`, 'is required'],
];

const I = 'Operation.S3InitiateRestoreObject';
const R = 'Operation.S3PutObjectRetention';
const retention = (inner: string, outer = ''): (() => XmlElement) =>
  op(`<S3PutObjectRetention>${outer}<Retention>${inner}</Retention></S3PutObjectRetention>`);
const K = 'Operation.S3ComputeObjectChecksum';
const U = 'Operation.S3UpdateObjectEncryption.ObjectEncryption.SSE-KMS';
const sseKms = (inner: string): (() => XmlElement) =>
  op(`<S3UpdateObjectEncryption><ObjectEncryption><SSE-KMS>${inner}</SSE-KMS></ObjectEncryption></S3UpdateObjectEncryption>`);
const KEY = '<KMSKeyArn>arn:aws:kms:us-east-1:111122223333:key/abcd</KMSKeyArn>';

const otherOperations: Case[] = [
  ['ExpirationInDays min 0', op('<S3InitiateRestoreObject><ExpirationInDays>-1</ExpirationInDays></S3InitiateRestoreObject>'), `${I}.ExpirationInDays`, 'must be an integer between 0 and 2147483647'],
  ['ExpirationInDays is an int', op('<S3InitiateRestoreObject><ExpirationInDays>2147483648</ExpirationInDays></S3InitiateRestoreObject>'), `${I}.ExpirationInDays`, 'must be an integer between 0 and 2147483647'],
  ['GlacierJobTier enum', op('<S3InitiateRestoreObject><GlacierJobTier>EXPEDITED</GlacierJobTier></S3InitiateRestoreObject>'), `${I}.GlacierJobTier`, 'must be one of: BULK, STANDARD'],
  ['S3PutObjectLegalHold needs LegalHold', op('<S3PutObjectLegalHold/>'), 'Operation.S3PutObjectLegalHold.LegalHold', 'is required'],
  ['LegalHold needs Status', op('<S3PutObjectLegalHold><LegalHold/></S3PutObjectLegalHold>'), 'Operation.S3PutObjectLegalHold.LegalHold.Status', 'is required'],
  ['LegalHold.Status enum', op('<S3PutObjectLegalHold><LegalHold><Status>on</Status></LegalHold></S3PutObjectLegalHold>'), 'Operation.S3PutObjectLegalHold.LegalHold.Status', 'must be one of: OFF, ON'],
  ['S3PutObjectRetention needs Retention', op('<S3PutObjectRetention><BypassGovernanceRetention>true</BypassGovernanceRetention></S3PutObjectRetention>'), `${R}.Retention`, 'is required'],
  ['BypassGovernanceRetention is a boolean', retention('', '<BypassGovernanceRetention>yes</BypassGovernanceRetention>'), `${R}.BypassGovernanceRetention`, BOOL],
  ['Retention.RetainUntilDate is a timestamp', retention('<RetainUntilDate>2030-05-05</RetainUntilDate><Mode>GOVERNANCE</Mode>'), `${R}.Retention.RetainUntilDate`, TIME],
  ['Retention.Mode enum', retention('<RetainUntilDate>2030-05-05T00:00:00Z</RetainUntilDate><Mode>LEGAL</Mode>'), `${R}.Retention.Mode`, 'must be one of: COMPLIANCE, GOVERNANCE'],
  ['Retention.EventHold enum', retention('<EventHold>on</EventHold>'), `${R}.Retention.EventHold`, 'must be one of: ON, OFF'],
  ['Retention.EventHoldDuration.Days min 1', retention('<EventHoldDuration><Days>0</Days></EventHoldDuration>'), `${R}.Retention.EventHoldDuration.Days`, 'must be an integer between 1 and 36500'],
  ['Retention.EventHoldDuration.Days max 36500', retention('<EventHoldDuration><Days>40000</Days></EventHoldDuration>'), `${R}.Retention.EventHoldDuration.Days`, 'must be an integer between 1 and 36500'],
  ['Retention.EventHoldDuration.Years min 1', retention('<EventHoldDuration><Years>-3</Years></EventHoldDuration>'), `${R}.Retention.EventHoldDuration.Years`, 'must be an integer between 1 and 100'],
  ['Retention.EventHoldDuration.Years max 100', retention('<EventHoldDuration><Years>1000</Years></EventHoldDuration>'), `${R}.Retention.EventHoldDuration.Years`, 'must be an integer between 1 and 100'],
  ['Retention.EventHoldDuration: not both', retention('<EventHoldDuration><Years>1</Years><Days>1</Days></EventHoldDuration>'), `${R}.Retention.EventHoldDuration.Years`, 'must not be given together with Days'],
  ['Retention.EventHoldDuration: one of Days, Years', retention('<EventHoldDuration></EventHoldDuration>'), `${R}.Retention.EventHoldDuration`, 'must contain exactly one of: Days, Years'],
  ['Retention: Mode needs RetainUntilDate', retention('<Mode>GOVERNANCE</Mode>'), `${R}.Retention.RetainUntilDate`, 'is required when Mode is given'],
  ['Retention: RetainUntilDate needs Mode', retention('<RetainUntilDate>2030-05-05T00:00:00Z</RetainUntilDate>'), `${R}.Retention.Mode`, 'is required when RetainUntilDate is given'],
  ['ComputeObjectChecksum ChecksumAlgorithm enum', op('<S3ComputeObjectChecksum><ChecksumAlgorithm>SHA3</ChecksumAlgorithm></S3ComputeObjectChecksum>'), `${K}.ChecksumAlgorithm`, CHECKSUMS_COMPUTE],
  ['ComputeObjectChecksum ChecksumType enum', op('<S3ComputeObjectChecksum><ChecksumAlgorithm>MD5</ChecksumAlgorithm><ChecksumType>PART</ChecksumType></S3ComputeObjectChecksum>'), `${K}.ChecksumType`, 'must be one of: FULL_OBJECT, COMPOSITE'],
  ['ComputeObjectChecksum needs ChecksumAlgorithm', op('<S3ComputeObjectChecksum><ChecksumType>COMPOSITE</ChecksumType></S3ComputeObjectChecksum>'), `${K}.ChecksumAlgorithm`, 'is required'],
  ['ComputeObjectChecksum needs ChecksumAlgorithm (empty operation)', op('<S3ComputeObjectChecksum/>'), `${K}.ChecksumAlgorithm`, 'is required'],
  ['CRC64NVME only FULL_OBJECT', op('<S3ComputeObjectChecksum><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>COMPOSITE</ChecksumType></S3ComputeObjectChecksum>'), `${K}.ChecksumType`, 'must be FULL_OBJECT when ChecksumAlgorithm is CRC64NVME'],
  ['UpdateObjectEncryption needs ObjectEncryption', op('<S3UpdateObjectEncryption/>'), 'Operation.S3UpdateObjectEncryption.ObjectEncryption', 'is required'],
  ['UpdateObjectEncryption needs SSE-KMS', op('<S3UpdateObjectEncryption><ObjectEncryption/></S3UpdateObjectEncryption>'), 'Operation.S3UpdateObjectEncryption.ObjectEncryption.SSE-KMS', 'is required'],
  ['UpdateObjectEncryption SSE-KMS needs KMSKeyArn', sseKms('<BucketKeyEnabled>true</BucketKeyEnabled>'), `${U}.KMSKeyArn`, 'is required'],
  ['KMSKeyArn min 20', sseKms('<KMSKeyArn>arn:aws:kms:a:1:k/a</KMSKeyArn>'), `${U}.KMSKeyArn`, 'must be at least 20 characters long'],
  ['KMSKeyArn max 2048', sseKms(`<KMSKeyArn>arn:aws:kms:us-east-1:111122223333:key/${x(2048)}</KMSKeyArn>`), `${U}.KMSKeyArn`, 'must be at most 2048 characters long'],
  ['KMSKeyArn pattern', sseKms('<KMSKeyArn>arn:aws:kms:us-east-1:111122223333:alias/my-key</KMSKeyArn>'), `${U}.KMSKeyArn`, KMS_PATTERN],
  ['UpdateObjectEncryption BucketKeyEnabled is a boolean', sseKms(`${KEY}<BucketKeyEnabled>false </BucketKeyEnabled>`), `${U}.BucketKeyEnabled`, BOOL],
];

const OPERATION_RULES = [...operation, ...lambdaInvoke, ...copyObject, ...putObjectAcl, ...putObjectTagging, ...otherOperations];

describe('parseCreateJobRequest rejects each rule (operations)', () => {
  it.each(OPERATION_RULES)('%s', (_rule, doc, path, says) => {
    const err = errorOf(() => parseCreateJobRequest(doc()));
    expect(err.code).toBe('BadRequestException');
    expect(err.message.startsWith(`${path} `)).toBe(true);
    expect(err.message).toContain(says);
  });
});

describe('object tags inside operations', () => {
  it('accept any characters within the length limits (the store judges them per task)', () => {
    const doc = op('<S3PutObjectTagging><TagSet><member><Key>a|b?</Key><Value>prod &amp; &lt;test&gt;</Value></member></TagSet></S3PutObjectTagging>');
    expect(parseCreateJobRequest(doc()).spec.Operation.S3PutObjectTagging?.TagSet).toEqual([{ Key: 'a|b?', Value: 'prod & <test>' }]);
  });
});
