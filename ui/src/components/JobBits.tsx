/** Small pieces every job view shares: the status badge and the progress bar. */
import type { JobSummaryView } from '../../../src/dashboard/api-types.js';
import { count, percent } from '../format.js';

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`status status-${status.toLowerCase()}`} data-status={status}>
      {status}
    </span>
  );
}

export function ProgressBar({ job, label }: { job: JobSummaryView; label?: string }) {
  const done = job.succeededTasks + job.failedTasks;
  const total = job.totalTasks;
  const text = total === 0 ? 'no tasks yet' : `${count(done)} of ${count(total)} tasks (${percent(done, total)})${job.failedTasks > 0 ? `, ${count(job.failedTasks)} failed` : ''}`;
  return (
    <div className="progress-cell">
      {/* An indeterminate bar until the manifest is read: a bar at 0 would say "nothing done". */}
      <progress value={total === 0 ? undefined : done} max={total === 0 ? undefined : total} aria-label={label ?? `Progress of job ${job.id}`} aria-valuetext={text} />
      <small className="progress-text">{text}</small>
    </div>
  );
}
