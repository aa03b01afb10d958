/**
 * The job lifecycle as one table: every status change a job may make, by the engine or by
 * UpdateJobStatus (AWS S3 Batch Operations User Guide, "Job statuses"). Both job stores assert it in
 * `transition`, so no engine path can move a job where AWS never would; the README's state diagram
 * is checked against it (src/domain/job-lifecycle.test.ts).
 */
import type { JobStatus } from './job-status.js';

/** From each status, the statuses it may move to. Terminal statuses go nowhere. */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = Object.freeze({
  // Preparation starts; a job cancelled before it starts, or whose manifest cannot be read, ends at once.
  New: ['Preparing', 'Failed', 'Cancelled'],
  // The manifest is read: Ready, or Suspended until confirmed; unreadable → Failed; cancelled → Cancelled.
  Preparing: ['Ready', 'Suspended', 'Failed', 'Cancelled'],
  // Confirmed → Ready; unconfirmed for 30 days → Failed; cancelled → Cancelled.
  Suspended: ['Ready', 'Failed', 'Cancelled'],
  Ready: ['Active', 'Cancelled'],
  // Tasks run: all done, too many failed, cancelled, or a higher priority job takes the slots.
  Active: ['Completing', 'Failing', 'Cancelling', 'Pausing'],
  // A pausing job's last chunk may finish it, or fail it; a cancel overtakes the pause.
  Pausing: ['Paused', 'Completing', 'Failing', 'Cancelling'],
  Paused: ['Active', 'Failing', 'Cancelling'],
  // The transitional statuses end once the completion report is written.
  Completing: ['Complete'],
  Failing: ['Failed'],
  Cancelling: ['Cancelled'],
  Complete: [],
  Failed: [],
  Cancelled: [],
});

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/** A move the table forbids: a bug in the caller, never a race (a race is a StatusConflict). */
export class IllegalTransitionError extends Error {
  readonly from: JobStatus;
  readonly to: JobStatus;
  constructor(jobId: string, from: JobStatus, to: JobStatus) {
    super(
      `Job ${jobId} cannot move from ${from} to ${to}: the lifecycle allows ${from} → ${JOB_TRANSITIONS[from].join(', ') || '(nothing: it is terminal)'}`,
    );
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** Throws IllegalTransitionError unless the table allows `from` → `to`. */
export function assertTransition(jobId: string, from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(jobId, from, to);
}
