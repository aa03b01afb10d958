/**
 * The bucket browser: the account's buckets (and creating one), one level of a bucket by "/"
 * folders, an object's details (size, storage class, tags, versions, encryption, retention),
 * upload by drag and drop or file picker with progress, download, delete after a confirmation,
 * and "make a manifest from this selection" for the create-job wizard. Keys are shown as text.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent, type FormEvent } from 'react';
import type { BucketObjectsPage, BucketView, MadeManifest, ObjectDetails } from '../../../src/dashboard/api-types.js';
import { api, API, ApiError, csrf, qs, signedOut } from '../api.js';
import { when } from '../format.js';
import { Link, useRouter } from '../router.js';

const bucketPath = (bucket: string): string => `buckets/${encodeURIComponent(bucket)}`;

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function Buckets() {
  const client = useQueryClient();
  const buckets = useQuery({ queryKey: ['buckets'], queryFn: async () => (await api<{ buckets: BucketView[] }>('GET', 'buckets')).buckets });
  const [error, setError] = useState<string | undefined>();
  const create = useMutation({
    mutationFn: (name: string) => api('POST', 'buckets', { name }),
    onSuccess: () => {
      setError(undefined);
      void client.invalidateQueries({ queryKey: ['buckets'] });
    },
    onError: (e: Error) => setError(e.message),
  });
  const submit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = e.currentTarget;
    create.mutate(String(new FormData(form).get('name') ?? ''), { onSuccess: () => form.reset() });
  };
  return (
    <section aria-labelledby="buckets-title">
      <h1 id="buckets-title">Buckets</h1>
      {buckets.isPending && <p aria-busy="true">Reading the buckets…</p>}
      {buckets.isError && <p role="alert">{buckets.error.message}</p>}
      {buckets.data && buckets.data.length === 0 && <p>This account has no bucket yet.</p>}
      {buckets.data && buckets.data.length > 0 && (
        <table className="buckets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {buckets.data.map((b) => (
              <tr key={b.name}>
                <td>
                  <Link to={bucketPath(b.name)}>{b.name}</Link>
                </td>
                <td>{when(b.createdMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={submit} className="inline-form" aria-label="Create a bucket">
        <fieldset role="group">
          <input name="name" aria-label="New bucket name" placeholder="new-bucket-name" required spellCheck={false} autoCapitalize="off" />
          <button type="submit" aria-busy={create.isPending}>
            Create bucket
          </button>
        </fieldset>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}

interface Upload {
  readonly name: string;
  readonly size: number;
  loaded: number;
  state: 'sending' | 'done' | 'failed';
  message?: string;
}

/** One file PUT to the API with XMLHttpRequest (fetch reports no upload progress). */
function sendFile(bucket: string, key: string, file: File, progress: (loaded: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `${API}${bucketPath(bucket)}/object${qs({ key })}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    const token = csrf();
    if (token !== undefined) xhr.setRequestHeader('x-s3batch-csrf', token);
    xhr.upload.onprogress = (e) => progress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      if (xhr.status === 401) signedOut();
      let message = `The server answered ${xhr.status}`;
      try {
        message = (JSON.parse(xhr.responseText) as { error: { message: string } }).error.message;
      } catch {
        // not JSON: the status
      }
      reject(new ApiError(xhr.status, 'UploadFailed', message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'UploadFailed', 'The upload was cut off'));
    xhr.send(file);
  });
}

export function BucketBrowser({ bucket }: { bucket: string }) {
  const client = useQueryClient();
  const { location, navigate } = useRouter();
  const prefix = location.search.get('prefix') ?? '';
  const [pages, setPages] = useState<string[]>([]);
  const token = pages[pages.length - 1];
  const listing = useQuery({
    queryKey: ['objects', bucket, prefix, token ?? ''],
    queryFn: () => api<BucketObjectsPage>('GET', `${bucketPath(bucket)}/objects${qs({ prefix, next: token })}`),
  });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [shown, setShown] = useState<string | undefined>();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [made, setMade] = useState<MadeManifest | undefined>();
  const [error, setError] = useState<string | undefined>();

  const goTo = (p: string): void => {
    setSelected(new Set());
    setShown(undefined);
    setPages([]);
    navigate(`${bucketPath(bucket)}${qs({ prefix: p })}`);
  };
  const toggle = (item: string): void => {
    const next = new Set(selected);
    if (next.has(item)) next.delete(item);
    else next.add(item);
    setSelected(next);
  };

  const upload = async (files: readonly File[]): Promise<void> => {
    const list: Upload[] = files.map((f) => ({ name: f.name, size: f.size, loaded: 0, state: 'sending' }));
    setUploads((u) => [...u, ...list]);
    const refresh = (): void => setUploads((u) => [...u]);
    await Promise.all(
      files.map(async (file, i) => {
        const item = list[i] as Upload;
        try {
          await sendFile(bucket, `${prefix}${file.name}`, file, (loaded) => {
            item.loaded = loaded;
            refresh();
          });
          item.loaded = file.size;
          item.state = 'done';
        } catch (err) {
          item.state = 'failed';
          item.message = (err as Error).message;
        }
        refresh();
      }),
    );
    void client.invalidateQueries({ queryKey: ['objects', bucket] });
  };
  const onDrop = (e: DragEvent<HTMLElement>): void => {
    e.preventDefault();
    setDragging(false);
    void upload([...e.dataTransfer.files]);
  };

  const makeManifest = useMutation({
    mutationFn: () =>
      api<MadeManifest>('POST', 'manifests', {
        bucket,
        keys: [...selected].filter((s) => !s.endsWith('/')),
        prefixes: [...selected].filter((s) => s.endsWith('/')),
      }),
    onSuccess: (m) => {
      setError(undefined);
      setMade(m);
    },
    onError: (e: Error) => setError(e.message),
  });

  const crumbs = prefix.split('/').filter((p) => p !== '');
  const page = listing.data;
  return (
    <section aria-labelledby="bucket-title" className="bucket" onDragOver={(e) => (e.preventDefault(), setDragging(true))} onDragLeave={() => setDragging(false)} onDrop={onDrop}>
      <nav aria-label="Breadcrumb">
        <ul>
          <li>
            <Link to="buckets">Buckets</Link>
          </li>
          <li>
            <a href="#top" onClick={(e) => (e.preventDefault(), goTo(''))}>
              {bucket}
            </a>
          </li>
          {crumbs.map((c, i) => (
            <li key={i}>
              <a href="#top" onClick={(e) => (e.preventDefault(), goTo(`${crumbs.slice(0, i + 1).join('/')}/`))}>
                {c}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <h1 id="bucket-title">{prefix === '' ? bucket : `${bucket}/${prefix}`}</h1>

      <div className={`dropzone${dragging ? ' dragging' : ''}`}>
        <label>
          Upload files here (or drop them on this page)
          <input type="file" multiple aria-label="Files to upload" onChange={(e) => void upload([...(e.currentTarget.files ?? [])])} />
        </label>
        {uploads.length > 0 && (
          <ul className="uploads" aria-label="Uploads">
            {uploads.map((u, i) => (
              <li key={i} data-state={u.state}>
                <span>{u.name}</span> <progress value={u.loaded} max={Math.max(u.size, 1)} aria-label={`Upload of ${u.name}`} />{' '}
                <small>{u.state === 'done' ? 'uploaded' : u.state === 'failed' ? `failed: ${u.message ?? ''}` : `${bytes(u.loaded)} of ${bytes(u.size)}`}</small>
              </li>
            ))}
          </ul>
        )}
      </div>

      <div className="toolbar">
        <button type="button" disabled={selected.size === 0} aria-busy={makeManifest.isPending} onClick={() => makeManifest.mutate()}>
          Make a manifest from this selection ({selected.size})
        </button>
      </div>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {made && (
        <article className="made" aria-label="Manifest made">
          <p>
            Manifest of {made.rows} objects: <code>{`s3://${made.bucket}/${made.key}`}</code>
          </p>
          <Link to={`wizard${qs({ manifest: made.objectArn, etag: made.etag })}`} role="button">
            Create a job with this manifest
          </Link>
        </article>
      )}

      {listing.isPending && <p aria-busy="true">Reading…</p>}
      {listing.isError && <p role="alert">{listing.error.message}</p>}
      {page && (
        <table className="objects">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Selected</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">Size</th>
              <th scope="col">Storage class</th>
              <th scope="col">Last modified</th>
            </tr>
          </thead>
          <tbody>
            {page.prefixes.map((p) => (
              <tr key={p} data-prefix={p}>
                <td>
                  <input type="checkbox" aria-label={`Select folder ${p}`} checked={selected.has(p)} onChange={() => toggle(p)} />
                </td>
                <td>
                  <a href="#top" onClick={(e) => (e.preventDefault(), goTo(p))}>
                    {p.slice(prefix.length)}
                  </a>
                </td>
                <td colSpan={3}>folder</td>
              </tr>
            ))}
            {page.objects.map((o) => (
              <tr key={o.key} data-key={o.key}>
                <td>
                  <input type="checkbox" aria-label={`Select ${o.key}`} checked={selected.has(o.key)} onChange={() => toggle(o.key)} />
                </td>
                <td>
                  <button type="button" className="link" onClick={() => setShown(o.key)} aria-label={`Details of ${o.key}`}>
                    {o.key.slice(prefix.length)}
                  </button>
                </td>
                <td>{bytes(o.size)}</td>
                <td>{o.storageClass}</td>
                <td>{when(o.lastModifiedMs)}</td>
              </tr>
            ))}
            {page.prefixes.length + page.objects.length === 0 && (
              <tr>
                <td colSpan={5}>Nothing here yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <p>
        {pages.length > 0 && (
          <button type="button" className="secondary outline" onClick={() => setPages(pages.slice(0, -1))}>
            Previous page
          </button>
        )}{' '}
        {page?.next && (
          <button type="button" className="secondary outline" onClick={() => setPages([...pages, page.next ?? ''])}>
            Next page
          </button>
        )}
      </p>
      {shown !== undefined && <Details bucket={bucket} objectKey={shown} onGone={() => setShown(undefined)} />}
    </section>
  );
}

function Details({ bucket, objectKey, onGone }: { bucket: string; objectKey: string; onGone: () => void }) {
  const client = useQueryClient();
  const details = useQuery({
    queryKey: ['object', bucket, objectKey],
    queryFn: () => api<ObjectDetails>('GET', `${bucketPath(bucket)}/object${qs({ key: objectKey })}`),
  });
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => api('DELETE', `${bucketPath(bucket)}/object${qs({ key: objectKey })}`),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['objects', bucket] });
      onGone();
    },
  });
  const d = details.data;
  return (
    <article className="details" aria-labelledby="details-title">
      <header>
        <h2 id="details-title">{objectKey}</h2>
      </header>
      {details.isPending && <p aria-busy="true">Reading…</p>}
      {details.isError && <p role="alert">{details.error.message}</p>}
      {d && (
        <>
          <dl className="facts">
            <dt>Size</dt>
            <dd>
              {bytes(d.size)} ({d.size.toLocaleString('en-US')} bytes)
            </dd>
            <dt>Storage class</dt>
            <dd>{d.storageClass}</dd>
            <dt>ETag</dt>
            <dd>
              <code>{d.etag}</code>
            </dd>
            <dt>Content type</dt>
            <dd>{d.contentType}</dd>
            <dt>Last modified</dt>
            <dd>{when(d.lastModifiedMs)}</dd>
            <dt>Encryption</dt>
            <dd>{d.encryption === null ? 'none' : `${d.encryption}${d.kmsKeyId ? ` (${d.kmsKeyId})` : ''}`}</dd>
            <dt>Retention</dt>
            <dd>{d.retention === null ? 'none' : `${d.retention.mode} until ${d.retention.retainUntil ?? '—'}`}</dd>
            <dt>Legal hold</dt>
            <dd>{d.legalHold ?? 'OFF'}</dd>
            <dt>Version</dt>
            <dd>{d.versionId ?? 'unversioned'}</dd>
          </dl>
          <h3>Tags</h3>
          {d.tags.length === 0 ? (
            <p>No tags.</p>
          ) : (
            <table className="tags" aria-label="Object tags">
              <tbody>
                {d.tags.map((t) => (
                  <tr key={t.Key}>
                    <th scope="row">{t.Key}</th>
                    <td>{t.Value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {d.versions.length > 1 && (
            <>
              <h3>Versions</h3>
              <ul>
                {d.versions.map((v) => (
                  <li key={v.versionId}>
                    <code>{v.versionId}</code> · {bytes(v.size)} · {when(v.lastModifiedMs)}
                    {v.isLatest ? ' · latest' : ''}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <footer>
        <a role="button" className="secondary" href={`${API}${bucketPath(bucket)}/object/download${qs({ key: objectKey })}`} download>
          Download
        </a>{' '}
        {!confirming ? (
          <button type="button" className="secondary outline" onClick={() => setConfirming(true)}>
            Delete…
          </button>
        ) : (
          <span role="group" aria-label="Confirm the deletion">
            Delete <code>{objectKey}</code> for good?{' '}
            <button type="button" className="danger" aria-busy={remove.isPending} onClick={() => remove.mutate()}>
              Delete
            </button>{' '}
            <button type="button" className="secondary outline" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </span>
        )}
        {remove.isError && <p role="alert">{remove.error.message}</p>}
      </footer>
    </article>
  );
}
