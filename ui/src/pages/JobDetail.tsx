/**
 * A job's page: everything DescribeJob has, laid out for people; live progress with tasks/s and
 * ETA; the report's files; the failed tasks read from the report (paged, counts by error code);
 * and the actions: confirm, cancel, priority, tags, re-run the failed tasks.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { FailedRowsPage, JobDetailView, ReportFiles } from '../../../src/dashboard/api-types.js';
import { api, API, qs } from '../api.js';
import { ProgressBar, StatusBadge } from '../components/JobBits.js';
import { count, duration, TERMINAL, when } from '../format.js';
import { useRate } from '../live.js';
import { Link, useRouter } from '../router.js';

const FAILED_PAGE = 25;

export function JobDetail({ id }: { id: string }) {
  const job = useQuery({ queryKey: ['job', id], queryFn: async () => (await api<{ job: JobDetailView }>('GET', `jobs/${encodeURIComponent(id)}`)).job });
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => title.current?.focus(), [id]);

  if (job.isPending) return <p aria-busy="true">Reading job {id}…</p>;
  if (job.isError) {
    return (
      <section>
        <h1 ref={title} tabIndex={-1}>
          Job {id}
        </h1>
        <p role="alert">{job.error.message}</p>
        <Link to="jobs">Back to the jobs</Link>
      </section>
    );
  }
  const j = job.data;
  return (
    <section aria-labelledby="job-title" className="job">
      <nav aria-label="Breadcrumb">
        <ul>
          <li>
            <Link to="jobs">Jobs</Link>
          </li>
          <li>
            <code>{j.id}</code>
          </li>
        </ul>
      </nav>
      <hgroup className="page-title">
        <h1 id="job-title" ref={title} tabIndex={-1}>
          {j.description === '' ? `Job ${j.id}` : j.description}
        </h1>
        <p>
          <StatusBadge status={j.status} /> {j.operation} · priority {j.priority}
        </p>
      </hgroup>

      <Live job={j} />
      <Actions job={j} />

      <div className="grid-2">
        <article>
          <header>
            <h2>Job</h2>
          </header>
          <Facts
            rows={[
              ['Job ID', <code key="id">{j.id}</code>],
              ['ARN', <code key="arn">{j.arn}</code>],
              ['Status', j.status],
              ['Status reason', j.statusUpdateReason ?? '—'],
              ['Suspended', j.suspendedMs === null ? '—' : `${when(j.suspendedMs)}${j.suspendedCause ? ` — ${j.suspendedCause}` : ''}`],
              ['Priority', j.priority === j.requestedPriority ? String(j.priority) : `${j.priority} (created with ${j.requestedPriority})`],
              ['Created', when(j.createdMs)],
              ['Ended', when(j.terminationMs)],
              ['Time active', duration(j.elapsedSeconds)],
              ['Role', <code key="role">{j.roleArn}</code>],
              ['Confirmation required', j.confirmationRequired ? 'yes' : 'no'],
            ]}
          />
        </article>
        <article>
          <header>
            <h2>Operation: {j.operation}</h2>
          </header>
          <Json value={j.operationParameters} empty="No parameters." label="Operation parameters" />
        </article>
        <article>
          <header>
            <h2>Manifest</h2>
          </header>
          <Manifest job={j} />
        </article>
        <article>
          <header>
            <h2>Completion report</h2>
          </header>
          <Report job={j} />
        </article>
      </div>

      <Tags job={j} />
      {j.failureReasons.length > 0 && (
        <article>
          <header>
            <h2>Failure reasons</h2>
          </header>
          <div className="overflow-auto">
            <table>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {j.failureReasons.map((f, i) => (
                  <tr key={i}>
                    <td>
                      <code>{f.FailureCode}</code>
                    </td>
                    <td className="text">{f.FailureReason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </article>
      )}
      {TERMINAL.has(j.status) && j.failedTasks > 0 && isReported(j) && <FailedTasks job={j} />}
    </section>
  );
}

function isReported(j: JobDetailView): boolean {
  return (j.report as { Enabled?: boolean } | null)?.Enabled === true;
}

function Facts({ rows }: { rows: readonly (readonly [string, ReactNode])[] }) {
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd className="text">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A value shown as indented JSON text (never as markup). */
function Json({ value, empty, label }: { value: unknown; empty: string; label: string }) {
  if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0)) return <p className="muted">{empty}</p>;
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

function Live({ job }: { job: JobDetailView }) {
  const rate = useRate(job.id);
  const remaining = job.totalTasks - job.succeededTasks - job.failedTasks;
  const running = !TERMINAL.has(job.status);
  const eta = rate !== undefined && rate > 0 && running ? remaining / rate : undefined;
  return (
    <article className="live" aria-labelledby="live-title">
      <h2 id="live-title" className="visually-hidden">
        Progress
      </h2>
      <ProgressBar job={job} label="Progress of this job" />
      <div className="stats">
        <Stat label="Succeeded" value={count(job.succeededTasks)} />
        <Stat label="Failed" value={count(job.failedTasks)} />
        <Stat label="Total" value={job.totalTasks === 0 && running ? '…' : count(job.totalTasks)} />
        <Stat label="Tasks/s" value={rate === undefined || !running ? '—' : rate.toFixed(rate < 10 ? 1 : 0)} testId="rate" />
        <Stat label="ETA" value={eta === undefined ? '—' : duration(eta)} testId="eta" />
      </div>
    </article>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <small>{label}</small>
      <strong data-testid={testId}>{value}</strong>
    </div>
  );
}

function Manifest({ job }: { job: JobDetailView }) {
  const m = job.manifest as { Spec?: { Format?: string; Fields?: string[] }; Location?: { ObjectArn?: string; ETag?: string; ObjectVersionId?: string } } | null;
  if (m) {
    return (
      <Facts
        rows={[
          ['Format', m.Spec?.Format ?? '—'],
          ['Fields', m.Spec?.Fields?.join(', ') ?? '—'],
          ['Object', <code key="o">{m.Location?.ObjectArn ?? '—'}</code>],
          ['ETag', <code key="e">{m.Location?.ETag ?? '—'}</code>],
          ...(m.Location?.ObjectVersionId ? ([['Version', m.Location.ObjectVersionId]] as const) : []),
        ]}
      />
    );
  }
  return (
    <>
      <p>Generated from a bucket listing:</p>
      <Json value={job.manifestGenerator} empty="No manifest." label="Manifest generator" />
      {job.generatedManifest !== null && (
        <>
          <p>The generated manifest:</p>
          <Json value={job.generatedManifest} empty="" label="Generated manifest" />
        </>
      )}
    </>
  );
}

function Report({ job }: { job: JobDetailView }) {
  const r = job.report as { Enabled?: boolean; Bucket?: string; Prefix?: string; Format?: string; ReportScope?: string } | null;
  const ended = TERMINAL.has(job.status);
  const files = useQuery({
    queryKey: ['report', job.id],
    queryFn: () => api<ReportFiles>('GET', `jobs/${encodeURIComponent(job.id)}/report`),
    enabled: ended && r?.Enabled === true,
    retry: false,
  });
  if (!r?.Enabled) return <p className="muted">No completion report was asked for.</p>;
  const href = (n: string): string => `${API}jobs/${encodeURIComponent(job.id)}/report/file${qs({ n })}`;
  return (
    <>
      <Facts
        rows={[
          ['Bucket', <code key="b">{r.Bucket ?? '—'}</code>],
          ['Prefix', r.Prefix ?? '—'],
          ['Scope', r.ReportScope ?? '—'],
          ['Format', r.Format ?? '—'],
        ]}
      />
      {!ended && <p className="muted">The report is written when the job ends.</p>}
      {files.isError && <p role="alert">{files.error.message}</p>}
      {files.data && (
        <ul className="files" aria-label="Report files">
          <li>
            <a href={href('index')} download>
              manifest.json
            </a>{' '}
            <small className="muted">(the index)</small>
          </li>
          {files.data.results.map((f, i) => (
            <li key={f.key}>
              <a href={href(String(i))} download>
                {f.key.split('/').pop()}
              </a>{' '}
              <small className="muted">({f.status} tasks)</small>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function FailedTasks({ job }: { job: JobDetailView }) {
  const [offset, setOffset] = useState(0);
  const [code, setCode] = useState<string | undefined>();
  const rows = useQuery({
    queryKey: ['failed', job.id, offset, code ?? null],
    queryFn: () => api<FailedRowsPage>('GET', `jobs/${encodeURIComponent(job.id)}/failed${qs({ offset, limit: FAILED_PAGE, code })}`),
    placeholderData: keepPreviousData,
  });
  const d = rows.data;
  const shown = d ? (code === undefined ? d.total : (d.byErrorCode[code] ?? 0)) : 0;
  return (
    <article aria-labelledby="failed-title">
      <header>
        <h2 id="failed-title">Failed tasks</h2>
      </header>
      {rows.isError && <p role="alert">{rows.error.message}</p>}
      {d && (
        <>
          <fieldset role="group" aria-label="Failed tasks by error code" className="filters codes">
            <button type="button" className={code === undefined ? '' : 'outline secondary'} aria-pressed={code === undefined} onClick={() => (setCode(undefined), setOffset(0))}>
              All <span className="count">{count(d.total)}</span>
            </button>
            {Object.entries(d.byErrorCode)
              .sort((a, b) => b[1] - a[1])
              .map(([c, n]) => (
                <button key={c} type="button" className={code === c ? '' : 'outline secondary'} aria-pressed={code === c} onClick={() => (setCode(c), setOffset(0))}>
                  {c === '' ? '(no code)' : c} <span className="count">{count(n)}</span>
                </button>
              ))}
          </fieldset>
          <div className="overflow-auto">
            <table className="striped failed" aria-busy={rows.isFetching}>
              <thead>
                <tr>
                  <th scope="col">Bucket</th>
                  <th scope="col">Key</th>
                  <th scope="col" className="hide-small">Version</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">Error code</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r, i) => (
                  <tr key={`${offset + i}`}>
                    <td className="text">{r.bucket}</td>
                    <td className="text key">{r.key}</td>
                    <td className="text hide-small">{r.versionId}</td>
                    <td>{r.httpStatus}</td>
                    <td>
                      <code>{r.errorCode}</code>
                    </td>
                    <td className="text">{r.resultMessage}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav aria-label="Failed task pages" className="pager">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - FAILED_PAGE))}>
              ← Previous
            </button>
            <span className="muted" aria-live="polite">
              {shown === 0 ? 'none' : `${count(offset + 1)}–${count(Math.min(offset + FAILED_PAGE, shown))} of ${count(shown)}`}
            </span>
            <button type="button" className="secondary" disabled={offset + FAILED_PAGE >= shown} onClick={() => setOffset(offset + FAILED_PAGE)}>
              Next →
            </button>
          </nav>
        </>
      )}
    </article>
  );
}

function useJobChange<B>(job: JobDetailView, method: string, path: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: B) => api<{ job: JobDetailView }>(method, `jobs/${encodeURIComponent(job.id)}/${path}`, body),
    onSuccess: (answer) => {
      client.setQueryData(['job', job.id], answer.job);
      void client.invalidateQueries({ queryKey: ['jobs'] });
    },
  });
}

function Actions({ job }: { job: JobDetailView }) {
  const { navigate } = useRouter();
  const status = useJobChange<{ status: string; reason?: string }>(job, 'POST', 'status');
  const priority = useJobChange<{ priority: number }>(job, 'POST', 'priority');
  const rerun = useMutation({
    mutationFn: () => api<{ jobId: string }>('POST', `jobs/${encodeURIComponent(job.id)}/rerun-failed`),
    onSuccess: ({ jobId }) => navigate(`jobs/${jobId}`),
  });
  const dialog = useRef<HTMLDialogElement>(null);
  const ended = TERMINAL.has(job.status);
  const cancellable = !ended && job.status !== 'Cancelling';
  const [newPriority, setNewPriority] = useState(String(job.priority));
  useEffect(() => setNewPriority(String(job.priority)), [job.priority]);
  const errors = [status.error, priority.error, rerun.error].filter((e): e is Error => e !== null);

  const savePriority = (e: FormEvent): void => {
    e.preventDefault();
    priority.mutate({ priority: Number(newPriority) });
  };
  return (
    <article className="actions" aria-label="Actions">
      <div className="action-row">
        {job.status === 'Suspended' && (
          <button type="button" onClick={() => status.mutate({ status: 'Ready' })} aria-busy={status.isPending}>
            Confirm and run
          </button>
        )}
        {cancellable && (
          <button type="button" className="secondary" onClick={() => dialog.current?.showModal()}>
            Cancel job…
          </button>
        )}
        {ended && job.failedTasks > 0 && isReported(job) && (
          <button type="button" onClick={() => rerun.mutate()} aria-busy={rerun.isPending}>
            Re-run {count(job.failedTasks)} failed task{job.failedTasks === 1 ? '' : 's'}
          </button>
        )}
        <Link to={`wizard?clone=${encodeURIComponent(job.id)}`} role="button" className="secondary outline">
          Clone
        </Link>
        {!ended && (
          <form className="priority" onSubmit={savePriority}>
            <label>
              Priority
              <input type="number" min={0} max={2147483647} step={1} required value={newPriority} onChange={(e) => setNewPriority(e.target.value)} />
            </label>
            <button type="submit" className="outline" disabled={newPriority === String(job.priority)} aria-busy={priority.isPending}>
              Set priority
            </button>
          </form>
        )}
      </div>
      {errors.map((e, i) => (
        <p key={i} role="alert" className="error">
          {e.message}
        </p>
      ))}
      <dialog ref={dialog} aria-labelledby="cancel-title">
        <article>
          <h2 id="cancel-title">Cancel this job?</h2>
          <p>Tasks already run stay done; the rest are not run. A cancelled job cannot be started again (its failed tasks can be re-run).</p>
          <footer>
            <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
              Keep it
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                dialog.current?.close();
                status.mutate({ status: 'Cancelled', reason: 'cancelled from the dashboard' });
              }}
            >
              Cancel job
            </button>
          </footer>
        </article>
      </dialog>
    </article>
  );
}

function Tags({ job }: { job: JobDetailView }) {
  const [editing, setEditing] = useState(false);
  const [rows, setRows] = useState<{ Key: string; Value: string }[]>([]);
  const save = useJobChange<{ tags: { Key: string; Value: string }[] }>(job, 'PUT', 'tags');
  const start = (): void => {
    setRows(job.tags.map((t) => ({ ...t })));
    save.reset();
    setEditing(true);
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    save.mutate({ tags: rows.filter((r) => r.Key !== '' || r.Value !== '') }, { onSuccess: () => setEditing(false) });
  };
  return (
    <article aria-labelledby="tags-title">
      <header className="row-header">
        <h2 id="tags-title">Tags</h2>
        {!editing && (
          <button type="button" className="outline secondary" onClick={start}>
            Edit tags
          </button>
        )}
      </header>
      {!editing &&
        (job.tags.length === 0 ? (
          <p className="muted">No tags.</p>
        ) : (
          <ul className="tags">
            {job.tags.map((t) => (
              <li key={t.Key}>
                <span className="tag-key">{t.Key}</span>
                {t.Value !== '' && <span className="tag-value">{t.Value}</span>}
              </li>
            ))}
          </ul>
        ))}
      {editing && (
        <form onSubmit={submit}>
          {rows.map((r, i) => (
            <fieldset role="group" key={i}>
              <input aria-label={`Tag ${i + 1} key`} placeholder="key" value={r.Key} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, Key: e.target.value } : x)))} />
              <input aria-label={`Tag ${i + 1} value`} placeholder="value" value={r.Value} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, Value: e.target.value } : x)))} />
              <button type="button" className="secondary outline" aria-label={`Remove tag ${i + 1}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                ✕
              </button>
            </fieldset>
          ))}
          {save.error && (
            <p role="alert" className="error">
              {save.error.message}
            </p>
          )}
          <div className="action-row">
            <button type="button" className="secondary outline" disabled={rows.length >= 50} onClick={() => setRows([...rows, { Key: '', Value: '' }])}>
              Add a tag
            </button>
            <button type="submit" aria-busy={save.isPending}>
              Save tags
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Discard
            </button>
          </div>
        </form>
      )}
    </article>
  );
}
