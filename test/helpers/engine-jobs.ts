/**
 * Helpers of the engine's end-to-end tests, over the AWS SDK v3 clients only: objects and a CSV
 * manifest go in over S3, the job over S3 Control, and the report is read back over S3.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  DescribeJobCommand,
  type JobDescriptor,
  type JobOperation,
  type JobReport,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { bodyBytes } from '../object-store/helpers.js';
import { jobInput } from './jobs.js';
import { ACCOUNT_A } from './server.js';

/** Encodes a key as AWS wants it in a CSV manifest (like quote_plus, `/` kept). */
export const manifestKey = (key: string): string => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

export async function createBuckets(s3: S3Client, buckets = ['data', 'manifests', 'reports']): Promise<void> {
  for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
}

export async function putAll(s3: S3Client, keys: readonly string[], Bucket = 'data'): Promise<void> {
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(keys.slice(i, i + 64).map((Key) => s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }))));
  }
}

/** Puts `lines` as manifests/m.csv and creates a tagging job with an AllTasks report under reports/out. */
export async function createTaggingJob(s3: S3Client, control: S3ControlClient, lines: readonly string[], over: Parameters<typeof jobInput>[0] = {}): Promise<string> {
  const body = lines.map((l) => `${l}\n`).join('');
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'm.csv', Body: body }));
  const { JobId } = await control.send(
    new CreateJobCommand(
      jobInput({
        Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: ETag! } },
        Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'out', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
        ...over,
      }),
    ),
  );
  return JobId!;
}

export async function describe(control: S3ControlClient, jobId: string): Promise<JobDescriptor> {
  const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId }));
  return Job!;
}

/** Polls DescribeJob every 50 ms until the job is in one of `statuses`. */
export async function until(control: S3ControlClient, jobId: string, statuses: readonly string[], timeoutMs = 25_000): Promise<JobDescriptor> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = await describe(control, jobId);
    if (statuses.includes(job.Status!)) return job;
    if (Date.now() > end) throw new Error(`job is ${job.Status}, expected ${statuses.join('/')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ReportManifest {
  readonly Results: ReadonlyArray<{ TaskExecutionStatus: string; Bucket: string; MD5Checksum: string; Key: string }>;
}

export async function objectText(s3: S3Client, Bucket: string, Key: string): Promise<string> {
  return (await bodyBytes((await s3.send(new GetObjectCommand({ Bucket, Key }))).Body)).toString('utf8');
}

export async function reportManifest(s3: S3Client, jobId: string): Promise<ReportManifest> {
  return JSON.parse(await objectText(s3, 'reports', `out/job-${jobId}/manifest.json`)) as ReportManifest;
}

/** Every row of every result file of the job's report. */
export async function reportRows(s3: S3Client, jobId: string): Promise<string[]> {
  const rows: string[] = [];
  for (const r of (await reportManifest(s3, jobId)).Results) rows.push(...(await objectText(s3, 'reports', r.Key)).split('\n').filter(Boolean));
  return rows;
}

/** Puts `lines` (one record each, `\n`-terminated) as manifests/<key>; returns the Location a job names. */
export async function putCsvManifest(s3: S3Client, lines: readonly string[], key = 'm.csv'): Promise<{ ObjectArn: string; ETag: string }> {
  const body = lines.map((l) => `${l}\n`).join('');
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: key, Body: body }));
  return { ObjectArn: `arn:aws:s3:::manifests/${key}`, ETag: ETag! };
}

export interface CsvJobOptions {
  /** Spec.Fields of the manifest; default Bucket, Key. */
  readonly fields?: ReadonlyArray<'Bucket' | 'Key' | 'VersionId' | 'Ignore'>;
  /** The job's Report; default an AllTasks report under reports/out. */
  readonly report?: JobReport;
  /** Anything else of the CreateJob input (applied last). */
  readonly over?: Parameters<typeof jobInput>[0];
}

/** An AllTasks (or `scope`) report into reports/<prefix>. */
export const reportTo = (prefix = 'out', scope: 'AllTasks' | 'FailedTasksOnly' = 'AllTasks'): JobReport => ({
  Enabled: true,
  Bucket: 'arn:aws:s3:::reports',
  Prefix: prefix,
  Format: 'Report_CSV_20180820',
  ReportScope: scope,
});

/** Puts `lines` as manifests/m.csv and creates a job running `operation` over them; returns the job id. */
export async function createCsvJob(
  s3: S3Client,
  control: S3ControlClient,
  lines: readonly string[],
  operation: JobOperation,
  options: CsvJobOptions = {},
): Promise<string> {
  const Location = await putCsvManifest(s3, lines);
  const { JobId } = await control.send(
    new CreateJobCommand(
      jobInput({
        Operation: operation,
        Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: [...(options.fields ?? ['Bucket', 'Key'])] }, Location },
        Report: options.report ?? reportTo(),
        ...options.over,
      }),
    ),
  );
  return JobId!;
}

/** Runs a CSV-manifest job to its end (Complete, Failed or Cancelled) and returns its descriptor. */
export async function runCsvJob(
  s3: S3Client,
  control: S3ControlClient,
  lines: readonly string[],
  operation: JobOperation,
  options: CsvJobOptions = {},
): Promise<JobDescriptor & { JobId: string }> {
  const jobId = await createCsvJob(s3, control, lines, operation, options);
  const job = await until(control, jobId, ['Complete', 'Failed', 'Cancelled']);
  return { ...job, JobId: jobId };
}

/** Every row of every result file of a report under reports/<prefix>. */
export async function reportRowsAt(s3: S3Client, jobId: string, prefix: string): Promise<string[]> {
  const manifest = JSON.parse(await objectText(s3, 'reports', `${prefix}/job-${jobId}/manifest.json`)) as ReportManifest;
  const rows: string[] = [];
  for (const r of manifest.Results) rows.push(...(await objectText(s3, 'reports', r.Key)).split('\n').filter(Boolean));
  return rows;
}
