/** Completion reports (reference §5.9): result rows and the report files. */
export { csvCell, formatReportRow, SUCCESS_MESSAGE, type ReportTask, type TaskExecutionStatus, type TaskResult } from './report-row.js';
export {
  REPORT_FORMAT,
  REPORT_SCHEMA,
  reportLocation,
  resultFileKey,
  writeCompletionReport,
  type ReportPart,
  type ReportParts,
  type ReportResultFile,
  type WrittenReport,
} from './completion-report.js';
