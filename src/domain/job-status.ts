/**
 * The 13 job statuses of S3 Batch Operations and the rules that move a job between them
 * (reference §5.1, §5.3). Pure data and functions: the store guards transitions with these,
 * the control API answers UpdateJobStatus with them, the engine drives them.
 */

export const JOB_STATUSES = [
  'Active',
  'Cancelled',
  'Cancelling',
  'Complete',
  'Completing',
  'Failed',
  'Failing',
  'New',
  'Paused',
  'Pausing',
  'Preparing',
  'Ready',
  'Suspended',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const REQUESTED_JOB_STATUSES = ['Cancelled', 'Ready'] as const;
export type RequestedJobStatus = (typeof REQUESTED_JOB_STATUSES)[number];

export function isJobStatus(value: string): value is JobStatus {
  return (JOB_STATUSES as readonly string[]).includes(value);
}

/** Complete, Failed and Cancelled: nothing moves a job out of these. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['Complete', 'Failed', 'Cancelled']);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/**
 * Statuses in which tasks may be running: a cancel must wait for them (→ Cancelling), a
 * confirmation is meaningless.
 */
const RUNNING_STATUSES: ReadonlySet<JobStatus> = new Set(['Active', 'Pausing', 'Paused']);
/** Statuses in which no task has started yet: a cancel takes effect at once. */
const NOT_STARTED_STATUSES: ReadonlySet<JobStatus> = new Set(['New', 'Preparing', 'Suspended', 'Ready']);

/** What UpdateJobStatus does to a job in a given status. */
export type StatusRequestOutcome =
  /** the job moves to `to` now */
  | { readonly kind: 'transition'; readonly to: JobStatus }
  /** the job stays where it is; the request is remembered (Ready while New/Preparing) */
  | { readonly kind: 'remember-confirmation' }
  /** refused with JobStatusException */
  | { readonly kind: 'refused'; readonly reason: string };

/** The status × request table of issue 2 (reference §5.3, with the early-confirmation rule). */
export function decideStatusRequest(current: JobStatus, requested: RequestedJobStatus): StatusRequestOutcome {
  if (requested === 'Ready') {
    if (current === 'Suspended') return { kind: 'transition', to: 'Ready' };
    if (current === 'New' || current === 'Preparing') return { kind: 'remember-confirmation' };
    return {
      kind: 'refused',
      reason: `A job can only be confirmed (set to Ready) while it is Suspended, New or Preparing; this job is ${current}`,
    };
  }
  if (NOT_STARTED_STATUSES.has(current)) return { kind: 'transition', to: 'Cancelled' };
  if (RUNNING_STATUSES.has(current)) return { kind: 'transition', to: 'Cancelling' };
  return { kind: 'refused', reason: `A job that is ${current} cannot be cancelled` };
}
