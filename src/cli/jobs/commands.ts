/**
 * The job commands other than create and watch: ls, describe, confirm, cancel, priority, tags,
 * report and rerun-failed — each one S3 Control (or S3) call or a few, printed as a table or, with
 * `--json`, with the AWS field names.
 */
import {
  DeleteJobTaggingCommand,
  DescribeJobCommand,
  GetJobTaggingCommand,
  ListJobsCommand,
  PutJobTaggingCommand,
  UpdateJobPriorityCommand,
  UpdateJobStatusCommand,
  type JobDescriptor,
  type JobListDescriptor,
  type JobStatus,
  type S3Tag,
} from '@aws-sdk/client-s3-control';
import type { Connection } from '../../client/connection.js';
import { readReportIndex, reportIndexLocation, reportRows, summarizeReport } from '../../client/report-reader.js';
import { csvLine } from '../../client/csv.js';
import { planRerun, submitRerun } from '../../client/rerun.js';
import { parseS3Url } from '../../client/s3-url.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { count, localTime, percent, type Output } from '../output.js';
import { priorityOf } from './create.js';
import { keyValue } from './operation-flags.js';
import { progressOf, watchJob, type WatchOptions } from './watch.js';

const STATUSES: readonly JobStatus[] = [
  'Active', 'Cancelled', 'Cancelling', 'Complete', 'Completing', 'Failed', 'Failing', 'New', 'Paused', 'Pausing', 'Preparing', 'Ready', 'Suspended',
];

/** The operation of a job, by its CreateJob name. */
export function operationName(job: { Operation?: object }): string {
  return Object.entries(job.Operation ?? {}).find(([, v]) => v !== undefined)?.[0] ?? '';
}

export async function listCommand(conn: Connection, out: Output, statuses: readonly string[], pageSize = 1000): Promise<number> {
  const wanted = statuses.map((s) => {
    const match = STATUSES.find((known) => known.toLowerCase() === s.toLowerCase());
    if (match === undefined) throw new UsageError(`--status is one of ${STATUSES.join(', ')}; not "${s}"`);
    return match;
  });
  const accountId = await conn.accountId();
  const jobs: JobListDescriptor[] = [];
  let token: string | undefined;
  do {
    const page = await conn.control.send(
      new ListJobsCommand({ AccountId: accountId, MaxResults: pageSize, ...(wanted.length > 0 ? { JobStatuses: wanted } : {}), ...(token ? { NextToken: token } : {}) }),
    );
    jobs.push(...(page.Jobs ?? []));
    token = page.NextToken;
  } while (token);
  if (out.json) {
    out.printJson({ Jobs: jobs });
    return EXIT.ok;
  }
  if (jobs.length === 0) {
    out.line(wanted.length > 0 ? `no ${wanted.join(' or ')} jobs` : 'no jobs yet: s3batch jobs create --help shows how to make one');
    return EXIT.ok;
  }
  out.table(
    ['JOB ID', 'STATUS', 'OPERATION', 'PRI', 'PROGRESS', 'FAILED', 'CREATED', 'DESCRIPTION'],
    jobs.map((j) => {
      const p = progressOf(j as JobDescriptor);
      return [
        j.JobId ?? '',
        j.Status ?? '',
        j.Operation ?? '',
        String(j.Priority ?? ''),
        `${count(p.done)}/${count(p.total)} ${percent(p.done, p.total)}`,
        count(p.failed),
        localTime(j.CreationTime),
        clip(j.Description ?? '', 40),
      ];
    }),
  );
  return EXIT.ok;
}

export async function describeCommand(conn: Connection, out: Output, jobId: string): Promise<number> {
  const job = await describe(conn, jobId);
  if (out.json) {
    out.printJson({ Job: job });
    return EXIT.ok;
  }
  const p = progressOf(job);
  const rows: [string, string][] = [
    ['Job', job.JobId ?? ''],
    ['Status', job.Status ?? ''],
    ['Operation', `${operationName(job)} ${JSON.stringify(Object.values(job.Operation ?? {}).find((v) => v !== undefined) ?? {})}`],
    ['Priority', String(job.Priority ?? '')],
    ['Progress', `${count(p.done)}/${count(p.total)} tasks (${percent(p.done, p.total)}), ${count(p.succeeded)} succeeded, ${count(p.failed)} failed`],
    ['Description', job.Description ?? ''],
    ['Created', localTime(job.CreationTime)],
    ['Terminated', localTime(job.TerminationDate)],
    ['Manifest', job.Manifest?.Location?.ObjectArn ?? (job.ManifestGenerator !== undefined ? 'generated' : '')],
    ['Report', job.Report?.Enabled ? `${job.Report.Bucket ?? ''}/${job.Report.Prefix ?? ''} (${job.Report.ReportScope ?? ''})` : 'none'],
    ['Role', job.RoleArn ?? ''],
  ];
  if (job.StatusUpdateReason) rows.push(['Status reason', job.StatusUpdateReason]);
  for (const r of job.FailureReasons ?? []) rows.push(['Failure', `${r.FailureCode ?? ''}: ${r.FailureReason ?? ''}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) if (v !== '') out.line(`${out.color.bold(k.padEnd(width))}  ${v}`);
  return EXIT.ok;
}

export async function statusCommand(conn: Connection, out: Output, jobId: string, to: 'Ready' | 'Cancelled', reason?: string): Promise<number> {
  const accountId = await conn.accountId();
  const answer = await conn.control.send(
    new UpdateJobStatusCommand({ AccountId: accountId, JobId: jobId, RequestedJobStatus: to, ...(reason !== undefined ? { StatusUpdateReason: reason } : {}) }),
  );
  if (out.json) out.printJson({ JobId: answer.JobId, Status: answer.Status, StatusUpdateReason: answer.StatusUpdateReason });
  else out.line(`job ${jobId} is ${answer.Status ?? ''}`);
  return EXIT.ok;
}

export async function priorityCommand(conn: Connection, out: Output, jobId: string, priority: string): Promise<number> {
  const value = priorityOf(priority) ?? 0;
  const accountId = await conn.accountId();
  const answer = await conn.control.send(new UpdateJobPriorityCommand({ AccountId: accountId, JobId: jobId, Priority: value }));
  if (out.json) out.printJson({ JobId: answer.JobId, Priority: answer.Priority });
  else out.line(`job ${jobId} has priority ${answer.Priority ?? value}`);
  return EXIT.ok;
}

/** With no pairs: the tags. With `k=v` pairs: those set (others kept). `--delete`: all removed, or only the keys named. */
export async function tagsCommand(conn: Connection, out: Output, jobId: string, pairs: readonly string[], remove: boolean): Promise<number> {
  const accountId = await conn.accountId();
  const current = async (): Promise<S3Tag[]> => (await conn.control.send(new GetJobTaggingCommand({ AccountId: accountId, JobId: jobId }))).Tags ?? [];
  let tags: S3Tag[];
  if (remove) {
    if (pairs.some((p) => p.includes('='))) throw new UsageError('--delete takes tag keys (or nothing, for every tag), not key=value');
    if (pairs.length === 0) {
      await conn.control.send(new DeleteJobTaggingCommand({ AccountId: accountId, JobId: jobId }));
      tags = [];
    } else {
      tags = (await current()).filter((t) => !pairs.includes(t.Key ?? ''));
      await put(tags);
    }
  } else if (pairs.length > 0) {
    const set = new Map((await current()).map((t) => [t.Key ?? '', t.Value ?? '']));
    for (const p of pairs) {
      const [k, v] = keyValue(p, 'tags');
      set.set(k, v);
    }
    tags = [...set].map(([Key, Value]) => ({ Key, Value }));
    await put(tags);
  } else {
    tags = await current();
  }
  if (out.json) out.printJson({ Tags: tags });
  else if (tags.length === 0) out.line(`job ${jobId} has no tags`);
  else out.table(['KEY', 'VALUE'], tags.map((t) => [t.Key ?? '', t.Value ?? '']));
  return EXIT.ok;

  async function put(next: S3Tag[]): Promise<void> {
    if (next.length === 0) await conn.control.send(new DeleteJobTaggingCommand({ AccountId: accountId, JobId: jobId }));
    else await conn.control.send(new PutJobTaggingCommand({ AccountId: accountId, JobId: jobId, Tags: next }));
  }
}

export async function reportCommand(conn: Connection, out: Output, jobId: string, csv: boolean): Promise<number> {
  const job = await describe(conn, jobId);
  const at = reportIndexLocation(job);
  const index = await readReportIndex(conn.s3, at);
  if (csv) {
    for await (const r of reportRows(conn.s3, index, 'failed')) {
      process.stdout.write(csvLine([r.bucket, r.key, r.versionId, r.taskStatus, r.httpStatus, r.errorCode, r.resultMessage]));
    }
    return EXIT.ok;
  }
  const summary = await summarizeReport(conn.s3, index);
  const p = progressOf(job);
  const scope = job.Report?.ReportScope ?? 'AllTasks';
  if (out.json) {
    out.printJson({ JobId: jobId, Status: job.Status, ReportScope: scope, ProgressSummary: job.ProgressSummary, Report: `s3://${at.bucket}/${at.key}`, TaskStatuses: summary.byStatus, ErrorCodes: summary.byErrorCode, FirstFailures: summary.firstFailures });
    return EXIT.ok;
  }
  out.line(`job ${jobId} ${job.Status ?? ''}: ${count(p.succeeded)} succeeded, ${count(p.failed)} failed of ${count(p.total)} tasks`);
  out.line(`report s3://${at.bucket}/${at.key} (${scope === 'FailedTasksOnly' ? 'failed tasks only' : 'all tasks'})`);
  const codes = Object.entries(summary.byErrorCode).sort((a, b) => b[1] - a[1]);
  if (codes.length === 0) {
    out.line('no failed task in the report');
    return EXIT.ok;
  }
  out.line();
  out.table(['ERROR CODE', 'TASKS'], codes.map(([code, n]) => [code === '' ? '(none)' : code, count(n)]));
  out.line();
  out.line(out.color.bold(summary.firstFailures.length === 1 ? "the failed task:" : `the first ${summary.firstFailures.length} failed tasks:`));
  out.table(
    ['BUCKET', 'KEY', 'VERSION', 'HTTP', 'CODE', 'MESSAGE'],
    summary.firstFailures.map((r) => [r.bucket, clip(readableKey(r.key), 50), r.versionId, r.httpStatus, r.errorCode, clip(r.resultMessage, 60)]),
  );
  out.line(`every failed row: s3batch jobs report ${jobId} --csv   run them again: s3batch jobs rerun-failed ${jobId}`);
  return EXIT.ok;
}

export interface RerunFlags {
  readonly manifestTo?: string;
  readonly confirmationRequired?: boolean;
  readonly priority?: string;
  readonly description?: string;
  readonly dryRun?: boolean;
  readonly watch?: boolean;
  readonly quiet?: boolean;
}

export async function rerunCommand(conn: Connection, out: Output, jobId: string, flags: RerunFlags, watch: WatchOptions): Promise<number> {
  if (flags.quiet && (flags.watch || flags.dryRun || out.json)) throw new UsageError('--quiet prints only the new job\'s id: it goes with neither --watch, --dry-run nor --json');
  const accountId = await conn.accountId();
  const priority = priorityOf(flags.priority);
  const plan = await planRerun(conn.control, conn.s3, accountId, jobId, {
    ...(flags.manifestTo !== undefined ? { manifestTo: parseS3Url(flags.manifestTo, '--manifest-to') } : {}),
    ...(flags.confirmationRequired ? { confirmationRequired: true } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
  });
  try {
    const note = plan.cancelled ? `job ${jobId} was cancelled: the tasks it never ran are in no report and are not run again` : undefined;
    if (note !== undefined) process.stderr.write(`${note}\n`);
    if (flags.dryRun) {
      out.printJson(plan.request);
      return EXIT.ok;
    }
    const JobId = await submitRerun(conn.control, conn.s3, plan);
    if (flags.quiet) out.line(JobId);
    else if (out.json && !flags.watch) out.printJson({ JobId, NumberOfTasks: plan.manifest.rows });
    else if (!out.json) out.line(`${out.color.green('created job')} ${JobId} over the ${count(plan.manifest.rows)} failed tasks of ${jobId}`);
    if (!flags.watch) return EXIT.ok;
    return await watchJob(conn, accountId, JobId, out, watch);
  } finally {
    await plan.manifest.dispose();
  }
}

async function describe(conn: Connection, jobId: string): Promise<JobDescriptor> {
  const accountId = await conn.accountId();
  const { Job } = await conn.control.send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId }));
  if (Job === undefined) throw new CliError(`DescribeJob answered no job for ${jobId}`);
  return Job;
}

/** A manifest key as a person reads it: URL-decoded (`+` is a space), or as it is when it does not decode. */
function readableKey(key: string): string {
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    return key;
  }
}

function clip(text: string, max: number): string {
  const chars = [...text.replace(/[\r\n\t]/g, ' ')];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
