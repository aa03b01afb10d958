/**
 * Reading request bodies: a whole (small) body with a hard cap, and noticing a client that goes
 * silent while its body is due.
 */
import type { IncomingMessage } from 'node:http';

/** S3's own words for a body that stopped arriving (its `400 RequestTimeout`). */
export const REQUEST_TIMEOUT_MESSAGE =
  'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.';

/** The client sent nothing for the idle timeout while its request body was still due. */
export class BodyTimeoutError extends Error {
  constructor() {
    super(REQUEST_TIMEOUT_MESSAGE);
    this.name = 'BodyTimeoutError';
  }
}

/**
 * Calls `fail` once the client has been silent for the server's idle timeout while this
 * request's body is still due. Node emits `timeout` on a request that is not complete when its
 * socket idles (the server sets that timeout: src/http/server.ts); a reader that listens keeps
 * Node from destroying the socket, so the surface can still answer `400 RequestTimeout`.
 * Silence we caused — bytes received that our side has not consumed, a body paused by
 * backpressure — is not the client's: the timer is started again instead. Returns the
 * unsubscribe.
 */
export function onBodyIdle(req: IncomingMessage, fail: (err: BodyTimeoutError) => void): () => void {
  // When our side last let the body flow again: the socket's idle timer may have been armed while
  // we held the body, and fire just after we let go, before the client could send a byte.
  let resumedMs = -Infinity;
  const onResume = (): void => {
    resumedMs = performance.now();
  };
  const listener = (): void => {
    const ms = req.socket.timeout ?? 0;
    if (req.readableLength > 0 || req.isPaused() || performance.now() - resumedMs < ms) {
      if (ms > 0) req.socket.setTimeout(ms);
      return;
    }
    stop();
    fail(new BodyTimeoutError());
  };
  const stop = (): void => {
    req.off('timeout', listener);
    req.off('resume', onResume);
  };
  req.on('timeout', listener);
  req.on('resume', onResume);
  return stop;
}

export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`The request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/**
 * Collects the body up to `limit` bytes. Past the limit, or when the client goes silent
 * (BodyTimeoutError), it stops reading and rejects; the caller answers and closes the connection
 * rather than draining the rest.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const stopWatching = onBodyIdle(req, (err) => {
      cleanup();
      req.pause();
      reject(err);
    });
    const cleanup = (): void => {
      stopWatching();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
