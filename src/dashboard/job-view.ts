/**
 * What the dashboard's API answers about a job: DescribeJob's content in JSON, with the names the
 * pages use, and the list cursor. Internal (it may change with the pages).
 */
import { elapsedActiveSeconds, type Job } from '../domain/job.js';
import type { JobCursor } from '../store/job-store.js';
import type { JobDetailView, JobSummaryView } from './api-types.js';

export function operationOf(job: Job): { name: string; parameters: unknown } {
  const [name, parameters] = Object.entries(job.spec.Operation).find(([, v]) => v !== undefined) ?? ['', undefined];
  return { name, parameters };
}

export function summaryView(job: Job, nowMs: number): JobSummaryView {
  const p = job.progress;
  return {
    id: job.id,
    description: job.spec.Description ?? '',
    status: job.status,
    priority: job.priority,
    operation: operationOf(job).name,
    createdMs: job.createdMs,
    terminationMs: job.terminationMs,
    totalTasks: p.totalTasks,
    succeededTasks: p.succeededTasks,
    failedTasks: p.failedTasks,
    elapsedSeconds: elapsedActiveSeconds(p, nowMs),
  };
}

export function detailView(job: Job, nowMs: number): JobDetailView {
  const spec = job.spec;
  return {
    ...summaryView(job, nowMs),
    arn: job.arn,
    roleArn: spec.RoleArn,
    confirmationRequired: spec.ConfirmationRequired,
    requestedPriority: spec.Priority,
    operationParameters: operationOf(job).parameters ?? null,
    manifest: spec.Manifest ?? null,
    manifestGenerator: spec.ManifestGenerator ?? null,
    generatedManifest: job.generatedManifest,
    report: spec.Report,
    tags: job.tags,
    failureReasons: job.failureReasons,
    suspendedMs: job.suspendedMs,
    suspendedCause: job.suspendedCause,
    statusUpdateReason: job.statusUpdateReason,
    updatedMs: job.updatedMs,
  };
}

export function encodeCursor(job: Job): string {
  return Buffer.from(JSON.stringify([job.createdMs, job.id])).toString('base64url');
}

/** The cursor a page handed out, or undefined when `text` is not one. */
export function decodeCursor(text: string): JobCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string' && value[1].length <= 64) {
      return { createdMs: value[0] as number, id: value[1] };
    }
  } catch {
    // not base64url JSON: not a cursor
  }
  return undefined;
}
