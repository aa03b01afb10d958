/**
 * The dashboard's server side over real HTTP: the redirect of a browser opening `/`, the pages'
 * security headers, sign-in (wrong secret, throttling), sessions (cookie flags, idle expiry with a
 * moved clock, sign-out), the CSRF check, account walls, search and paging, and — with the engine
 * running — the failed-tasks table, report downloads, re-running failed tasks and live events.
 */
import { CreateJobCommand, DescribeJobCommand, GetJobTaggingCommand } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, putAll, putCsvManifest, reportTo, until } from '../helpers/engine-jobs.js';
import { dashboardClient } from '../helpers/dashboard.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const HOUR = 3_600_000;

async function createJob(server: { url: string }, description: string, account = ACCOUNT_A): Promise<string> {
  const { JobId } = await controlClient(server, account).send(
    new CreateJobCommand(jobInput({ Description: description, ConfirmationRequired: true }, account)),
  );
  return JobId!;
}

describe('dashboard: pages and sign-in', () => {
  it('redirects a browser opening / and leaves S3 clients alone', async () => {
    const server = await startTestServer();
    const browser = await fetch(`${server.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/_s3batch/ui/');
    const plain = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(plain.status).toBe(403);
    expect(await plain.text()).toContain('AccessDenied');
  });

  it('serves the pages with a strict CSP, nosniff and no framing', async () => {
    const server = await startTestServer();
    const page = await fetch(`${server.url}/_s3batch/ui/jobs/some-id`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    for (const sneaky of ['assets/..%2F..%2Fpackage.json', '..%2F..%2Fpackage.json', 'assets/../../package.json']) {
      const answer = await fetch(`${server.url}/_s3batch/ui/${sneaky}`);
      expect(await answer.text()).not.toContain('"name": "s3batch"');
    }
  });

  it('signs in with the key pair, in an HttpOnly SameSite=Strict cookie, and signs out', async () => {
    const server = await startTestServer();
    const api = dashboardClient(server);
    expect((await api.call('GET', 'jobs')).status).toBe(401);
    const wrong = await api.signIn({ accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: 'not-it' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/access key or the secret is wrong/);
    expect(api.cookie).toBeUndefined();
    const ok = await api.signIn();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accountId: ACCOUNT_A.accountId, accessKeyId: ACCOUNT_A.accessKeyId });
    expect(JSON.stringify(ok.body)).not.toContain(ACCOUNT_A.secretAccessKey);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    expect((await api.call('GET', 'session')).status).toBe(200);
    const kept = api.cookie;
    expect((await api.call('DELETE', 'session')).status).toBe(200);
    api.cookie = kept;
    expect((await api.call('GET', 'session')).status).toBe(401);
  });

  it('slows down repeated failed sign-ins per key and per address, with a clear message', async () => {
    const server = await startTestServer();
    const api = dashboardClient(server);
    for (let i = 0; i < 5; i++) expect((await api.signIn({ accessKeyId: 'AKIDNOPE', secretAccessKey: 'x' })).status).toBe(401);
    const slowed = await api.signIn({ accessKeyId: 'AKIDNOPE', secretAccessKey: 'x' });
    expect(slowed.status).toBe(429);
    expect(slowed.body.error.message).toMatch(/Too many failed sign-ins .* try again in \d+ s/);
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);
    // the address is slowed down too, whatever key it tries next
    expect((await api.signIn({ accessKeyId: ACCOUNT_B.accessKeyId, secretAccessKey: ACCOUNT_B.secretAccessKey })).status).toBe(429);
  });

  it('ends a session idle for 8 hours (moved clock)', async () => {
    let offset = 0;
    const server = await startTestServer({}, undefined, { dashboardNow: () => Date.now() + offset });
    const api = dashboardClient(server);
    await api.signIn();
    offset = 7 * HOUR;
    expect((await api.call('GET', 'jobs')).status).toBe(200);
    offset = 14 * HOUR;
    expect((await api.call('GET', 'jobs')).status).toBe(200);
    offset = 22 * HOUR + 1;
    const expired = await api.call('GET', 'jobs');
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
  });
});

describe('dashboard: jobs through the API', () => {
  it('refuses a state-changing request without the CSRF token, and takes it with the token', async () => {
    const server = await startTestServer();
    const id = await createJob(server, 'csrf');
    const api = dashboardClient(server);
    await api.signIn();
    const refused = await api.call('POST', `jobs/${id}/priority`, { priority: 77 }, { csrf: false });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('CsrfTokenMismatch');
    const control = controlClient(server);
    expect((await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: id }))).Job?.Priority).toBe(10);
    expect((await api.call('POST', `jobs/${id}/priority`, { priority: 77 })).body.job.priority).toBe(77);
    expect((await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: id }))).Job?.Priority).toBe(77);
    const bad = await api.call('POST', `jobs/${id}/priority`, { priority: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^priority:/);

    expect((await api.call('PUT', `jobs/${id}/tags`, { tags: [{ Key: 'team', Value: 'blue' }] })).status).toBe(200);
    expect((await control.send(new GetJobTaggingCommand({ AccountId: ACCOUNT_A.accountId, JobId: id }))).Tags).toEqual([{ Key: 'team', Value: 'blue' }]);
    expect((await api.call('PUT', `jobs/${id}/tags`, { tags: [{ Key: '<b>', Value: '' }] })).body.error.message).toMatch(/^tags\[0\]\.Key/);

    const cancelled = await api.call('POST', `jobs/${id}/status`, { status: 'Cancelled', reason: 'not needed' });
    expect(cancelled.body.job).toMatchObject({ status: 'Cancelled', statusUpdateReason: 'not needed' });
    const again = await api.call('POST', `jobs/${id}/status`, { status: 'Ready' });
    expect(again.status).toBe(409);
  });

  it('keeps the account walls', async () => {
    const server = await startTestServer();
    const a = await createJob(server, 'of account A');
    const b = dashboardClient(server);
    await b.signIn(ACCOUNT_B);
    expect((await b.call('GET', 'jobs')).body.jobs).toEqual([]);
    expect((await b.call('GET', `jobs?q=${a}`)).body.jobs).toEqual([]);
    expect((await b.call('GET', `jobs/${a}`)).status).toBe(404);
    expect((await b.call('POST', `jobs/${a}/status`, { status: 'Cancelled' })).status).toBe(404);
    const aApi = dashboardClient(server);
    await aApi.signIn();
    expect((await aApi.call('GET', `jobs/${a}`)).body.job).toMatchObject({ id: a, description: 'of account A' });
  });

  it('searches by id and description, filters by status, and pages', async () => {
    const server = await startTestServer();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await createJob(server, i % 2 === 0 ? `Nightly tagging ${i}` : `copy ${i}`));
    const api = dashboardClient(server);
    await api.signIn();
    const found = (await api.call('GET', 'jobs?q=TAGGING')).body.jobs.map((j: { description: string }) => j.description);
    expect(found).toEqual(['Nightly tagging 6', 'Nightly tagging 4', 'Nightly tagging 2', 'Nightly tagging 0']);
    expect((await api.call('GET', `jobs?q=${ids[3]!.slice(0, 13)}`)).body.jobs.map((j: { id: string }) => j.id)).toContain(ids[3]);
    expect((await api.call('GET', 'jobs?status=Active')).body.jobs).toEqual([]);
    expect((await api.call('GET', 'jobs?status=Nope')).body.error.message).toMatch(/status: "Nope" is not one of/);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { body: { jobs: { id: string }[]; next: string | null } } = await api.call('GET', `jobs?limit=3${next ? `&after=${next}` : ''}`);
      seen.push(...page.body.jobs.map((j) => j.id));
      next = page.body.next;
    } while (next);
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await api.call('GET', 'jobs?after=garbage')).status).toBe(400);
  });

  it('shows the failed tasks of a report, downloads its files, re-runs the failed tasks and streams events', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3 = s3Client(server);
    await createBuckets(s3);
    await putAll(s3, ['a', 'b', 'c']);
    const api = dashboardClient(server);
    await api.signIn();
    const events = await fetch(`${server.url}/_s3batch/api/events`, { headers: { cookie: api.cookie! } });
    expect(events.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = events.body!.getReader();

    const lines = ['data,a', 'data,missing-1', 'data,b', 'data,missing-2', 'data,c'];
    const Location = await putCsvManifest(s3, lines);
    const control = controlClient(server);
    const { JobId } = await control.send(new CreateJobCommand(jobInput({
      Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location },
      Report: reportTo('out', 'AllTasks'),
      Description: 'two missing',
    })));
    const id = JobId!;
    await until(control, id, ['Complete']);

    let streamed = '';
    const decoder = new TextDecoder();
    while (!streamed.includes('"status":"Complete"')) {
      const { value, done } = await reader.read();
      if (done) break;
      streamed += decoder.decode(value);
    }
    await reader.cancel();
    expect(streamed).toContain(`event: job\ndata: {"id":"${id}"`);
    expect(streamed).toContain('"status":"Complete"');

    const failed = await api.call('GET', `jobs/${id}/failed?limit=1`);
    expect(failed.body.total).toBe(2);
    expect(Object.values(failed.body.byErrorCode)).toEqual([2]);
    expect(failed.body.rows).toHaveLength(1);
    expect(failed.body.rows[0].key).toBe('missing-1');
    expect((await api.call('GET', `jobs/${id}/failed?offset=1&limit=5`)).body.rows.map((r: { key: string }) => r.key)).toEqual(['missing-2']);

    const files = (await api.call('GET', `jobs/${id}/report`)).body;
    expect(files.results.map((f: { status: string }) => f.status).sort()).toEqual(['failed', 'succeeded']);
    const failedAt = files.results.findIndex((f: { status: string }) => f.status === 'failed');
    const csv = await api.call('GET', `jobs/${id}/report/file?n=${failedAt}`);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(String(csv.body).trim().split('\n')).toHaveLength(2);
    expect((await api.call('GET', `jobs/${id}/report/file?n=99`)).status).toBe(404);

    const rerun = await api.call('POST', `jobs/${id}/rerun-failed`);
    expect(rerun.status).toBe(201);
    const again = await until(control, rerun.body.jobId, ['Complete']);
    expect(again.ProgressSummary?.TotalNumberOfTasks).toBe(2);
    expect(again.Description).toBe(`Failed tasks of ${id}: two missing`);
  });
});
