/**
 * The dashboard's part of the PostgreSQL JobStore (issue 16): job search and sign-in sessions
 * (migration 2), over the store's pool. The same semantics as the SQLite store's
 * dashboard-operations.ts, checked by the one contract suite.
 */
import type { JobStore, ListJobsQuery } from '../job-store.js';
import { JOB_COLUMN_LIST, rowToJob, type JobRow } from '../rows/job-row.js';
import { checkLimit, rowToSession, sessionToRow, type SessionRow } from '../rows/session-row.js';
import type { Db } from './connection.js';

export type DashboardOperations = Pick<JobStore, 'searchJobs' | 'createSession' | 'useSession' | 'deleteSession' | 'deleteExpiredSessions'>;

/**
 * The SELECT of one page of an account's jobs, newest first (listJobs), narrowed to those whose id
 * or Description holds `text` when it is given (searchJobs).
 */
export function jobPageSql(query: ListJobsQuery, text?: string): { sql: string; params: unknown[] } {
  const params: unknown[] = [query.accountId];
  const where = ['account_id = $1'];
  if (text !== undefined) {
    // strpos() rather than LIKE: the text matches as it is, with no wildcard to escape.
    params.push(text);
    where.push(`(strpos(lower(id), lower($2)) > 0 OR strpos(lower(coalesce(spec_json::jsonb ->> 'Description', '')), lower($2)) > 0)`);
  }
  if (query.statuses !== undefined && query.statuses.length > 0) {
    params.push([...query.statuses]);
    where.push(`status = ANY($${params.length}::text[])`);
  }
  if (query.after) {
    params.push(query.after.createdMs, query.after.id);
    where.push(`(created_ms, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(query.limit);
  return {
    sql: `SELECT ${JOB_COLUMN_LIST} FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, id DESC LIMIT $${params.length}`,
    params,
  };
}

export function createDashboardOperations(db: Db): DashboardOperations {
  return {
    async searchJobs(query) {
      checkLimit('searchJobs', query.limit);
      if (query.limit === 0) return [];
      const { sql, params } = jobPageSql(query, query.text);
      return (await db.query<JobRow>(sql, params)).rows.map(rowToJob);
    },

    async createSession(s) {
      const r = sessionToRow(s);
      await db.query(
        `INSERT INTO dashboard_sessions (id, account_id, access_key_id, csrf_token, created_ms, last_seen_ms, idle_expires_ms, absolute_expires_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [r.id, r.account_id, r.access_key_id, r.csrf_token, r.created_ms, r.last_seen_ms, r.idle_expires_ms, r.absolute_expires_ms],
      );
    },

    useSession: (id, nowMs, idleMs) =>
      db.tx(async (client) => {
        const { rows } = await client.query<SessionRow>(
          `UPDATE dashboard_sessions SET last_seen_ms = $2, idle_expires_ms = least($3::bigint, absolute_expires_ms)
           WHERE id = $1 AND idle_expires_ms > $2 RETURNING *`,
          [id, nowMs, nowMs + idleMs],
        );
        const row = rows[0];
        if (row) return rowToSession(row);
        await client.query('DELETE FROM dashboard_sessions WHERE id = $1', [id]);
        return undefined;
      }),

    async deleteSession(id) {
      const { rowCount } = await db.query('DELETE FROM dashboard_sessions WHERE id = $1', [id]);
      return (rowCount ?? 0) > 0;
    },

    async deleteExpiredSessions(nowMs, limit) {
      checkLimit('deleteExpiredSessions', limit);
      const { rowCount } = await db.query(
        'DELETE FROM dashboard_sessions WHERE id IN (SELECT id FROM dashboard_sessions WHERE idle_expires_ms <= $1 LIMIT $2)',
        [nowMs, limit],
      );
      return rowCount ?? 0;
    },
  };
}
