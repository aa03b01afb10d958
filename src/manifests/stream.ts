/** Feeding a body stream into a scanner, with abort and byte counting. */
import type { Readable } from 'node:stream';

export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('A body stream yielded something other than bytes');
}

/**
 * Reads `body` to its end, handing each chunk to `sink` (and waiting for the promise it may
 * return: its backpressure); returns the number of bytes read. The stream is destroyed when the
 * sink throws or the signal aborts (the abort reason is thrown).
 */
export async function drain(body: Readable, sink: (chunk: Buffer) => void | Promise<void>, signal?: AbortSignal): Promise<number> {
  signal?.throwIfAborted();
  const onAbort = (): void => {
    body.destroy(signal?.reason instanceof Error ? signal.reason : new Error('Aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let bytes = 0;
  try {
    for await (const raw of body) {
      const chunk = toBuffer(raw);
      bytes += chunk.length;
      const pending = sink(chunk);
      if (pending) await pending;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!body.destroyed) body.destroy();
  }
  signal?.throwIfAborted();
  return bytes;
}

/** Reads a body whole, refusing more than `max` bytes (calls tooLarge, which throws). */
export async function readAll(body: Readable, max: number, tooLarge: () => never, signal?: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  await drain(
    body,
    (chunk) => {
      total += chunk.length;
      if (total > max) tooLarge();
      parts.push(chunk);
    },
    signal,
  );
  return Buffer.concat(parts, total);
}
