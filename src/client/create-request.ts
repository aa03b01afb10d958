/**
 * A CreateJob request from its parts, with the defaults the s3batch CLI documents: priority 10, a
 * role ARN in the account (s3batch ignores roles; AWS needs one), no confirmation, and a
 * `FailedTasksOnly` report beside the manifest so that a report can always be read back.
 */
import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CreateJobCommandInput, JobManifest, JobManifestFieldName, JobManifestGenerator, JobOperation, JobReport, S3Tag } from '@aws-sdk/client-s3-control';
import { bucketArn, objectArn, trimSlashes, type S3Location } from './s3-url.js';

export const DEFAULT_PRIORITY = 10;

export const defaultRoleArn = (accountId: string): string => `arn:aws:iam::${accountId}:role/s3batch`;

export interface JobRequestParts {
  readonly accountId: string;
  readonly operation: JobOperation;
  /** One of: a manifest, or a generator that lists the objects when the job is created. */
  readonly manifest?: JobManifest;
  readonly manifestGenerator?: JobManifestGenerator;
  readonly report: JobReport;
  readonly priority?: number;
  readonly roleArn?: string;
  readonly description?: string;
  readonly tags?: readonly S3Tag[];
  readonly confirmationRequired?: boolean;
}

export function createJobInput(parts: JobRequestParts): CreateJobCommandInput {
  return {
    AccountId: parts.accountId,
    ConfirmationRequired: parts.confirmationRequired ?? false,
    Operation: parts.operation,
    ...(parts.manifest !== undefined ? { Manifest: parts.manifest } : {}),
    ...(parts.manifestGenerator !== undefined ? { ManifestGenerator: parts.manifestGenerator } : {}),
    Report: parts.report,
    Priority: parts.priority ?? DEFAULT_PRIORITY,
    RoleArn: parts.roleArn ?? defaultRoleArn(parts.accountId),
    ClientRequestToken: randomUUID(),
    ...(parts.description !== undefined ? { Description: parts.description } : {}),
    ...(parts.tags !== undefined && parts.tags.length > 0 ? { Tags: [...parts.tags] } : {}),
  };
}

/** A report to `s3://bucket/prefix`: failed tasks only unless `allTasks`. */
export function reportTo(location: S3Location, allTasks = false): JobReport {
  const prefix = trimSlashes(location.key);
  return {
    Enabled: true,
    Bucket: bucketArn(location.bucket),
    Format: 'Report_CSV_20180820',
    ReportScope: allTasks ? 'AllTasks' : 'FailedTasksOnly',
    ...(prefix !== '' ? { Prefix: prefix } : {}),
  };
}

export const NO_REPORT: JobReport = { Enabled: false };

/** The folder of a manifest object, where its default report goes (`s3batch/manifests/x.csv` → `s3batch`). */
export function besideManifest(manifest: S3Location): S3Location {
  const folder = manifest.key.includes('/') ? manifest.key.slice(0, manifest.key.lastIndexOf('/')) : '';
  const parent = folder === 'manifests' || folder.endsWith('/manifests') ? folder.slice(0, -'manifests'.length) : folder;
  return { bucket: manifest.bucket, key: trimSlashes(parent) === '' ? 'reports' : `${trimSlashes(parent)}/reports` };
}

export type ManifestKind = 'csv' | 'inventory';

/** A manifest that is already in S3: its ETag is looked up (CreateJob requires it). */
export async function existingManifest(s3: S3Client, at: S3Location, kind: ManifestKind, fields: readonly JobManifestFieldName[]): Promise<JobManifest> {
  let etag: string | undefined;
  try {
    etag = (await s3.send(new HeadObjectCommand({ Bucket: at.bucket, Key: at.key }))).ETag;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) {
      throw Object.assign(new Error(`the manifest s3://${at.bucket}/${at.key} does not exist`), { name: 'ManifestInputError' });
    }
    throw err;
  }
  return manifestAt(at, (etag ?? '').replaceAll('"', ''), kind, fields);
}

export function manifestAt(at: S3Location, etag: string, kind: ManifestKind, fields: readonly JobManifestFieldName[]): JobManifest {
  return {
    Spec:
      kind === 'csv'
        ? { Format: 'S3BatchOperations_CSV_20180820', Fields: [...fields] }
        : { Format: 'S3InventoryReport_CSV_20161130' },
    Location: { ObjectArn: objectArn(at), ETag: etag },
  };
}
