/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * server: sign-in and sign-out, the list's filters and search, a job's live progress to Complete,
 * the failed-tasks table, cancel and priority, a hostile description shown as text, the CSRF
 * check, account walls, and a session that expires when the clock moves. Skipped without the
 * browser, except under CI=true (test/helpers/browser.ts).
 */
import { CreateJobCommand, DescribeJobCommand, UpdateJobStatusCommand } from '@aws-sdk/client-s3-control';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, newPage, signIn, type LaunchedBrowser, type TestPage } from '../helpers/browser.js';
import { createBuckets, putAll, putCsvManifest, reportTo } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const FUNCTIONS = path.resolve('test/fixtures/functions');

async function createJob(server: TestServer, description: string, over: Parameters<typeof jobInput>[0] = {}, account = ACCOUNT_A): Promise<string> {
  const { JobId } = await controlClient(server, account).send(new CreateJobCommand(jobInput({ Description: description, ConfirmationRequired: true, ...over }, account)));
  return JobId!;
}

async function describeJob(server: TestServer, id: string) {
  return (await controlClient(server).send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: id }))).Job!;
}

/** The job ids of the list's rows, top to bottom. */
async function rows(t: TestPage): Promise<string[]> {
  return t.page.locator('table.jobs tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-job-id') ?? ''));
}

async function rowsBecome(t: TestPage, want: string[]): Promise<void> {
  const end = Date.now() + 10_000;
  let got: string[] = [];
  while (Date.now() < end) {
    got = await rows(t);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    await t.page.waitForTimeout(50);
  }
  expect(got).toEqual(want);
}

describe.skipIf(!browserAvailable())('dashboard in a browser', () => {
  let launched: LaunchedBrowser;
  beforeAll(async () => {
    launched = await launchBrowser();
  });
  afterAll(async () => {
    await launched?.close();
  });
  const open = async (server: TestServer, viewport?: { width: number; height: number }) => newPage(launched.browser, server.url, viewport);

  it('signs in (not with a wrong secret), keeps the secret out of the page, and signs out', async () => {
    const server = await startTestServer();
    const t = await open(server);
    await t.page.goto(`${server.url}/`);
    expect(new URL(t.page.url()).pathname).toBe('/_s3batch/ui/');
    await t.page.getByLabel('Access key ID').fill(ACCOUNT_A.accessKeyId);
    await t.page.getByLabel('Secret access key').fill('wrong-secret');
    await t.page.getByRole('button', { name: 'Sign in' }).click();
    await t.page.getByRole('alert').filter({ hasText: 'The access key or the secret is wrong' }).waitFor();
    expect(await t.page.getByRole('heading', { name: 'Jobs' }).count()).toBe(0);

    await signIn(t.page, server.url, ACCOUNT_A);
    expect(await t.page.getByTestId('account').textContent()).toBe(ACCOUNT_A.accountId);
    expect(await t.page.content()).not.toContain(ACCOUNT_A.secretAccessKey);
    const cookies = await t.context.cookies();
    expect(cookies.find((c) => c.name === 's3batch_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await t.page.evaluate('document.cookie')).toBe('');

    await t.page.getByRole('button', { name: 'Sign out' }).click();
    await t.page.getByRole('heading', { name: 'Sign in to s3batch' }).waitFor();
    await t.page.reload();
    await t.page.getByRole('heading', { name: 'Sign in to s3batch' }).waitFor();
    expect(t.errors.filter((e) => !/401/.test(e))).toEqual([]);
    expect(t.foreign).toEqual([]);
    await t.context.close();
  });

  it('filters and searches the list; a hostile description is text and runs nothing; the CSRF check holds', async () => {
    const server = await startTestServer();
    const alpha = await createJob(server, 'alpha nightly tagging');
    const beta = await createJob(server, 'beta copy');
    const gamma = await createJob(server, 'gamma nightly tagging');
    const hostile = await createJob(server, HOSTILE);
    await controlClient(server).send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: beta, RequestedJobStatus: 'Cancelled' }));

    const t = await open(server);
    await signIn(t.page, server.url, ACCOUNT_A);
    await rowsBecome(t, [hostile, gamma, beta, alpha]);
    await t.page.getByRole('button', { name: 'Cancelled' }).click();
    await rowsBecome(t, [beta]);
    await t.page.getByRole('button', { name: 'All' }).click();
    await t.page.getByRole('searchbox', { name: 'Search jobs by id or description' }).fill('NIGHTLY');
    await rowsBecome(t, [gamma, alpha]);
    expect(new URL(t.page.url()).searchParams.get('q')).toBe('NIGHTLY');
    await t.page.getByRole('searchbox').fill(beta.slice(0, 8));
    await rowsBecome(t, [beta]);
    await t.page.getByRole('searchbox').fill('');
    await rowsBecome(t, [hostile, gamma, beta, alpha]);

    // The hostile description: shown as its characters, in the list and on its page; no element made of it.
    const link = t.page.locator(`tr[data-job-id="${hostile}"] a.job-link`);
    expect(await link.textContent()).toBe(HOSTILE);
    await link.click();
    await t.page.getByRole('heading', { name: HOSTILE }).waitFor();
    expect(await t.page.locator('img').count()).toBe(0);
    expect(await t.page.evaluate('window.__pwned')).toBeUndefined();

    // A state-changing request without the CSRF header is refused, from the signed-in page itself.
    const refused = await t.page.evaluate(async (id) => {
      const res = await fetch(`/_s3batch/api/jobs/${id}/priority`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"priority":99}' });
      return { status: res.status, body: await res.text() };
    }, alpha);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('CsrfTokenMismatch');
    expect((await describeJob(server, alpha)).Priority).toBe(10);
    expect(t.errors).toEqual([]);
    await t.context.close();
  });

  it('changes the priority and cancels, after a confirmation', async () => {
    const server = await startTestServer();
    const id = await createJob(server, 'to steer');
    const t = await open(server);
    await signIn(t.page, server.url, ACCOUNT_A);
    await t.page.getByRole('link', { name: 'to steer' }).click();
    await t.page.getByRole('heading', { name: 'to steer' }).waitFor();
    await t.page.getByRole('spinbutton', { name: 'Priority' }).fill('42');
    await t.page.getByRole('button', { name: 'Set priority' }).click();
    await t.page.getByText('priority 42').waitFor();
    expect((await describeJob(server, id)).Priority).toBe(42);

    await t.page.getByRole('button', { name: 'Cancel job…' }).click();
    const dialog = t.page.getByRole('dialog', { name: 'Cancel this job?' });
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    expect((await describeJob(server, id)).Status).not.toBe('Cancelled');
    await t.page.getByRole('button', { name: 'Cancel job…' }).click();
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    await t.page.locator('.page-title [data-status="Cancelled"]').waitFor();
    expect((await describeJob(server, id)).Status).toBe('Cancelled');
    expect(await t.page.getByRole('button', { name: 'Cancel job…' }).count()).toBe(0);
    await t.context.close();
  });

  it('shows a running job\'s progress live to Complete, and the failed tasks of its report', async () => {
    const server = await startTestServer({ S3BATCH_FUNCTIONS_DIR: FUNCTIONS }, undefined, { engine: true });
    const s3 = s3Client(server);
    await createBuckets(s3);
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    await putAll(s3, keys);
    const t = await open(server);
    await signIn(t.page, server.url, ACCOUNT_A);

    const paced = await putCsvManifest(s3, keys.map((k) => `data,${k}`), 'paced.csv');
    const id = await createJob(server, 'paced run', {
      ConfirmationRequired: false,
      Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: paced },
      Operation: { LambdaInvoke: { FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT_A.accountId}:function:pace`, InvocationSchemaVersion: '2.0', UserArguments: { ms: '150' } } },
      Report: reportTo('paced'),
    });
    // The new job appears in the list by itself (an event), then its page shows the counts moving.
    await t.page.locator(`tr[data-job-id="${id}"]`).waitFor();
    await t.page.goto(`${server.url}/_s3batch/ui/jobs/${id}`);
    const bar = t.page.getByRole('progressbar', { name: 'Progress of this job' });
    const seen = new Set<string>();
    const rates = new Set<string>();
    const end = Date.now() + 25_000;
    while (Date.now() < end) {
      seen.add((await bar.getAttribute('value')) ?? '');
      rates.add(`${await t.page.getByTestId('rate').textContent()} ${await t.page.getByTestId('eta').textContent()}`);
      if ((await t.page.locator('.page-title [data-status="Complete"]').count()) > 0) break;
      await t.page.waitForTimeout(100);
    }
    expect(await t.page.locator('.page-title [data-status]').textContent()).toBe('Complete');
    const values = [...seen].filter((v) => v !== '').map(Number);
    // several values on the way, seen without reloading the page, and all tasks at the end
    expect(values.filter((v) => v > 0 && v < 60).length).toBeGreaterThanOrEqual(2);
    expect(await bar.getAttribute('value')).toBe('60');
    // tasks/s and the time left were shown while it ran
    // (any duration format.duration writes: a loaded machine makes the ETA minutes, the rate ≥ 10)
    expect([...rates].some((r) => /^\d+(\.\d)? \d+ (s|min|h|d)( \d+ (s|min|h))?$/.test(r)), [...rates].join(' | ')).toBe(true);
    expect(t.errors).toEqual([]);

    const withMissing = await putCsvManifest(s3, ['data,k1', 'data,gone-1', 'data,k2', 'data,gone-2'], 'missing.csv');
    const failing = await createJob(server, 'two missing', {
      ConfirmationRequired: false,
      Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: withMissing },
      Report: reportTo('missing'),
    });
    await t.page.goto(`${server.url}/_s3batch/ui/jobs/${failing}`);
    const table = t.page.locator('table.failed');
    await table.waitFor({ timeout: 20_000 });
    expect(await table.locator('tbody tr td.key').allTextContents()).toEqual(['gone-1', 'gone-2']);
    await t.page.getByRole('button', { name: /^NoSuchKey\s*2$/ }).waitFor();
    await t.page.getByRole('link', { name: /\.csv$/ }).first().waitFor();
    await t.page.getByRole('button', { name: 'Re-run 2 failed tasks' }).click();
    await t.page.getByRole('heading', { name: `Failed tasks of ${failing}: two missing` }).waitFor();
    await t.context.close();
  });

  it('keeps account B from account A\'s jobs, and reads well on a phone', async () => {
    const server = await startTestServer();
    const a = await createJob(server, 'secret plans of A');
    const b = await createJob(server, 'the job of B', {}, ACCOUNT_B);
    const t = await open(server, { width: 390, height: 844 });
    await signIn(t.page, server.url, ACCOUNT_B);
    await rowsBecome(t, [b]);
    expect(await t.page.getByText('secret plans of A').count()).toBe(0);
    expect(await t.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await t.page.goto(`${server.url}/_s3batch/ui/jobs/${a}`);
    await t.page.getByRole('alert').filter({ hasText: `No job ${a} in this account` }).waitFor();
    await t.context.close();
  });

  it('sends the browser back to sign-in once the session has expired (clock moved 9 h)', async () => {
    let offset = 0;
    const server = await startTestServer({}, undefined, { dashboardNow: () => Date.now() + offset });
    await createJob(server, 'still here');
    const t = await open(server);
    await signIn(t.page, server.url, ACCOUNT_A);
    await t.page.getByRole('link', { name: 'still here' }).waitFor();
    offset = 9 * 3_600_000;
    await t.page.getByRole('link', { name: 'still here' }).click();
    await t.page.getByRole('heading', { name: 'Sign in to s3batch' }).waitFor();
    await t.context.close();
  });
});
