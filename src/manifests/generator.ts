/**
 * `S3JobManifestGenerator` (reference §3.2): the job's manifest is the objects of `SourceBucket`
 * that every filter of `JobManifestGeneratorFilter` matches, listed when the job is prepared.
 *
 * The listing streams: a page (1000 keys) at a time, each object tested against the filters, the
 * matches cut into chunks of `chunkSize` tasks handed to `onBatch` with the listing position just
 * after the chunk's last task. The caller commits chunks and position together (the job store's
 * addChunks), so a listing that stops for any reason resumes from `from` — the last committed
 * position — with the same chunk numbering, task numbering and byte offsets: no object is missed
 * or listed into two chunks.
 *
 * Chunk records are the lines of an `S3InventoryReport_CSV_20211130` data file —
 * `"bucket","url-encoded key"` (and `,"version id"` when versions are listed) — so that the chunks,
 * read back in order, are the generated manifest's data, and parseChunkRecords reads them with
 * the CSV layout of `generatedTaskManifest`.
 *
 * What the listing tells (key, size, last-modified, storage class) is filtered as it streams;
 * MatchAnyObjectEncryption and ObjectReplicationStatuses need one HeadObject per object that
 * passed the other filters (ListObjectsV2 does not say them), made `headConcurrency` at a time.
 */
import { setImmediate } from 'node:timers/promises';
import type { JobManifest, JobManifestGeneratorFilter, ObjectEncryptionFilter, S3JobManifestGenerator } from '../domain/job-spec.js';
import { parseBucketArn } from '../domain/arn.js';
import { S3PortError, type ListedObject, type ObjectHead, type S3Port } from '../s3/s3-port.js';
import type { ChunkWithRecords } from './chunk-bytes.js';
import { ManifestError, readFailure } from './errors.js';
import type { CsvChunkLocator } from './types.js';

/** Where a listing stands: JSON, stored by the job store as the listing's cursor. */
export interface GeneratorCursor {
  /** The last object (key) looked at; absent: the listing starts at the bucket's (or prefix's) beginning. */
  readonly key?: string;
  /** With versions: the last version of `key` looked at. */
  readonly versionId?: string;
  /** The next chunk's index, its first task's index, and its first byte in the generated data. */
  readonly chunk: number;
  readonly task: number;
  readonly byte: number;
}

export interface GeneratorPosition {
  readonly cursor: GeneratorCursor;
  /** Objects (versions) looked at up to `cursor`, matched or not. */
  readonly scanned: number;
}

export const START: GeneratorPosition = { cursor: { chunk: 0, task: 0, byte: 0 }, scanned: 0 };

export interface GeneratedBatch {
  /** The chunks cut since the last batch, in order (possibly none: a position update only). */
  readonly chunks: readonly ChunkWithRecords[];
  /** The position just after the last task of `chunks`. */
  readonly position: GeneratorPosition;
  /** The listing reached the end: nothing comes after this batch. */
  readonly done: boolean;
}

export interface GenerateOptions {
  readonly chunkSize: number;
  /** Where to resume (a position an earlier `onBatch` handed out); default: the start. */
  readonly from?: GeneratorPosition;
  /**
   * Receives the chunks as they are cut: the first one at once (so that a job may start on it),
   * later ones `batchChunks` at a time or at least every `flushEveryMs` (a partly filled chunk is
   * cut then), and a last batch with `done`. The listing waits for the
   * promise (backpressure); a rejection ends it with that error.
   */
  readonly onBatch: (batch: GeneratedBatch) => Promise<void>;
  /** Chunks per batch after the first (default 16). */
  readonly batchChunks?: number;
  /** HeadObject calls in flight for the filters a listing cannot answer (default 32). */
  readonly headConcurrency?: number;
  /** Objects per listing page (default 1000, S3's cap). */
  readonly pageSize?: number;
  /** At a page's end, hand over what was cut (and the position) if the last batch is this old (default 1000 ms). */
  readonly flushEveryMs?: number;
}

/** Every version is a task (reference §5.8: a replication job's generated manifest holds every eligible version). */
export function listsVersions(generator: S3JobManifestGenerator, operationName: string): boolean {
  return operationName === 'S3ReplicateObject' || generator.Filter?.EligibleForReplication === true;
}

/** The source bucket's name, from `SourceBucket` (a bucket ARN; a plain name is taken too). */
export function sourceBucketOf(generator: S3JobManifestGenerator): string {
  const name = generator.SourceBucket.startsWith('arn:') ? parseBucketArn(generator.SourceBucket)?.bucket : generator.SourceBucket;
  if (!name) throw new ManifestError('InvalidManifestLocation', `SourceBucket ${generator.SourceBucket} is not a bucket ARN (arn:aws:s3:::bucket)`);
  return name;
}

/**
 * The manifest a generated chunk's records are read with (parseChunkRecords): CSV with the
 * columns the generator writes. It names no object that exists; only messages show it.
 */
export function generatedTaskManifest(generator: S3JobManifestGenerator, versions: boolean): JobManifest {
  return {
    Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: versions ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'] },
    Location: { ObjectArn: `arn:aws:s3:::${sourceBucketOf(generator)}/(generated manifest)`, ETag: 'generated' },
  };
}

/** A key as the generated manifest holds it: URL-encoded (AWS: "object keys must be URL-encoded"), `/` kept. */
export function generatedKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%2F', '/');
}

function quotedCell(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

interface Candidate {
  readonly object: ListedObject;
  readonly versionId?: string;
}

/** Lists, filters and cuts; resolves once the last batch (with `done`) was taken. */
export async function generateManifest(
  generator: S3JobManifestGenerator,
  versions: boolean,
  s3: S3Port,
  options: GenerateOptions,
): Promise<GeneratorPosition> {
  if (!Number.isSafeInteger(options.chunkSize) || options.chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, not ${options.chunkSize}`);
  const bucket = sourceBucketOf(generator);
  const filter = generator.Filter ?? {};
  const test = listingTest(filter);
  const needsHead = filter.MatchAnyObjectEncryption !== undefined || filter.ObjectReplicationStatuses !== undefined;
  const prefix = filter.KeyNameConstraint?.MatchAnyPrefix?.length === 1 ? filter.KeyNameConstraint.MatchAnyPrefix[0] : undefined;
  const owner = generator.ExpectedBucketOwner;
  const pageSize = options.pageSize ?? 1000;
  const batchChunks = options.batchChunks ?? 16;
  const headConcurrency = options.headConcurrency ?? 32;

  let position = options.from ?? START;
  let { chunk, task, byte } = position.cursor;
  let scanned = position.scanned;
  let key = position.cursor.key;
  let versionId = position.cursor.versionId;
  let lines: string[] = [];
  let pending: ChunkWithRecords[] = [];
  let sentFirst = chunk > 0;

  const cut = (): void => {
    const records = Buffer.from(lines.join(''), 'utf8');
    const locator: CsvChunkLocator = { kind: 'csv', index: chunk, firstTask: task, taskCount: lines.length, firstLine: task + 1, start: byte, end: byte + records.length };
    pending.push({ locator, records });
    chunk += 1;
    task += lines.length;
    byte += records.length;
    lines = [];
  };
  const here = (): GeneratorPosition => ({
    cursor: { ...(key !== undefined ? { key } : {}), ...(versionId !== undefined ? { versionId } : {}), chunk, task, byte },
    scanned,
  });
  const flushEveryMs = options.flushEveryMs ?? 1000;
  let lastFlushMs = Date.now();
  const flush = async (done: boolean): Promise<void> => {
    lastFlushMs = Date.now();
    const chunks = pending;
    pending = [];
    position = here();
    sentFirst = true;
    await options.onBatch({ chunks, position, done });
  };

  for (let truncated = true; truncated; ) {
    let candidates: Candidate[];
    try {
      if (versions) {
        const page = await s3.listObjectVersions(bucket, {
          ...(prefix !== undefined ? { prefix } : {}),
          ...(key !== undefined ? { keyMarker: key, ...(versionId !== undefined ? { versionIdMarker: versionId } : {}) } : {}),
          maxKeys: pageSize,
          ...(owner !== undefined ? { expectedBucketOwner: owner } : {}),
        });
        candidates = page.versions.map((v) => ({ object: v, versionId: v.versionId }));
        truncated = page.isTruncated;
        if (candidates.length === 0 && truncated) {
          // A page of delete markers only: move past them.
          if (page.nextKeyMarker === undefined) break;
          key = page.nextKeyMarker;
          versionId = page.nextVersionIdMarker;
          continue;
        }
      } else {
        const page = await s3.listObjects(bucket, {
          ...(prefix !== undefined ? { prefix } : {}),
          ...(key !== undefined ? { startAfter: key } : {}),
          maxKeys: pageSize,
          ...(owner !== undefined ? { expectedBucketOwner: owner } : {}),
        });
        candidates = page.objects.map((o) => ({ object: o }));
        truncated = page.isTruncated && page.objects.length > 0;
      }
    } catch (error) {
      throw readFailure(error, `the source bucket s3://${bucket}`);
    }
    // The in-process store answers without I/O: let requests (DescribeJob, a cancel) in between pages.
    await setImmediate();
    const passed = candidates.map((c) => test(c.object));
    const heads = needsHead ? await headsOf(s3, bucket, candidates, passed, headConcurrency) : undefined;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      scanned += 1;
      key = c.object.key;
      versionId = c.versionId;
      const head = heads?.[i];
      if (!passed[i] || (heads !== undefined && (head === undefined || !headTest(filter, head)))) continue;
      const row = `${quotedCell(bucket)},${quotedCell(generatedKey(c.object.key))}${versions ? `,${quotedCell(c.versionId ?? 'null')}` : ''}\n`;
      lines.push(row);
      if (lines.length < options.chunkSize) continue;
      cut();
      if (!sentFirst || pending.length >= batchChunks) await flush(false);
    }
    // A selective filter may scan long without filling a chunk: commit what there is (a smaller
    // chunk) now and then, so that a restart does not list it again and the caller may stop us.
    if (truncated && Date.now() - lastFlushMs >= flushEveryMs) {
      if (lines.length > 0) cut();
      await flush(false);
    }
  }
  if (lines.length > 0) cut();
  await flush(true);
  return position;
}

/** The filters the listing answers: key, size, last-modified, storage class (all AND-ed, reference §3.1). */
function listingTest(filter: JobManifestGeneratorFilter): (o: ListedObject) => boolean {
  const keys = filter.KeyNameConstraint;
  const prefixes = keys?.MatchAnyPrefix ?? [];
  const suffixes = keys?.MatchAnySuffix ?? [];
  const substrings = keys?.MatchAnySubstring ?? [];
  const after = filter.CreatedAfter !== undefined ? Date.parse(filter.CreatedAfter) : undefined;
  const before = filter.CreatedBefore !== undefined ? Date.parse(filter.CreatedBefore) : undefined;
  const larger = filter.ObjectSizeGreaterThanBytes;
  const smaller = filter.ObjectSizeLessThanBytes;
  const classes = filter.MatchAnyStorageClass !== undefined ? new Set<string>(filter.MatchAnyStorageClass) : undefined;
  return (o) =>
    (prefixes.length === 0 || prefixes.some((p) => o.key.startsWith(p))) &&
    (suffixes.length === 0 || suffixes.some((s) => o.key.endsWith(s))) &&
    (substrings.length === 0 || substrings.some((s) => o.key.includes(s))) &&
    (after === undefined || o.lastModified > after) &&
    (before === undefined || o.lastModified < before) &&
    (larger === undefined || o.size > larger) &&
    (smaller === undefined || o.size < smaller) &&
    (classes === undefined || classes.has(o.storageClass));
}

/** HeadObject of each candidate that passed the listing's filters, in order; undefined: gone since it was listed (skip it). */
async function headsOf(
  s3: S3Port,
  bucket: string,
  candidates: readonly Candidate[],
  passed: readonly boolean[],
  concurrency: number,
): Promise<Array<ObjectHead | undefined>> {
  const heads: Array<ObjectHead | undefined> = new Array<ObjectHead | undefined>(candidates.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < candidates.length; i = next++) {
      if (!passed[i]) continue;
      const c = candidates[i]!;
      try {
        heads[i] = await s3.headObject({ bucket, key: c.object.key, ...(c.versionId !== undefined ? { versionId: c.versionId } : {}) });
      } catch (error) {
        if (error instanceof S3PortError && (error.code === 'NoSuchKey' || error.code === 'NoSuchVersion' || error.status === 404)) continue;
        throw readFailure(error, `the object s3://${bucket}/${c.object.key}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, candidates.length) }, worker));
  return heads;
}

/** MatchAnyObjectEncryption and ObjectReplicationStatuses, from HeadObject. */
function headTest(filter: JobManifestGeneratorFilter, head: ObjectHead): boolean {
  if (filter.MatchAnyObjectEncryption !== undefined && !filter.MatchAnyObjectEncryption.some((e) => encryptionMatches(e, head.encryption ?? {}))) return false;
  if (filter.ObjectReplicationStatuses !== undefined) {
    const status = head.replicationStatus ?? 'NONE';
    if (!(filter.ObjectReplicationStatuses as readonly string[]).includes(status)) return false;
  }
  return true;
}

function encryptionMatches(wanted: ObjectEncryptionFilter, has: NonNullable<ObjectHead['encryption']>): boolean {
  if (wanted.SSES3 !== undefined) return has.algorithm === 'AES256' && has.customerKey !== true;
  if (wanted.SSEKMS !== undefined) {
    const { KmsKeyArn, BucketKeyEnabled } = wanted.SSEKMS;
    return (
      has.algorithm === 'aws:kms' &&
      (KmsKeyArn === undefined || has.kmsKeyId === KmsKeyArn) &&
      (BucketKeyEnabled === undefined || (has.bucketKeyEnabled === true) === BucketKeyEnabled)
    );
  }
  if (wanted.DSSEKMS !== undefined) return has.algorithm === 'aws:kms:dsse' && (wanted.DSSEKMS.KmsKeyArn === undefined || has.kmsKeyId === wanted.DSSEKMS.KmsKeyArn);
  if (wanted.SSEC !== undefined) return has.customerKey === true;
  if (wanted.NOTSSE !== undefined) return has.algorithm === undefined && has.customerKey !== true;
  return false;
}
