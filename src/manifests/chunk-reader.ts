/**
 * Reading a chunk's tasks. A chunk prepared by this version keeps its records in the job store
 * (preparation's onChunk): parseChunkRecords turns them into tasks, with no S3 call — the job no
 * longer depends on its manifest, which the user may have overwritten or deleted since.
 *
 * Chunks prepared before records were stored (SQLite migration 5) are read from S3 as before:
 * CSV chunks are one ranged GET each, nothing to keep. Inventory chunks
 * live inside gzipped data files that can only be read from the start (inventory-manifest.ts), so
 * the reader keeps one open cursor per data file (a decompressing GET positioned after the last
 * chunk it read): reading a file's chunks in order costs one pass over the file instead of
 * ~C²/2 chunk-decompressions. A chunk before the cursor, a failed cursor (a connection that
 * timed out while idle), or an evicted one means a fresh GET; results are the same either way.
 */
import type { JobManifest } from '../domain/job-spec.js';
import type { S3Port } from '../s3/s3-port.js';
import { recordCountMismatch } from './chunk-bytes.js';
import { chunkScanner, csvLayout, readCsvChunk, syntaxFailure } from './csv-manifest.js';
import { CsvSyntaxError } from './csv-scanner.js';
import { ManifestError, s3Uri } from './errors.js';
import { inventoryLayout, openDataFile, readInventoryChunk, readInventoryRange } from './inventory-manifest.js';
import { manifestObject } from './location.js';
import type { ChunkLocator, InventoryChunkLocator, ManifestTask, PreparedManifestPin } from './types.js';

/**
 * Re-reads exactly one chunk's tasks from S3, pinned to what preparation saw (If-Match, version).
 * Stateless: any node, any time. For inventory chunks it decompresses the data file from its
 * start up to the chunk's end; prefer a ChunkReader when reading many chunks of one inventory.
 */
export async function readChunk(
  manifest: JobManifest,
  prepared: PreparedManifestPin,
  locator: ChunkLocator,
  s3: S3Port,
): Promise<ManifestTask[]> {
  return locator.kind === 'csv' ? readCsvChunk(manifest, prepared, locator, s3) : readInventoryChunk(locator, s3);
}

/** The tasks of a chunk from the records preparation stored with it (ChunkWithRecords.records). */
export function parseChunkRecords(manifest: JobManifest, locator: ChunkLocator, records: Buffer): ManifestTask[] {
  const layout = locator.kind === 'csv' ? csvLayout(manifest.Spec.Fields) : inventoryLayout(locator);
  const uri = locator.kind === 'csv' ? manifestObject(manifest).uri : s3Uri(locator.file.bucket, locator.file.key);
  const tasks: ManifestTask[] = [];
  const scanner = chunkScanner(locator, layout, tasks);
  try {
    scanner.push(records);
    scanner.end();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw syntaxFailure(error, uri);
    throw error;
  }
  if (tasks.length !== locator.taskCount) throw recordCountMismatch(locator, tasks.length);
  return tasks;
}

export interface ChunkReader {
  read(locator: ChunkLocator): Promise<ManifestTask[]>;
  /** Closes the open data-file streams (those being read, once their read ends). The reader stays usable. */
  close(): void;
}

export interface ChunkReaderOptions {
  /** Data files kept open at once (least recently used is closed first). Default 4. */
  readonly maxOpenFiles?: number;
  /** A cursor idle this long is closed (its GET would time out anyway). Default 10 s. */
  readonly idleMs?: number;
}

interface Cursor {
  readonly close: () => void;
  readonly iterator: AsyncIterator<unknown>;
  position: number;
  leftover: Buffer | undefined;
  lastUsed: number;
  timer: NodeJS.Timeout | undefined;
  /** A read is using it: never closed under it (eviction skips it, close() defers). */
  busy: boolean;
  closeWhenDone: boolean;
}

export function createChunkReader(
  manifest: JobManifest,
  prepared: PreparedManifestPin,
  s3: S3Port,
  options: ChunkReaderOptions = {},
): ChunkReader {
  const maxOpen = Math.max(1, options.maxOpenFiles ?? 4);
  const idleMs = options.idleMs ?? 10_000;
  const cursors = new Map<string, Cursor>();
  const queues = new Map<string, Promise<unknown>>();

  const closeCursor = (id: string, cursor: Cursor): void => {
    if (cursor.timer) clearTimeout(cursor.timer);
    cursor.close();
    if (cursors.get(id) === cursor) cursors.delete(id);
  };

  const open = async (id: string, locator: InventoryChunkLocator): Promise<Cursor> => {
    const { body, source } = await openDataFile(locator, s3);
    const cursor: Cursor = {
      close: () => {
        body.destroy();
        source.destroy();
      },
      iterator: body[Symbol.asyncIterator](),
      position: 0,
      leftover: undefined,
      lastUsed: Date.now(),
      timer: undefined,
      busy: true, // its opener reads it next: no one may evict it in between
      closeWhenDone: false,
    };
    cursors.set(id, cursor);
    while (cursors.size > maxOpen) {
      let oldest: [string, Cursor] | undefined;
      for (const entry of cursors) {
        if (entry[1] !== cursor && !entry[1].busy && (!oldest || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
      }
      if (!oldest) break;
      closeCursor(oldest[0], oldest[1]);
    }
    return cursor;
  };

  const readInventory = async (locator: InventoryChunkLocator): Promise<ManifestTask[]> => {
    const id = `${locator.file.bucket}\n${locator.file.key}\n${locator.file.etag}`;
    for (let attempt = 0; ; attempt++) {
      let cursor = cursors.get(id);
      const reused = cursor !== undefined && cursor.position <= locator.start;
      if (cursor && !reused) closeCursor(id, cursor);
      if (!cursor || !reused) cursor = await open(id, locator);
      if (cursor.timer) clearTimeout(cursor.timer);
      cursor.busy = true;
      try {
        const result = await readInventoryRange(locator, cursor.iterator, cursor.position, cursor.leftover);
        cursor.busy = false;
        cursor.position = result.position;
        cursor.leftover = result.leftover;
        cursor.lastUsed = Date.now();
        if (cursor.closeWhenDone) {
          closeCursor(id, cursor);
        } else {
          const idle = cursor;
          cursor.timer = setTimeout(() => closeCursor(id, idle), idleMs);
          cursor.timer.unref();
        }
        return result.tasks;
      } catch (error) {
        cursor.busy = false;
        closeCursor(id, cursor);
        // A reused cursor may have failed only because its connection went stale: one fresh try.
        if (reused && attempt === 0 && error instanceof ManifestError && error.retryable) continue;
        throw error;
      }
    }
  };

  return {
    read(locator) {
      if (locator.kind === 'csv') return readCsvChunk(manifest, prepared, locator, s3);
      const id = `${locator.file.bucket}\n${locator.file.key}\n${locator.file.etag}`;
      const previous = queues.get(id) ?? Promise.resolve();
      const run = previous.then(
        () => readInventory(locator),
        () => readInventory(locator),
      );
      const settled = run.catch(() => undefined);
      queues.set(id, settled);
      void settled.then(() => {
        if (queues.get(id) === settled) queues.delete(id);
      });
      return run;
    },
    close() {
      for (const [id, cursor] of [...cursors]) {
        if (cursor.busy) cursor.closeWhenDone = true;
        else closeCursor(id, cursor);
      }
    },
  };
}
