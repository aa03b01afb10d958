/** Prometheus metrics of the process, served at /_s3batch/metrics. */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { SurfaceName } from '../http/server.js';

export interface Metrics {
  readonly registry: Registry;
  observeRequest(surface: SurfaceName, method: string, status: number, seconds: number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 's3batch_' });
  const requests = new Counter({
    name: 's3batch_http_requests_total',
    help: 'HTTP requests answered, by surface, method and status code',
    labelNames: ['surface', 'method', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 's3batch_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by surface',
    labelNames: ['surface'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  return {
    registry,
    observeRequest(surface, method, status, seconds) {
      requests.inc({ surface, method, code: String(status) });
      duration.observe({ surface }, seconds);
    },
  };
}
