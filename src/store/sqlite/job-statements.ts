/**
 * Every SQL statement of the SQLite JobStore, prepared once per connection. One statement per
 * operation; none is built per call (ListJobs has one prepared variant per shape of query).
 */
import type Database from 'better-sqlite3';

import { JOB_COLUMN_LIST, type InsertJobParams, type JobRow } from '../rows/job-row.js';
import type { JobStateParams } from '../rows/job-state.js';

export interface ListParams {
  account_id: string;
  limit: number;
  /** JSON array of statuses (for the filtered variants) */
  statuses?: string;
  after_created_ms?: number;
  after_id?: string;
}

export interface JobStatements {
  readonly byId: Database.Statement<[id: string], JobRow>;
  readonly byAccountAndId: Database.Statement<[accountId: string, id: string], JobRow>;
  readonly byAccountAndToken: Database.Statement<[accountId: string, token: string], JobRow>;
  readonly insert: Database.Statement<[InsertJobParams], JobRow>;
  /** writes a status change; guarded on the status read in the same transaction */
  readonly updateState: Database.Statement<[JobStateParams & { id: string; expected_status: string }], JobRow>;
  readonly updatePriority: Database.Statement<[priority: number, updatedMs: number, id: string], JobRow>;
  readonly updateTags: Database.Statement<
    [tagsJson: string, updatedMs: number, accountId: string, id: string],
    JobRow
  >;
  /** indexed by (status filter ? 2 : 0) + (cursor ? 1 : 0) */
  readonly list: readonly [
    Database.Statement<[ListParams], JobRow>,
    Database.Statement<[ListParams], JobRow>,
    Database.Statement<[ListParams], JobRow>,
    Database.Statement<[ListParams], JobRow>,
  ];
  /** the engine's scan, across accounts taking turns (JobStore.findJobs) */
  readonly findByStatus: Database.Statement<[statuses: string, perAccount: number, limit: number], JobRow>;
  readonly deleteEnded: Database.Statement<[cutoffMs: number, limit: number]>;
  readonly secret: Database.Statement<[name: string], Buffer>;
  readonly insertSecret: Database.Statement<[name: string, value: Buffer, createdMs: number]>;
}

function listSql(byStatus: boolean, afterCursor: boolean): string {
  const where = ['account_id = @account_id'];
  if (byStatus) where.push('status IN (SELECT value FROM json_each(@statuses))');
  // Row-value comparison: strictly after the cursor in (created_ms DESC, id DESC) order, and
  // usable as a range on the listing index.
  if (afterCursor) where.push('(created_ms, id) < (@after_created_ms, @after_id)');
  return `SELECT ${JOB_COLUMN_LIST} FROM jobs WHERE ${where.join(' AND ')}
          ORDER BY created_ms DESC, id DESC LIMIT @limit`;
}

export function prepareJobStatements(db: Database.Database): JobStatements {
  const select = `SELECT ${JOB_COLUMN_LIST} FROM jobs`;
  return {
    byId: db.prepare(`${select} WHERE id = ?`),
    byAccountAndId: db.prepare(`${select} WHERE account_id = ? AND id = ?`),
    // The turns are ranked over the index jobs_scheduling (migration 6) alone; only the rows
    // returned are read whole.
    findByStatus: db.prepare(
      `WITH turns AS (
         SELECT id, priority, created_ms,
                row_number() OVER (PARTITION BY account_id ORDER BY priority DESC, created_ms ASC, id ASC) AS turn
         FROM jobs WHERE status IN (SELECT value FROM json_each(?)))
       SELECT ${JOB_COLUMN_LIST.split(', ').map((c) => `j.${c}`).join(', ')}
       FROM turns t JOIN jobs j ON j.id = t.id
       WHERE t.turn <= ?
       ORDER BY t.turn, t.priority DESC, t.created_ms ASC, t.id ASC LIMIT ?`,
    ),
    deleteEnded: db.prepare(
      `DELETE FROM jobs WHERE id IN (
         SELECT id FROM jobs WHERE status IN ('Complete', 'Failed', 'Cancelled') AND termination_ms < ? LIMIT ?)`,
    ),
    byAccountAndToken: db.prepare(`${select} WHERE account_id = ? AND client_request_token = ?`),
    insert: db.prepare(
      `INSERT INTO jobs (id, account_id, arn, status, priority, client_request_token, request_hash,
                         created_ms, updated_ms, spec_json, tags_json)
       VALUES (@id, @account_id, @arn, 'New', @priority, @client_request_token, @request_hash,
               @created_ms, @created_ms, @spec_json, @tags_json)
       RETURNING ${JOB_COLUMN_LIST}`,
    ),
    updateState: db.prepare(
      `UPDATE jobs SET
         status = @status,
         updated_ms = @updated_ms,
         termination_ms = @termination_ms,
         suspended_ms = @suspended_ms,
         suspended_cause = @suspended_cause,
         status_update_reason = @status_update_reason,
         confirmed_early = @confirmed_early,
         total_tasks = @total_tasks,
         succeeded_tasks = @succeeded_tasks,
         failed_tasks = @failed_tasks,
         active_ms = @active_ms,
         active_since_ms = @active_since_ms,
         failure_reasons_json = @failure_reasons_json,
         generated_manifest_json = @generated_manifest_json
       WHERE id = @id AND status = @expected_status
       RETURNING ${JOB_COLUMN_LIST}`,
    ),
    updatePriority: db.prepare(
      `UPDATE jobs SET priority = ?, updated_ms = ? WHERE id = ? RETURNING ${JOB_COLUMN_LIST}`,
    ),
    updateTags: db.prepare(
      `UPDATE jobs SET tags_json = ?, updated_ms = ? WHERE account_id = ? AND id = ? RETURNING ${JOB_COLUMN_LIST}`,
    ),
    list: [
      db.prepare(listSql(false, false)),
      db.prepare(listSql(false, true)),
      db.prepare(listSql(true, false)),
      db.prepare(listSql(true, true)),
    ],
    secret: db.prepare<[string], Buffer>('SELECT value FROM secrets WHERE name = ?').pluck(),
    insertSecret: db.prepare('INSERT INTO secrets (name, value, created_ms) VALUES (?, ?, ?)'),
  };
}
