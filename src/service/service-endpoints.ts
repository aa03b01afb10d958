/**
 * The unsigned service endpoints under `/_s3batch/`: health, Prometheus metrics, and the
 * dashboard (its pages and API, which authenticate by their own session).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { RequestTarget } from '../http/request-target.js';
import type { SurfaceHandler } from '../http/server.js';
import { sendJson } from '../http/respond.js';

export interface ServiceEndpointsOptions {
  readonly registry: Registry;
  readonly version: string;
  readonly startedMs: number;
  /** The dashboard: answers its own paths (true) and leaves the others (false). */
  readonly dashboard?: { handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<boolean> };
}

export function createServiceEndpoints(options: ServiceEndpointsOptions): SurfaceHandler {
  const { registry, version, startedMs, dashboard } = options;
  return async function serviceEndpoints(req, res, target) {
    const method = req.method ?? 'GET';
    if (target.rawPath === '/_s3batch/health') {
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' });
      return sendJson(res, 200, { status: 'ok', version, uptimeSeconds: Math.floor((Date.now() - startedMs) / 1000) });
    }
    if (target.rawPath === '/_s3batch/metrics') {
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' });
      const text = await registry.metrics();
      res.statusCode = 200;
      res.setHeader('Content-Type', registry.contentType);
      res.end(text);
      return;
    }
    if (dashboard && (await dashboard.handle(req, res, target))) return;
    sendJson(res, 404, { error: `no service endpoint at ${target.rawPath}` });
  };
}
