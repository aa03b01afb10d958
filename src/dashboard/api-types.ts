/**
 * The shapes the dashboard's internal API answers with: the one definition the server (src/dashboard)
 * and the pages (ui/) both compile against. Types only (and the domain's report row).
 */

export interface JobSummaryView {
  readonly id: string;
  readonly description: string;
  readonly status: string;
  readonly priority: number;
  readonly operation: string;
  readonly createdMs: number;
  readonly terminationMs: number | null;
  readonly totalTasks: number;
  readonly succeededTasks: number;
  readonly failedTasks: number;
  readonly elapsedSeconds: number;
}

export interface JobDetailView extends JobSummaryView {
  readonly arn: string;
  readonly roleArn: string;
  readonly confirmationRequired: boolean;
  readonly requestedPriority: number;
  readonly operationParameters: unknown;
  readonly manifest: unknown;
  readonly manifestGenerator: unknown;
  readonly generatedManifest: unknown;
  readonly report: unknown;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  readonly failureReasons: readonly { readonly FailureCode: string; readonly FailureReason: string }[];
  readonly suspendedMs: number | null;
  readonly suspendedCause: string | null;
  readonly statusUpdateReason: string | null;
  readonly updatedMs: number;
}

export interface JobsPage {
  readonly jobs: readonly JobSummaryView[];
  /** The cursor of the next (older) page, or null on the last. */
  readonly next: string | null;
}

export interface SessionView {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly csrfToken: string;
  readonly idleExpiresMs: number;
  readonly absoluteExpiresMs: number;
}

export interface ReportFile {
  readonly status: string;
  readonly bucket: string;
  readonly key: string;
}

export interface ReportFiles {
  readonly index: ReportFile;
  readonly results: readonly ReportFile[];
}

/** A report row, in AWS's column order (the one type the CLI's report reader also uses). */
export type { ReportRow as ReportRowView } from '../domain/report-row.js';
import type { ReportRow as ReportRowView } from '../domain/report-row.js';

export interface FailedRowsPage {
  readonly total: number;
  readonly byErrorCode: Readonly<Record<string, number>>;
  readonly rows: readonly ReportRowView[];
}

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

// The bucket browser and the create-job wizard (src/dashboard/buckets-api.ts).

export interface BucketView {
  readonly name: string;
  readonly createdMs: number;
}

export interface BucketObjectView {
  readonly key: string;
  readonly size: number;
  readonly lastModifiedMs: number;
  readonly storageClass: string;
  readonly etag: string;
}

/** One level of a bucket under a prefix: its "folders" (common prefixes by "/") and objects. */
export interface BucketObjectsPage {
  readonly bucket: string;
  readonly prefix: string;
  readonly prefixes: readonly string[];
  readonly objects: readonly BucketObjectView[];
  /** The continuation token of the next page, or null on the last. */
  readonly next: string | null;
}

export interface ObjectDetails {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly contentType: string;
  readonly lastModifiedMs: number;
  readonly storageClass: string;
  readonly versionId: string | null;
  readonly encryption: string | null;
  readonly kmsKeyId: string | null;
  readonly legalHold: string | null;
  readonly retention: { readonly mode: string; readonly retainUntil: string | null } | null;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  readonly versions: readonly { readonly versionId: string; readonly size: number; readonly lastModifiedMs: number; readonly isLatest: boolean }[];
}

export interface MadeManifest {
  readonly bucket: string;
  readonly key: string;
  readonly objectArn: string;
  readonly etag: string;
  readonly rows: number;
  readonly fields: readonly string[];
}
