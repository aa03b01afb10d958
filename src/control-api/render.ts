/** Responses of the jobs API, as the SDKs parse them (reference §4.2, §4.3). */
import { elapsedActiveSeconds, type Job } from '../domain/job.js';
import { operationName } from '../domain/job-spec.js';
import type { XmlOutElement } from '../lib/xml.js';
import { renderJobSpec } from './model/index.js';

export const S3_CONTROL_NS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';

const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

function progressSummary(job: Job, nowMs: number): XmlOutElement {
  const p = job.progress;
  return {
    TotalNumberOfTasks: p.totalTasks,
    NumberOfTasksSucceeded: p.succeededTasks,
    NumberOfTasksFailed: p.failedTasks,
    Timers: { ElapsedTimeInActiveSeconds: elapsedActiveSeconds(p, nowMs) },
  };
}

export function renderJobDescriptor(job: Job, nowMs: number): XmlOutElement {
  const spec = renderJobSpec(job.spec);
  const generated = job.generatedManifest;
  return {
    JobId: job.id,
    ConfirmationRequired: job.spec.ConfirmationRequired,
    Description: job.spec.Description,
    JobArn: job.arn,
    Status: job.status,
    Manifest: spec.Manifest,
    Operation: spec.Operation,
    Priority: job.priority,
    ProgressSummary: progressSummary(job, nowMs),
    StatusUpdateReason: job.statusUpdateReason ?? undefined,
    FailureReasons: job.failureReasons.length
      ? { member: job.failureReasons.map((f) => ({ FailureCode: f.FailureCode, FailureReason: f.FailureReason })) }
      : undefined,
    Report: spec.Report,
    CreationTime: iso(job.createdMs),
    TerminationDate: iso(job.terminationMs),
    RoleArn: job.spec.RoleArn,
    SuspendedDate: iso(job.suspendedMs),
    SuspendedCause: job.suspendedCause ?? undefined,
    ManifestGenerator: spec.ManifestGenerator,
    GeneratedManifestDescriptor: generated
      ? {
          Format: generated.Format,
          Location: {
            ObjectArn: generated.Location.ObjectArn,
            ObjectVersionId: generated.Location.ObjectVersionId,
            ETag: generated.Location.ETag,
          },
        }
      : undefined,
  };
}

export function renderJobListDescriptor(job: Job, nowMs: number): XmlOutElement {
  return {
    JobId: job.id,
    Description: job.spec.Description,
    Operation: operationName(job.spec.Operation),
    Priority: job.priority,
    Status: job.status,
    CreationTime: iso(job.createdMs),
    TerminationDate: iso(job.terminationMs),
    ProgressSummary: progressSummary(job, nowMs),
  };
}

/** Wraps a result element with the S3 Control namespace. */
export function result(name: string, body: XmlOutElement): XmlOutElement {
  return { [name]: { '@xmlns': S3_CONTROL_NS, ...body } };
}
