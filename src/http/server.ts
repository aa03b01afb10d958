/**
 * The one HTTP server on the one port: it splits every request by path onto its surface —
 * `/_s3batch/…` service endpoints (unsigned), `/v20180820/…` the S3 Control jobs API (whatever
 * the Host), and everything else the S3 API — and measures each request.
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

export type SurfaceName = 'service' | 'control' | 's3';

export interface HttpSurfaces {
  readonly service: SurfaceHandler;
  readonly control: SurfaceHandler;
  readonly s3: SurfaceHandler;
}

export interface HttpServerOptions {
  readonly surfaces: HttpSurfaces;
  readonly logger: Logger;
  readonly onRequestDone?: (surface: SurfaceName, method: string, status: number, seconds: number) => void;
}

export const SERVICE_PREFIX = '/_s3batch/';
const CONTROL_PREFIX = '/v20180820';

export function surfaceFor(rawPath: string): SurfaceName {
  if (rawPath.startsWith(SERVICE_PREFIX) || rawPath === '/_s3batch') return 'service';
  if (rawPath === CONTROL_PREFIX || rawPath.startsWith(`${CONTROL_PREFIX}/`)) return 'control';
  return 's3';
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { surfaces, logger, onRequestDone } = options;
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = nextRequestId();
    const target = parseRequestTarget(req.url ?? '/');
    const surface = surfaceFor(target.rawPath);
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
  server.on('clientError', (err, socket) => {
    logger.debug({ err }, 'client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
