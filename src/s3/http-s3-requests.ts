/**
 * The wire form of the S3Port's write calls (S3 REST API): bodies and headers, built as pure
 * functions so that http-s3-client.ts only sends. Header names are lower-case; dates are HTTP
 * dates where S3 wants them (conditionals) and ISO-8601 where it wants those (Object Lock).
 */
import { createHash } from 'node:crypto';
import { buildXml, type XmlOutElement } from '../lib/xml.js';
import { decodeHeaderValue, encodeHeaderValue } from '../lib/rfc2047.js';
import { userMetadataProblem } from '../lib/user-metadata.js';
import {
  S3PortError,
  type CompletedPortPart,
  type CopyObjectRequest,
  type CreateMultipartUploadRequest,
  type ObjectRef,
  type PortAcl,
  type PortEncryption,
  type PortGrantee,
  type PortMetadata,
  type PortObjectLock,
  type PortPermission,
  type PortRetention,
  type PortTag,
  type RestoreObjectRequest,
  type UpdateObjectEncryptionRequest,
  type UploadPartCopyRequest,
} from './s3-port.js';

/** RFC 3986 encoding of each key segment, `/` kept: the path S3 signs and stores. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function contentMd5(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

export function taggingXml(tags: readonly PortTag[]): Buffer {
  return Buffer.from(buildXml({ Tagging: { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } } }), 'utf8');
}

function granteeXml(g: PortGrantee): XmlOutElement {
  const xsi = { '@xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' };
  switch (g.type) {
    case 'CanonicalUser':
      return { ...xsi, '@xsi:type': 'CanonicalUser', ID: g.id, DisplayName: g.displayName };
    case 'Group':
      return { ...xsi, '@xsi:type': 'Group', URI: g.uri };
    case 'AmazonCustomerByEmail':
      return { ...xsi, '@xsi:type': 'AmazonCustomerByEmail', EmailAddress: g.email };
  }
}

/** PutObjectAcl: a canned ACL goes in x-amz-acl, explicit grants in an AccessControlPolicy body. */
export function aclRequest(acl: PortAcl): { headers: Record<string, string>; body: Buffer | undefined } {
  if ('canned' in acl) return { headers: { 'x-amz-acl': acl.canned }, body: undefined };
  const xml = buildXml({
    AccessControlPolicy: {
      '@xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/',
      Owner: acl.owner ? { ID: acl.owner.id, DisplayName: acl.owner.displayName } : undefined,
      AccessControlList: { Grant: acl.grants.map((g) => ({ Grantee: granteeXml(g.grantee), Permission: g.permission })) },
    },
  });
  return { headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml, 'utf8') };
}

const GRANT_HEADER: Record<PortPermission, string> = {
  FULL_CONTROL: 'x-amz-grant-full-control',
  READ: 'x-amz-grant-read',
  READ_ACP: 'x-amz-grant-read-acp',
  WRITE: 'x-amz-grant-write',
  WRITE_ACP: 'x-amz-grant-write-acp',
};

function granteeSpec(g: PortGrantee): string {
  if (g.type === 'CanonicalUser') return `id="${g.id}"`;
  if (g.type === 'Group') return `uri="${g.uri}"`;
  return `emailAddress="${g.email}"`;
}

/** An ACL as CopyObject takes it: only headers (x-amz-acl or x-amz-grant-*). */
function aclHeaders(acl: PortAcl): Record<string, string> {
  if ('canned' in acl) return { 'x-amz-acl': acl.canned };
  const headers: Record<string, string> = {};
  for (const grant of acl.grants) {
    const name = GRANT_HEADER[grant.permission];
    headers[name] = headers[name] ? `${headers[name]}, ${granteeSpec(grant.grantee)}` : granteeSpec(grant.grantee);
  }
  return headers;
}

const SYSTEM_HEADERS: ReadonlyArray<[keyof PortMetadata['system'], string]> = [
  ['contentType', 'content-type'],
  ['contentEncoding', 'content-encoding'],
  ['contentDisposition', 'content-disposition'],
  ['contentLanguage', 'content-language'],
  ['cacheControl', 'cache-control'],
  ['expires', 'expires'],
  ['websiteRedirectLocation', 'x-amz-website-redirect-location'],
];

/**
 * The metadata as request headers. User metadata names that no header can carry (or two that are
 * one header) cannot be sent at all: a 400 InvalidArgument, the store's answer to them
 * (lib/user-metadata.ts), rather than node's ERR_INVALID_HTTP_TOKEN, which is no S3 answer and
 * would be retried. The size is left to the store, whose limit it is.
 */
function metadataHeaders(metadata: PortMetadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, name] of SYSTEM_HEADERS) {
    const value = metadata.system[field];
    if (value !== undefined) headers[name] = encodeHeaderValue(value);
  }
  const problem = userMetadataProblem(metadata.user, { size: false });
  if (problem !== undefined) throw new S3PortError('InvalidArgument', 400, `${problem.message}.`);
  for (const [name, value] of Object.entries(metadata.user)) headers[`x-amz-meta-${name.toLowerCase()}`] = encodeHeaderValue(value);
  return headers;
}

/** `x-amz-copy-source`: `/bucket/key[?versionId=…]`, URL-encoded as S3 requires. */
export function copySource(ref: ObjectRef): string {
  const path = `/${encodeURIComponent(ref.bucket)}/${encodeKey(ref.key)}`;
  return ref.versionId === undefined ? path : `${path}?versionId=${encodeURIComponent(ref.versionId)}`;
}

function tagsHeader(tags: readonly PortTag[]): string {
  return tags.map((t) => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`).join('&');
}

function lockHeaders(lock: PortObjectLock | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (lock?.mode) headers['x-amz-object-lock-mode'] = lock.mode;
  if (lock?.retainUntil !== undefined) headers['x-amz-object-lock-retain-until-date'] = new Date(lock.retainUntil).toISOString();
  if (lock?.legalHold !== undefined) headers['x-amz-object-lock-legal-hold'] = lock.legalHold ? 'ON' : 'OFF';
  return headers;
}

/**
 * SSE headers: exactly what the request asks for and nothing else, so that a store (or a bucket
 * policy) that decides encryption itself sees no header it did not expect.
 */
export function encryptionHeaders(e: PortEncryption | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (e?.algorithm !== undefined) headers['x-amz-server-side-encryption'] = e.algorithm;
  if (e?.kmsKeyId !== undefined) headers['x-amz-server-side-encryption-aws-kms-key-id'] = e.kmsKeyId;
  if (e?.bucketKeyEnabled !== undefined) headers['x-amz-server-side-encryption-bucket-key-enabled'] = String(e.bucketKeyEnabled);
  return headers;
}

/** `x-amz-request-payer: requester` when asked (Requester Pays buckets). */
export function requestPayerHeader(requestPayer: boolean | undefined): Record<string, string> {
  return requestPayer === true ? { 'x-amz-request-payer': 'requester' } : {};
}

/** Every header of a CreateMultipartUpload request but the signature's. */
export function createUploadHeaders(r: CreateMultipartUploadRequest): Record<string, string> {
  const headers: Record<string, string> = r.metadata ? metadataHeaders(r.metadata) : {};
  if (r.tags && r.tags.length > 0) headers['x-amz-tagging'] = tagsHeader(r.tags);
  if (r.storageClass) headers['x-amz-storage-class'] = r.storageClass;
  if (r.checksumAlgorithm) headers['x-amz-checksum-algorithm'] = r.checksumAlgorithm;
  Object.assign(headers, lockHeaders(r.lock));
  if (r.acl) Object.assign(headers, aclHeaders(r.acl));
  Object.assign(headers, encryptionHeaders(r.encryption), requestPayerHeader(r.requestPayer));
  return headers;
}

/** Every header of an UploadPartCopy request but the signature's. */
export function uploadPartCopyHeaders(r: UploadPartCopyRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'x-amz-copy-source': copySource(r.source),
    'x-amz-copy-source-range': `bytes=${r.range.start}-${r.range.end}`,
  };
  if (r.ifMatch !== undefined) headers['x-amz-copy-source-if-match'] = r.ifMatch.startsWith('"') ? r.ifMatch : `"${r.ifMatch}"`;
  if (r.ifModifiedSince !== undefined) headers['x-amz-copy-source-if-modified-since'] = new Date(r.ifModifiedSince).toUTCString();
  if (r.ifUnmodifiedSince !== undefined) headers['x-amz-copy-source-if-unmodified-since'] = new Date(r.ifUnmodifiedSince).toUTCString();
  Object.assign(headers, requestPayerHeader(r.requestPayer));
  return headers;
}

/**
 * The RestoreObject body (S3 API Reference, RestoreObject): `Days` and
 * `GlacierJobParameters.Tier`, each only when given (an empty `<RestoreRequest/>` asks for S3's
 * defaults, which is what a restore of an Intelligent-Tiering archive tier must send).
 */
export function restoreXml(request: RestoreObjectRequest): Buffer {
  const xml = buildXml({
    RestoreRequest: {
      '@xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/',
      Days: request.days,
      GlacierJobParameters: request.tier !== undefined ? { Tier: request.tier } : undefined,
    },
  });
  return Buffer.from(xml, 'utf8');
}

/**
 * The PutObjectRetention body (S3 API Reference, PutObjectRetention): Mode and RetainUntilDate,
 * or an empty `<Retention/>`, which removes the retention.
 */
export function retentionXml(retention: PortRetention): Buffer {
  const xml = buildXml({
    Retention: {
      '@xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/',
      Mode: retention.mode,
      RetainUntilDate: retention.retainUntil !== undefined ? new Date(retention.retainUntil).toISOString() : undefined,
    },
  });
  return Buffer.from(xml, 'utf8');
}

/** The PutObjectLegalHold body. */
export function legalHoldXml(on: boolean): Buffer {
  return Buffer.from(buildXml({ LegalHold: { '@xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/', Status: on ? 'ON' : 'OFF' } }), 'utf8');
}

/** The UpdateObjectEncryption body, as @aws-sdk/client-s3's UpdateObjectEncryptionCommand sends it. */
export function objectEncryptionXml(request: UpdateObjectEncryptionRequest): Buffer {
  const xml = buildXml({
    ObjectEncryption: {
      '@xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/',
      'SSE-KMS': { KMSKeyArn: request.kmsKeyArn, BucketKeyEnabled: request.bucketKeyEnabled },
    },
  });
  return Buffer.from(xml, 'utf8');
}

/** The CompleteMultipartUpload body. */
export function completeXml(parts: readonly CompletedPortPart[]): Buffer {
  const xml = buildXml({
    CompleteMultipartUpload: {
      '@xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/',
      Part: parts.map((p) => ({
        PartNumber: p.partNumber,
        ETag: p.etag,
        ...(p.checksum ? { [`Checksum${p.checksum.algorithm}`]: p.checksum.value } : {}),
      })),
    },
  });
  return Buffer.from(xml, 'utf8');
}

const HEADER_SYSTEM: ReadonlyArray<[string, keyof PortMetadata['system']]> = SYSTEM_HEADERS.map(([field, name]) => [name, field]);

/** The metadata of a HeadObject/GetObject answer's headers. */
export function metadataFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): PortMetadata {
  const system: Record<string, string> = {};
  for (const [name, field] of HEADER_SYSTEM) {
    const value = headers[name];
    if (typeof value === 'string') system[field] = decodeHeaderValue(value);
  }
  // From entries: a name such as `__proto__` stays an ordinary key.
  const user = Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]): Array<[string, string]> =>
      name.startsWith('x-amz-meta-') && typeof value === 'string' ? [[name.slice('x-amz-meta-'.length), decodeHeaderValue(value)]] : [],
    ),
  );
  return { system, user };
}

/** Every header of a CopyObject request but the signature's. */
export function copyHeaders(r: CopyObjectRequest): Record<string, string> {
  const headers: Record<string, string> = { 'x-amz-copy-source': copySource(r.source) };
  if (r.metadataDirective) headers['x-amz-metadata-directive'] = r.metadataDirective;
  if (r.metadataDirective === 'REPLACE' && r.metadata) Object.assign(headers, metadataHeaders(r.metadata));
  if (r.taggingDirective) headers['x-amz-tagging-directive'] = r.taggingDirective;
  if (r.taggingDirective === 'REPLACE' && r.tags && r.tags.length > 0) {
    headers['x-amz-tagging'] = tagsHeader(r.tags);
  }
  if (r.storageClass) headers['x-amz-storage-class'] = r.storageClass;
  if (r.checksumAlgorithm) headers['x-amz-checksum-algorithm'] = r.checksumAlgorithm;
  if (r.ifModifiedSince !== undefined) headers['x-amz-copy-source-if-modified-since'] = new Date(r.ifModifiedSince).toUTCString();
  if (r.ifUnmodifiedSince !== undefined) headers['x-amz-copy-source-if-unmodified-since'] = new Date(r.ifUnmodifiedSince).toUTCString();
  Object.assign(headers, lockHeaders(r.lock));
  if (r.acl) Object.assign(headers, aclHeaders(r.acl));
  // After the metadata: the request's redirect wins over one a REPLACE metadata may carry.
  if (r.websiteRedirectLocation !== undefined) headers['x-amz-website-redirect-location'] = encodeHeaderValue(r.websiteRedirectLocation);
  Object.assign(headers, encryptionHeaders(r.encryption), requestPayerHeader(r.requestPayer));
  return headers;
}
