/**
 * The one HTTP server on the one port: it splits every request by path onto its surface —
 * `/_s3batch/…` service endpoints (unsigned), `/v20180820/…` the S3 Control jobs API (whatever
 * the Host), `POST /` STS GetCallerIdentity, and everything else the S3 API — and measures each
 * request.
 *
 * It also decides how long a client may keep a connection without doing its part. There is no
 * deadline on a whole request (Node's `requestTimeout` is off): an upload or download of gigabytes
 * takes as long as it takes, as on S3, while bytes move. What is bounded is each wait on the client:
 * - the request line and headers must arrive within `headersTimeoutMs` (answered `408`, closed);
 * - a connection may be silent for `idleTimeoutMs` — before its first request, while its request
 *   body is due (the surface answers S3's `400 RequestTimeout`: src/http/body.ts onBodyIdle), or
 *   while the client does not read the response (the connection is dropped);
 * - between requests a keep-alive connection waits `keepAliveTimeoutMs` for the next one;
 * - at most `maxConnections` are open at once; more are closed as they arrive.
 * Without these, clients that stop halfway hold their sockets for ever and exhaust the process's
 * file descriptors (issue 9).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { nextRequestId } from './request-id.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';

export type SurfaceHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  requestId: string,
) => Promise<void>;

export type SurfaceName = 'service' | 'control' | 'sts' | 's3';

export interface HttpSurfaces {
  readonly service: SurfaceHandler;
  readonly control: SurfaceHandler;
  readonly sts: SurfaceHandler;
  readonly s3: SurfaceHandler;
}

/** How long the server waits on a client, and how many it serves at once (see the file comment). */
export interface HttpLimits {
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
}

export interface HttpServerOptions {
  readonly surfaces: HttpSurfaces;
  readonly logger: Logger;
  readonly limits: HttpLimits;
  readonly onRequestDone?: (surface: SurfaceName, method: string, status: number, seconds: number) => void;
  /** Requests that go to the service surface whatever their path (a browser opening `/`: the dashboard). */
  readonly toService?: (req: IncomingMessage, target: RequestTarget) => boolean;
}

export const SERVICE_PREFIX = '/_s3batch/';
const CONTROL_PREFIX = '/v20180820';

export function surfaceFor(rawPath: string, method = 'GET'): SurfaceName {
  if (rawPath.startsWith(SERVICE_PREFIX) || rawPath === '/_s3batch') return 'service';
  if (rawPath === CONTROL_PREFIX || rawPath.startsWith(`${CONTROL_PREFIX}/`)) return 'control';
  // STS query requests are `POST /`; S3 has no POST on the service root (a browser form upload
  // posts to a bucket), so the two never meet.
  if (method === 'POST' && rawPath === '/') return 'sts';
  return 's3';
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { surfaces, logger, onRequestDone, limits, toService } = options;
  const server = createServer({
    requestTimeout: 0,
    headersTimeout: limits.headersTimeoutMs,
    // Node looks for connections past the headers timeout every this often (30 s by default,
    // which would let a 20 s timeout run to 50 s).
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  }, (req, res) => {
    const started = process.hrtime.bigint();
    res.on('timeout', () => onExchangeIdle(req, res));
    const requestId = nextRequestId();
    const target = parseRequestTarget(req.url ?? '/');
    const surface = toService?.(req, target) ? 'service' : surfaceFor(target.rawPath, req.method);
    if (onRequestDone) {
      res.once('finish', () => {
        onRequestDone(surface, req.method ?? 'GET', res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      });
    }
    surfaces[surface](req, res, target, requestId).catch((err: unknown) => {
      // Surfaces render their own errors; reaching here is a bug. Never leave the client hanging.
      logger.error({ err, requestId }, 'unhandled error in request handler');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('Connection', 'close');
        res.end();
      } else {
        res.destroy();
      }
    });
  });
  // Every socket idles out after idleTimeoutMs. With no listener for it (no request in flight:
  // before the first request, or between requests once Node has switched to the keep-alive
  // timeout), Node destroys the socket; during a request `onExchangeIdle` and the body readers decide.
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;

  /** The socket of a request in flight went idle. */
  function onExchangeIdle(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    // A body reader is waiting on the client: it answers 400 RequestTimeout (or waits on, when the
    // silence is our own backpressure).
    if (!req.complete && req.listenerCount('timeout') > 0) return;
    // Response bytes wait for a client that stopped reading (a stalled GET): give up the socket,
    // which ends the response's pipeline and closes the file it read.
    if (socket.writableLength > 0 || res.writableNeedDrain) {
      logger.debug({ idleTimeoutMs: limits.idleTimeoutMs }, 'client stopped reading the response: connection dropped');
      socket.destroy();
      return;
    }
    // Otherwise the wait is ours (a handler still working, a body not read yet): wait on.
    socket.setTimeout(limits.idleTimeoutMs);
  }

  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    logger.debug({ err }, 'client error');
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      // The headers did not arrive in time. Closed once the answer is out: a client that never
      // closes its side must not keep the socket.
      if (socket.writable) socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
      else socket.destroy();
      return;
    }
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
