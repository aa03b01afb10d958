/** PutObject, GetObject/HeadObject, DeleteObject(s) and CopyObject on the local store. */
import type { Readable } from 'node:stream';
import { createHasher, type ChecksumAlgorithm } from '../checksums.js';
import { S3Error, accessDenied, invalidArgument, noSuchKey } from '../errors.js';
import type {
  ByteRange,
  CopyObjectInput,
  CopyObjectResult,
  DeleteObjectOptions,
  DeleteObjectResult,
  DeleteObjectsResult,
  GetObjectOptions,
  GetObjectResult,
  HeadObjectResult,
  PutObjectInput,
  PutObjectResult,
  StorageClass,
} from '../object-store.js';
import { isArchived, validateKey } from '../validate.js';
import { ILLEGAL_SELF_COPY_MESSAGE, selfCopyChangesSomething } from '../../domain/self-copy.js';
import { BufferedBody } from '../buffered-body.js';
import { readRange, segmentStream, type Segment } from './blob-files.js';

/** Reads up to this size are served from one buffer instead of a stream. */
const SMALL_READ_BYTES = 256 * 1024;
import {
  EMPTY_METADATA,
  checkCopySourceConditions,
  checkedReplica,
  checkReadConditions,
  checkWriteConditions,
  etagMatches,
  lockRefusal,
  ownedBucket,
  removeVersion,
  resolveAttributes,
  resolveVersion,
  skippedNamesOf,
  writeVersion,
  type Core,
} from './core.js';
import { receive } from './receive.js';
import {
  checksumOfRow,
  encryptionOf,
  infoOf,
  keyBytes,
  metadataOf,
  partsOf,
  segmentsOf,
  tagsOf,
  visibleVersionId,
  type BucketRow,
  type VersionRow,
} from './rows.js';

export async function putObject(core: Core, account: string, input: PutObjectInput, body: Readable | Buffer): Promise<PutObjectResult> {
  const bucket = ownedBucket(core, account, input.bucket);
  validateKey(input.key);
  const attrs = resolveAttributes(core, account, bucket, input);
  checkWriteConditions(core, bucket.name, input.key, input.conditions);
  const received = await receive(core.blobs, body, input.integrity);
  if (received.blob) {
    try {
      await received.blob.commit();
    } catch (err) {
      await received.blob.discard();
      throw err;
    }
  }
  const segments: Segment[] = received.blob ? [{ b: received.blob.id, s: received.size }] : [];
  let result: { versionId: string; garbage: string[]; bucket: BucketRow };
  try {
    result = core.db
      .transaction(() => {
        const current = ownedBucket(core, account, input.bucket);
        checkWriteConditions(core, current.name, input.key, input.conditions);
        const written = writeVersion(core, current, {
          bucket: current.name,
          key: keyBytes(input.key),
          delete_marker: 0,
          owner: account,
          last_modified_ms: core.now(),
          size: received.size,
          etag: received.md5Hex,
          ...attrs,
          checksum_algorithm: received.checksum?.algorithm ?? null,
          checksum_value: received.checksum?.value ?? null,
          checksum_type: received.checksum ? 'FULL_OBJECT' : null,
          segments_json: JSON.stringify(segments),
          parts_json: null,
          restore_ready_ms: null,
          restore_expiry_ms: null,
        }, checkedReplica(current, input.replica));
        return { ...written, bucket: current };
      })
      .immediate();
  } catch (err) {
    core.blobs.remove(segments.map((s) => s.b));
    throw err;
  }
  core.blobs.remove(result.garbage);
  const versionId = visibleVersionId(result.bucket, result.versionId);
  return {
    etag: `"${received.md5Hex}"`,
    size: received.size,
    ...(versionId !== undefined ? { versionId } : {}),
    ...(received.checksum ? { checksum: { ...received.checksum, type: 'FULL_OBJECT' as const } } : {}),
    encryption: encryptionOf(attrs),
  };
}

/** Byte range → inclusive [start, end] within `size`; InvalidRange when unsatisfiable. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  const unsatisfiable = (): S3Error =>
    new S3Error('InvalidRange', 'The requested range is not satisfiable', {
      fields: { RangeRequested: rangeText(range), ActualObjectSize: size },
      headers: { 'content-range': `bytes */${size}` },
    });
  if (range.suffix !== undefined) {
    if (range.suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  const start = range.start ?? 0;
  if (start >= size) throw unsatisfiable();
  const end = range.end === undefined ? size - 1 : Math.min(range.end, size - 1);
  return { start, end };
}

function rangeText(r: ByteRange): string {
  return r.suffix !== undefined ? `bytes=-${r.suffix}` : `bytes=${r.start ?? ''}-${r.end ?? ''}`;
}

interface Located {
  readonly bucket: BucketRow;
  readonly row: VersionRow;
  readonly range?: { start: number; end: number };
  readonly contentLength: number;
}

function locate(core: Core, account: string, ref: { bucket: string; key: string }, options: GetObjectOptions, forGet: boolean): Located {
  const bucket = ownedBucket(core, account, ref.bucket);
  validateKey(ref.key);
  const row = resolveVersion(core, bucket, ref.key, options.versionId);
  const now = core.now();
  if (forGet && isArchived(row.storage_class as StorageClass)) {
    const ready = row.restore_ready_ms !== null && row.restore_ready_ms <= now && (row.restore_expiry_ms ?? Infinity) > now;
    if (!ready) {
      throw new S3Error('InvalidObjectState', "The operation is not valid for the object's storage class", {
        fields: { StorageClass: row.storage_class },
      });
    }
  }
  checkReadConditions(options.conditions, row, {
    etag: `"${row.etag}"`,
    'last-modified': new Date(row.last_modified_ms).toUTCString(),
  });
  if (options.partNumber !== undefined) {
    if (options.range) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
    const parts = partsOf(row) ?? [{ s: row.size, e: row.etag }];
    const n = options.partNumber;
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', String(n));
    if (n > parts.length) {
      throw new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable', { fields: { PartNumberRequested: n, ActualPartCount: parts.length } });
    }
    let start = 0;
    for (let i = 0; i < n - 1; i++) start += (parts[i] as { s: number }).s;
    const size = (parts[n - 1] as { s: number }).s;
    return { bucket, row, range: { start, end: start + size - 1 }, contentLength: size };
  }
  if (options.range) {
    const range = resolveRange(options.range, row.size);
    return { bucket, row, range, contentLength: range.end - range.start + 1 };
  }
  return { bucket, row, contentLength: row.size };
}

export function headObject(core: Core, account: string, ref: { bucket: string; key: string }, options: GetObjectOptions = {}): HeadObjectResult {
  const at = locate(core, account, ref, options, false);
  return { info: infoOf(at.bucket, at.row, core.now(), skippedNamesOf(core, at.row)), contentLength: at.contentLength, ...(at.range ? { range: at.range } : {}) };
}

export async function getObject(core: Core, account: string, ref: { bucket: string; key: string }, options: GetObjectOptions = {}): Promise<GetObjectResult> {
  const at = locate(core, account, ref, options, true);
  const segments = segmentsOf(at.row);
  // Pinned in the same synchronous step as the lookup: an overwrite or delete from now on leaves
  // this read its bytes.
  const release = core.blobs.retain(segments.map((s) => s.b));
  const info = infoOf(at.bucket, at.row, core.now(), skippedNamesOf(core, at.row));
  const start = at.range?.start ?? 0;
  const end = at.range?.end ?? at.row.size - 1;
  const body =
    at.contentLength <= SMALL_READ_BYTES
      ? new BufferedBody(await readRange(core.blobs, segments, start, end, release))
      : segmentStream(core.blobs, segments, start, end, release);
  return { info, contentLength: at.contentLength, ...(at.range ? { range: at.range } : {}), body };
}

export function deleteObject(core: Core, account: string, ref: { bucket: string; key: string }, options: DeleteObjectOptions = {}): DeleteObjectResult {
  const { result, garbage } = core.db
    .transaction(() => deleteInTransaction(core, account, ref.bucket, ref.key, options))
    .immediate();
  core.blobs.remove(garbage);
  return result;
}

function deleteInTransaction(
  core: Core,
  account: string,
  bucketName: string,
  key: string,
  options: DeleteObjectOptions,
): { result: DeleteObjectResult; garbage: string[] } {
  const bucket = ownedBucket(core, account, bucketName);
  validateKey(key);
  const k = keyBytes(key);
  const now = core.now();
  if (options.conditions?.ifMatch !== undefined) {
    const current = core.st.latest.get(bucket.name, k);
    if (!current || current.delete_marker === 1) throw noSuchKey(key);
    if (!etagMatches(options.conditions.ifMatch, current.etag)) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { fields: { Condition: 'If-Match' } });
  }
  if (options.versionId !== undefined) {
    const row = core.st.version.get(bucket.name, k, options.versionId);
    if (!row) return { result: { versionId: options.versionId, deleteMarker: false }, garbage: [] };
    if (row.delete_marker === 0) {
      const refusal = lockRefusal(row, now, options.bypassGovernanceRetention === true);
      if (refusal) throw accessDenied(refusal);
    }
    const garbage = removeVersion(core, row);
    return { result: { versionId: row.version_id, deleteMarker: row.delete_marker === 1 }, garbage };
  }
  if (bucket.versioning === '') {
    const row = core.st.latest.get(bucket.name, k);
    return { result: { deleteMarker: false }, garbage: row ? removeVersion(core, row) : [] };
  }
  const { versionId, garbage } = writeVersion(core, bucket, {
    bucket: bucket.name,
    key: k,
    delete_marker: 1,
    owner: account,
    last_modified_ms: now,
    size: 0,
    etag: '',
    storage_class: 'STANDARD',
    meta_json: '{"system":{},"user":{}}',
    tags_json: '[]',
    acl_json: '',
    checksum_algorithm: null,
    checksum_value: null,
    checksum_type: null,
    segments_json: '[]',
    parts_json: null,
    restore_ready_ms: null,
    restore_expiry_ms: null,
    lock_mode: null,
    lock_until_ms: null,
    legal_hold: null,
  });
  return { result: { versionId, deleteMarker: true }, garbage };
}

export function deleteObjects(
  core: Core,
  account: string,
  bucketName: string,
  objects: ReadonlyArray<{ key: string; versionId?: string }>,
  options: { bypassGovernanceRetention?: boolean } = {},
): DeleteObjectsResult {
  ownedBucket(core, account, bucketName);
  const deleted: Array<DeleteObjectsResult['deleted'][number]> = [];
  const errors: Array<DeleteObjectsResult['errors'][number]> = [];
  const garbage: string[] = [];
  // One transaction for the batch; each object in a savepoint of its own (better-sqlite3 nests
  // transactions as savepoints), so that one refusal does not undo the others. Blobs are removed
  // only after the whole batch has committed.
  const one = core.db.transaction((obj: { key: string; versionId?: string }) =>
    deleteInTransaction(core, account, bucketName, obj.key, {
      ...(obj.versionId !== undefined ? { versionId: obj.versionId } : {}),
      ...(options.bypassGovernanceRetention ? { bypassGovernanceRetention: true } : {}),
    }),
  );
  core.db
    .transaction(() => {
      for (const obj of objects) {
        try {
          const { result: r, garbage: g } = one(obj);
          garbage.push(...g);
          if (obj.versionId !== undefined) {
            deleted.push({ key: obj.key, versionId: obj.versionId, ...(r.deleteMarker ? { deleteMarker: true, deleteMarkerVersionId: obj.versionId } : {}) });
          } else {
            deleted.push({
              key: obj.key,
              ...(r.deleteMarker ? { deleteMarker: true, ...(r.versionId !== undefined ? { deleteMarkerVersionId: r.versionId } : {}) } : {}),
            });
          }
        } catch (err) {
          if (!(err instanceof S3Error)) throw err;
          errors.push({ key: obj.key, ...(obj.versionId !== undefined ? { versionId: obj.versionId } : {}), code: err.code, message: err.message });
        }
      }
    })
    .immediate();
  core.blobs.remove(garbage);
  return { deleted, errors };
}

export async function copyObject(core: Core, account: string, input: CopyObjectInput): Promise<CopyObjectResult> {
  const srcBucket = ownedBucket(core, account, input.source.bucket);
  validateKey(input.source.key);
  let src: VersionRow;
  try {
    src = resolveVersion(core, srcBucket, input.source.key, input.source.versionId);
  } catch (err) {
    if (err instanceof S3Error && err.code === 'MethodNotAllowed') {
      throw new S3Error('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
    }
    throw err;
  }
  const now = core.now();
  if (isArchived(src.storage_class as StorageClass)) {
    const ready = src.restore_ready_ms !== null && src.restore_ready_ms <= now && (src.restore_expiry_ms ?? Infinity) > now;
    if (!ready) {
      throw new S3Error('InvalidObjectState', "The source object of the COPY action is not in the active tier and is only stored in Amazon S3 Glacier.", {
        fields: { StorageClass: src.storage_class },
      });
    }
  }
  checkCopySourceConditions(input.sourceConditions, src);
  if (src.size > core.maxCopySourceBytes) {
    throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${core.maxCopySourceBytes}`);
  }
  const dest = ownedBucket(core, account, input.bucket);
  validateKey(input.key);
  // Checked before any data is duplicated, and again in the write transaction (as PutObject does).
  checkWriteConditions(core, dest.name, input.key, input.conditions);
  const metadataDirective = input.metadataDirective ?? 'COPY';
  const taggingDirective = input.taggingDirective ?? 'COPY';
  // The redirect is "unique to each object and is not copied" (S3's CopyObject documentation):
  // the request's (its header, or a REPLACE metadata's), never the source's.
  const redirect = input.websiteRedirectLocation ?? (metadataDirective === 'REPLACE' ? input.metadata?.system.websiteRedirectLocation : undefined);
  const sameObject = dest.name === srcBucket.name && input.key === input.source.key && (input.source.versionId === undefined || src.is_latest === 1);
  if (
    sameObject &&
    !selfCopyChangesSomething({
      metadataDirective,
      ...(input.storageClass !== undefined ? { storageClass: input.storageClass } : {}),
      ...(input.checksumAlgorithm !== undefined ? { checksumAlgorithm: input.checksumAlgorithm } : {}),
      ...(input.encryption !== undefined ? { encryption: input.encryption } : {}),
      ...(redirect !== undefined ? { websiteRedirectLocation: redirect } : {}),
    })
  ) {
    throw new S3Error('InvalidRequest', ILLEGAL_SELF_COPY_MESSAGE);
  }
  const base = metadataDirective === 'COPY' ? metadataOf(src, skippedNamesOf(core, src)) : (input.metadata ?? EMPTY_METADATA);
  const { websiteRedirectLocation: _notCopied, ...system } = base.system;
  // The encryption is the request's or the default, whatever the directive: metadataOf never
  // carries the source's.
  const attrs = resolveAttributes(core, account, dest, {
    metadata: { system: { ...system, ...(redirect !== undefined ? { websiteRedirectLocation: redirect } : {}) }, user: base.user },
    tags: taggingDirective === 'COPY' ? tagsOf(src) : (input.tags ?? []),
    ...(input.acl ? { acl: input.acl } : {}),
    ...(input.storageClass ? { storageClass: input.storageClass } : {}),
    ...(input.lock ? { lock: input.lock } : {}),
    ...(input.encryption ? { encryption: input.encryption } : {}),
  });
  const srcSegments = segmentsOf(src);
  const release = core.blobs.retain(srcSegments.map((s) => s.b));
  const srcChecksum = checksumOfRow(src);
  let checksum = srcChecksum?.type === 'FULL_OBJECT' ? srcChecksum : undefined;
  const newSegments: Segment[] = [];
  try {
    if (input.checksumAlgorithm !== undefined && checksum?.algorithm !== input.checksumAlgorithm) {
      checksum = { algorithm: input.checksumAlgorithm, value: await computeChecksum(core, src, input.checksumAlgorithm), type: 'FULL_OBJECT' };
    }
    for (const seg of srcSegments) newSegments.push({ b: await core.blobs.duplicate(seg.b), s: seg.s });
  } catch (err) {
    core.blobs.remove(newSegments.map((s) => s.b));
    throw err;
  } finally {
    release();
  }
  let written: { versionId: string; garbage: string[]; bucket: BucketRow; lastModified: number };
  try {
    written = core.db
      .transaction(() => {
        const current = ownedBucket(core, account, input.bucket);
        checkWriteConditions(core, current.name, input.key, input.conditions);
        const lastModified = core.now();
        const w = writeVersion(core, current, {
          bucket: current.name,
          key: keyBytes(input.key),
          delete_marker: 0,
          owner: account,
          last_modified_ms: lastModified,
          size: src.size,
          etag: src.etag,
          ...attrs,
          checksum_algorithm: checksum?.algorithm ?? null,
          checksum_value: checksum?.value ?? null,
          checksum_type: checksum ? 'FULL_OBJECT' : null,
          segments_json: JSON.stringify(newSegments),
          parts_json: src.parts_json,
          restore_ready_ms: null,
          restore_expiry_ms: null,
        });
        return { ...w, bucket: current, lastModified };
      })
      .immediate();
  } catch (err) {
    core.blobs.remove(newSegments.map((s) => s.b));
    throw err;
  }
  core.blobs.remove(written.garbage);
  const versionId = visibleVersionId(written.bucket, written.versionId);
  const sourceVersionId = visibleVersionId(srcBucket, src.version_id);
  return {
    etag: `"${src.etag}"`,
    lastModified: written.lastModified,
    ...(versionId !== undefined ? { versionId } : {}),
    ...(sourceVersionId !== undefined ? { sourceVersionId } : {}),
    ...(checksum ? { checksum } : {}),
    encryption: encryptionOf(attrs),
  };
}

async function computeChecksum(core: Core, row: VersionRow, algorithm: ChecksumAlgorithm): Promise<string> {
  const hasher = createHasher(algorithm);
  const segments = segmentsOf(row);
  // The caller holds the blobs; this read needs no pin of its own.
  for await (const chunk of segmentStream(core.blobs, segments, 0, row.size - 1, () => undefined)) hasher.update(chunk as Buffer);
  return hasher.digest().toString('base64');
}
