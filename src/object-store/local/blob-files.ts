/**
 * Object data on disk. Every blob is a file named by a random id under
 * `objects/<first two hex digits>/<id>`: keys never reach the file system. A write goes to
 * `objects/tmp/<id>.tmp`, is fsynced, then renamed into place (and the directory fsynced); only
 * then does the caller commit the metadata that references it. Start-up removes temp files and
 * blobs no metadata references, so a crash at any point leaves the old object or the new one.
 *
 * All file I/O is asynchronous; nothing here blocks the event loop.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';

const BLOB_ID = /^[0-9a-f]{32}$/;
const FANOUT = 256;

export interface Segment {
  /** Blob id. */
  readonly b: string;
  /** Size in bytes. */
  readonly s: number;
}

/** A written, fsynced temp file not yet in place. */
export interface PendingBlob {
  readonly id: string;
  readonly size: number;
  /** Renames it into place and makes the rename durable. Call before committing metadata. (An empty blob has no file.) */
  commit(): Promise<void>;
  /** Removes it (best effort). */
  discard(): Promise<void>;
}

export class BlobFiles {
  readonly root: string;
  readonly tmpDir: string;
  /** Blob id → number of reads in progress; removed blobs wait in `doomed` for their readers. */
  private readonly readers = new Map<string, number>();
  private readonly doomed = new Set<string>();

  constructor(root: string) {
    this.root = root;
    this.tmpDir = path.join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    await Promise.all(Array.from({ length: FANOUT }, (_, i) => mkdir(this.dirOf(i), { recursive: true })));
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  private dirOf(index: number): string {
    return path.join(this.root, index.toString(16).padStart(2, '0'));
  }

  pathOf(id: string): string {
    if (!BLOB_ID.test(id)) throw new Error(`not a blob id: ${id}`);
    return path.join(this.root, id.slice(0, 2), id);
  }

  /**
   * Streams `source` into a new temp file, calling `observe` on every chunk (hashing, limits;
   * a throw aborts). Resolves once the data is fsynced; a failure removes the temp file.
   */
  async write(source: Iterable<Buffer> | AsyncIterable<Buffer> | Readable, observe: (chunk: Buffer) => void): Promise<PendingBlob> {
    const id = this.newId();
    const tmp = path.join(this.tmpDir, `${id}.tmp`);
    let size = 0;
    // Opened at the first byte: an empty body (a "folder" marker, say) never touches the disk.
    let fh: FileHandle | undefined;
    try {
      // Double-buffered: one batch is written while the next one is received.
      let writing: Promise<void> = Promise.resolve();
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const flush = async (): Promise<void> => {
        const buffers = batch;
        const position = size - batchBytes;
        batch = [];
        batchBytes = 0;
        await writing;
        fh ??= await open(tmp, 'wx');
        writing = writeAll(fh, buffers, position);
      };
      for await (const piece of source) {
        const chunk: Buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string | Uint8Array);
        observe(chunk);
        size += chunk.length;
        if (chunk.length === 0) continue;
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= WRITE_BATCH_BYTES) await flush();
      }
      if (batchBytes > 0) await flush();
      await writing;
      if (fh) {
        await fh.sync();
        await fh.close();
      }
    } catch (err) {
      await fh?.close().catch(() => undefined);
      if (fh) await unlink(tmp).catch(() => undefined);
      throw err;
    }
    const final = this.pathOf(id);
    const written = fh !== undefined;
    return {
      id,
      size,
      commit: async () => {
        if (!written) return;
        await rename(tmp, final);
        await syncDir(path.dirname(final));
      },
      discard: async () => {
        if (written) await unlink(tmp).catch(() => undefined);
      },
    };
  }

  /**
   * A new blob with the same content as `sourceId`: a hard link where the file system has them
   * (constant time), else a copy (reflink where supported). Already in place on return.
   */
  async duplicate(sourceId: string): Promise<string> {
    const id = this.newId();
    const dest = this.pathOf(id);
    try {
      await link(this.pathOf(sourceId), dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw err;
      const tmp = path.join(this.tmpDir, `${id}.tmp`);
      try {
        await copyFile(this.pathOf(sourceId), tmp, fsConstants.COPYFILE_FICLONE);
        const fh = await open(tmp, 'r+');
        await fh.sync().finally(() => fh.close());
        await rename(tmp, dest);
      } catch (copyErr) {
        await unlink(tmp).catch(() => undefined);
        throw copyErr;
      }
    }
    await syncDir(path.dirname(dest));
    return id;
  }

  /**
   * Pins blobs against removal while they are read: a blob whose metadata goes away meanwhile is
   * unlinked when its last reader lets go. Call in the same synchronous step as the metadata
   * read that found the blobs (nothing can remove them in between). Returns the release.
   */
  retain(ids: readonly string[]): () => void {
    for (const id of ids) this.readers.set(id, (this.readers.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const left = (this.readers.get(id) ?? 1) - 1;
        if (left > 0) {
          this.readers.set(id, left);
          continue;
        }
        this.readers.delete(id);
        if (this.doomed.delete(id)) this.unlinkNow(id);
      }
    };
  }

  /** Removes blobs whose metadata is gone (best effort: a leftover is swept at the next start). */
  remove(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.readers.has(id)) this.doomed.add(id);
      else this.unlinkNow(id);
    }
  }

  private unlinkNow(id: string): void {
    unlink(this.pathOf(id)).catch(() => undefined);
  }

  /**
   * Start-up cleanup: every temp file, and every blob `isReferenced` does not know. Returns what
   * was removed.
   */
  async sweep(isReferenced: (id: string) => boolean): Promise<{ temp: number; orphans: number }> {
    let temp = 0;
    let orphans = 0;
    for (const name of await readdir(this.tmpDir)) {
      await unlink(path.join(this.tmpDir, name)).catch(() => undefined);
      temp++;
    }
    for (let i = 0; i < FANOUT; i++) {
      const dir = this.dirOf(i);
      for (const name of await readdir(dir)) {
        if (BLOB_ID.test(name) && isReferenced(name)) continue;
        await unlink(path.join(dir, name)).catch(() => undefined);
        orphans++;
      }
    }
    return { temp, orphans };
  }
}

const WRITE_BATCH_BYTES = 1024 * 1024;

/** Writes every byte of `buffers` at `position` (writev may write less than asked). */
async function writeAll(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let pos = position;
  while (pending.length > 0) {
    const total = pending.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await fh.writev(pending, pos);
    if (bytesWritten === total) return;
    pos += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    pending = rest;
  }
}

async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    await fh?.close();
  }
}

/** The part of each segment that [start, end] (inclusive) covers. */
function* pieces(segments: readonly Segment[], start: number, end: number): Generator<{ id: string; from: number; to: number }> {
  let offset = 0;
  for (const seg of segments) {
    const segStart = offset;
    offset += seg.s;
    if (segStart + seg.s - 1 < start || segStart > end) continue;
    yield { id: seg.b, from: Math.max(start, segStart) - segStart, to: Math.min(end, segStart + seg.s - 1) - segStart };
  }
}

async function readFully(handle: FileHandle, into: Buffer, at: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) throw new Error('object data is shorter than its metadata says');
    done += bytesRead;
  }
}

/** Reads [start, end] (inclusive) of `segments` into memory, then calls `release`. */
export async function readRange(
  blobs: BlobFiles,
  segments: readonly Segment[],
  start: number,
  end: number,
  release: () => void,
): Promise<Buffer> {
  try {
    const out = Buffer.allocUnsafe(Math.max(0, end - start + 1));
    let filled = 0;
    for (const piece of pieces(segments, start, end)) {
      const handle = await open(blobs.pathOf(piece.id), 'r');
      try {
        await readFully(handle, out, filled, piece.to - piece.from + 1, piece.from);
      } finally {
        await handle.close();
      }
      filled += piece.to - piece.from + 1;
    }
    return out;
  } finally {
    release();
  }
}

/**
 * The bytes [start, end] (inclusive) of an object made of `segments` as a stream: one file open at
 * a time, whatever the number of parts. `release` runs when the stream ends or is destroyed.
 */
export function segmentStream(blobs: BlobFiles, segments: readonly Segment[], start: number, end: number, release: () => void): Readable {
  const CHUNK = 256 * 1024;
  async function* generate(): AsyncGenerator<Buffer> {
    try {
      for (const piece of pieces(segments, start, end)) {
        const handle = await open(blobs.pathOf(piece.id), 'r');
        try {
          for (let pos = piece.from; pos <= piece.to; ) {
            const want = Math.min(CHUNK, piece.to - pos + 1);
            const buf = Buffer.allocUnsafe(want);
            await readFully(handle, buf, 0, want, pos);
            pos += want;
            yield buf;
          }
        } finally {
          await handle.close();
        }
      }
    } finally {
      release();
    }
  }
  const stream = Readable.from(generate(), { objectMode: false, highWaterMark: CHUNK });
  // A stream destroyed before it was read never runs the generator's finally.
  stream.once('close', release);
  return stream;
}
