/**
 * Puts a stored job in any status the way the engine would get it there: one legal `transition`
 * per step (the stores refuse any move the lifecycle table forbids), the patch on the last step.
 */
import type { Job } from '../../src/domain/job.js';
import type { JobStatus } from '../../src/domain/job-status.js';
import type { JobStore, TransitionPatch } from '../../src/store/job-store.js';

/** A legal path from New to each status, by hand. */
const PATH_FROM_NEW: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  New: [],
  Preparing: ['Preparing'],
  Suspended: ['Preparing', 'Suspended'],
  Ready: ['Preparing', 'Ready'],
  Active: ['Preparing', 'Ready', 'Active'],
  Pausing: ['Preparing', 'Ready', 'Active', 'Pausing'],
  Paused: ['Preparing', 'Ready', 'Active', 'Pausing', 'Paused'],
  Completing: ['Preparing', 'Ready', 'Active', 'Completing'],
  Complete: ['Preparing', 'Ready', 'Active', 'Completing', 'Complete'],
  Failing: ['Preparing', 'Ready', 'Active', 'Failing'],
  Failed: ['Failed'],
  Cancelling: ['Preparing', 'Ready', 'Active', 'Cancelling'],
  Cancelled: ['Cancelled'],
};

/** Moves a New job to `status`; returns the job as stored after the last step. */
export async function moveNewJobTo(store: JobStore, jobId: string, status: JobStatus, nowMs: number, patch?: TransitionPatch): Promise<Job | undefined> {
  const path = PATH_FROM_NEW[status];
  let from: JobStatus = 'New';
  let job: Job | undefined;
  for (const [i, to] of path.entries()) {
    job = await store.transition(jobId, [from], to, nowMs, i === path.length - 1 ? patch : undefined);
    from = to;
  }
  return job;
}
