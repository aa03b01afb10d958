/** A completion report's row as a reader sees it, in the column order AWS writes. */
export interface ReportRow {
  readonly bucket: string;
  /** As the manifest had it (URL-encoded for CSV and Inventory manifests). */
  readonly key: string;
  readonly versionId: string;
  readonly taskStatus: string;
  readonly httpStatus: string;
  readonly errorCode: string;
  readonly resultMessage: string;
}
