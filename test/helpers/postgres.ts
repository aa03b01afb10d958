/** PostgreSQL in a test file: the shared server's URL (from the global setup) and the server helpers. */
import { inject } from 'vitest';

/** The server's URL in a test (provided by the global setup, postgres-setup.ts). */
export function postgresUrl(): string {
  return inject('postgresUrl');
}

export * from './postgres-server.js';
