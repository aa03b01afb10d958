/**
 * One row of a completion report's result CSV (reference §5.9): no header, RFC 4180 quoting only
 * where a value needs it, columns in the order AWS actually writes them —
 * `Bucket,Key,VersionId,TaskStatus,HTTPStatusCode,ErrorCode,ResultMessage` (HTTP status before the
 * error code, although manifest.json's ReportSchema lists them the other way round).
 */
import { csvCell } from '../lib/csv-cell.js';

export interface ReportTask {
  readonly bucket: string;
  /** The key as the manifest had it (URL-encoded): ManifestTask.rawKey. */
  readonly rawKey: string;
  /** Echoed as given ('null' included); empty when absent (and for a task with a missing VersionId). */
  readonly versionId?: string;
}

export type TaskExecutionStatus = 'succeeded' | 'failed';

export interface TaskResult {
  readonly status: TaskExecutionStatus;
  /** The HTTP status of the task's S3 call (200 for success; 0 when no answer arrived). */
  readonly httpStatus: number;
  /** S3's error code for failures (NoSuchKey, AccessDenied, InvalidRequest…); empty for success. */
  readonly errorCode?: string;
  /** `Successful` for a succeeded S3 operation (SUCCESS_MESSAGE); the error message for failures. */
  readonly message: string;
}

/** ResultMessage of a succeeded S3 operation. */
export const SUCCESS_MESSAGE = 'Successful';

export { csvCell };

/** One report line, `\n`-terminated. */
export function formatReportRow(task: ReportTask, result: TaskResult): string {
  return `${csvCell(task.bucket)},${csvCell(task.rawKey)},${csvCell(task.versionId ?? '')},${result.status},${result.httpStatus},${csvCell(
    result.errorCode ?? '',
  )},${csvCell(result.message)}\n`;
}
