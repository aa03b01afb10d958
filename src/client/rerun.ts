/**
 * "Run the failed tasks again": a new job with the same operation, report, priority, role and tags
 * as a finished job, over exactly the failed rows of its completion report, written as a CSV
 * manifest. Tasks a cancelled job never started are in no report, so they are not run again.
 * The one implementation behind `s3batch jobs rerun-failed` (and the dashboard's button).
 */
import { CreateJobCommand, DescribeJobCommand, GetJobTaggingCommand, type CreateJobCommandInput, type JobDescriptor, type S3ControlClient } from '@aws-sdk/client-s3-control';
import type { S3Client } from '@aws-sdk/client-s3';
import { createJobInput, manifestAt } from './create-request.js';
import { newManifestKey, uploadManifest, writeManifestFile, type ManifestFile, type ManifestRow } from './manifest-writer.js';
import { readReportIndex, reportIndexLocation, reportRows, ReportError, type ReportIndex } from './report-reader.js';
import { bucketOfArn, trimSlashes, type S3Location } from './s3-url.js';

const FINISHED = new Set(['Complete', 'Failed', 'Cancelled']);
const DESCRIPTION_LIMIT = 256;

export interface RerunPlan {
  readonly job: JobDescriptor;
  readonly request: CreateJobCommandInput;
  readonly manifest: ManifestFile;
  readonly manifestAt: S3Location;
  /** The original job was cancelled: the tasks it never ran are not in this job. */
  readonly cancelled: boolean;
}

export interface RerunOptions {
  readonly manifestTo?: S3Location;
  readonly confirmationRequired?: boolean;
  readonly priority?: number;
  readonly description?: string;
}

/** Reads the job and its report and writes the manifest (not uploaded yet: see `submitRerun`). */
export async function planRerun(control: S3ControlClient, s3: S3Client, accountId: string, jobId: string, options: RerunOptions = {}): Promise<RerunPlan> {
  const { Job: job } = await control.send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId }));
  if (job === undefined) throw new ReportError(`DescribeJob answered no job for ${jobId}`);
  if (!FINISHED.has(job.Status ?? '')) {
    throw new ReportError(`job ${jobId} is ${job.Status}: its failed tasks can be run again once it has ended (Complete, Failed or Cancelled)`);
  }
  if (job.Operation === undefined) throw new ReportError(`job ${jobId} has no operation to run again`);
  const index = await readReportIndex(s3, reportIndexLocation(job));
  const versioned = await anyVersion(s3, index);
  const rows = (async function* (): AsyncGenerator<ManifestRow> {
    for await (const row of reportRows(s3, index, 'failed')) {
      yield { bucket: row.bucket, encodedKey: row.key, ...(versioned ? { versionId: row.versionId } : {}) };
    }
  })();
  const manifest = await writeManifestFile(rows, { versioned }).catch((err: unknown) => {
    if ((err as Error).name === 'ManifestInputError') throw new ReportError(`job ${jobId} has no failed task to run again`);
    throw err;
  });
  const report = job.Report;
  const base: S3Location =
    options.manifestTo ?? { bucket: bucketOfArn(report?.Bucket ?? ''), key: `${trimSlashes(report?.Prefix ?? '') === '' ? '' : `${trimSlashes(report?.Prefix ?? '')}/`}manifests/` };
  const at = { bucket: base.bucket, key: newManifestKey(base.key) };
  const { Tags } = await control.send(new GetJobTaggingCommand({ AccountId: accountId, JobId: jobId }));
  const description = options.description ?? `Failed tasks of ${jobId}${job.Description ? `: ${job.Description}` : ''}`;
  const request = createJobInput({
    accountId,
    operation: job.Operation,
    manifest: manifestAt(at, manifest.md5, 'csv', manifest.fields),
    report: report ?? { Enabled: false },
    priority: options.priority ?? job.Priority ?? 10,
    ...(job.RoleArn !== undefined ? { roleArn: job.RoleArn } : {}),
    description: [...description].slice(0, DESCRIPTION_LIMIT).join(''),
    tags: Tags ?? [],
    confirmationRequired: options.confirmationRequired ?? false,
  });
  return { job, request, manifest, manifestAt: at, cancelled: job.Status === 'Cancelled' };
}

/** Uploads the plan's manifest and names its real ETag in the request. */
export async function uploadRerunManifest(s3: S3Client, plan: RerunPlan): Promise<CreateJobCommandInput> {
  const { etag } = await uploadManifest(s3, plan.manifest, plan.manifestAt);
  return { ...plan.request, Manifest: { ...plan.request.Manifest, Location: { ...plan.request.Manifest?.Location, ETag: etag } } } as CreateJobCommandInput;
}

/**
 * Uploads the plan's manifest and creates the job: what `rerun-failed` and the dashboard's
 * "Re-run failed tasks" both do, so both make the same job. Returns the new job's id.
 */
export async function submitRerun(control: S3ControlClient, s3: S3Client, plan: RerunPlan): Promise<string> {
  const request = await uploadRerunManifest(s3, plan);
  const { JobId } = await control.send(new CreateJobCommand(request));
  if (JobId === undefined) throw new ReportError('CreateJob answered no JobId');
  return JobId;
}

async function anyVersion(s3: S3Client, index: ReportIndex): Promise<boolean> {
  for await (const row of reportRows(s3, index, 'failed')) {
    if (row.versionId !== '') return true;
  }
  return false;
}
