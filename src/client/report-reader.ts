/**
 * Reading a job's completion report back, as AWS lays it out (`<Prefix>/job-<id>/manifest.json`
 * listing result CSV files per task status): the index, then the rows of its files streamed, so a
 * report of any size is read in constant memory. Shared by `jobs report` and `rerun-failed`.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JobDescriptor } from '@aws-sdk/client-s3-control';
import { parse } from 'csv-parse';
import type { ReportRow } from '../domain/report-row.js';
import { bucketOfArn, trimSlashes, type S3Location } from './s3-url.js';

export type ReportTaskStatus = 'succeeded' | 'failed';

export interface ReportIndex {
  readonly Format: string;
  readonly ReportCreationDate?: string;
  readonly ReportSchema?: string;
  readonly Results: readonly { readonly TaskExecutionStatus: ReportTaskStatus; readonly Bucket: string; readonly Key: string; readonly MD5Checksum?: string }[];
}

/** A report row, in the column order AWS writes: Bucket,Key,VersionId,TaskStatus,HTTPStatusCode,ErrorCode,ResultMessage. */
export type { ReportRow };

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

/** Where a job's report index is, or why there is none to read. */
export function reportIndexLocation(job: JobDescriptor): S3Location {
  const report = job.Report;
  if (!report?.Enabled || report.Bucket === undefined) throw new ReportError(`job ${job.JobId} was created without a completion report`);
  const prefix = trimSlashes(report.Prefix ?? '');
  return { bucket: bucketOfArn(report.Bucket), key: `${prefix === '' ? '' : `${prefix}/`}job-${job.JobId}/manifest.json` };
}

export async function readReportIndex(s3: S3Client, at: S3Location): Promise<ReportIndex> {
  let text: string;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }));
    text = (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') {
      throw new ReportError(`the report's manifest s3://${at.bucket}/${at.key} does not exist (yet): a report is written when the job ends`);
    }
    throw err;
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch {
    throw new ReportError(`s3://${at.bucket}/${at.key} is not a report manifest (not JSON)`);
  }
  if (typeof index !== 'object' || index === null || !Array.isArray((index as ReportIndex).Results)) {
    throw new ReportError(`s3://${at.bucket}/${at.key} is not a report manifest (it has no Results)`);
  }
  return index as ReportIndex;
}

/** The rows of the index's result files with the given status (every file when none is given). */
export async function* reportRows(s3: S3Client, index: ReportIndex, status?: ReportTaskStatus): AsyncGenerator<ReportRow> {
  for (const file of index.Results) {
    if (status !== undefined && file.TaskExecutionStatus !== status) continue;
    const out = await s3.send(new GetObjectCommand({ Bucket: file.Bucket, Key: file.Key }));
    const parser = (out.Body as Readable).pipe(parse({ relax_column_count: true, skip_empty_lines: true }));
    for await (const record of parser as AsyncIterable<string[]>) {
      const [bucket = '', key = '', versionId = '', taskStatus = '', httpStatus = '', errorCode = '', resultMessage = ''] = record;
      yield { bucket, key, versionId, taskStatus, httpStatus, errorCode, resultMessage };
    }
  }
}

export interface ReportSummary {
  readonly byStatus: Readonly<Record<string, number>>;
  /** Failed rows by error code ('' when a failure has none). */
  readonly byErrorCode: Readonly<Record<string, number>>;
  readonly firstFailures: readonly ReportRow[];
}

export async function summarizeReport(s3: S3Client, index: ReportIndex, keepFailures = 10): Promise<ReportSummary> {
  const byStatus: Record<string, number> = {};
  const byErrorCode: Record<string, number> = {};
  const firstFailures: ReportRow[] = [];
  for await (const row of reportRows(s3, index)) {
    byStatus[row.taskStatus] = (byStatus[row.taskStatus] ?? 0) + 1;
    if (row.taskStatus === 'failed') {
      byErrorCode[row.errorCode] = (byErrorCode[row.errorCode] ?? 0) + 1;
      if (firstFailures.length < keepFailures) firstFailures.push(row);
    }
  }
  return { byStatus, byErrorCode, firstFailures };
}
