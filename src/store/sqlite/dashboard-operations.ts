/**
 * The dashboard's part of the SQLite JobStore (issue 16): job search and sign-in sessions
 * (migration 8), over the store's connection and its `run`.
 */
import type Database from 'better-sqlite3';

import type { Job } from '../../domain/job.js';
import type { DashboardSession, JobStore, SearchJobsQuery } from '../job-store.js';
import type { RunInStore } from './chunk-operations.js';
import { JOB_COLUMN_LIST, rowToJob, type JobRow } from '../rows/job-row.js';
import { checkLimit, rowToSession, sessionToRow, type SessionRow } from '../rows/session-row.js';

export type DashboardOperations = Pick<JobStore, 'searchJobs' | 'createSession' | 'useSession' | 'deleteSession' | 'deleteExpiredSessions'>;

interface SearchParams {
  account_id: string;
  text: string;
  statuses: string | null;
  after_created_ms: number | null;
  after_id: string | null;
  limit: number;
}

export function createDashboardOperations(db: Database.Database, run: RunInStore): DashboardOperations {
  // instr() rather than LIKE: the text is matched as it is, with no wildcard to escape. lower() folds
  // ASCII only in SQLite, hence the contract's "ASCII case-insensitive". Search reads every job of
  // the account (the account index narrows it); a dashboard search is rare next to the engine's work.
  const search = db.prepare<[SearchParams], JobRow>(
    `SELECT ${JOB_COLUMN_LIST} FROM jobs
     WHERE account_id = @account_id
       AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
       AND (@after_id IS NULL OR (created_ms, id) < (@after_created_ms, @after_id))
       AND (instr(lower(id), lower(@text)) > 0
            OR instr(lower(coalesce(json_extract(spec_json, '$.Description'), '')), lower(@text)) > 0)
     ORDER BY created_ms DESC, id DESC LIMIT @limit`,
  );
  const insertSession = db.prepare<[SessionRow]>(
    `INSERT INTO dashboard_sessions (id, account_id, access_key_id, csrf_token, created_ms, last_seen_ms, idle_expires_ms, absolute_expires_ms)
     VALUES (@id, @account_id, @access_key_id, @csrf_token, @created_ms, @last_seen_ms, @idle_expires_ms, @absolute_expires_ms)`,
  );
  const touch = db.prepare<[{ now: number; idle_until: number; id: string }], SessionRow>(
    `UPDATE dashboard_sessions SET last_seen_ms = @now, idle_expires_ms = min(@idle_until, absolute_expires_ms)
     WHERE id = @id AND idle_expires_ms > @now RETURNING *`,
  );
  const remove = db.prepare<[id: string]>('DELETE FROM dashboard_sessions WHERE id = ?');
  const removeExpired = db.prepare<[nowMs: number, limit: number]>(
    'DELETE FROM dashboard_sessions WHERE id IN (SELECT id FROM dashboard_sessions WHERE idle_expires_ms <= ? LIMIT ?)',
  );

  const useTx = db.transaction((id: string, nowMs: number, idleMs: number): DashboardSession | undefined => {
    const row = touch.get({ now: nowMs, idle_until: nowMs + idleMs, id });
    if (row) return rowToSession(row);
    remove.run(id);
    return undefined;
  });

  return {
    searchJobs: (query: SearchJobsQuery) =>
      run((): Job[] => {
        checkLimit('searchJobs', query.limit);
        if (query.limit === 0) return [];
        return search
          .all({
            account_id: query.accountId,
            text: query.text,
            statuses: query.statuses !== undefined && query.statuses.length > 0 ? JSON.stringify(query.statuses) : null,
            after_created_ms: query.after?.createdMs ?? null,
            after_id: query.after?.id ?? null,
            limit: query.limit,
          })
          .map(rowToJob);
      }),
    createSession: (s) =>
      run(() => {
        insertSession.run(sessionToRow(s));
      }),
    useSession: (id, nowMs, idleMs) => run(() => useTx.immediate(id, nowMs, idleMs)),
    deleteSession: (id) => run(() => remove.run(id).changes > 0),
    deleteExpiredSessions: (nowMs, limit) =>
      run(() => {
        checkLimit('deleteExpiredSessions', limit);
        return removeExpired.run(nowMs, limit).changes;
      }),
  };
}
