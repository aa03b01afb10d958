/**
 * Listings in S3's order (UTF-8 binary key order; versions newest first) with prefix, delimiter
 * roll-up into common prefixes, markers and max-keys. Rows are read in bounded batches; a common
 * prefix is skipped over with one seek instead of reading every key under it.
 */
import { S3Error } from '../errors.js';
import type {
  ListObjectsOptions,
  ListObjectsResult,
  ListUploadsOptions,
  ListUploadsResult,
  ListVersionsOptions,
  ListVersionsResult,
  ObjectSummary,
  UploadInfo,
  VersionSummary,
} from '../object-store.js';
import type { Core } from './core.js';
import { keyBytes, summaryOf, uploadInfoOf, type BucketRow, type UploadRow, type VersionRow } from './rows.js';

const BATCH = 256;
export const MAX_LIST_KEYS = 1000;
/**
 * Rows one listing call may skip (keys hidden by delete markers) before it answers with what it
 * has and IsTruncated: keeps a single request's synchronous work bounded, as S3 may also return
 * short pages.
 */
const SCAN_BUDGET = 10_000;

function startsWith(key: Buffer, prefix: Buffer): boolean {
  return key.length >= prefix.length && key.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** The smallest byte string after every string that starts with `prefix` (UTF-8 never holds 0xFF). */
function pastPrefix(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if ((out[i] as number) < 0xff) {
      out[i] = (out[i] as number) + 1;
      return out.subarray(0, i + 1);
    }
  }
  return Buffer.from([0xff, 0xff, 0xff, 0xff]);
}

/** The key right after `key`. */
const justAfter = (key: Buffer): Buffer => Buffer.concat([key, Buffer.from([0])]);

/** The common prefix `key` rolls up into, or undefined. */
function commonPrefixOf(key: Buffer, prefix: Buffer, delimiter: Buffer | undefined): Buffer | undefined {
  if (!delimiter || delimiter.length === 0) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.subarray(0, at + delimiter.length);
}

export function clampMaxKeys(n: number | undefined): number {
  if (n === undefined) return MAX_LIST_KEYS;
  if (!Number.isInteger(n) || n < 0) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer');
  return Math.min(n, MAX_LIST_KEYS);
}

/** Where to resume after `after`: past its whole subtree when it is a common prefix. */
function resumeAfter(after: Buffer, prefix: Buffer, delimiter: Buffer | undefined): Buffer {
  const cp = startsWith(after, prefix) ? commonPrefixOf(after, prefix, delimiter) : undefined;
  return cp && cp.length === after.length ? pastPrefix(after) : justAfter(after);
}

export function listObjects(core: Core, bucket: BucketRow, options: ListObjectsOptions): ListObjectsResult {
  const prefix = keyBytes(options.prefix ?? '');
  const delimiter = options.delimiter ? keyBytes(options.delimiter) : undefined;
  const maxKeys = clampMaxKeys(options.maxKeys);
  const objects: ObjectSummary[] = [];
  const commonPrefixes: string[] = [];
  if (maxKeys === 0) return { objects, commonPrefixes, isTruncated: false };
  let cursor = prefix;
  if (options.after !== undefined) {
    const resume = resumeAfter(keyBytes(options.after), prefix, delimiter);
    if (Buffer.compare(resume, cursor) > 0) cursor = resume;
  }
  const now = core.now();
  let next: string | undefined;
  let scanned = 0;
  for (;;) {
    const rows = core.st.listLatest.all(bucket.name, cursor, BATCH);
    let reseek = false;
    for (const row of rows) {
      if (!startsWith(row.key, prefix)) return { objects, commonPrefixes, isTruncated: false, ...(next !== undefined ? { next } : {}) };
      cursor = justAfter(row.key);
      if (row.delete_marker === 1) {
        if (++scanned >= SCAN_BUDGET) return { objects, commonPrefixes, isTruncated: true, next: row.key.toString('utf8') };
        continue;
      }
      const cp = commonPrefixOf(row.key, prefix, delimiter);
      if (objects.length + commonPrefixes.length >= maxKeys) return { objects, commonPrefixes, isTruncated: true, ...(next !== undefined ? { next } : {}) };
      if (cp !== undefined) {
        next = cp.toString('utf8');
        commonPrefixes.push(next);
        cursor = pastPrefix(cp);
        reseek = true;
        break;
      }
      next = row.key.toString('utf8');
      objects.push(summaryOf(row, now));
    }
    if (!reseek && rows.length < BATCH) return { objects, commonPrefixes, isTruncated: false, ...(next !== undefined ? { next } : {}) };
  }
}

export function listObjectVersions(core: Core, bucket: BucketRow, options: ListVersionsOptions): ListVersionsResult {
  const prefix = keyBytes(options.prefix ?? '');
  const delimiter = options.delimiter ? keyBytes(options.delimiter) : undefined;
  const maxKeys = clampMaxKeys(options.maxKeys);
  const versions: VersionSummary[] = [];
  const commonPrefixes: string[] = [];
  if (maxKeys === 0) return { versions, commonPrefixes, isTruncated: false };
  // Cursor: rows with key > cursorKey, or key = cursorKey and seq < belowSeq.
  let cursorKey = prefix;
  let belowSeq = Number.MAX_SAFE_INTEGER;
  if (options.keyMarker !== undefined && options.keyMarker !== '') {
    const marker = keyBytes(options.keyMarker);
    if (options.versionIdMarker !== undefined && options.versionIdMarker !== '') {
      const at = core.st.version.get(bucket.name, marker, options.versionIdMarker);
      if (!at) {
        throw new S3Error('InvalidArgument', 'Invalid version id specified', {
          fields: { ArgumentName: 'version-id-marker', ArgumentValue: options.versionIdMarker },
        });
      }
      cursorKey = marker;
      belowSeq = at.seq;
    } else {
      cursorKey = resumeAfter(marker, prefix, delimiter);
    }
    if (Buffer.compare(cursorKey, prefix) < 0) {
      cursorKey = prefix;
      belowSeq = Number.MAX_SAFE_INTEGER;
    }
  }
  const now = core.now();
  let last: VersionRow | undefined;
  let lastPrefix: string | undefined;
  const page = (isTruncated: boolean): ListVersionsResult => ({
    versions,
    commonPrefixes,
    isTruncated,
    ...(isTruncated && lastPrefix !== undefined ? { nextKeyMarker: lastPrefix } : {}),
    ...(isTruncated && last !== undefined && lastPrefix === undefined
      ? { nextKeyMarker: last.key.toString('utf8'), nextVersionIdMarker: last.version_id }
      : {}),
  });
  for (;;) {
    // "key > cursorKey OR (key = cursorKey AND seq < belowSeq)": with belowSeq at its maximum the
    // seek includes every version of cursorKey itself.
    const rows = core.st.listVersions.all(bucket.name, cursorKey, cursorKey, belowSeq, BATCH);
    let reseek = false;
    for (const row of rows) {
      if (!startsWith(row.key, prefix)) return page(false);
      cursorKey = row.key;
      belowSeq = row.seq;
      if (versions.length + commonPrefixes.length >= maxKeys) return page(true);
      const cp = commonPrefixOf(row.key, prefix, delimiter);
      if (cp !== undefined) {
        lastPrefix = cp.toString('utf8');
        commonPrefixes.push(lastPrefix);
        cursorKey = pastPrefix(cp);
        belowSeq = Number.MAX_SAFE_INTEGER;
        reseek = true;
        break;
      }
      last = row;
      lastPrefix = undefined;
      versions.push({
        ...summaryOf(row, now),
        versionId: row.version_id,
        isLatest: row.is_latest === 1,
        deleteMarker: row.delete_marker === 1,
      });
    }
    if (!reseek && rows.length < BATCH) return page(false);
  }
}

export function listUploads(core: Core, bucket: BucketRow, options: ListUploadsOptions): ListUploadsResult {
  const prefix = keyBytes(options.prefix ?? '');
  const delimiter = options.delimiter ? keyBytes(options.delimiter) : undefined;
  const max = clampMaxKeys(options.maxUploads);
  const uploads: UploadInfo[] = [];
  const commonPrefixes: string[] = [];
  if (max === 0) return { uploads, commonPrefixes, isTruncated: false };
  let cursorKey = prefix;
  let afterMs = -1;
  let afterId = '';
  if (options.keyMarker !== undefined && options.keyMarker !== '') {
    const marker = keyBytes(options.keyMarker);
    const at = options.uploadIdMarker ? core.st.upload.get(options.uploadIdMarker) : undefined;
    if (at && Buffer.compare(at.key, marker) === 0) {
      cursorKey = marker;
      afterMs = at.initiated_ms;
      afterId = at.upload_id;
    } else {
      cursorKey = resumeAfter(marker, prefix, delimiter);
    }
    if (Buffer.compare(cursorKey, prefix) < 0) cursorKey = prefix;
  }
  let last: UploadRow | undefined;
  let lastPrefix: string | undefined;
  const page = (isTruncated: boolean): ListUploadsResult => ({
    uploads,
    commonPrefixes,
    isTruncated,
    ...(isTruncated && lastPrefix !== undefined ? { nextKeyMarker: lastPrefix } : {}),
    ...(isTruncated && last !== undefined && lastPrefix === undefined
      ? { nextKeyMarker: last.key.toString('utf8'), nextUploadIdMarker: last.upload_id }
      : {}),
  });
  for (;;) {
    const rows = core.st.listUploads.all(bucket.name, cursorKey, cursorKey, afterMs, afterMs, afterId, BATCH);
    let reseek = false;
    for (const row of rows) {
      if (!startsWith(row.key, prefix)) return page(false);
      cursorKey = row.key;
      afterMs = row.initiated_ms;
      afterId = row.upload_id;
      if (uploads.length + commonPrefixes.length >= max) return page(true);
      const cp = commonPrefixOf(row.key, prefix, delimiter);
      if (cp !== undefined) {
        lastPrefix = cp.toString('utf8');
        commonPrefixes.push(lastPrefix);
        cursorKey = pastPrefix(cp);
        afterMs = -1;
        afterId = '';
        reseek = true;
        break;
      }
      last = row;
      lastPrefix = undefined;
      uploads.push(uploadInfoOf(row));
    }
    if (!reseek && rows.length < BATCH) return page(false);
  }
}
