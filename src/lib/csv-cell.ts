/**
 * A CSV cell as S3 Batch Operations writes manifests and completion reports (RFC 4180): quoted,
 * with `"` doubled, only when it holds a comma, quote, CR or LF.
 */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
