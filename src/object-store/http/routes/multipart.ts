/** Multipart upload operations. */
import { CHECKSUM_ALGORITHMS, checksumMember, type ChecksumAlgorithm } from '../../checksums.js';
import { S3Error, invalidArgument, malformedXml } from '../../errors.js';
import { ownerOf } from '../../acl.js';
import {
  checksumAlgorithmHeader,
  checksumTypeHeader,
  conditionsFromHeaders,
  encryptionHeaders,
  refuseSseC,
  writeAttributesFromHeaders,
} from '../headers.js';
import { doc, iso, listPartsXml } from '../render.js';
import { replicaFromHeaders } from '../replica-headers.js';
import { replyEmpty, replyXml } from '../reply.js';
import { bodyOf, header, integrityOf, queryInt, readXmlBody, requireContentLength, type S3Request } from '../request.js';
import { all, asElement, root, text } from '../xml-in.js';
import { checksumHeaders, copySourceOf } from './object.js';

function uploadIdOf(r: S3Request): string {
  const id = r.query.get('uploadId');
  if (id === undefined || id === '') throw invalidArgument('This operation needs an uploadId', 'uploadId', '');
  return id;
}

function partNumberOf(r: S3Request): number {
  const n = queryInt(r, 'partNumber');
  if (n === undefined) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', '');
  return n;
}

export async function createMultipartUpload(r: S3Request): Promise<void> {
  const attrs = writeAttributesFromHeaders(r);
  const checksumAlgorithm = checksumAlgorithmHeader(r, 'x-amz-checksum-algorithm');
  const checksumType = checksumTypeHeader(r);
  const replica = replicaFromHeaders(r);
  const { uploadId } = await r.store.createMultipartUpload(r.account, {
    bucket: r.bucket,
    key: r.key,
    ...attrs,
    ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    ...(checksumType ? { checksumType } : {}),
    ...(replica !== undefined ? { replica } : {}),
  });
  const upload = (await r.store.listParts(r.account, r.bucket, r.key, uploadId, { maxParts: 0 })).upload;
  replyXml(r, doc('InitiateMultipartUploadResult', { Bucket: r.bucket, Key: r.key, UploadId: uploadId }), {
    'x-amz-checksum-algorithm': upload.checksumAlgorithm,
    'x-amz-checksum-type': upload.checksumType,
    ...encryptionHeaders(upload.encryption),
  });
}

export async function uploadPart(r: S3Request): Promise<void> {
  const partNumber = partNumberOf(r);
  const uploadId = uploadIdOf(r);
  refuseSseC(r);
  requireContentLength(r);
  const { body, trailer, decodedLength } = bodyOf(r);
  const result = await r.store.uploadPart(
    r.account,
    { bucket: r.bucket, key: r.key, uploadId, partNumber, integrity: integrityOf(r, trailer, decodedLength) },
    body,
  );
  replyEmpty(r, 200, {
    ETag: result.etag,
    ...checksumHeaders(result.checksum ? { algorithm: result.checksum.algorithm, value: result.checksum.value } : undefined),
    ...encryptionHeaders(result.encryption),
  });
}

export async function uploadPartCopy(r: S3Request): Promise<void> {
  const partNumber = partNumberOf(r);
  const uploadId = uploadIdOf(r);
  const source = copySourceOf(r);
  refuseSseC(r);
  const rangeHeader = header(r, 'x-amz-copy-source-range');
  let range: { start: number; end: number } | undefined;
  if (rangeHeader !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    if (!m) {
      throw invalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', 'x-amz-copy-source-range', rangeHeader);
    }
    range = { start: Number(m[1]), end: Number(m[2]) };
  }
  const result = await r.store.uploadPartCopy(r.account, {
    bucket: r.bucket,
    key: r.key,
    uploadId,
    partNumber,
    source,
    ...(range ? { range } : {}),
    sourceConditions: conditionsFromHeaders(r, 'x-amz-copy-source-'),
  });
  replyXml(
    r,
    doc('CopyPartResult', {
      LastModified: iso(result.lastModified),
      ETag: result.etag,
      ...(result.checksum ? { [checksumMember(result.checksum.algorithm)]: result.checksum.value } : {}),
    }),
    { 'x-amz-copy-source-version-id': result.sourceVersionId, ...encryptionHeaders(result.encryption) },
  );
}

export async function completeMultipartUpload(r: S3Request): Promise<void> {
  const uploadId = uploadIdOf(r);
  // x-amz-checksum-* on Complete is the whole object's checksum, not the XML body's.
  const complete = root(await readXmlBody(r, { checksumOfBody: false }), 'CompleteMultipartUpload');
  const parts = all(complete, 'Part').map((p) => {
    const part = asElement(p, 'Part');
    const number = text(part, 'PartNumber');
    const etag = text(part, 'ETag');
    if (number === undefined || !/^\d{1,5}$/.test(number) || etag === undefined) throw malformedXml('every <Part> needs a <PartNumber> and an <ETag>');
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const a of CHECKSUM_ALGORITHMS) {
      const v = text(part, checksumMember(a));
      if (v !== undefined) checksums[a] = v;
    }
    return { partNumber: Number(number), etag, checksums };
  });
  let checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  for (const a of CHECKSUM_ALGORITHMS) {
    const v = header(r, `x-amz-checksum-${a.toLowerCase()}`);
    if (v !== undefined) checksum = { algorithm: a, value: v };
  }
  const c = conditionsFromHeaders(r);
  const result = await r.store.completeMultipartUpload(r.account, {
    bucket: r.bucket,
    key: r.key,
    uploadId,
    parts,
    ...(checksum ? { checksum } : {}),
    conditions: { ...(c.ifMatch !== undefined ? { ifMatch: c.ifMatch } : {}), ...(c.ifNoneMatch !== undefined ? { ifNoneMatch: c.ifNoneMatch } : {}) },
  });
  const host = header(r, 'host') ?? 'localhost';
  replyXml(
    r,
    doc('CompleteMultipartUploadResult', {
      Location: `http://${host}/${r.bucket}/${encodeURIComponent(r.key).replace(/%2F/g, '/')}`,
      Bucket: r.bucket,
      Key: r.key,
      ETag: result.etag,
      ...(result.checksum ? { [checksumMember(result.checksum.algorithm)]: result.checksum.value, ChecksumType: result.checksum.type } : {}),
    }),
    { 'x-amz-version-id': result.versionId, ...encryptionHeaders(result.encryption) },
  );
}

export async function abortMultipartUpload(r: S3Request): Promise<void> {
  await r.store.abortMultipartUpload(r.account, r.bucket, r.key, uploadIdOf(r));
  replyEmpty(r, 204);
}

export async function listParts(r: S3Request): Promise<void> {
  const uploadId = uploadIdOf(r);
  const marker = queryInt(r, 'part-number-marker') ?? 0;
  const maxParts = Math.min(queryInt(r, 'max-parts') ?? 1000, 1000);
  if (maxParts < 0 || marker < 0) throw new S3Error('InvalidArgument', 'max-parts and part-number-marker must be non-negative integers');
  const result = await r.store.listParts(r.account, r.bucket, r.key, uploadId, { partNumberMarker: marker, maxParts });
  replyXml(r, listPartsXml(result, { bucket: r.bucket, partNumberMarker: marker, maxParts, owner: ownerOf }));
}
