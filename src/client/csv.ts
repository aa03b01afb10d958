/**
 * CSV as S3 Batch Operations writes it (manifests and completion reports): no header, a cell
 * quoted only when it holds a comma, quote, CR or LF, and object keys URL-encoded in manifests.
 */
import { csvCell } from '../lib/csv-cell.js';

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}

/**
 * A key as a CSV manifest holds it: URL-encoded (AWS: "object keys must be URL-encoded"), so that
 * commas, quotes, line breaks, `+` and `%` survive; `/` is left readable. Spaces become `%20`,
 * never `+`, which a manifest reader takes for a space but a person may take for a plus.
 */
export function manifestKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%2F', '/');
}
