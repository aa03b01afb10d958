/** PutObject, GetObject, HeadObject, DeleteObject, CopyObject, GetObjectAttributes. */
import { pipeline } from 'node:stream/promises';
import { BufferedBody } from '../../buffered-body.js';
import { checksumHeader, checksumMember } from '../../checksums.js';
import { S3Error, invalidArgument } from '../../errors.js';
import type { Conditions, GetObjectOptions, HeadObjectResult, ObjectInfo, ObjectRef, ReplicaWrite } from '../../object-store.js';
import { replicaFromHeaders } from '../replica-headers.js';
import type { XmlOutElement } from '../../../lib/xml.js';
import {
  checksumAlgorithmHeader,
  conditionsFromHeaders,
  directive,
  encryptionHeaders,
  rangeFromHeader,
  refuseSseCRead,
  writeAttributesFromHeaders,
  writeObjectHeaders,
} from '../headers.js';
import { doc, iso } from '../render.js';
import { replyEmpty, replyXml, type HeaderBag } from '../reply.js';
import { bodyOf, header, integrityOf, queryInt, requireContentLength, type S3Request } from '../request.js';
import { baseHeaders } from '../../../http/respond.js';

function versionIdOf(r: S3Request): string | undefined {
  return r.query.get('versionId');
}

function writeConditions(r: S3Request): Pick<Conditions, 'ifMatch' | 'ifNoneMatch'> {
  const c = conditionsFromHeaders(r);
  return { ...(c.ifMatch !== undefined ? { ifMatch: c.ifMatch } : {}), ...(c.ifNoneMatch !== undefined ? { ifNoneMatch: c.ifNoneMatch } : {}) };
}

export function checksumHeaders(checksum: { algorithm: Parameters<typeof checksumHeader>[0]; value: string; type?: string } | undefined): HeaderBag {
  if (!checksum) return {};
  return { [checksumHeader(checksum.algorithm)]: checksum.value, ...(checksum.type ? { 'x-amz-checksum-type': checksum.type } : {}) };
}

const replicaOf = (r: S3Request): { replica?: ReplicaWrite } => {
  const replica = replicaFromHeaders(r);
  return replica !== undefined ? { replica } : {};
};

export async function putObject(r: S3Request): Promise<void> {
  requireContentLength(r);
  const replica = replicaOf(r);
  const attrs = writeAttributesFromHeaders(r);
  const { body, trailer, decodedLength } = bodyOf(r);
  const result = await r.store.putObject(
    r.account,
    { bucket: r.bucket, key: r.key, ...attrs, integrity: integrityOf(r, trailer, decodedLength), conditions: writeConditions(r), ...replica },
    body,
  );
  replyEmpty(r, 200, { ETag: result.etag, 'x-amz-version-id': result.versionId, ...checksumHeaders(result.checksum), ...encryptionHeaders(result.encryption) });
}

/** What GET and HEAD share: the read options from the request, and the object's headers. */
function readOptions(r: S3Request): { options: GetObjectOptions; partNumber: number | undefined } {
  const partNumber = queryInt(r, 'partNumber');
  const versionId = versionIdOf(r);
  const range = rangeFromHeader(r);
  return {
    partNumber,
    options: {
      ...(versionId !== undefined ? { versionId } : {}),
      ...(range ? { range } : {}),
      ...(partNumber !== undefined ? { partNumber } : {}),
      conditions: conditionsFromHeaders(r),
    },
  };
}

function writeReadHeaders(
  r: S3Request,
  result: HeadObjectResult,
  partNumber: number | undefined,
): void {
  baseHeaders(r.res, r.requestId);
  writeObjectHeaders(r, r.res, result.info, {
    contentLength: result.contentLength,
    ...(result.range ? { range: result.range } : {}),
    ...(partNumber !== undefined ? { partNumber } : {}),
    withChecksum: (header(r, 'x-amz-checksum-mode') ?? '').toUpperCase() === 'ENABLED',
  });
  r.res.statusCode = result.range ? 206 : 200;
}

export async function getObject(r: S3Request): Promise<void> {
  const { options, partNumber } = readOptions(r);
  const result = await r.store.getObject(r.account, { bucket: r.bucket, key: r.key }, options);
  try {
    // After the lookup, as S3 answers a missing object 404 whatever the headers.
    refuseSseCRead(r);
  } catch (err) {
    result.body.destroy();
    throw err;
  }
  writeReadHeaders(r, result, partNumber);
  if (result.body instanceof BufferedBody) {
    r.res.end(result.body.buffer);
    return;
  }
  try {
    await pipeline(result.body, r.res);
  } catch {
    // The client went away, or the data could not be read mid-stream: the response is cut.
    r.res.destroy();
  }
}

export async function headObject(r: S3Request): Promise<void> {
  const { options, partNumber } = readOptions(r);
  const result = await r.store.headObject(r.account, { bucket: r.bucket, key: r.key }, options);
  refuseSseCRead(r);
  writeReadHeaders(r, result, partNumber);
  r.res.end();
}

export async function deleteObject(r: S3Request): Promise<void> {
  const ifMatch = header(r, 'if-match');
  const result = await r.store.deleteObject(
    r.account,
    { bucket: r.bucket, key: r.key },
    {
      ...(versionIdOf(r) !== undefined ? { versionId: versionIdOf(r) as string } : {}),
      bypassGovernanceRetention: (header(r, 'x-amz-bypass-governance-retention') ?? '').toLowerCase() === 'true',
      ...(ifMatch !== undefined ? { conditions: { ifMatch } } : {}),
    },
  );
  replyEmpty(r, 204, {
    'x-amz-version-id': result.versionId,
    ...(result.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
  });
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=id]`, URL-encoded. */
export function copySourceOf(r: S3Request): ObjectRef {
  const raw = header(r, 'x-amz-copy-source');
  if (raw === undefined || raw === '') throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', raw ?? '');
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const queryPart = q < 0 ? '' : raw.slice(q + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    throw invalidArgument('Copy Source must be URL-encoded', 'x-amz-copy-source', raw);
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', raw);
  }
  let versionId: string | undefined;
  for (const pair of queryPart.split('&')) {
    if (pair.startsWith('versionId=')) versionId = decodeURIComponent(pair.slice('versionId='.length));
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId !== undefined ? { versionId } : {}) };
}

export async function copyObject(r: S3Request): Promise<void> {
  const source = copySourceOf(r);
  const metadataDirective = directive(r, 'x-amz-metadata-directive');
  const taggingDirective = directive(r, 'x-amz-tagging-directive');
  const attrs = writeAttributesFromHeaders(r);
  const checksumAlgorithm = checksumAlgorithmHeader(r, 'x-amz-checksum-algorithm');
  // Taken whatever the directive (a COPY keeps the source's metadata, but not its redirect).
  const websiteRedirectLocation = attrs.metadata?.system.websiteRedirectLocation;
  const result = await r.store.copyObject(r.account, {
    source,
    bucket: r.bucket,
    key: r.key,
    ...(metadataDirective ? { metadataDirective } : {}),
    ...(taggingDirective ? { taggingDirective } : {}),
    ...(metadataDirective === 'REPLACE' && attrs.metadata ? { metadata: attrs.metadata } : {}),
    ...(attrs.tags ? { tags: attrs.tags } : {}),
    ...(attrs.acl ? { acl: attrs.acl } : {}),
    ...(attrs.storageClass ? { storageClass: attrs.storageClass } : {}),
    ...(attrs.lock ? { lock: attrs.lock } : {}),
    ...(attrs.encryption ? { encryption: attrs.encryption } : {}),
    ...(websiteRedirectLocation !== undefined ? { websiteRedirectLocation } : {}),
    ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    sourceConditions: conditionsFromHeaders(r, 'x-amz-copy-source-'),
    conditions: writeConditions(r),
  });
  replyXml(
    r,
    doc('CopyObjectResult', {
      LastModified: iso(result.lastModified),
      ETag: result.etag,
      ...(result.checksum ? { ChecksumType: result.checksum.type, [checksumMember(result.checksum.algorithm)]: result.checksum.value } : {}),
    }),
    { 'x-amz-version-id': result.versionId, 'x-amz-copy-source-version-id': result.sourceVersionId, ...encryptionHeaders(result.encryption) },
  );
}

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];
const MAX_ATTRIBUTE_PARTS = 1000;

/** x-amz-max-parts / x-amz-part-number-marker: a non-negative integer, else InvalidArgument naming the header. */
function partsHeader(r: S3Request, name: string): number | undefined {
  const v = header(r, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,9}$/.test(v)) throw invalidArgument(`${name} must be a non-negative integer`, name, v);
  return Number(v);
}

/**
 * `<ObjectParts>` of GetObjectAttributes, with S3's element names (the SDKs' model: TotalPartsCount
 * is sent as `PartsCount`, each part as a flattened `Part`). As S3 does for general purpose
 * buckets, the Part list is sent only for an object uploaded with a checksum, paged by
 * x-amz-max-parts (default and ceiling 1000) after x-amz-part-number-marker.
 */
function objectPartsXml(r: S3Request, info: ObjectInfo): XmlOutElement | undefined {
  if (info.partsCount === undefined) return undefined;
  const maxParts = Math.min(partsHeader(r, 'x-amz-max-parts') ?? MAX_ATTRIBUTE_PARTS, MAX_ATTRIBUTE_PARTS);
  const marker = partsHeader(r, 'x-amz-part-number-marker') ?? 0;
  const algorithm = info.checksum?.algorithm;
  const parts = info.parts ?? [];
  if (algorithm === undefined || !parts.some((p) => p.checksum !== undefined)) return { PartsCount: info.partsCount };
  const page = parts.map((p, i) => ({ ...p, partNumber: i + 1 })).filter((p) => p.partNumber > marker).slice(0, maxParts);
  const last = page[page.length - 1];
  const truncated = last !== undefined && last.partNumber < parts.length;
  return {
    PartNumberMarker: marker,
    ...(truncated ? { NextPartNumberMarker: last.partNumber } : {}),
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      Size: p.size,
      ...(p.checksum !== undefined ? { [checksumMember(algorithm)]: p.checksum } : {}),
    })),
    PartsCount: info.partsCount,
  };
}

export async function getObjectAttributes(r: S3Request): Promise<void> {
  const wanted = (header(r, 'x-amz-object-attributes') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0) throw new S3Error('InvalidArgument', 'Empty value for x-amz-object-attributes header');
  for (const a of wanted) if (!ATTRIBUTES.includes(a)) throw invalidArgument(`Invalid attribute name specified: ${a}`, 'x-amz-object-attributes', a);
  const versionId = versionIdOf(r);
  const { info } = await r.store.headObject(r.account, { bucket: r.bucket, key: r.key }, versionId !== undefined ? { versionId } : {});
  const has = (a: string): boolean => wanted.includes(a);
  const objectParts = has('ObjectParts') ? objectPartsXml(r, info) : undefined;
  replyXml(
    r,
    doc('GetObjectAttributesResponse', {
      ...(has('ETag') ? { ETag: info.etag.replace(/"/g, '') } : {}),
      ...(has('Checksum') && info.checksum
        ? { Checksum: { [checksumMember(info.checksum.algorithm)]: info.checksum.value, ChecksumType: info.checksum.type } }
        : {}),
      ...(objectParts ? { ObjectParts: objectParts } : {}),
      ...(has('StorageClass') ? { StorageClass: info.storageClass } : {}),
      ...(has('ObjectSize') ? { ObjectSize: info.size } : {}),
    }),
    { 'Last-Modified': new Date(info.lastModified).toUTCString(), 'x-amz-version-id': info.versionId },
  );
}
