/** S3's XML documents, built from the store's results. */
import { checksumMember } from '../checksums.js';
import type { S3Error } from '../errors.js';
import type {
  AccessControlPolicy,
  Checksum,
  Grant,
  ListObjectsResult,
  ListPartsResult,
  ListUploadsResult,
  ListVersionsResult,
  ObjectSummary,
  Owner,
  UploadInfo,
} from '../object-store.js';
import { buildXml, type XmlOutElement } from '../../lib/xml.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Every S3 document: a key may hold characters XML 1.0 does not allow, and S3 writes them as
 * character references (lib/xml.ts NonXmlChars).
 */
function s3Xml(document: XmlOutElement): string {
  return buildXml(document, { nonXmlChars: 'reference' });
}

/** Root element with S3's namespace. */
export function doc(root: string, body: XmlOutElement): string {
  return s3Xml({ [root]: { '@xmlns': S3_NS, ...body } });
}

export function renderError(err: S3Error, resource: string, requestId: string, hostId: string): string {
  const fields: XmlOutElement = {};
  for (const [k, v] of Object.entries(err.fields)) fields[k] = String(v);
  return s3Xml({
    Error: { Code: err.code, Message: err.message, ...fields, Resource: resource, RequestId: requestId, HostId: hostId },
  });
}

export function ownerXml(owner: Owner): XmlOutElement {
  return { ID: owner.id, DisplayName: owner.displayName };
}

/** `encoding-type=url`: as S3 does it (space as `+`, `/` kept). */
export function urlEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export function checksumXml(checksum: Checksum | undefined): XmlOutElement {
  if (!checksum) return {};
  return { [checksumMember(checksum.algorithm)]: checksum.value, ChecksumType: checksum.type };
}

function summaryXml(o: ObjectSummary, enc: (s: string) => string, owner: ((account: string) => Owner) | undefined): XmlOutElement {
  return {
    Key: enc(o.key),
    LastModified: iso(o.lastModified),
    ETag: o.etag,
    ...(o.checksumAlgorithm ? { ChecksumAlgorithm: o.checksumAlgorithm, ChecksumType: o.checksumType } : {}),
    Size: o.size,
    ...(owner ? { Owner: ownerXml(owner(o.owner)) } : {}),
    StorageClass: o.storageClass,
    ...(o.restore
      ? { RestoreStatus: { IsRestoreInProgress: o.restore.ongoing, ...(o.restore.expiry ? { RestoreExpiryDate: iso(o.restore.expiry) } : {}) } }
      : {}),
  };
}

export interface ListV2Params {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter?: string;
  readonly maxKeys: number;
  readonly encodingType?: string;
  readonly continuationToken?: string;
  readonly nextContinuationToken?: string;
  readonly startAfter?: string;
  readonly owner?: (account: string) => Owner;
}

export function listV2Xml(result: ListObjectsResult, p: ListV2Params): string {
  const enc = p.encodingType === 'url' ? urlEncode : (s: string): string => s;
  return doc('ListBucketResult', {
    Name: p.bucket,
    Prefix: enc(p.prefix),
    ...(p.delimiter !== undefined ? { Delimiter: enc(p.delimiter) } : {}),
    MaxKeys: p.maxKeys,
    ...(p.encodingType ? { EncodingType: p.encodingType } : {}),
    KeyCount: result.objects.length + result.commonPrefixes.length,
    IsTruncated: result.isTruncated,
    ...(p.continuationToken !== undefined ? { ContinuationToken: p.continuationToken } : {}),
    ...(p.nextContinuationToken !== undefined ? { NextContinuationToken: p.nextContinuationToken } : {}),
    ...(p.startAfter !== undefined ? { StartAfter: enc(p.startAfter) } : {}),
    Contents: result.objects.map((o) => summaryXml(o, enc, p.owner)),
    CommonPrefixes: result.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
  });
}

export interface ListV1Params {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter?: string;
  readonly marker: string;
  readonly maxKeys: number;
  readonly encodingType?: string;
  readonly owner: (account: string) => Owner;
}

export function listV1Xml(result: ListObjectsResult, p: ListV1Params): string {
  const enc = p.encodingType === 'url' ? urlEncode : (s: string): string => s;
  return doc('ListBucketResult', {
    Name: p.bucket,
    Prefix: enc(p.prefix),
    Marker: enc(p.marker),
    // S3 sends NextMarker only with a delimiter; it is sent whenever the page is truncated here,
    // since a page may end on keys hidden by delete markers (see listing.ts).
    ...(result.isTruncated && result.next !== undefined ? { NextMarker: enc(result.next) } : {}),
    MaxKeys: p.maxKeys,
    ...(p.delimiter !== undefined ? { Delimiter: enc(p.delimiter) } : {}),
    ...(p.encodingType ? { EncodingType: p.encodingType } : {}),
    IsTruncated: result.isTruncated,
    Contents: result.objects.map((o) => summaryXml(o, enc, p.owner)),
    CommonPrefixes: result.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
  });
}

export interface ListVersionsParams {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter?: string;
  readonly keyMarker: string;
  readonly versionIdMarker: string;
  readonly maxKeys: number;
  readonly encodingType?: string;
  readonly owner: (account: string) => Owner;
}

export function listVersionsXml(result: ListVersionsResult, p: ListVersionsParams): string {
  const enc = p.encodingType === 'url' ? urlEncode : (s: string): string => s;
  // S3 interleaves Version and DeleteMarker elements in listing order; every SDK collects the two
  // lists separately, so each list keeps its own order here.
  return doc('ListVersionsResult', {
    Name: p.bucket,
    Prefix: enc(p.prefix),
    KeyMarker: enc(p.keyMarker),
    VersionIdMarker: p.versionIdMarker,
    ...(result.nextKeyMarker !== undefined ? { NextKeyMarker: enc(result.nextKeyMarker) } : {}),
    ...(result.nextVersionIdMarker !== undefined ? { NextVersionIdMarker: result.nextVersionIdMarker } : {}),
    MaxKeys: p.maxKeys,
    ...(p.delimiter !== undefined ? { Delimiter: enc(p.delimiter) } : {}),
    ...(p.encodingType ? { EncodingType: p.encodingType } : {}),
    IsTruncated: result.isTruncated,
    Version: result.versions
      .filter((v) => !v.deleteMarker)
      .map((v) => ({
        Key: enc(v.key),
        VersionId: v.versionId,
        IsLatest: v.isLatest,
        LastModified: iso(v.lastModified),
        ETag: v.etag,
        ...(v.checksumAlgorithm ? { ChecksumAlgorithm: v.checksumAlgorithm, ChecksumType: v.checksumType } : {}),
        Size: v.size,
        Owner: ownerXml(p.owner(v.owner)),
        StorageClass: v.storageClass,
      })),
    DeleteMarker: result.versions
      .filter((v) => v.deleteMarker)
      .map((v) => ({
        Key: enc(v.key),
        VersionId: v.versionId,
        IsLatest: v.isLatest,
        LastModified: iso(v.lastModified),
        Owner: ownerXml(p.owner(v.owner)),
      })),
    CommonPrefixes: result.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
  });
}

export function uploadXml(u: UploadInfo, enc: (s: string) => string, owner: (account: string) => Owner): XmlOutElement {
  return {
    Key: enc(u.key),
    UploadId: u.uploadId,
    Initiator: ownerXml(owner(u.owner)),
    Owner: ownerXml(owner(u.owner)),
    StorageClass: u.storageClass,
    Initiated: iso(u.initiated),
    ...(u.checksumAlgorithm ? { ChecksumAlgorithm: u.checksumAlgorithm, ChecksumType: u.checksumType } : {}),
  };
}

export function listUploadsXml(
  result: ListUploadsResult,
  p: { bucket: string; prefix: string; delimiter?: string; keyMarker: string; uploadIdMarker: string; maxUploads: number; encodingType?: string; owner: (a: string) => Owner },
): string {
  const enc = p.encodingType === 'url' ? urlEncode : (s: string): string => s;
  return doc('ListMultipartUploadsResult', {
    Bucket: p.bucket,
    KeyMarker: enc(p.keyMarker),
    UploadIdMarker: p.uploadIdMarker,
    ...(result.nextKeyMarker !== undefined ? { NextKeyMarker: enc(result.nextKeyMarker) } : {}),
    ...(result.nextUploadIdMarker !== undefined ? { NextUploadIdMarker: result.nextUploadIdMarker } : {}),
    Prefix: enc(p.prefix),
    ...(p.delimiter !== undefined ? { Delimiter: enc(p.delimiter) } : {}),
    MaxUploads: p.maxUploads,
    ...(p.encodingType ? { EncodingType: p.encodingType } : {}),
    IsTruncated: result.isTruncated,
    Upload: result.uploads.map((u) => uploadXml(u, enc, p.owner)),
    CommonPrefixes: result.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
  });
}

export function listPartsXml(result: ListPartsResult, p: { bucket: string; partNumberMarker: number; maxParts: number; owner: (a: string) => Owner }): string {
  const u = result.upload;
  const member = u.checksumAlgorithm ? checksumMember(u.checksumAlgorithm) : undefined;
  return doc('ListPartsResult', {
    Bucket: p.bucket,
    Key: u.key,
    UploadId: u.uploadId,
    Initiator: ownerXml(p.owner(u.owner)),
    Owner: ownerXml(p.owner(u.owner)),
    StorageClass: u.storageClass,
    PartNumberMarker: p.partNumberMarker,
    ...(result.nextPartNumberMarker !== undefined ? { NextPartNumberMarker: result.nextPartNumberMarker } : {}),
    MaxParts: p.maxParts,
    IsTruncated: result.isTruncated,
    ...(u.checksumAlgorithm ? { ChecksumAlgorithm: u.checksumAlgorithm, ChecksumType: u.checksumType } : {}),
    Part: result.parts.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: iso(part.lastModified),
      ETag: part.etag,
      Size: part.size,
      ...(member && part.checksum ? { [member]: part.checksum } : {}),
    })),
  });
}

export function aclXml(acl: AccessControlPolicy): string {
  return s3Xml({
    AccessControlPolicy: {
      '@xmlns': S3_NS,
      Owner: ownerXml(acl.owner),
      AccessControlList: { Grant: acl.grants.map(grantXml) },
    },
  });
}

function grantXml(g: Grant): XmlOutElement {
  const grantee = g.grantee;
  const body: XmlOutElement =
    grantee.type === 'CanonicalUser'
      ? { ID: grantee.id, ...(grantee.displayName !== undefined ? { DisplayName: grantee.displayName } : {}) }
      : grantee.type === 'Group'
        ? { URI: grantee.uri }
        : { EmailAddress: grantee.email };
  return { Grantee: { '@xmlns:xsi': XSI, '@xsi:type': grantee.type, ...body }, Permission: g.permission };
}
