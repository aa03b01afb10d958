/**
 * Writes a job's completion report exactly as AWS lays it out (reference §5.9):
 *
 *   <Prefix>/job-<id>/results/<40 hex>.csv   one file per status that has rows (succeeded, failed)
 *   <Prefix>/job-<id>/manifest.json          the index: Format, ReportCreationDate, Results, ReportSchema
 *   <Prefix>/job-<id>/manifest.json.md5      MD5 hex of manifest.json (32 characters, no newline)
 *
 * Result files are streamed from the parts the engine assembled (their byte length known up
 * front), their MD5 computed on the way. Their names are SHA-1(`<jobId>/<status>`): the same on
 * every attempt, so rewriting a report after a crash overwrites it and never leaves a second file.
 * manifest.json is written after the result files it lists, and its sidecar last.
 *
 * Decisions where the reference is silent: trailing slashes of Prefix are dropped (`reports/`
 * and `reports` both give `reports/job-<id>/…`); manifest.json is compact JSON with the members
 * in the documented order. Report.ExpectedBucketOwner goes out with every write
 * (x-amz-expected-bucket-owner), so that a report bucket owned by another account is refused by
 * the store (403 AccessDenied) before anything is written to it. Failures are the port's
 * S3PortErrors (e.g. NoSuchBucket, AccessDenied), for the engine to retry or turn into a
 * FailureReason.
 */
import { createHash } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { createMd5Tap } from '../lib/md5-tap.js';
import { parseBucketArn } from '../domain/arn.js';
import type { JobReport } from '../domain/job-spec.js';
import type { S3Port } from '../s3/s3-port.js';
import type { TaskExecutionStatus } from './report-row.js';

export const REPORT_FORMAT = 'Report_CSV_20180820';
/** Verbatim from AWS, although the CSV rows put HTTPStatusCode before ErrorCode. */
export const REPORT_SCHEMA = 'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage';

/** The rows of one status, concatenated formatReportRow lines. */
export interface ReportPart {
  /** Its size in bytes (the Content-Length of the upload); 0 = no rows, no file. */
  readonly length: number;
  /** A fresh stream of exactly `length` bytes (called once per write attempt). */
  open(): Readable;
}

export interface ReportParts {
  readonly succeeded: ReportPart;
  readonly failed: ReportPart;
}

export interface ReportResultFile {
  /** Its key in the report bucket. */
  readonly key: string;
  readonly taskExecutionStatus: TaskExecutionStatus;
  /** MD5 hex of its bytes. */
  readonly md5: string;
}

export interface WrittenReport {
  readonly manifestKey: string;
  readonly results: ReportResultFile[];
}

/** Where a job's report goes: bucket name and the `…/job-<id>/` key prefix. */
export function reportLocation(report: JobReport, jobId: string): { bucket: string; jobPrefix: string } {
  const arn = report.Bucket === undefined ? undefined : parseBucketArn(report.Bucket);
  if (!arn) throw new TypeError(`The report bucket ${String(report.Bucket)} is not a bucket ARN (arn:aws:s3:::bucket)`);
  const prefix = (report.Prefix ?? '').replace(/\/+$/, '');
  return { bucket: arn.bucket, jobPrefix: `${prefix === '' ? '' : `${prefix}/`}job-${jobId}/` };
}

/** `<jobPrefix>results/<sha1(jobId/status)>.csv` */
export function resultFileKey(jobPrefix: string, jobId: string, status: TaskExecutionStatus): string {
  return `${jobPrefix}results/${createHash('sha1').update(`${jobId}/${status}`).digest('hex')}.csv`;
}

export async function writeCompletionReport(
  s3: S3Port,
  report: JobReport,
  jobId: string,
  parts: ReportParts,
  nowMs: number,
): Promise<WrittenReport> {
  const { bucket, jobPrefix } = reportLocation(report, jobId);
  const owner = report.ExpectedBucketOwner !== undefined ? { expectedBucketOwner: report.ExpectedBucketOwner } : {};
  const statuses: TaskExecutionStatus[] = report.ReportScope === 'FailedTasksOnly' ? ['failed'] : ['succeeded', 'failed'];
  const results: ReportResultFile[] = [];
  for (const status of statuses) {
    const part = parts[status];
    if (part.length <= 0) continue;
    const key = resultFileKey(jobPrefix, jobId, status);
    const md5 = await uploadPart(s3, bucket, key, part, status, owner);
    results.push({ key, taskExecutionStatus: status, md5 });
  }

  const manifest = {
    Format: report.Format ?? REPORT_FORMAT,
    ReportCreationDate: new Date(nowMs).toISOString(),
    Results: results.map((r) => ({ TaskExecutionStatus: r.taskExecutionStatus, Bucket: bucket, MD5Checksum: r.md5, Key: r.key })),
    ReportSchema: REPORT_SCHEMA,
  };
  const body = Buffer.from(JSON.stringify(manifest), 'utf8');
  const manifestKey = `${jobPrefix}manifest.json`;
  await s3.putObject({ bucket, key: manifestKey }, body, { contentType: 'application/json', contentLength: body.length, ...owner });
  const md5 = Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8');
  await s3.putObject({ bucket, key: `${manifestKey}.md5` }, md5, { contentType: 'text/plain', contentLength: md5.length, ...owner });
  return { manifestKey, results };
}

/** Streams one part to S3 with its known length; returns the MD5 hex of what was sent. */
async function uploadPart(
  s3: S3Port,
  bucket: string,
  key: string,
  part: ReportPart,
  status: TaskExecutionStatus,
  owner: { expectedBucketOwner?: string },
): Promise<string> {
  const tap = createMd5Tap();
  const source = part.open();
  pipeline(source, tap, () => {});
  try {
    await s3.putObject({ bucket, key }, tap, { contentType: 'text/csv', contentLength: part.length, ...owner });
  } finally {
    if (!source.destroyed) source.destroy();
    if (!tap.destroyed) tap.destroy();
  }
  if (tap.bytes !== part.length) {
    throw new Error(`The ${status} report part streamed ${tap.bytes} bytes, not the ${part.length} it announced`);
  }
  return tap.digestHex();
}
