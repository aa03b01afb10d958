/**
 * The end of a job: Completing / Failing / Cancelling → completion report → Complete / Failed /
 * Cancelled → chunks deleted. Idempotent, so that a job found in one of those statuses after a
 * crash is simply finalized again (report file names are stable: a rewrite overwrites).
 */
import { Readable } from 'node:stream';
import { jobFailure, type Job, type JobFailure } from '../domain/job.js';
import type { JobStatus } from '../domain/job-status.js';
import { writeCompletionReport, type ReportPart } from '../reports/index.js';
import type { ReportPartStatus } from '../store/job-store.js';
import { moveJob, type EngineContext } from './engine-context.js';
import { classifyFailure, INTERNAL_ERROR_CODE, internalErrorMessage, withRetries } from './retry.js';

const TERMINAL_OF: Partial<Record<JobStatus, JobStatus>> = { Completing: 'Complete', Failing: 'Failed', Cancelling: 'Cancelled' };

export async function finalizeJob(ctx: EngineContext, job: Job): Promise<Job | undefined> {
  const to = TERMINAL_OF[job.status];
  if (!to) return job;
  const reportFailure = await writeReport(ctx, job);
  // As on AWS (reference §3.1, JobReport), a report that cannot be written does not change how
  // the job ends: the tasks ran and are counted. FailureReasons says why the report is missing.
  const failureReasons: JobFailure[] = reportFailure ? [...job.failureReasons, reportFailure] : [...job.failureReasons];
  const done = await moveJob(ctx, job, [job.status], to, { failureReasons });
  if (done) await ctx.store.deleteChunks(job.id);
  return done;
}

/** AWS writes a report when asked and at least one task ran (reference §5.9). */
async function writeReport(ctx: EngineContext, job: Job): Promise<JobFailure | undefined> {
  const ran = job.progress.succeededTasks + job.progress.failedTasks;
  if (!job.spec.Report.Enabled || ran === 0) return undefined;
  const lengths = await ctx.store.reportLength(job.id);
  const part = (status: ReportPartStatus): ReportPart => ({
    length: lengths[status],
    open: () => Readable.from(ctx.store.readReportParts(job.id, status)),
  });
  try {
    await withRetries(() => writeCompletionReport(ctx.s3For(job), job.spec.Report, job.id, { succeeded: part('succeeded'), failed: part('failed') }, ctx.now()), {
      sleep: ctx.sleep,
    });
    return undefined;
  } catch (err) {
    const failure = classifyFailure(err);
    if (failure.kind === 'internal') {
      // A bug of s3batch, tried once: its stack goes to the log, and the reason says whose fault it is.
      ctx.logger.error({ jobId: job.id, err }, 'completion report could not be written: an internal error of s3batch (a bug)');
      return jobFailure(INTERNAL_ERROR_CODE, internalErrorMessage(err, 'writing the job report'));
    }
    ctx.logger.error({ jobId: job.id, err }, 'completion report could not be written');
    return jobFailure('ReportWriteFailed', `The job report could not be written to your report bucket: ${failure.code} (${failure.message})`);
  }
}
