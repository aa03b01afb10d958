/** Object attributes in and out of HTTP headers, as S3 spells them. */
import type { ServerResponse } from 'node:http';
import { aclFromHeaders } from '../acl.js';
import { checksumHeader, isChecksumAlgorithm, type ChecksumAlgorithm, type ChecksumType } from '../checksums.js';
import { S3Error, invalidArgument } from '../errors.js';
import type {
  ByteRange,
  Conditions,
  EncryptionRequest,
  LockMode,
  MetadataDirective,
  ObjectInfo,
  ObjectLock,
  ObjectMetadata,
  ServerSideEncryption,
  SystemMetadata,
  Tag,
  WriteAttributes,
} from '../object-store.js';
import { parseSseAlgorithm, parseStorageClass, parseTaggingHeader } from '../validate.js';
import { decodeHeaderValue, encodeHeaderValue } from '../../lib/rfc2047.js';
import type { HeaderBag } from './reply.js';
import { header, httpDate, type S3Request } from './request.js';

const SYSTEM_HEADERS: ReadonlyArray<[keyof SystemMetadata, string]> = [
  ['contentType', 'content-type'],
  ['contentEncoding', 'content-encoding'],
  ['contentDisposition', 'content-disposition'],
  ['contentLanguage', 'content-language'],
  ['cacheControl', 'cache-control'],
  ['expires', 'expires'],
  ['websiteRedirectLocation', 'x-amz-website-redirect-location'],
];

export function metadataFromHeaders(r: S3Request): ObjectMetadata {
  const system: Record<string, string> = {};
  for (const [field, name] of SYSTEM_HEADERS) {
    let value = header(r, name);
    if (name === 'content-encoding' && value !== undefined) {
      // aws-chunked is the transfer framing, not the object's encoding.
      value = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked')
        .join(',');
      if (value === '') value = undefined;
    }
    // Answers encode what is not US-ASCII (RFC 2047), so requests may too: decoded, as for x-amz-meta-*.
    if (value !== undefined) system[field] = decodeHeaderValue(value);
  }
  const user: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(r.req.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    // S3 decodes RFC 2047 words before storing (and encodes non-ASCII values when answering).
    user.push([name.slice('x-amz-meta-'.length), decodeHeaderValue(Array.isArray(value) ? value.join(',') : value)]);
  }
  // From entries: a name such as `__proto__` stays an ordinary key. The store checks the names and
  // the size (validate.ts validateUserMetadata), for this path and the in-process one alike.
  return { system, user: Object.fromEntries(user) };
}

export function lockFromHeaders(r: S3Request): ObjectLock | undefined {
  const mode = header(r, 'x-amz-object-lock-mode');
  const until = header(r, 'x-amz-object-lock-retain-until-date');
  const hold = header(r, 'x-amz-object-lock-legal-hold');
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  if (mode !== undefined && mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') {
    throw invalidArgument('Unknown wormMode directive.', 'x-amz-object-lock-mode', mode);
  }
  let retainUntil: number | undefined;
  if (until !== undefined) {
    retainUntil = Date.parse(until);
    if (Number.isNaN(retainUntil)) throw invalidArgument('The retain until date must be provided in ISO 8601 format', 'x-amz-object-lock-retain-until-date', until);
  }
  if (hold !== undefined && hold !== 'ON' && hold !== 'OFF') {
    throw invalidArgument('Legal Hold must be either of ON or OFF', 'x-amz-object-lock-legal-hold', hold);
  }
  return {
    ...(mode !== undefined ? { mode: mode as LockMode } : {}),
    ...(retainUntil !== undefined ? { retainUntil } : {}),
    ...(hold !== undefined ? { legalHold: hold === 'ON' } : {}),
  };
}

export function tagsFromHeader(r: S3Request): Tag[] | undefined {
  const v = header(r, 'x-amz-tagging');
  return v === undefined ? undefined : parseTaggingHeader(v);
}

const SSE_C_HEADERS = [
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key-md5',
  'x-amz-copy-source-server-side-encryption-customer-algorithm',
  'x-amz-copy-source-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key-md5',
];

function sseCHeader(r: S3Request): string | undefined {
  return SSE_C_HEADERS.find((name) => header(r, name) !== undefined);
}

/**
 * SSE-C on a write: 501 NotImplemented, S3's answer to "a header you provided implies
 * functionality that is not implemented" (with its <Header> field). Accepting the key and storing
 * the data as usual would pretend to an encryption (and to a key check on every read) that this
 * store does not do; a 501 tells the client so, where a 400 would blame its request.
 */
export function refuseSseC(r: S3Request): void {
  const name = sseCHeader(r);
  if (name === undefined) return;
  throw new S3Error('NotImplemented', `A header you provided implies functionality that is not implemented: server-side encryption with customer-provided keys (SSE-C, ${name})`, {
    fields: { Header: name },
  });
}

/**
 * SSE-C on a read (GET/HEAD): no object here is SSE-C encrypted, so S3's answer for an object
 * that is not is the honest one: 400 InvalidRequest.
 */
export function refuseSseCRead(r: S3Request): void {
  if (sseCHeader(r) === undefined) return;
  throw new S3Error('InvalidRequest', 'The encryption parameters are not applicable to this object.');
}

/**
 * x-amz-server-side-encryption, -aws-kms-key-id and -bucket-key-enabled as a write asks for them
 * (undefined when none is sent). Values are checked here; how they combine, by the store
 * (local/core.ts resolveEncryption), so that the in-process path answers the same.
 */
export function encryptionFromHeaders(r: S3Request): EncryptionRequest | undefined {
  const algorithm = header(r, 'x-amz-server-side-encryption');
  const keyId = header(r, 'x-amz-server-side-encryption-aws-kms-key-id');
  const bucketKey = header(r, 'x-amz-server-side-encryption-bucket-key-enabled');
  if (algorithm === undefined && (keyId === undefined || keyId === '') && bucketKey === undefined) return undefined;
  let bucketKeyEnabled: boolean | undefined;
  if (bucketKey !== undefined) {
    const v = bucketKey.trim().toLowerCase();
    if (v !== 'true' && v !== 'false') {
      throw invalidArgument('The value of x-amz-server-side-encryption-bucket-key-enabled must be true or false', 'x-amz-server-side-encryption-bucket-key-enabled', bucketKey);
    }
    bucketKeyEnabled = v === 'true';
  }
  return {
    ...(algorithm !== undefined ? { algorithm: parseSseAlgorithm(algorithm) } : {}),
    ...(keyId !== undefined && keyId !== '' ? { kmsKeyId: keyId } : {}),
    ...(bucketKeyEnabled !== undefined ? { bucketKeyEnabled } : {}),
  };
}

/** How S3 answers an object's encryption: the algorithm always, the key and bucket key when set. */
export function encryptionHeaders(e: ServerSideEncryption): HeaderBag {
  return {
    'x-amz-server-side-encryption': e.algorithm,
    'x-amz-server-side-encryption-aws-kms-key-id': e.kmsKeyId,
    'x-amz-server-side-encryption-bucket-key-enabled': e.bucketKeyEnabled === true ? 'true' : undefined,
  };
}

/** Everything a write (PUT, CreateMultipartUpload, Copy with REPLACE) takes from headers. */
export function writeAttributesFromHeaders(r: S3Request): WriteAttributes {
  refuseSseC(r);
  const tags = tagsFromHeader(r);
  const acl = aclFromHeaders(r.req.headers);
  const storageClass = parseStorageClass(header(r, 'x-amz-storage-class'));
  const lock = lockFromHeaders(r);
  const encryption = encryptionFromHeaders(r);
  return {
    metadata: metadataFromHeaders(r),
    ...(tags ? { tags } : {}),
    ...(acl ? { acl } : {}),
    ...(storageClass ? { storageClass } : {}),
    ...(lock ? { lock } : {}),
    ...(encryption ? { encryption } : {}),
  };
}

export function conditionsFromHeaders(r: S3Request, prefix = ''): Conditions {
  const ifMatch = header(r, `${prefix}if-match`);
  const ifNoneMatch = header(r, `${prefix}if-none-match`);
  const ifModifiedSince = httpDate(r, `${prefix}if-modified-since`);
  const ifUnmodifiedSince = httpDate(r, `${prefix}if-unmodified-since`);
  return {
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    ...(ifModifiedSince !== undefined ? { ifModifiedSince } : {}),
    ...(ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince } : {}),
  };
}

/** `Range: bytes=a-b | a- | -n`; anything else (several ranges, other units) is ignored, as S3 does. */
export function rangeFromHeader(r: S3Request): ByteRange | undefined {
  const v = header(r, 'range');
  if (v === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(v);
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') return { suffix: Number(b) };
  const start = Number(a);
  if (b === '') return { start };
  const end = Number(b);
  if (end < start) return undefined;
  return { start, end };
}

export function directive(r: S3Request, name: string): MetadataDirective | undefined {
  const v = header(r, name);
  if (v === undefined) return undefined;
  if (v !== 'COPY' && v !== 'REPLACE') throw invalidArgument(`Unknown ${name.replace('x-amz-', '').replace('-directive', '')} directive.`, name, v);
  return v;
}

export function checksumAlgorithmHeader(r: S3Request, name: string): ChecksumAlgorithm | undefined {
  const v = header(r, name);
  if (v === undefined || v === '') return undefined;
  const up = v.toUpperCase();
  if (!isChecksumAlgorithm(up)) {
    throw invalidArgument(
      'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
      name,
      v,
    );
  }
  return up;
}

export function checksumTypeHeader(r: S3Request): ChecksumType | undefined {
  const v = header(r, 'x-amz-checksum-type');
  if (v === undefined || v === '') return undefined;
  const up = v.toUpperCase();
  if (up !== 'FULL_OBJECT' && up !== 'COMPOSITE') throw invalidArgument('Value for x-amz-checksum-type header is invalid.', 'x-amz-checksum-type', v);
  return up;
}


const RESPONSE_OVERRIDES: ReadonlyArray<[string, string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

const SYSTEM_OUT: ReadonlyArray<[keyof SystemMetadata, string]> = [
  ['contentEncoding', 'Content-Encoding'],
  ['contentDisposition', 'Content-Disposition'],
  ['contentLanguage', 'Content-Language'],
  ['cacheControl', 'Cache-Control'],
  ['expires', 'Expires'],
  ['websiteRedirectLocation', 'x-amz-website-redirect-location'],
];

export function restoreHeader(info: ObjectInfo): string | undefined {
  if (!info.restore) return undefined;
  if (info.restore.ongoing) return 'ongoing-request="true"';
  return `ongoing-request="false"${info.restore.expiry !== undefined ? `, expiry-date="${new Date(info.restore.expiry).toUTCString()}"` : ''}`;
}

/** The headers of GetObject/HeadObject. */
export function writeObjectHeaders(
  r: S3Request,
  res: ServerResponse,
  info: ObjectInfo,
  options: { contentLength: number; range?: { start: number; end: number }; partNumber?: number; withChecksum: boolean },
): void {
  res.setHeader('Last-Modified', new Date(info.lastModified).toUTCString());
  res.setHeader('ETag', info.etag);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', encodeHeaderValue(info.metadata.system.contentType ?? 'binary/octet-stream'));
  for (const [field, name] of SYSTEM_OUT) {
    const v = info.metadata.system[field];
    if (v !== undefined) res.setHeader(name, encodeHeaderValue(v));
  }
  for (const [name, value] of Object.entries(info.metadata.user)) res.setHeader(`x-amz-meta-${name}`, encodeHeaderValue(value));
  if (info.versionId !== undefined) res.setHeader('x-amz-version-id', info.versionId);
  for (const [name, value] of Object.entries(encryptionHeaders(info.encryption))) if (value !== undefined) res.setHeader(name, value);
  if (info.storageClass !== 'STANDARD') res.setHeader('x-amz-storage-class', info.storageClass);
  if (info.tagCount > 0) res.setHeader('x-amz-tagging-count', String(info.tagCount));
  if (info.replicationStatus !== undefined) res.setHeader('x-amz-replication-status', info.replicationStatus);
  const restore = restoreHeader(info);
  if (restore) res.setHeader('x-amz-restore', restore);
  if (info.lock.mode !== undefined && info.lock.retainUntil !== undefined) {
    res.setHeader('x-amz-object-lock-mode', info.lock.mode);
    res.setHeader('x-amz-object-lock-retain-until-date', new Date(info.lock.retainUntil).toISOString());
  }
  if (info.lock.legalHold !== undefined) res.setHeader('x-amz-object-lock-legal-hold', info.lock.legalHold ? 'ON' : 'OFF');
  if (info.partsCount !== undefined && options.partNumber !== undefined) res.setHeader('x-amz-mp-parts-count', String(info.partsCount));
  if (options.withChecksum && info.checksum && !options.range) {
    res.setHeader(checksumHeader(info.checksum.algorithm), info.checksum.value);
    res.setHeader('x-amz-checksum-type', info.checksum.type);
  }
  if (options.range) res.setHeader('Content-Range', `bytes ${options.range.start}-${options.range.end}/${info.size}`);
  res.setHeader('Content-Length', String(options.contentLength));
  for (const [param, name] of RESPONSE_OVERRIDES) {
    const v = r.query.get(param);
    if (v !== undefined) res.setHeader(name, encodeHeaderValue(v));
  }
}

export function requireHeaderAbsent(r: S3Request, name: string, why: string): void {
  if (header(r, name) !== undefined) throw new S3Error('InvalidRequest', why);
}
