/**
 * The bucket browser and the create-job wizard in a real browser (Debian's Chromium through
 * playwright-core) against a real server with its engine: upload three files (one multipart),
 * browse into a folder, make a manifest of two, run a tagging job made in the wizard and see the
 * tags in the object's details; a copy job and a Lambda job through their forms; a field error in
 * the API's own words; Clone; account B not seeing A's buckets; a `<script>` key shown as text.
 * Skipped without the browser, except under CI=true (test/helpers/browser.ts).
 */
import { CreateJobCommand, DescribeJobCommand, type CreateJobCommandInput } from '@aws-sdk/client-s3-control';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, newPage, signIn, type LaunchedBrowser, type TestPage } from '../helpers/browser.js';
import { createBuckets, putAll, putCsvManifest, until } from '../helpers/engine-jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const FUNCTIONS = path.resolve('test/fixtures/functions');
const PART = 5 * 1024 * 1024;
// (No "/" in it: that would make it a folder.)
const HOSTILE = '<script>window.__pwned=1 <img src=x onerror="window.__pwned=2">.txt';

/** Steps 2 to 4 of the wizard from step 1, then Create: the new job's id (from its page's URL). */
async function finishWizard(t: TestPage, fillOperation: () => Promise<void>, options: () => Promise<void> = async () => undefined): Promise<string> {
  await t.page.getByRole('button', { name: 'Next' }).click();
  await t.page.getByRole('heading', { name: 'Step 2: Choose operation' }).waitFor();
  await fillOperation();
  await t.page.getByRole('button', { name: 'Next' }).click();
  await options();
  await t.page.getByRole('button', { name: 'Next' }).click();
  await t.page.getByTestId('request-json').waitFor();
  await t.page.getByRole('button', { name: 'Create job' }).click();
  await t.page.waitForURL(/\/_s3batch\/ui\/jobs\/[0-9a-f-]{36}$/);
  return t.page.url().split('/').pop() ?? '';
}

describe.skipIf(!browserAvailable())('bucket browser and create-job wizard in a browser', () => {
  let launched: LaunchedBrowser;
  beforeAll(async () => {
    launched = await launchBrowser();
  });
  afterAll(async () => {
    await launched?.close();
  });
  const open = async (server: TestServer) => newPage(launched.browser, server.url);

  it('uploads three files (one multipart), browses a folder, makes a manifest of two, runs a tagging job from the wizard and shows the tags', async () => {
    const server = await startTestServer({}, undefined, { engine: true, dashboardUploadPartBytes: PART });
    const s3 = s3Client(server);
    const t = await open(server);
    await signIn(t.page, server.url, ACCOUNT_A);
    await t.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Buckets' }).click();
    await t.page.getByText('This account has no bucket yet.').waitFor();
    await t.page.getByLabel('New bucket name').fill('photos');
    await t.page.getByRole('button', { name: 'Create bucket' }).click();
    await t.page.getByRole('link', { name: 'photos', exact: true }).click();
    await putAll(s3, ['docs/readme.txt', HOSTILE], 'photos');
    await t.page.reload();

    // A key with markup is text: shown as typed, never run.
    await t.page.getByRole('button', { name: `Details of ${HOSTILE}` }).waitFor();
    expect(await t.page.locator(`tr[data-key="${HOSTILE.replaceAll('"', '\\"')}"] button.link`).textContent()).toBe(HOSTILE);
    expect(await t.page.evaluate('window.__pwned')).toBeUndefined();

    await t.page.getByRole('link', { name: 'docs/', exact: true }).click();
    await t.page.getByRole('heading', { name: 'photos/docs/' }).waitFor();
    const big = Buffer.alloc(PART + 4096, 7);
    await t.page.getByLabel('Files to upload').setInputFiles([
      { name: 'one.txt', mimeType: 'text/plain', buffer: Buffer.from('one') },
      { name: 'two.txt', mimeType: 'text/plain', buffer: Buffer.from('two') },
      { name: 'big.bin', mimeType: 'application/octet-stream', buffer: big },
    ]);
    await t.page.locator('.uploads li[data-state="done"]').nth(2).waitFor();
    await t.page.getByRole('button', { name: 'Details of docs/big.bin' }).waitFor();
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'docs/big.bin' }))).ETag).toMatch(/-2"$/);

    await t.page.getByLabel('Select docs/one.txt').check();
    await t.page.getByLabel('Select docs/big.bin').check();
    await t.page.getByRole('button', { name: 'Make a manifest from this selection (2)' }).click();
    await t.page.getByText('Manifest of 2 objects').waitFor();
    const manifestKey = ((await t.page.locator('.made code').textContent()) ?? '').replace('s3://photos/', '');
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: manifestKey }))).Body!.transformToString()).toBe('photos,docs/one.txt\nphotos,docs/big.bin\n');

    await t.page.getByRole('button', { name: 'Create a job with this manifest' }).click();
    await t.page.getByRole('heading', { name: 'Step 1: Choose objects' }).waitFor();
    expect(await t.page.getByLabel('Manifest object ARN').inputValue()).toBe(`arn:aws:s3:::photos/${manifestKey}`);
    const id = await finishWizard(
      t,
      () => t.page.getByLabel("Tags (they replace the object's tags)").fill('project=blue\nowner=team a/b'),
      () => t.page.getByLabel('Description').fill('tag two'),
    );
    await t.page.locator('.page-title [data-status="Complete"]').waitFor({ timeout: 20_000 });
    expect((await controlClient(server).send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: id }))).Job?.ProgressSummary?.NumberOfTasksSucceeded).toBe(2);

    await t.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Buckets' }).click();
    await t.page.getByRole('link', { name: 'photos', exact: true }).click();
    await t.page.getByRole('link', { name: 'docs/', exact: true }).click();
    await t.page.getByRole('button', { name: 'Details of docs/big.bin' }).click();
    const tags = t.page.getByRole('table', { name: 'Object tags' });
    await tags.waitFor();
    expect(await tags.locator('tr').allInnerTexts()).toEqual(['project\tblue', 'owner\tteam a/b']);
    await t.page.getByRole('button', { name: 'Details of docs/two.txt' }).click();
    await t.page.getByText('No tags.').waitFor();

    // Delete, after a confirmation.
    await t.page.getByRole('button', { name: 'Delete…' }).click();
    await t.page.getByRole('group', { name: 'Confirm the deletion' }).getByRole('button', { name: 'Delete' }).click();
    await t.page.getByRole('button', { name: 'Details of docs/two.txt' }).waitFor({ state: 'detached' });
    expect(t.errors).toEqual([]);
    expect(t.foreign).toEqual([]);
    await t.context.close();
  });

  it('runs a copy job and a Lambda job through their forms, shows a field error as the API words it, and clones', async () => {
    const server = await startTestServer({ S3BATCH_FUNCTIONS_DIR: FUNCTIONS }, undefined, { engine: true });
    const s3 = s3Client(server);
    await createBuckets(s3, ['data', 'dest', 'manifests']);
    await putAll(s3, ['a', 'b'], 'data');
    const manifest = await putCsvManifest(s3, ['data,a', 'data,b'], 'm.csv');
    const t = await open(server);
    await signIn(t.page, server.url, ACCOUNT_A);
    const start = `${server.url}/_s3batch/ui/wizard?manifest=${encodeURIComponent(manifest.ObjectArn)}&etag=${encodeURIComponent(manifest.ETag.replaceAll('"', ''))}`;

    await t.page.goto(start);
    const copy = await finishWizard(t, async () => {
      await t.page.getByLabel('Operation', { exact: true }).selectOption('S3PutObjectCopy');
      await t.page.getByLabel('Destination bucket ARN').fill('arn:aws:s3:::dest');
      await t.page.getByLabel('Destination key prefix').fill('copied/');
    });
    await until(controlClient(server), copy, ['Complete']);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'dest', Key: 'copied/a' }))).Body!.transformToString()).toBe('x');

    await t.page.goto(start);
    const lambda = await finishWizard(t, async () => {
      await t.page.getByLabel('Operation', { exact: true }).selectOption('LambdaInvoke');
      await t.page.getByLabel('Function ARN').fill(`arn:aws:lambda:us-east-1:${ACCOUNT_A.accountId}:function:echo`);
    });
    const done = await until(controlClient(server), lambda, ['Complete', 'Failed']);
    expect(done).toMatchObject({ Status: 'Complete', ProgressSummary: { NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 } });

    // A field the API refuses: the page shows the S3 Control API's own message.
    await t.page.goto(start);
    await t.page.getByRole('button', { name: 'Next' }).click();
    await t.page.getByRole('button', { name: 'Next' }).click();
    await t.page.getByLabel('Priority').fill('-5');
    await t.page.getByRole('button', { name: 'Next' }).click();
    const body = JSON.parse((await t.page.getByTestId('request-json').textContent()) ?? '{}') as Record<string, unknown>;
    await t.page.getByRole('button', { name: 'Create job' }).click();
    const direct = await controlClient(server)
      .send(new CreateJobCommand({ ...(body as unknown as CreateJobCommandInput), AccountId: ACCOUNT_A.accountId, RoleArn: 'arn:aws:iam::111122223333:role/x', ClientRequestToken: 'direct' }))
      .catch((e: Error) => e.message);
    expect(direct).toMatch(/Priority/);
    await t.page.getByRole('alert').filter({ hasText: direct as string }).waitFor();

    // Clone: the wizard filled in from the copy job.
    await t.page.goto(`${server.url}/_s3batch/ui/jobs/${copy}`);
    await t.page.getByRole('button', { name: 'Clone' }).click();
    await t.page.getByRole('heading', { name: `Create job (a clone of ${copy})` }).waitFor();
    await t.page.getByRole('button', { name: '4. Review' }).click();
    const cloned = JSON.parse((await t.page.getByTestId('request-json').textContent()) ?? '{}') as { Operation: unknown; Manifest: unknown };
    expect(cloned.Operation).toEqual({ S3PutObjectCopy: expect.objectContaining({ TargetResource: 'arn:aws:s3:::dest', TargetKeyPrefix: 'copied/' }) });
    expect(cloned.Manifest).toMatchObject({ Location: { ObjectArn: manifest.ObjectArn } });
    expect(t.errors).toEqual([]);
    await t.context.close();
  });

  it("keeps account B's browser out of account A's buckets", async () => {
    const server = await startTestServer();
    await createBuckets(s3Client(server), ['a-private']);
    const t = await open(server);
    await signIn(t.page, server.url, ACCOUNT_B);
    await t.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Buckets' }).click();
    await t.page.getByText('This account has no bucket yet.').waitFor();
    await t.page.goto(`${server.url}/_s3batch/ui/buckets/a-private`);
    await t.page.getByRole('alert').filter({ hasText: /Access Denied/i }).waitFor();
    await t.context.close();
  });
});
