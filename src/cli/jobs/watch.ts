/**
 * `s3batch jobs watch`: a running job followed live. On a terminal, a progress bar redrawn in
 * place (cli-progress): done/total, percent, tasks/s, ETA and failures; otherwise a plain line
 * on each status change and every few seconds. It ends with the final status and returns the
 * job's exit code (0 Complete without failures, 3 with, 4 Failed, 5 Cancelled).
 */
import { DescribeJobCommand, type JobDescriptor } from '@aws-sdk/client-s3-control';
import cliProgress from 'cli-progress';
import type { Connection } from '../../client/connection.js';
import { bucketOfArn, trimSlashes } from '../../client/s3-url.js';
import { CliError, jobExitCode } from '../errors.js';
import { count, duration, percent, rate, type Output } from '../output.js';

export interface WatchOptions {
  /** How often DescribeJob is asked. */
  readonly pollMs: number;
  /** Without a terminal: a line at least this often while the job runs. */
  readonly lineEveryMs: number;
}

const FINAL = new Set(['Complete', 'Failed', 'Cancelled']);
const RATE_WINDOW_MS = 10_000;

interface Sample {
  readonly at: number;
  readonly done: number;
}

/** Tasks/s over the last few seconds, and the ETA it gives. */
class Speed {
  private readonly samples: Sample[] = [];
  add(done: number, at = Date.now()): void {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - (this.samples[0]?.at ?? at) > RATE_WINDOW_MS) this.samples.shift();
  }
  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 500) return 0;
    return ((last.done - first.done) * 1000) / (last.at - first.at);
  }
}

export function progressOf(job: JobDescriptor): { done: number; total: number; failed: number; succeeded: number } {
  const p = job.ProgressSummary ?? {};
  const succeeded = p.NumberOfTasksSucceeded ?? 0;
  const failed = p.NumberOfTasksFailed ?? 0;
  return { done: succeeded + failed, total: p.TotalNumberOfTasks ?? 0, failed, succeeded };
}

/** What a job is doing, in words, for a status that is not "running tasks". */
function statusNote(job: JobDescriptor): string {
  switch (job.Status) {
    case 'New':
    case 'Preparing': {
      const source = job.ManifestGenerator?.S3JobManifestGenerator?.SourceBucket;
      if (source === undefined) return 'reading the manifest';
      return `listing s3://${bucketOfArn(source)}: ${count(job.ProgressSummary?.TotalNumberOfTasks ?? 0)} objects so far`;
    }
    case 'Suspended':
      return `waiting for confirmation: s3batch jobs confirm ${job.JobId}`;
    case 'Ready':
      return 'waiting for its turn';
    case 'Paused':
      return 'a job of higher priority runs first';
    default:
      return '';
  }
}

export async function watchJob(conn: Connection, accountId: string, jobId: string, out: Output, options: WatchOptions): Promise<number> {
  const speed = new Speed();
  const bar = !out.json && out.tty ? new LiveBar() : undefined;
  let lastStatus: string | undefined;
  let lastLine = 0;
  let job: JobDescriptor | undefined;
  for (;;) {
    const answer = await conn.control.send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId }));
    job = answer.Job;
    if (job === undefined) throw new CliError(`DescribeJob answered no job for ${jobId}`);
    const progress = progressOf(job);
    speed.add(progress.done);
    const status = job.Status ?? 'Unknown';
    const perSecond = speed.perSecond();
    const remaining = progress.total - progress.done;
    const eta = perSecond > 0 ? duration(remaining / perSecond) : '-';
    bar?.show(status, progress, rate(perSecond), eta, statusNote(job));
    if (FINAL.has(status)) break;
    if (!bar && !out.json) {
      const now = Date.now();
      if (status !== lastStatus || now - lastLine >= options.lineEveryMs) {
        const note = statusNote(job);
        out.line(
          note !== '' && progress.done === 0
            ? `${status}: ${note}`
            : `${status}: ${count(progress.done)}/${count(progress.total)} tasks (${percent(progress.done, progress.total)}), ${rate(perSecond)}, ETA ${eta}, ${count(progress.failed)} failed`,
        );
        lastLine = now;
      }
    }
    lastStatus = status;
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
  bar?.stop();
  if (out.json) out.printJson({ Job: job });
  else printEnd(job, out);
  return jobExitCode(job);
}

function printEnd(job: JobDescriptor, out: Output): void {
  const p = progressOf(job);
  const elapsed = job.ProgressSummary?.Timers?.ElapsedTimeInActiveSeconds;
  const paint = job.Status === 'Complete' && p.failed === 0 ? out.color.green : job.Status === 'Complete' ? out.color.yellow : out.color.red;
  out.line(
    `${paint(job.Status ?? '')}: ${count(p.succeeded)} succeeded, ${count(p.failed)} failed of ${count(p.total)} tasks${
      elapsed !== undefined ? ` in ${duration(elapsed)}` : ''
    }`,
  );
  for (const reason of job.FailureReasons ?? []) out.line(`  ${reason.FailureCode ?? ''}: ${reason.FailureReason ?? ''}`);
  const report = job.Report;
  if (report?.Enabled && report.Bucket !== undefined && job.Status !== 'Failed') {
    const prefix = trimSlashes(report.Prefix ?? '');
    out.line(`report: s3://${bucketOfArn(report.Bucket)}/${prefix === '' ? '' : `${prefix}/`}job-${job.JobId}/`);
  }
  if (p.failed > 0) out.line(`the failures: s3batch jobs report ${job.JobId}   run them again: s3batch jobs rerun-failed ${job.JobId}`);
}

/** The bar on a terminal; between tasks it shows what the job is waiting for. */
class LiveBar {
  private readonly bar = new cliProgress.SingleBar(
    {
      stream: process.stdout,
      hideCursor: false,
      clearOnComplete: false,
      fps: 8,
      barsize: 30,
      format: (options, params, payload: { status: string; speed: string; eta: string; failed: string; note: string }) => {
        const size = options.barsize ?? 30;
        const filled = Math.max(0, Math.min(size, Math.round(params.progress * size)));
        const bar = `${(options.barCompleteString ?? '█').slice(0, filled)}${(options.barIncompleteString ?? '░').slice(0, size - filled)}`;
        if (payload.note !== '' && params.value === 0) return `${payload.status.padEnd(10)} ${bar} ${payload.note}`;
        return `${payload.status.padEnd(10)} ${bar} ${percent(params.value, params.total).padStart(4)} ${count(params.value)}/${count(params.total)} | ${payload.speed} | ETA ${payload.eta} | ${payload.failed} failed`;
      },
    },
    cliProgress.Presets.shades_classic,
  );
  private started = false;

  show(status: string, progress: { done: number; total: number; failed: number }, speed: string, eta: string, note: string): void {
    const payload = { status, speed, eta, failed: count(progress.failed), note };
    if (!this.started) {
      this.bar.start(Math.max(progress.total, 0), progress.done, payload);
      this.started = true;
      return;
    }
    this.bar.setTotal(Math.max(progress.total, 0));
    this.bar.update(progress.done, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}
