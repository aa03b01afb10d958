/**
 * The jobs list: status filters, search by id or description, pages of newest first (a cursor per
 * page, so paging stays fast through thousands), live progress bars.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import type { JobsPage } from '../../../src/dashboard/api-types.js';
import { api, qs } from '../api.js';
import { ProgressBar, StatusBadge } from '../components/JobBits.js';
import { shortId, when } from '../format.js';
import { Link, useRouter } from '../router.js';

/** The filters, as people think of statuses; each is a set of S3 Batch Operations statuses. */
export const FILTERS: readonly { readonly name: string; readonly label: string; readonly statuses: string }[] = [
  { name: 'all', label: 'All', statuses: '' },
  { name: 'running', label: 'Running', statuses: 'New,Preparing,Ready,Active,Pausing,Paused,Completing,Failing,Cancelling' },
  { name: 'waiting', label: 'Awaiting confirmation', statuses: 'Suspended' },
  { name: 'complete', label: 'Complete', statuses: 'Complete' },
  { name: 'failed', label: 'Failed', statuses: 'Failed' },
  { name: 'cancelled', label: 'Cancelled', statuses: 'Cancelled' },
];

const PAGE_SIZES = [25, 50, 100, 200];

export function JobsList() {
  const { location, navigate } = useRouter();
  const filter = FILTERS.find((f) => f.name === location.search.get('filter')) ?? (FILTERS[0] as (typeof FILTERS)[number]);
  const q = location.search.get('q') ?? '';
  const size = Number(location.search.get('size')) || 50;
  const [text, setText] = useState(q);
  // The cursors of the pages before this one (for "Newer"), and this page's.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const searchId = useId();

  const go = (params: Record<string, string | number | undefined>): void => {
    setCursors([]);
    navigate(`jobs${qs({ filter: filter.name === 'all' ? undefined : filter.name, q, size: size === 50 ? undefined : size, ...params })}`, true);
  };

  // Search as one types, once typing pauses.
  useEffect(() => {
    if (text.trim() === q) return undefined;
    const t = setTimeout(() => go({ q: text.trim() || undefined }), 300);
    return () => clearTimeout(t);
  });

  const jobs = useQuery({
    queryKey: ['jobs', filter.statuses, q, size, after ?? ''],
    queryFn: () => api<JobsPage>('GET', `jobs${qs({ status: filter.statuses, q, limit: size, after })}`),
    placeholderData: keepPreviousData,
  });

  return (
    <section aria-labelledby="jobs-title">
      <hgroup className="page-title">
        <h1 id="jobs-title">Jobs</h1>
        <p>Newest first; progress moves as the tasks run.</p>
      </hgroup>

      <div className="toolbar">
        <fieldset role="group" aria-label="Show jobs that are" className="filters">
          {FILTERS.map((f) => (
            <button
              key={f.name}
              type="button"
              className={f.name === filter.name ? '' : 'outline secondary'}
              aria-pressed={f.name === filter.name}
              onClick={() => go({ filter: f.name === 'all' ? undefined : f.name })}
            >
              {f.label}
            </button>
          ))}
        </fieldset>
        <form role="search" onSubmit={(e) => (e.preventDefault(), go({ q: text.trim() || undefined }))}>
          <label htmlFor={searchId} className="visually-hidden">
            Search jobs by id or description
          </label>
          <input id={searchId} type="search" placeholder="Search by id or description" value={text} onChange={(e) => setText(e.target.value)} />
        </form>
      </div>

      {jobs.isError && <p role="alert">The jobs could not be read: {jobs.error.message}</p>}
      <div className="overflow-auto">
        <table className="striped jobs" aria-busy={jobs.isFetching} aria-describedby="jobs-count">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col" className="wide">Progress</th>
              <th scope="col" className="hide-small">Operation</th>
              <th scope="col" className="hide-small">Priority</th>
              <th scope="col" className="hide-small">Created</th>
              <th scope="col" className="hide-small">Ended</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data?.jobs.map((job) => (
              <tr key={job.id} data-job-id={job.id}>
                <td>
                  <Link to={`jobs/${job.id}`} title={job.id} className="job-link">
                    {job.description === '' ? <code>{shortId(job.id)}</code> : job.description}
                  </Link>
                  {job.description !== '' && (
                    <small className="muted block">
                      <code>{shortId(job.id)}</code>
                    </small>
                  )}
                </td>
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td className="wide">
                  <ProgressBar job={job} />
                </td>
                <td className="hide-small">{job.operation}</td>
                <td className="hide-small num">{job.priority}</td>
                <td className="hide-small nowrap">{when(job.createdMs)}</td>
                <td className="hide-small nowrap">{when(job.terminationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p id="jobs-count" className="muted" aria-live="polite">
        {jobs.data === undefined
          ? 'Reading the jobs…'
          : jobs.data.jobs.length === 0
            ? q !== '' || filter.name !== 'all'
              ? 'No job matches.'
              : 'No jobs yet: create one with `s3batch jobs create` or the S3 Control API.'
            : `Page ${cursors.length + 1}: ${jobs.data.jobs.length} job${jobs.data.jobs.length === 1 ? '' : 's'}${jobs.data.next ? ', more older ones' : ''}.`}
      </p>
      <nav aria-label="Pages" className="pager">
        <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <label className="page-size">
          Per page
          <select value={size} onChange={(e) => go({ size: Number(e.target.value) === 50 ? undefined : Number(e.target.value) })}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" disabled={!jobs.data?.next} onClick={() => jobs.data?.next && setCursors([...cursors, jobs.data.next])}>
          Older →
        </button>
      </nav>
    </section>
  );
}
