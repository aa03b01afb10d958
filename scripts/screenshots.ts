/**
 * `npm run screenshots`: the README's pictures of the dashboard (docs/images/dashboard-*.png),
 * taken with Debian's Chromium at 1280×800 and 390×844 (a phone) from a real server running a few
 * jobs: finished with failed tasks, running, awaiting confirmation — and the bucket browser and
 * the create-job wizard.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, S3ControlClient, type CreateJobCommandInput } from '@aws-sdk/client-s3-control';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../src/app/server.js';
import { createLogger } from '../src/app/logger.js';
import { loadConfig } from '../src/config/config.js';
import { launchBrowser, newPage, signIn } from '../test/helpers/browser.js';

const ACCOUNT = { accountId: '123456789012', accessKeyId: 's3batch', secretAccessKey: 's3batch-secret' };
const OUT = path.resolve('docs/images');

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-screens-'));
  const functions = path.join(dir, 'functions');
  mkdirSync(functions);
  writeFileSync(
    path.join(functions, 'thumbnail.mjs'),
    `export const handler = async (event) => {
  await new Promise((r) => setTimeout(r, 400));
  return { invocationSchemaVersion: event.invocationSchemaVersion, treatMissingKeysAs: 'PermanentFailure', invocationId: event.invocationId,
    results: [{ taskId: event.tasks[0].taskId, resultCode: 'Succeeded', resultString: 'resized' }] };
};\n`,
  );
  const config = loadConfig({
    S3BATCH_HOST: '127.0.0.1',
    S3BATCH_PORT: '0',
    S3BATCH_DATA_DIR: path.join(dir, 'data'),
    S3BATCH_FUNCTIONS_DIR: functions,
  });
  const server = await startServer(config, { logger: createLogger('silent') });
  const credentials = { accessKeyId: ACCOUNT.accessKeyId, secretAccessKey: ACCOUNT.secretAccessKey };
  const s3 = new S3Client({ region: 'us-east-1', endpoint: server.url, forcePathStyle: true, credentials });
  const control = new S3ControlClient({ region: 'us-east-1', credentials, endpointProvider: () => ({ url: new URL(`${server.url}/`) }) });
  const launched = await launchBrowser();
  try {
    for (const Bucket of ['photos', 'manifests', 'reports']) await s3.send(new CreateBucketCommand({ Bucket }));
    const keys = Array.from({ length: 400 }, (_, i) => `2024/trip/IMG_${String(4000 + i).padStart(5, '0')}.jpg`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: 'photos', Key, Body: 'jpeg' }))));
    }
    const manifest = async (name: string, lines: string[]) => {
      const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: name, Body: lines.map((l) => `${l}\n`).join('') }));
      return {
        Spec: { Format: 'S3BatchOperations_CSV_20180820' as const, Fields: ['Bucket' as const, 'Key' as const] },
        Location: { ObjectArn: `arn:aws:s3:::manifests/${name}`, ETag: ETag! },
      };
    };
    const create = async (over: Partial<CreateJobCommandInput>): Promise<string> => {
      const input = {
        AccountId: ACCOUNT.accountId,
        RoleArn: `arn:aws:iam::${ACCOUNT.accountId}:role/batch`,
        Priority: 10,
        ClientRequestToken: randomUUID(),
        ConfirmationRequired: false,
        Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'batch', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'album', Value: 'trip-2024' }] } },
        ...over,
      } as CreateJobCommandInput;
      return (await control.send(new CreateJobCommand(input))).JobId!;
    };
    const withMissing = [...keys.slice(0, 300).map((k) => `photos,${k}`), ...Array.from({ length: 12 }, (_, i) => `photos,2024/trip/IMG_${9000 + i}.jpg`)];
    await create({
      Description: 'Tag the 2024 trip photos',
      Manifest: await manifest('trip.csv', withMissing),
      Tags: [{ Key: 'team', Value: 'media' }, { Key: 'cost-center', Value: '42' }],
    });
    await create({
      Description: 'Old uploads to Glacier',
      Manifest: await manifest('glacier.csv', keys.slice(0, 50).map((k) => `photos,${k}`)),
      ConfirmationRequired: true,
      Priority: 5,
      Operation: { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::photos', StorageClass: 'GLACIER' } },
    });
    await create({
      Description: 'Thumbnails for the photo site',
      Manifest: await manifest('thumbs.csv', keys.map((k) => `photos,${k}`)),
      Priority: 50,
      Operation: { LambdaInvoke: { FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT.accountId}:function:thumbnail`, InvocationSchemaVersion: '2.0' } },
    });
    await new Promise((r) => setTimeout(r, 3000));

    mkdirSync(OUT, { recursive: true });
    const { page, context } = await newPage(launched.browser, server.url);
    await signIn(page, server.url, ACCOUNT);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(OUT, 'dashboard-jobs.png') });
    await page.getByRole('link', { name: 'Tag the 2024 trip photos' }).click();
    await page.getByRole('heading', { name: 'Failed tasks' }).waitFor();
    await page.screenshot({ path: path.join(OUT, 'dashboard-job.png'), fullPage: true });

    await page.goto(`${server.url}/_s3batch/ui/buckets/photos?prefix=${encodeURIComponent('2024/trip/')}`);
    await page.getByRole('button', { name: 'Details of 2024/trip/IMG_04001.jpg' }).click();
    for (const n of ['04000', '04001', '04002']) await page.getByLabel(`Select 2024/trip/IMG_${n}.jpg`).check();
    await page.getByRole('table', { name: 'Object tags' }).waitFor();
    await page.screenshot({ path: path.join(OUT, 'dashboard-buckets.png') });
    await page.getByRole('button', { name: 'Make a manifest from this selection (3)' }).click();
    await page.getByRole('button', { name: 'Create a job with this manifest' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel("Tags (they replace the object's tags)").fill('album=trip-2024\nreviewed=yes');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Description').fill('Mark the reviewed photos');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('request-json').waitFor();
    await page.screenshot({ path: path.join(OUT, 'dashboard-wizard.png'), fullPage: true });
    await context.close();

    const phone = await newPage(launched.browser, server.url, { width: 390, height: 844 });
    await signIn(phone.page, server.url, ACCOUNT);
    await phone.page.getByRole('link', { name: 'Thumbnails for the photo site' }).click();
    await phone.page.getByTestId('rate').waitFor();
    await phone.page.waitForTimeout(2500);
    await phone.page.screenshot({ path: path.join(OUT, 'dashboard-phone.png') });
    await phone.context.close();
    console.log(`wrote ${OUT}/dashboard-jobs.png, dashboard-job.png, dashboard-buckets.png, dashboard-wizard.png, dashboard-phone.png`);
  } finally {
    await launched.close();
    s3.destroy();
    control.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
