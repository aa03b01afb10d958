/**
 * restXml scalars as they arrive in element text (reference §1, §0.5): integers and longs as
 * decimal text, booleans as `true`/`false`, timestamps as RFC-3339 date-times in UTC with 0–9
 * fractional digits. Each parser returns undefined for text it does not accept.
 */

const DECIMAL = /^-?[0-9]+$/;

/** A decimal integer within [min, max] (both safe integers), else undefined. */
export function parseDecimal(text: string, min: number, max: number): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) return undefined;
  return n === 0 ? 0 : n; // no -0
}

export function parseBoolean(text: string): boolean | undefined {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return undefined;
}

const DATE_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:[Zz]|[+-]00:00)$/;

/**
 * An RFC-3339 UTC date-time (`Z`, or a `+00:00`/`-00:00` offset), normalised to
 * `Date#toISOString()` form: millisecond precision, extra fractional digits truncated.
 */
export function parseTimestamp(text: string): string | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0–99 as written
  date.setUTCHours(hour, minute, second, ms);
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined; // e.g. Feb 30
  return date.toISOString();
}

/** Length as AWS counts it: in characters (code points), not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** XML whitespace only (what separates elements when an element has no children). */
export function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}
