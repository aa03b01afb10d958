/**
 * Multipart uploads. Each part is a blob of its own; CompleteMultipartUpload checks S3's part
 * rules and then, in one transaction, turns the chosen parts into the new version's segments —
 * no data is copied, so completing is atomic and takes the same time for 5 MB as for 5 TB.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { resolveAcl } from '../acl.js';
import {
  checksumMember,
  compositeChecksum,
  createHasher,
  fullObjectCrc,
  isCrc,
  type ChecksumAlgorithm,
  type ChecksumType,
} from '../checksums.js';
import { S3Error, invalidArgument, malformedXml, noSuchUpload } from '../errors.js';
import type {
  CompleteMultipartUploadInput,
  CreateMultipartUploadInput,
  ListPartsResult,
  ObjectLock,
  PartResult,
  PutObjectResult,
  ReplicaWrite,
  UploadIntegrity,
  UploadPartCopyInput,
  UploadPartInput,
} from '../object-store.js';
import { validateKey, isArchived } from '../validate.js';
import { segmentStream, type Segment } from './blob-files.js';
import {
  checkCopySourceConditions,
  checkedReplica,
  checkWriteConditions,
  newUploadId,
  ownedBucket,
  resolveAttributes,
  resolveLock,
  resolveVersion,
  writeVersion,
  type Core,
} from './core.js';
import { MAX_OBJECT_SIZE, receive } from './receive.js';
import { encryptionOf, keyBytes, segmentsOf, uploadInfoOf, visibleVersionId, type PartRow, type StoredPart, type UploadRow } from './rows.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export function createMultipartUpload(core: Core, account: string, input: CreateMultipartUploadInput): { uploadId: string } {
  const bucket = ownedBucket(core, account, input.bucket);
  validateKey(input.key);
  const attrs = resolveAttributes(core, account, bucket, input);
  const algorithm = input.checksumAlgorithm;
  let type: ChecksumType | undefined = input.checksumType;
  if (type !== undefined && algorithm === undefined) {
    throw new S3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  }
  if (algorithm !== undefined) {
    type ??= algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
    if (type === 'FULL_OBJECT' && !isCrc(algorithm)) {
      throw new S3Error('InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
    }
    if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') {
      throw new S3Error('InvalidRequest', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
    }
  }
  const replica = checkedReplica(bucket, input.replica);
  const uploadId = newUploadId();
  core.st.insertUpload.run({
    upload_id: uploadId,
    bucket: bucket.name,
    key: keyBytes(input.key),
    owner: account,
    initiated_ms: core.now(),
    storage_class: attrs.storage_class,
    meta_json: attrs.meta_json,
    tags_json: attrs.tags_json,
    acl_json: attrs.acl_json,
    checksum_algorithm: algorithm ?? null,
    checksum_type: type ?? null,
    lock_json: input.lock ? JSON.stringify(input.lock) : null,
  });
  if (replica !== undefined) core.st.setUploadReplica.run(JSON.stringify(replica), uploadId);
  return { uploadId };
}

function ownedUpload(core: Core, account: string, bucket: string, key: string, uploadId: string): UploadRow {
  ownedBucket(core, account, bucket);
  validateKey(key);
  const row = core.st.upload.get(uploadId);
  if (!row || row.bucket !== bucket || row.key.toString('utf8') !== key) throw noSuchUpload(uploadId);
  return row;
}

function checkPartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) {
    throw invalidArgument(`Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`, 'partNumber', String(n));
  }
}

function checkPartAlgorithm(upload: UploadRow, integrity: UploadIntegrity | undefined): ChecksumAlgorithm | undefined {
  const expected = upload.checksum_algorithm as ChecksumAlgorithm | null;
  const given = integrity?.checksum?.algorithm;
  if (expected !== null && given !== undefined && given !== expected) {
    throw new S3Error(
      'InvalidRequest',
      `Checksum Type mismatch occurred, expected checksum Type: ${expected.toLowerCase()}, actual checksum Type: ${given.toLowerCase()}`,
    );
  }
  return expected ?? given;
}

/** Records a part whose blob is in place; the replaced part's blob becomes garbage. */
function commitPart(core: Core, account: string, input: { bucket: string; key: string; uploadId: string; partNumber: number }, part: Omit<PartRow, 'upload_id' | 'part_number' | 'last_modified_ms'>): PartRow {
  const row: PartRow = { ...part, upload_id: input.uploadId, part_number: input.partNumber, last_modified_ms: core.now() };
  let garbage: string[];
  try {
    garbage = core.db
      .transaction(() => {
        ownedUpload(core, account, input.bucket, input.key, input.uploadId);
        const old = core.st.part.get(input.uploadId, input.partNumber);
        core.st.upsertPart.run(row);
        return old?.blob ? [old.blob] : [];
      })
      .immediate();
  } catch (err) {
    if (part.blob) core.blobs.remove([part.blob]);
    throw err;
  }
  core.blobs.remove(garbage);
  return row;
}

export async function uploadPart(core: Core, account: string, input: UploadPartInput, body: Readable | Buffer): Promise<PartResult> {
  checkPartNumber(input.partNumber);
  const upload = ownedUpload(core, account, input.bucket, input.key, input.uploadId);
  const algorithm = checkPartAlgorithm(upload, input.integrity);
  const received = await receive(core.blobs, body, input.integrity, { ...(algorithm ? { algorithm } : {}), maxSize: MAX_OBJECT_SIZE });
  if (received.blob) {
    try {
      await received.blob.commit();
    } catch (err) {
      await received.blob.discard();
      throw err;
    }
  }
  const row = commitPart(core, account, input, {
    blob: received.blob?.id ?? null,
    size: received.size,
    etag: received.md5Hex,
    checksum_value: upload.checksum_algorithm !== null ? (received.checksum?.value ?? null) : null,
  });
  return partResult(upload, row);
}

function partResult(upload: UploadRow, row: PartRow): PartResult {
  return {
    etag: `"${row.etag}"`,
    lastModified: row.last_modified_ms,
    encryption: encryptionOf(upload),
    ...(upload.checksum_algorithm !== null && row.checksum_value !== null
      ? { checksum: { algorithm: upload.checksum_algorithm as ChecksumAlgorithm, value: row.checksum_value, type: 'COMPOSITE' as const } }
      : {}),
  };
}

export async function uploadPartCopy(core: Core, account: string, input: UploadPartCopyInput): Promise<PartResult & { sourceVersionId?: string }> {
  checkPartNumber(input.partNumber);
  const upload = ownedUpload(core, account, input.bucket, input.key, input.uploadId);
  const srcBucket = ownedBucket(core, account, input.source.bucket);
  validateKey(input.source.key);
  const src = resolveVersion(core, srcBucket, input.source.key, input.source.versionId);
  const now = core.now();
  if (isArchived(src.storage_class as never)) {
    const ready = src.restore_ready_ms !== null && src.restore_ready_ms <= now && (src.restore_expiry_ms ?? Infinity) > now;
    if (!ready) throw new S3Error('InvalidObjectState', "The operation is not valid for the source object's storage class");
  }
  checkCopySourceConditions(input.sourceConditions, src);
  let start = 0;
  let end = src.size - 1;
  if (input.range) {
    if (input.range.start > input.range.end || input.range.end >= src.size) {
      throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${src.size}`, {
        fields: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: `bytes=${input.range.start}-${input.range.end}` },
      });
    }
    start = input.range.start;
    end = input.range.end;
  }
  const segments = segmentsOf(src);
  const release = core.blobs.retain(segments.map((s) => s.b));
  const algorithm = (upload.checksum_algorithm as ChecksumAlgorithm | null) ?? undefined;
  const body = end >= start ? segmentStream(core.blobs, segments, start, end, release) : Buffer.alloc(0);
  if (Buffer.isBuffer(body)) release();
  const received = await receive(core.blobs, body, undefined, algorithm ? { algorithm } : {});
  if (received.blob) await received.blob.commit();
  const row = commitPart(core, account, input, {
    blob: received.blob?.id ?? null,
    size: received.size,
    etag: received.md5Hex,
    checksum_value: received.checksum?.value ?? null,
  });
  const sourceVersionId = visibleVersionId(srcBucket, src.version_id);
  return { ...partResult(upload, row), ...(sourceVersionId !== undefined ? { sourceVersionId } : {}) };
}

const bare = (etag: string): string => etag.trim().replace(/^"(.*)"$/, '$1');

export function completeMultipartUpload(core: Core, account: string, input: CompleteMultipartUploadInput): PutObjectResult {
  if (input.parts.length === 0) throw malformedXml('the CompleteMultipartUpload request lists no parts');
  const { result, garbage } = core.db
    .transaction(() => {
      const upload = ownedUpload(core, account, input.bucket, input.key, input.uploadId);
      const bucket = ownedBucket(core, account, input.bucket);
      const stored = new Map(core.st.parts.all(input.uploadId).map((p) => [p.part_number, p]));
      const algorithm = upload.checksum_algorithm as ChecksumAlgorithm | null;
      const chosen: PartRow[] = [];
      let previous = 0;
      for (const part of input.parts) {
        if (part.partNumber <= previous) {
          throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', {
            fields: { UploadId: input.uploadId },
          });
        }
        previous = part.partNumber;
        const row = stored.get(part.partNumber);
        if (!row || bare(part.etag) !== row.etag) throw invalidPart(input.uploadId, part.partNumber, part.etag);
        if (algorithm !== null) {
          const claimed = part.checksums?.[algorithm];
          if (claimed !== undefined && row.checksum_value !== null && claimed !== row.checksum_value) {
            throw invalidPart(input.uploadId, part.partNumber, part.etag, `${checksumMember(algorithm)} does not match the part's checksum`);
          }
        }
        chosen.push(row);
      }
      chosen.forEach((row, i) => {
        if (i < chosen.length - 1 && row.size < MIN_PART_SIZE) {
          throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
            fields: { ProposedSize: row.size, MinSizeAllowed: MIN_PART_SIZE, PartNumber: row.part_number, ETag: row.etag },
          });
        }
      });
      checkWriteConditions(core, bucket.name, input.key, input.conditions);

      const md5s = createHash('md5');
      for (const row of chosen) md5s.update(Buffer.from(row.etag, 'hex'));
      const etag = `${md5s.digest('hex')}-${chosen.length}`;
      const size = chosen.reduce((n, p) => n + p.size, 0);
      const checksum = finalChecksum(upload, chosen, input.checksum);

      const segments: Segment[] = chosen.filter((p) => p.blob !== null).map((p) => ({ b: p.blob as string, s: p.size }));
      const parts: StoredPart[] = chosen.map((p) => ({ s: p.size, e: p.etag, ...(p.checksum_value !== null ? { c: p.checksum_value } : {}) }));
      const lock = resolveLock(core, bucket, upload.lock_json === null ? undefined : (JSON.parse(upload.lock_json) as ObjectLock));
      const written = writeVersion(core, bucket, {
        bucket: bucket.name,
        key: upload.key,
        delete_marker: 0,
        owner: account,
        last_modified_ms: core.now(),
        size,
        etag,
        storage_class: upload.storage_class,
        meta_json: upload.meta_json,
        tags_json: upload.tags_json,
        acl_json: upload.acl_json || JSON.stringify(resolveAcl(undefined, account, bucket.owner)),
        checksum_algorithm: checksum?.algorithm ?? null,
        checksum_value: checksum?.value ?? null,
        checksum_type: checksum?.type ?? null,
        segments_json: JSON.stringify(segments),
        parts_json: JSON.stringify(parts),
        restore_ready_ms: null,
        restore_expiry_ms: null,
        ...lock,
      }, upload.replica_json === null ? undefined : checkedReplica(bucket, JSON.parse(upload.replica_json) as ReplicaWrite));
      const used = new Set(chosen.map((p) => p.part_number));
      const unused = [...stored.values()].filter((p) => !used.has(p.part_number) && p.blob !== null).map((p) => p.blob as string);
      core.st.deleteParts.run(input.uploadId);
      core.st.deleteUpload.run(input.uploadId);
      const versionId = visibleVersionId(bucket, written.versionId);
      const result: PutObjectResult = {
        etag: `"${etag}"`,
        size,
        ...(versionId !== undefined ? { versionId } : {}),
        ...(checksum ? { checksum } : {}),
        encryption: encryptionOf(upload),
      };
      return { result, garbage: [...written.garbage, ...unused] };
    })
    .immediate();
  core.blobs.remove(garbage);
  return result;
}

function invalidPart(uploadId: string, partNumber: number, etag: string, why?: string): S3Error {
  return new S3Error(
    'InvalidPart',
    why ??
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
    { fields: { UploadId: uploadId, PartNumber: partNumber, ETag: etag } },
  );
}

function finalChecksum(
  upload: UploadRow,
  parts: readonly PartRow[],
  claimed: CompleteMultipartUploadInput['checksum'],
): { algorithm: ChecksumAlgorithm; value: string; type: ChecksumType } | undefined {
  const algorithm = upload.checksum_algorithm as ChecksumAlgorithm | null;
  if (algorithm === null) return undefined;
  const values = parts.map((p) => p.checksum_value ?? emptyChecksum(algorithm));
  if (upload.checksum_type === 'FULL_OBJECT') {
    const value = fullObjectCrc(algorithm, parts.map((p, i) => ({ checksum: values[i] as string, size: p.size })));
    if (claimed && claimed.algorithm === algorithm && claimed.value !== value) {
      throw new S3Error('BadDigest', `The ${algorithm} you specified for the full object did not match the calculated checksum.`);
    }
    return { algorithm, value, type: 'FULL_OBJECT' };
  }
  return { algorithm, value: compositeChecksum(algorithm, values), type: 'COMPOSITE' };
}

function emptyChecksum(algorithm: ChecksumAlgorithm): string {
  return createHasher(algorithm).digest().toString('base64');
}

export function abortMultipartUpload(core: Core, account: string, bucket: string, key: string, uploadId: string): void {
  const garbage = core.db
    .transaction(() => {
      ownedUpload(core, account, bucket, key, uploadId);
      const blobs = core.st.parts.all(uploadId).flatMap((p) => (p.blob ? [p.blob] : []));
      core.st.deleteParts.run(uploadId);
      core.st.deleteUpload.run(uploadId);
      return blobs;
    })
    .immediate();
  core.blobs.remove(garbage);
}

export function listParts(
  core: Core,
  account: string,
  bucket: string,
  key: string,
  uploadId: string,
  options: { partNumberMarker?: number; maxParts?: number } = {},
): ListPartsResult {
  const upload = ownedUpload(core, account, bucket, key, uploadId);
  const max = Math.min(options.maxParts ?? 1000, 1000);
  if (!Number.isInteger(max) || max < 0) throw invalidArgument('max-parts must be a non-negative integer', 'max-parts');
  const rows = core.st.partsPage.all(uploadId, options.partNumberMarker ?? 0, max + 1);
  const page = rows.slice(0, max);
  const last = page[page.length - 1];
  return {
    upload: uploadInfoOf(upload),
    parts: page.map((p) => ({
      partNumber: p.part_number,
      etag: `"${p.etag}"`,
      size: p.size,
      lastModified: p.last_modified_ms,
      ...(p.checksum_value !== null ? { checksum: p.checksum_value } : {}),
    })),
    isTruncated: rows.length > max,
    ...(rows.length > max && last ? { nextPartNumberMarker: last.part_number } : {}),
  };
}
