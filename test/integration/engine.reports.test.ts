/**
 * Completion reports end to end, against golden files (reference §5.9): a real server runs small
 * jobs with a mix of succeeded and failed tasks, and the report it wrote into the embedded store
 * is read back over S3 and compared with test/fixtures/reports/e2e/ (see the README there).
 *
 * What varies from run to run is replaced by placeholders before comparing, and checked on its
 * own instead:
 *
 *   <JOB-ID>                    the job id (everywhere it occurs)
 *   <REPORT-CREATION-DATE>      manifest.json's ReportCreationDate (checked: ISO-8601 with ms, UTC,
 *                               between CreateJob and the job's end)
 *   <MD5:succeeded|failed>      MD5Checksum of a result file (checked: the MD5 hex of that file, and
 *                               its S3 ETag)
 *   <RESULT-NAME:succeeded|failed>  the 40-hex name of a result file (checked: the key is
 *                               `<prefix>/job-<id>/results/<40 hex>.csv`, as AWS names them)
 *
 * Rows are not ordered across chunks (each job runs in chunks of 2 tasks, in parallel), so the
 * rows of a result file are sorted before comparing and the golden CSVs hold them sorted
 * (JavaScript's default string order). manifest.json is compared byte for byte after the
 * placeholders. Run with UPDATE_GOLDEN=1 to rewrite the golden files from the server's output
 * (then review the diff: the golden files are the AWS format, not whatever the server writes).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JobOperation, S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { s3Client } from '../object-store/helpers.js';
import { createBuckets, objectText, putAll, reportTo, runCsvJob, type ReportManifest } from '../helpers/engine-jobs.js';
import { ACCOUNT_B, controlClient, startTestServer } from '../helpers/server.js';

const GOLDEN = new URL('../fixtures/reports/e2e/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const TAG: JobOperation = { S3PutObjectTagging: { TagSet: [{ Key: 'project', Value: 'blue' }] } };
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

async function setup(): Promise<{ s3: S3Client; control: S3ControlClient }> {
  // Chunks of 2 tasks: the report is assembled from several chunks committed in any order.
  const server = await startTestServer({ S3BATCH_CHUNK_SIZE: '2' }, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3);
  // A bucket of another account: tasks on it fail with AccessDenied.
  await s3Client(server, ACCOUNT_B).send(new CreateBucketCommand({ Bucket: 'not-yours' }));
  await s3Client(server, ACCOUNT_B).send(new PutObjectCommand({ Bucket: 'not-yours', Key: 'k', Body: 'x' }));
  await putAll(s3, ['plain.txt', 'a b+c/ü%.txt', 'comma,key.txt', 'say "hi".txt', 'comma,encoded.txt', 'dir/日本語 ✓.txt']);
  return { s3, control: controlClient(server) };
}

/** Manifest rows whose tasks succeed: the report echoes each key as the manifest has it. */
const SUCCEEDING = [
  'data,plain.txt',
  // a b+c/ü%.txt, URL-encoded as AWS wants (quote_plus): the report echoes it encoded.
  'data,a+b%2Bc/%C3%BC%25.txt',
  // CSV quoting in the manifest; the report quotes the key again (RFC 4180).
  'data,"comma,key.txt"',
  'data,"say ""hi"".txt"',
  'data,comma%2Cencoded.txt',
  'data,dir/%E6%97%A5%E6%9C%AC%E8%AA%9E%20%E2%9C%93.txt',
];

/** Manifest rows whose tasks fail. */
const FAILING = [
  // A header line is data to AWS (reference §5.8): bucket "Bucket", which does not exist.
  'Bucket,Key',
  'data,no/such+key',
  'no-such-bucket,k',
  'not-yours,k',
];

/** The mixed job: failures first and last, so that they share chunks with successes. */
const MIXED = [FAILING[0]!, ...SUCCEEDING, ...FAILING.slice(1)];

interface ReadReport {
  /** manifest.json with the placeholders. */
  readonly manifest: string;
  /** Sorted rows of each result file, by TaskExecutionStatus. */
  readonly files: Partial<Record<'succeeded' | 'failed', string>>;
  /** Every key under `<prefix>/job-<id>/`. */
  readonly keys: string[];
}

/** Reads a job's report, checks what the placeholders hide, and returns it normalised. */
async function readReport(s3: S3Client, jobId: string, prefix: string, createdAt: number): Promise<ReadReport> {
  const jobPrefix = `${prefix}/job-${jobId}/`;
  const raw = await objectText(s3, 'reports', `${jobPrefix}manifest.json`);
  expect(await objectText(s3, 'reports', `${jobPrefix}manifest.json.md5`)).toBe(md5(raw));
  const parsed = JSON.parse(raw) as ReportManifest & { ReportCreationDate: string };

  expect(parsed.ReportCreationDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const created = Date.parse(parsed.ReportCreationDate);
  expect(created).toBeGreaterThanOrEqual(Math.floor(createdAt / 1000) * 1000);
  expect(created).toBeLessThanOrEqual(Date.now());
  let manifest = raw.replace(`"ReportCreationDate":"${parsed.ReportCreationDate}"`, '"ReportCreationDate":"<REPORT-CREATION-DATE>"');

  const files: Partial<Record<'succeeded' | 'failed', string>> = {};
  for (const r of parsed.Results) {
    const status = r.TaskExecutionStatus as 'succeeded' | 'failed';
    expect(files[status], `one ${status} file`).toBeUndefined();
    expect(r.Bucket).toBe('reports');
    const name = new RegExp(`^${prefix}/job-${jobId}/results/([0-9a-f]{40})\\.csv$`).exec(r.Key)?.[1];
    expect(name, r.Key).toBeDefined();
    const body = await objectText(s3, 'reports', r.Key);
    expect(r.MD5Checksum).toBe(md5(body));
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'reports', Key: r.Key }))).ETag).toBe(`"${r.MD5Checksum}"`);
    expect(body.endsWith('\n')).toBe(true);
    files[status] = `${body.split('\n').filter(Boolean).sort().join('\n')}\n`;
    manifest = manifest.replaceAll(r.MD5Checksum, `<MD5:${status}>`).replaceAll(name!, `<RESULT-NAME:${status}>`);
  }
  manifest = manifest.replaceAll(jobId, '<JOB-ID>');

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: jobPrefix }));
  const keys = (listed.Contents ?? []).map((c) => c.Key!.slice(jobPrefix.length)).sort();
  return { manifest, files, keys };
}

function golden(name: string, actual: string): string {
  const url = new URL(name, GOLDEN);
  if (UPDATE) {
    mkdirSync(new URL('.', url), { recursive: true });
    writeFileSync(url, actual);
  }
  return readFileSync(url, 'utf8');
}

function expectGolden(dir: string, report: ReadReport): void {
  expect(report.manifest, `${dir}/manifest.json`).toBe(golden(`${dir}/manifest.json`, report.manifest));
  for (const [status, rows] of Object.entries(report.files)) expect(rows, `${dir}/${status}.csv (sorted rows)`).toBe(golden(`${dir}/${status}.csv`, rows));
}

describe('completion report (golden files, rows sorted)', () => {
  it('AllTasks: a succeeded and a failed file (encoded, quoted and unicode keys; a header line, NoSuchKey, NoSuchBucket, AccessDenied) and manifest.json', async () => {
    const { s3, control } = await setup();
    const createdAt = Date.now();
    const job = await runCsvJob(s3, control, MIXED, TAG, { report: reportTo('batch/reports', 'AllTasks') });
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 10, NumberOfTasksSucceeded: 6, NumberOfTasksFailed: 4 });
    const report = await readReport(s3, job.JobId, 'batch/reports', createdAt);
    expect(Object.keys(report.files).sort()).toEqual(['failed', 'succeeded']);
    expect(report.keys).toEqual(['manifest.json', 'manifest.json.md5', expect.stringMatching(/^results\/[0-9a-f]{40}\.csv$/), expect.stringMatching(/^results\//)]);
    expectGolden('all-tasks', report);
  });

  it('FailedTasksOnly with a VersionId manifest: only the failed file (missing VersionId, NoSuchBucket, AccessDenied), manifest.json lists only it', async () => {
    const { s3, control } = await setup();
    const createdAt = Date.now();
    const lines = [
      'data,plain.txt,null',
      'data,"comma,key.txt",null',
      // An empty VersionId in a VersionId manifest: AWS fails the task without calling S3.
      'data,plain.txt,',
      'data,a+b%2Bc/%C3%BC%25.txt,',
      'no-such-bucket,k,null',
      'not-yours,k,null',
    ];
    const job = await runCsvJob(s3, control, lines, TAG, { fields: ['Bucket', 'Key', 'VersionId'], report: reportTo('failed-only', 'FailedTasksOnly') });
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 6, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 4 });
    const report = await readReport(s3, job.JobId, 'failed-only', createdAt);
    expect(Object.keys(report.files)).toEqual(['failed']);
    expect(report.keys).toEqual(['manifest.json', 'manifest.json.md5', expect.stringMatching(/^results\/[0-9a-f]{40}\.csv$/)]);
    expectGolden('failed-tasks-only', report);
  });

  it('FailedTasksOnly with no failures: manifest.json with an empty Results list, and no result file', async () => {
    const { s3, control } = await setup();
    const createdAt = Date.now();
    const job = await runCsvJob(s3, control, SUCCEEDING, TAG, { report: reportTo('none-failed', 'FailedTasksOnly') });
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 6, NumberOfTasksSucceeded: 6, NumberOfTasksFailed: 0 });
    const report = await readReport(s3, job.JobId, 'none-failed', createdAt);
    expect(report.files).toEqual({});
    expect(report.keys).toEqual(['manifest.json', 'manifest.json.md5']);
    expectGolden('failed-tasks-only-no-failures', report);
  });

  it('without a Prefix the report lives at job-<id>/ (as in the AWS docs example); a Prefix with a trailing slash gives no empty path segment', async () => {
    const { s3, control } = await setup();
    const bare = await runCsvJob(s3, control, ['data,plain.txt'], TAG, {
      report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
    });
    const manifest = JSON.parse(await objectText(s3, 'reports', `job-${bare.JobId}/manifest.json`)) as ReportManifest;
    expect(manifest.Results.map((r) => r.Key)).toEqual([expect.stringMatching(new RegExp(`^job-${bare.JobId}/results/[0-9a-f]{40}\\.csv$`))]);
    expect(await objectText(s3, 'reports', manifest.Results[0]!.Key)).toBe('data,plain.txt,,succeeded,200,,Successful\n');

    const slashed = await runCsvJob(s3, control, ['data,plain.txt'], TAG, { report: reportTo('with-slash/', 'AllTasks') });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: 'with-slash' }));
    expect((listed.Contents ?? []).map((c) => c.Key!.replace(/[0-9a-f]{40}/, '<RESULT-NAME>')).sort()).toEqual([
      `with-slash/job-${slashed.JobId}/manifest.json`,
      `with-slash/job-${slashed.JobId}/manifest.json.md5`,
      `with-slash/job-${slashed.JobId}/results/<RESULT-NAME>.csv`,
    ]);
  });

  it('AllTasks with no failures writes only the succeeded file', async () => {
    const { s3, control } = await setup();
    const job = await runCsvJob(s3, control, SUCCEEDING, TAG, { report: reportTo('all-ok', 'AllTasks') });
    expect(job.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 6, NumberOfTasksFailed: 0 });
    const report = await readReport(s3, job.JobId, 'all-ok', Date.now() - 60_000);
    expect(Object.keys(report.files)).toEqual(['succeeded']);
    // The same rows as the succeeded file of the mixed job.
    expect(report.files.succeeded).toBe(readFileSync(new URL('all-tasks/succeeded.csv', GOLDEN), 'utf8'));
  });
});
