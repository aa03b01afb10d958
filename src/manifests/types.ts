/**
 * What preparation produces and what a chunk read returns. Locators are plain JSON so that the
 * engine can store them (one row per chunk, with the chunk's records) and any node can read a
 * chunk back.
 */
import type { ChunkWithRecords } from './chunk-bytes.js';

/** One object the job's operation runs on: one manifest record. */
export interface ManifestTask {
  /** 0-based ordinal of the record across the whole manifest (all inventory files, in order). */
  readonly index: number;
  /** 1-based physical line of the record's start in its file (blank lines count; for inventories, the decompressed data file). */
  readonly line: number;
  readonly bucket: string;
  /** The object key, URL-decoded (`%XX` as UTF-8, `+` as a space). */
  readonly key: string;
  /** The key exactly as the manifest had it (URL-encoded, CSV quoting removed): what the completion report echoes. */
  readonly rawKey: string;
  /** The version to act on; `'null'` is the null version. Absent when the manifest has no VersionId column. */
  readonly versionId?: string;
  /**
   * The manifest has a VersionId column but this record's is empty. The engine must not run the
   * operation: the task fails with MISSING_VERSION_ID_FAILURE, as on AWS.
   */
  readonly missingVersionId?: true;
}

/** What a task with `missingVersionId` reports (reference §5.8). */
export const MISSING_VERSION_ID_FAILURE = {
  status: 'failed',
  httpStatus: 400,
  errorCode: 'InvalidRequest',
  message: 'Task failed due to missing VersionId',
} as const;

interface ChunkLocatorBase {
  /** 0-based ordinal of the chunk; chunks are listed in manifest order. */
  readonly index: number;
  /** ManifestTask.index of its first record. */
  readonly firstTask: number;
  /** Number of records (tasks) in the chunk, ≥ 1. */
  readonly taskCount: number;
  /** Line number of the byte at `start` (which may be a blank line before the first record). */
  readonly firstLine: number;
  /** Byte range [start, end) of the chunk in its file: the CSV object, or the decompressed inventory data file. */
  readonly start: number;
  readonly end: number;
}

/** A chunk of an `S3BatchOperations_CSV_20180820` manifest: re-read with one ranged GET. */
export interface CsvChunkLocator extends ChunkLocatorBase {
  readonly kind: 'csv';
}

/**
 * A chunk of one data file of an `S3InventoryReport_CSV_20161130` manifest. A chunk never spans
 * two data files, so a file's last chunk may hold fewer than `chunkSize` tasks.
 */
export interface InventoryChunkLocator extends ChunkLocatorBase {
  readonly kind: 'inventory';
  /** The gzipped data file, pinned to the ETag (and version, if any) seen at preparation. */
  readonly file: { readonly bucket: string; readonly key: string; readonly etag: string; readonly versionId?: string };
  /** 0-based column positions from the inventory's fileSchema, and how many columns a record has. */
  readonly columns: { readonly count: number; readonly bucket: number; readonly key: number; readonly versionId?: number };
}

export type ChunkLocator = CsvChunkLocator | InventoryChunkLocator;

export interface PreparedManifest {
  /** TotalNumberOfTasks. */
  readonly totalTasks: number;
  /** In manifest order; together they cover every record exactly once. */
  readonly chunks: ChunkLocator[];
  /** The manifest object's version as read (pinned by readChunk), when the store reported one. */
  readonly manifestVersionId?: string;
  /** The manifest object's ETag as S3 sent it (with quotes); readChunk reads with If-Match on it. */
  readonly manifestEtag: string;
}

export interface PrepareOptions {
  /** Tasks per chunk (the last chunk, and for inventories each file's last chunk, may hold fewer). */
  readonly chunkSize: number;
  /**
   * Receives every chunk with its records (its bytes of the file, for parseChunkRecords), in
   * order, as soon as it is complete; preparation waits for a promise it returns before reading
   * on (backpressure). Without it, only locators are produced and no bytes are retained.
   */
  readonly onChunk?: (chunk: ChunkWithRecords) => void | Promise<void>;
  /** Called with the number of records read so far, at every chunk boundary and at the end. */
  readonly onProgress?: (records: number) => void;
  readonly signal?: AbortSignal;
}

/** What readChunk needs from the preparation. */
export interface PreparedManifestPin {
  readonly manifestVersionId?: string;
  readonly manifestEtag: string;
}
