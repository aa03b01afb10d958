/**
 * A `dashboard_sessions` row (SQLite migration 8, PostgreSQL migration 2) and its mapping to a
 * DashboardSession, shared by both SQL stores, with the argument checks they apply alike.
 */
import type { DashboardSession } from '../job-store.js';

export interface SessionRow {
  id: string;
  account_id: string;
  access_key_id: string;
  csrf_token: string;
  created_ms: number;
  last_seen_ms: number;
  idle_expires_ms: number;
  absolute_expires_ms: number;
}

export const rowToSession = (r: SessionRow): DashboardSession => ({
  id: r.id,
  accountId: r.account_id,
  accessKeyId: r.access_key_id,
  csrfToken: r.csrf_token,
  createdMs: r.created_ms,
  lastSeenMs: r.last_seen_ms,
  idleExpiresMs: r.idle_expires_ms,
  absoluteExpiresMs: r.absolute_expires_ms,
});

export const sessionToRow = (s: DashboardSession): SessionRow => {
  if (!(s.idleExpiresMs <= s.absoluteExpiresMs)) throw new RangeError('createSession: idleExpiresMs is after absoluteExpiresMs');
  return {
    id: s.id,
    account_id: s.accountId,
    access_key_id: s.accessKeyId,
    csrf_token: s.csrfToken,
    created_ms: s.createdMs,
    last_seen_ms: s.lastSeenMs,
    idle_expires_ms: s.idleExpiresMs,
    absolute_expires_ms: s.absoluteExpiresMs,
  };
};

export function checkLimit(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what}: limit must be a non-negative integer, got ${value}`);
}
