/**
 * `S3BatchOperations_CSV_20180820` manifests: one CSV object, no header, columns per Spec.Fields.
 *
 * Preparation streams the object once, checks every record and notes a byte offset every
 * `chunkSize` records; a chunk is re-read with one ranged GET of exactly its bytes, pinned to the
 * version and ETag seen at preparation (If-Match), so a manifest overwritten since fails the read
 * (ManifestETagMismatch) instead of yielding other tasks.
 */
import type { JobManifest, JobManifestFieldName } from '../domain/job-spec.js';
import type { GetObjectResult, S3Port } from '../s3/s3-port.js';
import { ChunkEmitter } from './chunk-bytes.js';
import { CsvScanner, CsvSyntaxError, FIELD_PERCENT, fieldString } from './csv-scanner.js';
import { ManifestError, readFailure } from './errors.js';
import { manifestObject, openManifest, pinnedRef, type ManifestObject } from './location.js';
import { drain } from './stream.js';
import type { ChunkLocator, CsvChunkLocator, ManifestTask, PreparedManifest, PreparedManifestPin, PrepareOptions } from './types.js';
import { checkUrlEscapes, decodeUrlKey } from './url-decode.js';

/** Column positions of the fields the engine uses; versionId is -1 when there is no such column. */
export interface RecordLayout {
  readonly count: number;
  readonly bucket: number;
  readonly key: number;
  readonly versionId: number;
  /** How the columns were declared, for messages: "Spec.Fields declares 2 (Bucket, Key)". */
  readonly declared: string;
}

export function csvLayout(fields: readonly JobManifestFieldName[] | undefined): RecordLayout {
  const list = fields ?? [];
  const missing = (['Bucket', 'Key'] as const).filter((f) => !list.includes(f));
  if (missing.length) {
    throw new ManifestError('InvalidManifestContent', `Required fields are missing in the schema: ${missing.join(', ')} (Spec.Fields)`);
  }
  for (const name of ['Bucket', 'Key', 'VersionId'] as const) {
    if (list.indexOf(name) !== list.lastIndexOf(name)) {
      throw new ManifestError('InvalidManifestContent', `Spec.Fields names ${name} more than once`);
    }
  }
  return {
    count: list.length,
    bucket: list.indexOf('Bucket'),
    key: list.indexOf('Key'),
    versionId: list.indexOf('VersionId'),
    declared: `Spec.Fields declares ${list.length} (${list.join(', ')})`,
  };
}

/**
 * Checks the current record against the layout; throws a CsvSyntaxError (the reason completes
 * "Line N of <file> …"). Works on bytes: no strings for valid records.
 */
export function checkRecord(scanner: CsvScanner, buf: Buffer, layout: RecordLayout): void {
  const n = scanner.fieldCount;
  if (n !== layout.count) {
    throw new CsvSyntaxError(scanner.line, `has ${n} field${n === 1 ? '' : 's'}; ${layout.declared}`);
  }
  if (scanner.starts[layout.bucket] === scanner.ends[layout.bucket]) {
    throw new CsvSyntaxError(scanner.line, 'has an empty Bucket');
  }
  const ks = scanner.starts[layout.key]!;
  const ke = scanner.ends[layout.key]!;
  if (ks === ke) throw new CsvSyntaxError(scanner.line, 'has an empty Key');
  if ((scanner.flags[layout.key]! & FIELD_PERCENT) !== 0) {
    const problem = checkUrlEscapes(buf, ks, ke);
    if (problem) throw new CsvSyntaxError(scanner.line, `${problem} in its Key`);
  }
}

/** The task for the current record (already checked). */
export function recordTask(scanner: CsvScanner, buf: Buffer, layout: RecordLayout, index: number): ManifestTask {
  const bucket = fieldString(scanner, buf, layout.bucket);
  const rawKey = fieldString(scanner, buf, layout.key);
  const key = decodeUrlKey(rawKey);
  if (key === undefined) throw new CsvSyntaxError(scanner.line, 'has an invalid URL escape in its Key');
  if (layout.versionId < 0) return { index, line: scanner.line, bucket, key, rawKey };
  const versionId = fieldString(scanner, buf, layout.versionId);
  return versionId === ''
    ? { index, line: scanner.line, bucket, key, rawKey, missingVersionId: true }
    : { index, line: scanner.line, bucket, key, rawKey, versionId };
}

/**
 * A scanner that turns the records of one chunk (its bytes, from `locator.start` on) into tasks,
 * numbered and line-counted as at preparation; the tasks land in `tasks`.
 */
export function chunkScanner(locator: ChunkLocator, layout: RecordLayout, tasks: ManifestTask[]): CsvScanner {
  const scanner: CsvScanner = new CsvScanner(
    (buf) => {
      checkRecord(scanner, buf, layout);
      tasks.push(recordTask(scanner, buf, layout, locator.firstTask + tasks.length));
    },
    { baseOffset: locator.start, firstLine: locator.firstLine, skipBom: locator.start === 0 },
  );
  return scanner;
}

export function syntaxFailure(error: CsvSyntaxError, uri: string): ManifestError {
  return new ManifestError('InvalidManifestContent', `Line ${error.line} of ${uri} ${error.reason}`, { cause: error });
}

export async function prepareCsvManifest(manifest: JobManifest, s3: S3Port, options: PrepareOptions): Promise<PreparedManifest> {
  const layout = csvLayout(manifest.Spec.Fields);
  const object = manifestObject(manifest);
  const { chunkSize, onProgress, signal } = options;
  signal?.throwIfAborted();
  const result = await openManifest(manifest, object, s3);

  const chunks: CsvChunkLocator[] = [];
  const emitter = new ChunkEmitter(options.onChunk);
  let total = 0;
  let inChunk = 0;
  let chunkStart = 0;
  let chunkLine = 1;
  /** Closes the current chunk at byte `end`. */
  const cut = (end: number): void => {
    const locator: CsvChunkLocator = {
      kind: 'csv',
      index: chunks.length,
      firstTask: total - inChunk,
      taskCount: inChunk,
      firstLine: chunkLine,
      start: chunkStart,
      end,
    };
    chunks.push(locator);
    emitter.cut(locator);
  };
  const scanner: CsvScanner = new CsvScanner((buf) => {
    checkRecord(scanner, buf, layout);
    total++;
    if (++inChunk === chunkSize) {
      cut(scanner.recordEnd);
      chunkStart = scanner.recordEnd;
      chunkLine = scanner.nextLine;
      inChunk = 0;
      onProgress?.(total);
    }
  });
  const bytes = await feed(result, scanner, object, signal, emitter);
  if (bytes !== result.contentLength) {
    throw new ManifestError(
      'ManifestReadFailed',
      `Reading the manifest ended after ${bytes} of its ${result.contentLength} bytes`,
      { retryable: true },
    );
  }
  if (inChunk > 0) cut(bytes);
  // Trailing blank lines join the last chunk: the chunks tile the whole object.
  const last = emitter.finish(bytes) as CsvChunkLocator | undefined;
  if (last) chunks[chunks.length - 1] = last;
  await emitter.drained();
  onProgress?.(total);
  if (total === 0) throw new ManifestError('ManifestEmpty', `The manifest has no tasks: ${object.uri} holds no records`);
  const versionId = result.versionId ?? manifest.Location.ObjectVersionId;
  return versionId === undefined
    ? { totalTasks: total, chunks, manifestEtag: result.etag }
    : { totalTasks: total, chunks, manifestEtag: result.etag, manifestVersionId: versionId };
}

export async function readCsvChunk(
  manifest: JobManifest,
  prepared: PreparedManifestPin,
  locator: CsvChunkLocator,
  s3: S3Port,
): Promise<ManifestTask[]> {
  const layout = csvLayout(manifest.Spec.Fields);
  const object = manifestObject(manifest);
  let result: GetObjectResult;
  try {
    result = await s3.getObject(pinnedRef(object, prepared.manifestVersionId), {
      range: { start: locator.start, end: locator.end - 1 },
      ifMatch: prepared.manifestEtag,
    });
  } catch (error) {
    throw readFailure(error, 'the manifest', prepared.manifestEtag);
  }
  const tasks: ManifestTask[] = [];
  const scanner = chunkScanner(locator, layout, tasks);
  const bytes = await feed(result, scanner, object);
  const expected = locator.end - locator.start;
  if (bytes !== expected) {
    throw new ManifestError(
      'ManifestReadFailed',
      `Reading chunk ${locator.index} of the manifest returned ${bytes} bytes, not ${expected}`,
      { retryable: true },
    );
  }
  if (tasks.length !== locator.taskCount) {
    throw new ManifestError(
      'InvalidManifestContent',
      `Chunk ${locator.index} of ${object.uri} holds ${tasks.length} records, not ${locator.taskCount} as prepared`,
    );
  }
  return tasks;
}

/**
 * Streams a GET's body through the scanner (and the emitter, which keeps the bytes of the chunks
 * being cut); maps failures to ManifestErrors. Returns the bytes read.
 */
async function feed(result: GetObjectResult, scanner: CsvScanner, object: ManifestObject, signal?: AbortSignal, emitter?: ChunkEmitter): Promise<number> {
  try {
    const bytes = await drain(
      result.body,
      (chunk) => {
        emitter?.push(chunk);
        scanner.push(chunk);
        return emitter?.drained();
      },
      signal,
    );
    scanner.end();
    return bytes;
  } catch (error) {
    if (signal?.aborted) throw error;
    if (error instanceof CsvSyntaxError) throw syntaxFailure(error, object.uri);
    throw readFailure(error, 'the manifest');
  }
}
