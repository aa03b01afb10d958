/**
 * The lifecycle bookkeeping that goes with a status change, as a pure function over a row: the
 * columns that `transition` and `requestStatus` write in one UPDATE. Kept apart from SQL so that
 * both operations, in both SQL stores (SQLite and PostgreSQL), follow the same rules:
 *
 * - TerminationDate (`termination_ms`) is set when the job enters Complete, Failed or Cancelled,
 *   and is null in every other status. Staying in the same terminal status keeps the first date.
 * - SuspendedDate (`suspended_ms`) is set each time the job enters Suspended. It is history: it
 *   stays when the job leaves Suspended (AWS documents it as "when this job was suspended, if it
 *   has been suspended"). SuspendedCause is kept with it for the same reason — the pair describes
 *   the last suspension — so confirming a Suspended job does not clear it; the API decides what
 *   to render.
 * - The Active timer runs only while the status is Active: entering Active starts a period
 *   (`active_since_ms = now`); leaving it adds the period to `active_ms` and nulls
 *   `active_since_ms`. Pausing and Paused do not count as active time. Active → Active keeps the
 *   running period.
 */
import type { JobProgress } from '../../domain/job.js';
import { assertTransition } from '../../domain/job-lifecycle.js';
import { decideStatusRequest, isTerminal, type JobStatus, type RequestedJobStatus } from '../../domain/job-status.js';
import { JobStoreError, type TransitionPatch } from '../job-store.js';
import { rowStatus, type JobRow } from './job-row.js';

/** The columns a status change may write (named parameters of the UPDATE). */
export interface JobStateParams {
  status: JobStatus;
  updated_ms: number;
  termination_ms: number | null;
  suspended_ms: number | null;
  suspended_cause: string | null;
  status_update_reason: string | null;
  confirmed_early: 0 | 1;
  total_tasks: number;
  succeeded_tasks: number;
  failed_tasks: number;
  active_ms: number;
  active_since_ms: number | null;
  failure_reasons_json: string;
  generated_manifest_json: string | null;
}

/** The row's current state, unchanged, as UPDATE parameters. */
function currentState(row: JobRow, status: JobStatus): JobStateParams {
  return {
    status,
    updated_ms: row.updated_ms,
    termination_ms: row.termination_ms,
    suspended_ms: row.suspended_ms,
    suspended_cause: row.suspended_cause,
    status_update_reason: row.status_update_reason,
    confirmed_early: row.confirmed_early === 1 ? 1 : 0,
    total_tasks: row.total_tasks,
    succeeded_tasks: row.succeeded_tasks,
    failed_tasks: row.failed_tasks,
    active_ms: row.active_ms,
    active_since_ms: row.active_since_ms,
    failure_reasons_json: row.failure_reasons_json,
    generated_manifest_json: row.generated_manifest_json,
  };
}

/** The state after moving the job from `from` (its current status) to `to` at `nowMs`. */
export function stateAfterStatusChange(row: JobRow, from: JobStatus, to: JobStatus, nowMs: number): JobStateParams {
  const next = currentState(row, to);
  next.updated_ms = nowMs;

  if (isTerminal(to)) {
    next.termination_ms = from === to && row.termination_ms !== null ? row.termination_ms : nowMs;
  } else {
    next.termination_ms = null;
  }

  if (to === 'Suspended' && from !== 'Suspended') next.suspended_ms = nowMs;

  if (from === 'Active' && to !== 'Active') {
    const since = row.active_since_ms ?? nowMs;
    next.active_ms = row.active_ms + Math.max(0, nowMs - since);
    next.active_since_ms = null;
  } else if (from !== 'Active' && to === 'Active') {
    next.active_since_ms = nowMs;
  }
  return next;
}

/** The state after a request that leaves the status as it is (a remembered confirmation). */
export function stateWithoutStatusChange(row: JobRow, status: JobStatus, nowMs: number): JobStateParams {
  const next = currentState(row, status);
  next.updated_ms = nowMs;
  return next;
}

/**
 * Applies a transition patch on top of a computed state. Fields absent from the patch keep their
 * value; `null` clears a nullable field. Progress is merged field by field; an explicit
 * `activeMs`/`activeSinceMs` in the patch wins over the timer bookkeeping (the engine knows best
 * when it sets them).
 */
export function applyPatch(state: JobStateParams, patch: TransitionPatch | undefined): JobStateParams {
  if (!patch) return state;
  const next = { ...state };
  if (patch.failureReasons !== undefined) next.failure_reasons_json = JSON.stringify(patch.failureReasons);
  if (patch.suspendedCause !== undefined) next.suspended_cause = patch.suspendedCause;
  if (patch.statusUpdateReason !== undefined) next.status_update_reason = patch.statusUpdateReason;
  if (patch.generatedManifest !== undefined) {
    next.generated_manifest_json = patch.generatedManifest === null ? null : JSON.stringify(patch.generatedManifest);
  }
  const p: Partial<JobProgress> = patch.progress ?? {};
  if (p.totalTasks !== undefined) next.total_tasks = p.totalTasks;
  if (p.succeededTasks !== undefined) next.succeeded_tasks = p.succeededTasks;
  if (p.failedTasks !== undefined) next.failed_tasks = p.failedTasks;
  if (p.activeMs !== undefined) next.active_ms = p.activeMs;
  if (p.activeSinceMs !== undefined) next.active_since_ms = p.activeSinceMs;
  return next;
}

/**
 * UpdateJobStatus on a row read under the store's lock: the state to write and the status before,
 * or StatusConflict when the table refuses. A reason given with the request replaces the stored
 * one; no reason keeps it.
 */
export function stateAfterStatusRequest(
  row: JobRow,
  requested: RequestedJobStatus,
  reason: string | undefined,
  nowMs: number,
): { state: JobStateParams; from: JobStatus } {
  const from = rowStatus(row);
  const outcome = decideStatusRequest(from, requested);
  let state: JobStateParams;
  switch (outcome.kind) {
    case 'refused':
      throw new JobStoreError('StatusConflict', outcome.reason, from);
    case 'remember-confirmation':
      state = stateWithoutStatusChange(row, from, nowMs);
      state.confirmed_early = 1;
      break;
    case 'transition':
      assertTransition(row.id, from, outcome.to);
      state = stateAfterStatusChange(row, from, outcome.to, nowMs);
      break;
  }
  if (reason !== undefined) state.status_update_reason = reason;
  return { state, from };
}

/**
 * The engine's guarded move of a row read under the store's lock: StatusConflict when the job is
 * not in one of `from`, IllegalTransitionError when the lifecycle forbids the move, else the state
 * to write.
 */
export function stateAfterTransition(row: JobRow, from: readonly JobStatus[], to: JobStatus, nowMs: number, patch: TransitionPatch | undefined): JobStateParams {
  const current = rowStatus(row);
  if (!from.includes(current)) {
    throw new JobStoreError(
      'StatusConflict',
      `Job ${row.id} is ${current}, not ${from.join(' or ') || '(no status given)'}; it cannot move to ${to}`,
      current,
    );
  }
  assertTransition(row.id, current, to);
  return applyPatch(stateAfterStatusChange(row, current, to, nowMs), patch);
}
