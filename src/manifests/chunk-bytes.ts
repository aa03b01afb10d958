/**
 * The bytes of the chunks being cut while a manifest streams past the scanner: preparation keeps
 * each chunk's records with the chunk (JobStore NewChunk.records) so that no run reads the user's
 * manifest again. Only the buffers of the chunks not yet taken are held — about two chunks' worth
 * (the chunk being cut and the one waiting for its end) — whatever the manifest's size.
 */
import { ManifestError } from './errors.js';
import type { ChunkLocator } from './types.js';

class ChunkBytes {
  /** Retained buffers, in stream order; `first` is the absolute offset of the first one's first byte. */
  private readonly buffers: Buffer[] = [];
  private first = 0;
  private next = 0;

  /** Call with every buffer before the scanner sees it. */
  push(buf: Buffer): void {
    if (buf.length === 0) return;
    if (this.buffers.length === 0) this.first = this.next;
    this.buffers.push(buf);
    this.next += buf.length;
  }

  /** A copy of bytes [start, end) of the stream; every byte before `end` is let go. */
  take(start: number, end: number): Buffer {
    if (start < this.first || end > this.next || start > end) {
      throw new RangeError(`ChunkBytes: [${start}, ${end}) is not within the retained [${this.first}, ${this.next})`);
    }
    const out = Buffer.allocUnsafe(end - start);
    let at = this.first;
    let written = 0;
    for (const buf of this.buffers) {
      const from = Math.max(start, at) - at;
      const to = Math.min(end, at + buf.length) - at;
      if (to > from) written += buf.copy(out, written, from, to);
      at += buf.length;
      if (at >= end) break;
    }
    while (this.buffers.length > 0 && this.first + this.buffers[0]!.length <= end) this.first += this.buffers.shift()!.length;
    return out;
  }
}

/** A chunk and its records, as preparation hands them out (PrepareOptions.onChunk). */
export interface ChunkWithRecords {
  readonly locator: ChunkLocator;
  /** The chunk's bytes [start, end) of its file (the CSV object, or the decompressed data file). */
  readonly records: Buffer;
}

/**
 * Hands out the chunks of one file with their records. A chunk is held until the next one is cut
 * or the file ends, since trailing blank lines still join the last chunk (chunks tile their file).
 * Promises the sink returns (its backpressure) are collected and awaited by `drained`.
 */
export class ChunkEmitter {
  private readonly bytes = new ChunkBytes();
  private held: ChunkLocator | undefined;
  private waits: Array<Promise<void>> = [];

  /** Without a sink nothing is retained (a count-only preparation). */
  constructor(private readonly sink: ((chunk: ChunkWithRecords) => void | Promise<void>) | undefined) {}

  /** Call with every buffer of the file before the scanner sees it. */
  push(buf: Buffer): void {
    if (this.sink) this.bytes.push(buf);
  }

  /** A chunk was cut: the one held before it is complete. */
  cut(locator: ChunkLocator): void {
    this.release();
    this.held = locator;
  }

  /** The file ended; `end` may extend the held chunk over trailing blank lines. */
  finish(end: number): ChunkLocator | undefined {
    const last = this.held && end > this.held.end ? { ...this.held, end } : this.held;
    this.held = last;
    this.release();
    return last;
  }

  /** What to wait for before the next buffer: the sink taking what it was given (undefined: nothing). */
  drained(): Promise<void> | undefined {
    if (this.waits.length === 0) return undefined;
    const waits = this.waits;
    this.waits = [];
    return Promise.all(waits).then(() => undefined);
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || !this.sink) return;
    const pending = this.sink({ locator: held, records: this.bytes.take(held.start, held.end) });
    if (pending) this.waits.push(pending);
  }
}

/** A chunk's stored records parsed into fewer records than preparation counted: never expected. */
export function recordCountMismatch(locator: ChunkLocator, found: number): ManifestError {
  return new ManifestError('InvalidManifestContent', `Chunk ${locator.index} holds ${found} records, not ${locator.taskCount} as prepared`);
}
