/**
 * The frame: the session (sign-in page until there is one), the header with the account and
 * sign-out, the live event stream, and the route table. New pages are new routes here.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SessionView } from '../../src/dashboard/api-types.js';
import { api, ApiError, setCsrfToken, whenSignedOut } from './api.js';
import { openLiveUpdates } from './live.js';
import { BucketBrowser, Buckets } from './pages/Buckets.js';
import { JobDetail } from './pages/JobDetail.js';
import { JobsList } from './pages/JobsList.js';
import { Wizard } from './pages/Wizard.js';
import { Link, match, useRouter, type Route } from './router.js';

const ROUTES: readonly Route[] = [
  { pattern: '', render: () => <JobsList /> },
  { pattern: 'jobs', render: () => <JobsList /> },
  { pattern: 'jobs/:id', render: ({ id }) => <JobDetail id={id ?? ''} /> },
  { pattern: 'buckets', render: () => <Buckets /> },
  { pattern: 'buckets/:bucket', render: ({ bucket }) => <BucketBrowser key={bucket} bucket={bucket ?? ''} /> },
  { pattern: 'wizard', render: () => <Wizard /> },
];

async function readSession(): Promise<SessionView | null> {
  try {
    const s = await api<SessionView>('GET', 'session');
    setCsrfToken(s.csrfToken);
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function App() {
  const client = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: readSession, staleTime: Infinity });
  const signedIn = session.data ?? undefined;

  useEffect(() => {
    whenSignedOut(() => void client.invalidateQueries({ queryKey: ['session'] }));
  }, [client]);

  useEffect(() => {
    if (!signedIn) return undefined;
    return openLiveUpdates(client, () => void client.invalidateQueries({ queryKey: ['session'] }));
  }, [client, signedIn]);

  if (session.isPending) return <main className="container" aria-busy="true" />;
  if (session.isError) {
    return (
      <main className="container">
        <p role="alert">The server cannot be reached: {session.error.message}</p>
      </main>
    );
  }
  if (!signedIn) return <SignIn />;
  return <Frame session={signedIn} />;
}

function Frame({ session }: { session: SessionView }) {
  const client = useQueryClient();
  const { location } = useRouter();
  const signOut = useMutation({
    mutationFn: () => api('DELETE', 'session'),
    onSettled: () => {
      setCsrfToken(undefined);
      // Nothing of the account stays in the page's memory (the session query itself is kept:
      // its observer is what shows the sign-in page).
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
      client.setQueryData(['session'], null);
    },
  });
  const page = match(ROUTES, location.path);
  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="container-fluid site">
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to="jobs" className="brand">
                <strong>s3batch</strong>
              </Link>
            </li>
            <li>
              <Link to="jobs" aria-current={location.path === '' || location.path.startsWith('jobs') ? 'page' : undefined}>
                Jobs
              </Link>
            </li>
            <li>
              <Link to="wizard" aria-current={location.path === 'wizard' ? 'page' : undefined}>
                Create job
              </Link>
            </li>
            <li>
              <Link to="buckets" aria-current={location.path.startsWith('buckets') ? 'page' : undefined}>
                Buckets
              </Link>
            </li>
          </ul>
          <ul>
            <li>
              <small>
                account <span data-testid="account">{session.accountId}</span> · {session.accessKeyId}
              </small>
            </li>
            <li>
              <button type="button" className="secondary outline" onClick={() => signOut.mutate()} aria-busy={signOut.isPending}>
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main className="container-fluid" id="content">
        {page ?? (
          <section>
            <h1>Not found</h1>
            <p>
              This page does not exist. <Link to="jobs">See the jobs.</Link>
            </p>
          </section>
        )}
      </main>
    </>
  );
}

function SignIn() {
  const client = useQueryClient();
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  // A plain request rather than a mutation: a mutation would keep the secret in its cache.
  const submit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const secretField = form.elements.namedItem('secretAccessKey') as HTMLInputElement;
    const body = { accessKeyId: String(data.get('accessKeyId') ?? ''), secretAccessKey: String(data.get('secretAccessKey') ?? '') };
    secretField.value = '';
    setError(undefined);
    setPending(true);
    api<SessionView>('POST', 'session', body).then(
      (s) => {
        setCsrfToken(s.csrfToken);
        client.setQueryData(['session'], s);
      },
      (err: Error) => {
        setPending(false);
        setError(err.message);
        secretField.focus();
      },
    );
  };
  return (
    <main className="container signin">
      <article>
        <header>
          <h1>Sign in to s3batch</h1>
          <p>With an access key and its secret, as configured in S3BATCH_CREDENTIALS.</p>
        </header>
        <form onSubmit={submit}>
          <label>
            Access key ID
            <input ref={first} name="accessKeyId" autoComplete="username" required spellCheck={false} autoCapitalize="off" />
          </label>
          <label>
            Secret access key
            <input name="secretAccessKey" type="password" autoComplete="current-password" required aria-describedby={error !== undefined ? 'signin-error' : undefined} />
          </label>
          {error !== undefined && (
            <p role="alert" className="error" id="signin-error">
              {error}
            </p>
          )}
          <button type="submit" aria-busy={pending} disabled={pending}>
            Sign in
          </button>
        </form>
      </article>
    </main>
  );
}
