/**
 * Shapes shared by several parts of a job (reference §3.2): strings of the model's named string
 * types, tags and tag lists, bucket ARNs, storage classes and checksum algorithms.
 */
import type { S3ChecksumAlgorithm, S3StorageClass, S3Tag } from '../../domain/job-spec.js';
import { parseBucketArn, parseObjectArn } from '../../domain/arn.js';
import { fail } from './fail.js';
import { type Check, enumOf, list, pattern, req, str, struct } from './shape.js';

export const nonEmptyMaxLength64 = str({ min: 1, max: 64 });
export const nonEmptyMaxLength256 = str({ min: 1, max: 256 });
export const nonEmptyMaxLength1024 = str({ min: 1, max: 1024 });
export const nonEmptyMaxLength2048 = str({ min: 1, max: 2048 });
export const maxLength1024 = str({ max: 1024 });
/** KmsKeyArnString */
export const kmsKeyArn = str({ min: 1, max: 2000 });
/** NonEmptyKmsKeyArnString */
export const nonEmptyKmsKeyArn = str({
  min: 20,
  max: 2048,
  pattern: pattern('arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+'),
});
export const accountId = str({ max: 64, pattern: pattern(String.raw`^\d{12}$`) });

const s3BucketArnRule: Check<string> = (arn, path) => {
  if (parseBucketArn(arn)?.service !== 's3') fail(path, 'must be an S3 bucket ARN: arn:<partition>:s3:::<bucket>');
};

/** S3BucketArnString, naming a bucket. */
export const s3BucketArn = str({ min: 1, max: 128, pattern: pattern('arn:[^:]+:s3:.*'), check: s3BucketArnRule });

/** S3RegionalOrS3ExpressBucketArnString, naming a bucket. */
export const s3RegionalOrExpressBucketArn = str({
  min: 1,
  max: 128,
  pattern: pattern('arn:[^:]+:(s3|s3express):.*'),
  check: (arn, path) => {
    if (!parseBucketArn(arn)) {
      fail(
        path,
        'must be a bucket ARN: arn:<partition>:s3:::<bucket> or arn:<partition>:s3express:<region>:<account>:bucket/<bucket>',
      );
    }
  },
});

/** S3KeyArnString, naming a bucket and a key. */
export const s3KeyArn = str({
  min: 1,
  max: 2000,
  pattern: pattern('arn:[^:]+:s3:.*'),
  check: (arn, path) => {
    if (!parseObjectArn(arn)) fail(path, 'must be an S3 object ARN naming a bucket and a key: arn:<partition>:s3:::<bucket>/<key>');
  },
});

const TAG_PATTERN = pattern(String.raw`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`);

/** Job tags (CreateJob Tags, PutJobTagging): the model's lengths and pattern. */
export const s3Tag = struct<S3Tag>({
  Key: req(str({ min: 1, max: 128, pattern: TAG_PATTERN })),
  Value: req(str({ min: 0, max: 256, pattern: TAG_PATTERN })),
});

/**
 * Object tags inside an operation (TagSet, NewObjectTagging): lengths only. Which characters an
 * object tag may hold is the target store's call, made per task (S3 answers InvalidTag); the
 * captured JS SDK body sends `prod & <test>` and CreateJob must accept what the SDKs send.
 */
const objectTag = struct<S3Tag>({
  Key: req(str({ min: 1, max: 128 })),
  Value: req(str({ min: 0, max: 256 })),
});

const uniqueTagKeys: Check<unknown[]> = (tags, path) => {
  const seen = new Map<string, number>();
  (tags as S3Tag[]).forEach((tag, i) => {
    const first = seen.get(tag.Key);
    if (first !== undefined) fail(`${path}[${i}].Key`, `must be unique: it repeats ${path}[${first}].Key`);
    seen.set(tag.Key, i);
  });
};

/** Job tags: at most 50, unique keys (reference §3.1, §5.11). */
export const JOB_TAG_LIMIT = 50;
export const jobTags = list(s3Tag, { max: JOB_TAG_LIMIT, check: uniqueTagKeys });
/** Object tags (NewObjectTagging, TagSet): S3 allows at most 10 per object, unique keys. */
export const OBJECT_TAG_LIMIT = 10;
export const objectTags = list(objectTag, { max: OBJECT_TAG_LIMIT, check: uniqueTagKeys });
/** PutJobTagging: more than 50 tags is a TooManyTagsException. */
export const putJobTags = list(s3Tag, { max: JOB_TAG_LIMIT, maxCode: 'TooManyTagsException', check: uniqueTagKeys });

export const storageClass = enumOf<S3StorageClass>({
  STANDARD: true,
  STANDARD_IA: true,
  ONEZONE_IA: true,
  GLACIER: true,
  INTELLIGENT_TIERING: true,
  DEEP_ARCHIVE: true,
  GLACIER_IR: true,
});

export const copyChecksumAlgorithm = enumOf<S3ChecksumAlgorithm>({
  CRC32: true,
  CRC32C: true,
  SHA1: true,
  SHA256: true,
  CRC64NVME: true,
  SHA512: true,
  MD5: true,
  XXHASH64: true,
  XXHASH3: true,
  XXHASH128: true,
});

export const computeChecksumAlgorithm = enumOf<S3ChecksumAlgorithm>({
  CRC32: true,
  CRC32C: true,
  CRC64NVME: true,
  MD5: true,
  SHA1: true,
  SHA256: true,
  SHA512: true,
  XXHASH64: true,
  XXHASH3: true,
  XXHASH128: true,
});

export const onOff = enumOf<'ON' | 'OFF'>({ ON: true, OFF: true });
export const offOn = enumOf<'OFF' | 'ON'>({ OFF: true, ON: true });
export const lockMode = enumOf<'COMPLIANCE' | 'GOVERNANCE'>({ COMPLIANCE: true, GOVERNANCE: true });
