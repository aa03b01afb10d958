/**
 * `S3InventoryReport_CSV_20161130` manifests: `Location.ObjectArn` names an S3 Inventory
 * `manifest.json` (reference §5.8) listing gzipped CSV data files, no header, columns in
 * `fileSchema` order, values quoted, keys URL-encoded. Only the Bucket, Key and (if present)
 * VersionId columns are used; an empty VersionId (a null version in an "all versions" inventory)
 * is kept as a task marked `missingVersionId`, which fails as on AWS.
 *
 * - manifest.json is read whole, at most 64 MiB (larger: ManifestTooLarge).
 * - Data files are read from `destinationBucket` (the bucket inventory wrote them to, an ARN or a
 *   name) or, when manifest.json has none, from the bucket holding manifest.json.
 * - Each data file's MD5 (of its compressed bytes) must equal its `MD5checksum`.
 * - Chunks never span data files; a chunk is located by its byte range in the *decompressed*
 *   file. gzip cannot be entered in the middle, so a chunk read decompresses its file from the
 *   start, discarding the bytes before the chunk: reading chunk k of a file costs decompressing
 *   k chunks' worth (measured: ~0.25 ms per 1,000 records of ~90 bytes, ~360 MB/s), so reading
 *   all C chunks of a file one by one costs ~C²/2 chunk-decompressions (a 1M-record file in
 *   chunks of 1,000: ~2 min of CPU instead of 0.25 s). A ChunkReader (chunk-reader.ts) avoids
 *   that by keeping a cursor per file when one node reads a file's chunks in order.
 */
import { pipeline, type Readable } from 'node:stream';
import { createMd5Tap } from '../lib/md5-tap.js';
import { createGunzip } from 'node:zlib';
import { parseBucketArn } from '../domain/arn.js';
import type { JobManifest } from '../domain/job-spec.js';
import type { GetObjectResult, ObjectRef, S3Port } from '../s3/s3-port.js';
import { ChunkEmitter } from './chunk-bytes.js';
import { checkRecord, chunkScanner, syntaxFailure, type RecordLayout } from './csv-manifest.js';
import { CsvScanner, CsvSyntaxError } from './csv-scanner.js';
import { clip, ManifestError, readFailure, s3Uri } from './errors.js';
import { manifestObject, openManifest } from './location.js';
import { drain, readAll } from './stream.js';
import type { InventoryChunkLocator, ManifestTask, PreparedManifest, PrepareOptions } from './types.js';

export const MAX_INVENTORY_MANIFEST_BYTES = 64 * 1024 * 1024;

/** Output buffer size of gunzip: bigger than the default 16 KiB, for skipping at memory speed. */
const GUNZIP_CHUNK = 64 * 1024;

interface InventoryFile {
  readonly key: string;
  readonly md5: string;
}

interface InventoryManifest {
  readonly dataBucket: string;
  readonly layout: RecordLayout;
  readonly files: readonly InventoryFile[];
}

function invalid(uri: string, problem: string): ManifestError {
  return new ManifestError('InvalidManifestContent', `The inventory manifest ${uri} ${problem}`);
}

/** Parses and checks manifest.json. */
export function parseInventoryManifest(text: string, uri: string, manifestBucket: string): InventoryManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw invalid(uri, `is not valid JSON: ${clip(error instanceof Error ? error.message : String(error), 80)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(uri, 'is not a JSON object');
  const m = doc as Record<string, unknown>;

  if (m.fileFormat !== 'CSV') {
    const format = typeof m.fileFormat === 'string' ? clip(m.fileFormat, 20) : 'missing';
    throw invalid(uri, `has fileFormat ${format}; Batch Operations reads CSV inventories only`);
  }
  if (typeof m.fileSchema !== 'string' || m.fileSchema.trim() === '') throw invalid(uri, 'has no fileSchema');
  const names = m.fileSchema.split(',').map((s) => s.trim());
  const missing = ['Bucket', 'Key'].filter((f) => !names.includes(f));
  if (missing.length) {
    throw new ManifestError('InvalidManifestContent', `Required fields are missing in the schema: ${missing.join(', ')} (fileSchema of ${uri})`);
  }
  const layout: RecordLayout = {
    count: names.length,
    bucket: names.indexOf('Bucket'),
    key: names.indexOf('Key'),
    versionId: names.indexOf('VersionId'),
    declared: `the inventory's fileSchema declares ${names.length}`,
  };

  let dataBucket = manifestBucket;
  if (m.destinationBucket !== undefined) {
    const named = typeof m.destinationBucket === 'string' ? m.destinationBucket : '';
    const bucket = named.startsWith('arn:') ? parseBucketArn(named)?.bucket : /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(named) ? named : undefined;
    if (!bucket) throw invalid(uri, `has a destinationBucket that is not a bucket ARN: ${clip(named, 80)}`);
    dataBucket = bucket;
  }

  if (!Array.isArray(m.files)) throw invalid(uri, 'has no files list');
  const files = m.files.map((entry: unknown, i): InventoryFile => {
    const f = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof f.key !== 'string' || f.key === '') throw invalid(uri, `has no key in files[${i}]`);
    if (typeof f.MD5checksum !== 'string' || !/^[0-9a-fA-F]{32}$/.test(f.MD5checksum)) {
      throw invalid(uri, `has no valid MD5checksum in files[${i}]`);
    }
    return { key: f.key, md5: f.MD5checksum.toLowerCase() };
  });
  return { dataBucket, layout, files };
}

export async function prepareInventoryManifest(manifest: JobManifest, s3: S3Port, options: PrepareOptions): Promise<PreparedManifest> {
  const object = manifestObject(manifest);
  const { chunkSize, onProgress, signal } = options;
  signal?.throwIfAborted();
  const result = await openManifest(manifest, object, s3);
  const tooLarge = (): never => {
    throw new ManifestError(
      'ManifestTooLarge',
      `The inventory manifest ${object.uri} is larger than 64 MiB, the most s3batch reads of a manifest.json`,
    );
  };
  if (result.contentLength > MAX_INVENTORY_MANIFEST_BYTES) {
    result.body.destroy();
    tooLarge();
  }
  let text: string;
  try {
    text = (await readAll(result.body, MAX_INVENTORY_MANIFEST_BYTES, tooLarge, signal)).toString('utf8');
  } catch (error) {
    if (signal?.aborted) throw error;
    throw readFailure(error, 'the manifest');
  }
  const inventory = parseInventoryManifest(text, object.uri, object.bucket);

  const chunks: InventoryChunkLocator[] = [];
  let total = 0;
  for (const file of inventory.files) {
    signal?.throwIfAborted();
    const ref: ObjectRef = { bucket: inventory.dataBucket, key: file.key };
    const uri = s3Uri(ref.bucket, ref.key);
    const what = `the inventory data file ${uri}`;
    let data: GetObjectResult;
    try {
      data = await s3.getObject(ref);
    } catch (error) {
      throw readFailure(error, what);
    }
    const pinned = data.versionId === undefined ? { ...ref, etag: data.etag } : { ...ref, etag: data.etag, versionId: data.versionId };
    const columns =
      inventory.layout.versionId < 0
        ? { count: inventory.layout.count, bucket: inventory.layout.bucket, key: inventory.layout.key }
        : { count: inventory.layout.count, bucket: inventory.layout.bucket, key: inventory.layout.key, versionId: inventory.layout.versionId };

    let inChunk = 0;
    let chunkStart = 0;
    let chunkLine = 1;
    const emitter = new ChunkEmitter(options.onChunk);
    const cut = (end: number): void => {
      const locator: InventoryChunkLocator = {
        kind: 'inventory',
        index: chunks.length,
        firstTask: total - inChunk,
        taskCount: inChunk,
        firstLine: chunkLine,
        start: chunkStart,
        end,
        file: pinned,
        columns,
      };
      chunks.push(locator);
      emitter.cut(locator);
      inChunk = 0;
      onProgress?.(total);
    };
    const scanner: CsvScanner = new CsvScanner((buf) => {
      checkRecord(scanner, buf, inventory.layout);
      total++;
      if (++inChunk === chunkSize) {
        cut(scanner.recordEnd);
        chunkStart = scanner.recordEnd;
        chunkLine = scanner.nextLine;
      }
    });
    const tap = createMd5Tap();
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
    pipeline(data.body, tap, gunzip, () => {});
    try {
      await drain(
        gunzip,
        (chunk) => {
          emitter.push(chunk);
          scanner.push(chunk);
          return emitter.drained();
        },
        signal,
      );
      scanner.end();
    } catch (error) {
      data.body.destroy();
      if (signal?.aborted) throw error;
      throw dataFileFailure(error, uri, what, tap.bytes < data.contentLength);
    }
    if (tap.bytes !== data.contentLength) {
      throw new ManifestError('ManifestReadFailed', `Reading ${what} ended before its last byte`, {
        retryable: true,
      });
    }
    const actual = tap.digestHex();
    if (actual !== file.md5) {
      // Only the MD5 manifest.json gives, not the one computed: a reason says nothing of an object
      // the job does not name itself (manifest.json is pinned by the job's ETag, its data files
      // are not), since with credentials shared on a remote store the read may have crossed into
      // another account's bucket (README, "Accounts on a remote store"). The same holds for the
      // data file's size and ETag below. Whoever may read the file can compute its MD5.
      throw new ManifestError(
        'InvalidManifestContent',
        `The MD5 of ${uri} is not ${file.md5} as manifest.json says: the file changed after the inventory was written, or is damaged`,
      );
    }
    if (inChunk > 0) cut(scanner.offset);
    // Trailing blank lines join the file's last chunk: a file's chunks tile it.
    const last = emitter.finish(scanner.offset) as InventoryChunkLocator | undefined;
    if (last) chunks[chunks.length - 1] = last;
    await emitter.drained();
  }
  onProgress?.(total);
  if (total === 0) throw new ManifestError('ManifestEmpty', `The manifest has no tasks: the inventory ${object.uri} lists no records`);
  const versionId = result.versionId ?? manifest.Location.ObjectVersionId;
  return versionId === undefined
    ? { totalTasks: total, chunks, manifestEtag: result.etag }
    : { totalTasks: total, chunks, manifestEtag: result.etag, manifestVersionId: versionId };
}

function dataFileFailure(error: unknown, uri: string, what: string, truncated: boolean): unknown {
  if (error instanceof CsvSyntaxError) return syntaxFailure(error, uri);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_') && !truncated) {
    return new ManifestError('InvalidManifestContent', `${uri} is not a valid gzip file (${code})`, { cause: error });
  }
  return readFailure(error, what);
}

/** Opens a chunk's data file (pinned) and returns its decompressed stream. */
export async function openDataFile(locator: InventoryChunkLocator, s3: S3Port): Promise<{ body: Readable; source: Readable }> {
  const { file } = locator;
  const ref: ObjectRef = file.versionId === undefined ? { bucket: file.bucket, key: file.key } : { bucket: file.bucket, key: file.key, versionId: file.versionId };
  let data: GetObjectResult;
  try {
    data = await s3.getObject(ref, { ifMatch: file.etag });
  } catch (error) {
    throw readFailure(error, `the inventory data file ${s3Uri(file.bucket, file.key)}`);
  }
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  pipeline(data.body, gunzip, () => {});
  return { body: gunzip, source: data.body };
}

export function inventoryLayout(locator: InventoryChunkLocator): RecordLayout {
  const c = locator.columns;
  return { count: c.count, bucket: c.bucket, key: c.key, versionId: c.versionId ?? -1, declared: `the inventory's fileSchema declares ${c.count}` };
}

/**
 * Reads a chunk's records from a decompressed data file positioned at `position` (bytes already
 * consumed before the stream's next chunk). Pushes the bytes of [start, end) into a scanner and
 * returns the tasks and the stream position after the chunk; the remainder of the last buffer is
 * returned so that a cursor can continue from there.
 */
export async function readInventoryRange(
  locator: InventoryChunkLocator,
  iterator: AsyncIterator<unknown>,
  position: number,
  leftover: Buffer | undefined,
): Promise<{ tasks: ManifestTask[]; position: number; leftover: Buffer | undefined }> {
  const layout = inventoryLayout(locator);
  const uri = s3Uri(locator.file.bucket, locator.file.key);
  const tasks: ManifestTask[] = [];
  const scanner = chunkScanner(locator, layout, tasks);
  let pos = position;
  let rest: Buffer | undefined;
  try {
    let pending = leftover;
    while (pos < locator.end) {
      let buf: Buffer;
      if (pending) {
        buf = pending;
        pending = undefined;
      } else {
        const next = await iterator.next();
        if (next.done) break;
        buf = next.value as Buffer;
      }
      const bufStart = pos;
      pos += buf.length;
      if (pos <= locator.start) continue;
      const s = Math.max(0, locator.start - bufStart);
      const e = Math.min(buf.length, locator.end - bufStart);
      scanner.push(buf.subarray(s, e));
      if (e < buf.length) {
        rest = buf.subarray(e);
        pos = locator.end;
      }
    }
    if (pos < locator.end) {
      throw new ManifestError('InvalidManifestContent', `${uri} ended before chunk ${locator.index}`);
    }
    scanner.end();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw syntaxFailure(error, uri);
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new ManifestError('InvalidManifestContent', `${uri} is not a valid gzip file (${code})`, { cause: error });
    }
    throw readFailure(error, `the inventory data file ${uri}`);
  }
  if (tasks.length !== locator.taskCount) {
    throw new ManifestError(
      'InvalidManifestContent',
      `Chunk ${locator.index} of ${uri} holds ${tasks.length} records, not ${locator.taskCount} as prepared`,
    );
  }
  return { tasks, position: pos, leftover: rest };
}

/** One chunk, read from a fresh GET of its data file (decompressing from the file's start). */
export async function readInventoryChunk(locator: InventoryChunkLocator, s3: S3Port): Promise<ManifestTask[]> {
  const { body, source } = await openDataFile(locator, s3);
  const iterator = body[Symbol.asyncIterator]();
  try {
    return (await readInventoryRange(locator, iterator, 0, undefined)).tasks;
  } finally {
    body.destroy();
    source.destroy();
  }
}
