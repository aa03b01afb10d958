/**
 * Request targets: the raw (still percent-encoded) path and query. The origin form
 * (`/v20180820/jobs?x=1`) and the absolute form a proxy client sends
 * (`http://123456789012.localhost:9090/v20180820/jobs`) are both accepted. SigV4 signs the path
 * as sent, and `..` must never be resolved against anything.
 */
export interface RequestTarget {
  readonly rawPath: string;
  readonly rawQuery: string;
}

/** Origin-form and absolute-form targets alike; nothing is decoded or normalised. */
export { splitRequestTarget as parseRequestTarget } from '../lib/sigv4/index.js';

/** Decodes a query string into ordered pairs. `+` is a space here, as in HTML forms and S3. */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([safeDecode(name), safeDecode(value)]);
  }
  return pairs;
}

export function safeDecode(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
