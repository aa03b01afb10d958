/** S3's rules for names, keys, tags, storage classes and user metadata, with S3's errors. */
import { S3Error, invalidArgument } from './errors.js';
import type { SseAlgorithm, StorageClass, Tag } from './object-store.js';
import { MAX_USER_METADATA_BYTES, lowerCaseNames, userMetadataProblem } from '../lib/user-metadata.js';

/** Bucket names the server keeps for itself: `/v20180820` is the S3 Control jobs API. */
export const RESERVED_BUCKET_NAMES: ReadonlySet<string> = new Set(['v20180820']);

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why `name` is not a valid general-purpose bucket name, or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be between 3 and 63 characters long';
  if (!BUCKET_NAME.test(name)) {
    return 'may contain only lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  }
  if (name.includes('..')) return 'must not contain two adjacent periods';
  if (name.includes('.-') || name.includes('-.')) return 'must not contain a period next to a hyphen';
  if (IP_ADDRESS.test(name)) return 'must not be formatted as an IP address';
  for (const p of RESERVED_PREFIXES) if (name.startsWith(p)) return `must not start with "${p}"`;
  for (const s of RESERVED_SUFFIXES) if (name.endsWith(s)) return `must not end with "${s}"`;
  if (RESERVED_BUCKET_NAMES.has(name)) return 'is reserved by this server (it is the path of the S3 Control jobs API)';
  return undefined;
}

export function validateBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem !== undefined) {
    throw new S3Error('InvalidBucketName', `The specified bucket is not valid: the name ${problem}.`, {
      fields: { BucketName: name },
    });
  }
}

export const MAX_KEY_BYTES = 1024;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function validateKey(key: string): void {
  if (key === '') throw new S3Error('UserKeyMustBeSpecified', 'A key must be specified');
  const size = Buffer.byteLength(key, 'utf8');
  if (size > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', `Your key is too long: ${size} bytes, the limit is ${MAX_KEY_BYTES} bytes`, {
      fields: { Size: size, MaxSizeAllowed: MAX_KEY_BYTES },
    });
  }
  if (LONE_SURROGATE.test(key)) {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI: the key is not valid UTF-8.");
  }
}

export const STORAGE_CLASSES: readonly StorageClass[] = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'GLACIER_IR',
  'DEEP_ARCHIVE',
];

export function parseStorageClass(value: string | undefined): StorageClass | undefined {
  if (value === undefined || value === '') return undefined;
  if ((STORAGE_CLASSES as readonly string[]).includes(value)) return value as StorageClass;
  throw new S3Error('InvalidStorageClass', `The storage class you specified is not valid: "${value}"`, {
    fields: { StorageClassRequested: value },
  });
}

const SSE_ALGORITHMS: readonly SseAlgorithm[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];

/** x-amz-server-side-encryption: one of S3's algorithms, else 400 InvalidArgument naming the header. */
export function parseSseAlgorithm(value: string): SseAlgorithm {
  if ((SSE_ALGORITHMS as readonly string[]).includes(value)) return value as SseAlgorithm;
  throw invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', value);
}

/** Storage classes whose objects must be restored before they can be read. */
export function isArchived(storageClass: StorageClass): boolean {
  return storageClass === 'GLACIER' || storageClass === 'DEEP_ARCHIVE';
}

export const MAX_TAGS = 10;
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;
// Letters, digits, spaces and + - = . _ : / @ in any script (S3's documented set).
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks an object tag set as S3 does (InvalidTag, 400). */
export function validateTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_TAGS) throw new S3Error('InvalidTag', `Object tags cannot be greater than ${MAX_TAGS}`);
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (key.length === 0 || [...key].length > MAX_TAG_KEY) {
      throw new S3Error('InvalidTag', `The TagKey you have provided is invalid: it must be 1 to ${MAX_TAG_KEY} characters`, {
        fields: { TagKey: key },
      });
    }
    if ([...value].length > MAX_TAG_VALUE) {
      throw new S3Error('InvalidTag', `The TagValue you have provided is too long: the limit is ${MAX_TAG_VALUE} characters`, {
        fields: { TagKey: key, TagValue: value },
      });
    }
    if (!TAG_CHARS.test(key) || !TAG_CHARS.test(value)) {
      throw new S3Error('InvalidTag', 'The TagKey or TagValue you have provided contains characters S3 does not allow', {
        fields: { TagKey: key },
      });
    }
    if (key.startsWith('aws:')) {
      throw new S3Error('InvalidTag', 'Your TagKey cannot be prefixed with aws:', { fields: { TagKey: key } });
    }
    if (seen.has(key)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key', { fields: { TagKey: key } });
    seen.add(key);
  }
}

/** `x-amz-tagging: k1=v1&k2=v2` (URL query encoding) → tags. */
export function parseTaggingHeader(header: string): Tag[] {
  const tags: Tag[] = [];
  if (header === '') return tags;
  for (const part of header.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      tags.push({
        key: decodeURIComponent(rawKey.replace(/\+/g, ' ')),
        value: decodeURIComponent(rawValue.replace(/\+/g, ' ')),
      });
    } catch {
      throw invalidArgument('The header x-amz-tagging must be URL query-encoded', 'x-amz-tagging', header.slice(0, 256));
    }
  }
  validateTags(tags);
  return tags;
}

/**
 * User metadata as S3 stores it: checked by lib/user-metadata.ts (the one rule CreateJob and the
 * HTTP client apply too), names lower-cased. Every write of the local store (PutObject, CopyObject
 * with either directive, CreateMultipartUpload), in process or over HTTP, comes through here.
 *
 * More than 2 KB is S3's own 400 MetadataTooLarge. A name that is not a header token has no S3
 * error of its own — S3 can never receive one: the HTTP layer refuses such a header, or ends the
 * name at the `:` — so it is 400 InvalidArgument with ArgumentName, S3's code for a header it
 * cannot accept (as for every other header this store refuses, headers.ts); 400 because the
 * request is at fault and sending it again cannot succeed. Two names that differ only in case
 * likewise (over HTTP they arrive as one header; only an in-process caller can send both).
 */
export function validateUserMetadata(meta: Readonly<Record<string, string>>): Record<string, string> {
  const problem = userMetadataProblem(meta);
  if (problem === undefined) return lowerCaseNames(meta);
  if (problem.kind === 'size') {
    throw new S3Error('MetadataTooLarge', `Your metadata headers exceed the maximum allowed metadata size (${problem.size} > ${MAX_USER_METADATA_BYTES} bytes)`, {
      fields: { Size: problem.size, MaxSizeAllowed: MAX_USER_METADATA_BYTES },
    });
  }
  // JSON-escaped: a name may hold characters an XML error document cannot carry.
  throw invalidArgument(`${problem.message}.`, `x-amz-meta-${JSON.stringify(problem.name).slice(1, -1)}`);
}
