/**
 * The pieces of a SigV4 canonical request, computed from the request exactly as received.
 *
 * Everything here is written as plain character loops with a "nothing to change" fast path:
 * requests from AWS SDKs already arrive in canonical form (their query strings are encoded with
 * the same RFC 3986 rules the canonical form uses), so the usual cost is one scan and no
 * allocation.
 */

const HEX = '0123456789ABCDEF';

/** RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~ */
function isUnreserved(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x7e // ~
  );
}

/** Value of a hex digit, or -1. */
function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isUpperHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46);
}

function pctByte(b: number): string {
  return '%' + HEX[b >> 4] + HEX[b & 15];
}

const utf8 = new TextEncoder();

/** Percent-encode every UTF-8 byte of one (possibly astral) code point. */
function pctCodePoint(s: string, i: number): { text: string; width: number } {
  const cp = s.codePointAt(i) ?? 0;
  const width = cp > 0xffff ? 2 : 1;
  // A lone surrogate encodes as U+FFFD, as any UTF-8 encoder would.
  const bytes = utf8.encode(s.slice(i, i + width));
  let text = '';
  for (const b of bytes) text += pctByte(b);
  return { text, width };
}

/**
 * Canonical form of one query-string name or value as received: percent-decode (`+` stays a
 * literal plus: SigV4 is not form encoding), then encode every byte that is not RFC 3986
 * unreserved as `%XX` with upper-case hex. Done in one pass without decoding to a string, so
 * invalid UTF-8 and stray `%` signs cannot throw (a `%` not followed by two hex digits is a
 * literal `%`, encoded as `%25`).
 */
export function canonicalQueryComponent(s: string): string {
  const len = s.length;
  let i = 0;
  // Fast path: already canonical (unreserved chars and upper-case %XX of reserved bytes).
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (isUnreserved(c)) continue;
    if (c === 0x25 && i + 2 < len && isUpperHex(s.charCodeAt(i + 1)) && isUpperHex(s.charCodeAt(i + 2))) {
      const b = (hexVal(s.charCodeAt(i + 1)) << 4) | hexVal(s.charCodeAt(i + 2));
      if (!isUnreserved(b)) {
        i += 2;
        continue;
      }
    }
    break;
  }
  if (i === len) return s;

  let out = s.slice(0, i);
  while (i < len) {
    const c = s.charCodeAt(i);
    if (isUnreserved(c)) {
      out += s[i];
      i++;
    } else if (c === 0x25) {
      const h = i + 2 < len ? hexVal(s.charCodeAt(i + 1)) : -1;
      const l = h >= 0 ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (l >= 0) {
        const b = (h << 4) | l;
        out += isUnreserved(b) ? String.fromCharCode(b) : pctByte(b);
        i += 3;
      } else {
        out += '%25';
        i++;
      }
    } else if (c < 0x80) {
      out += pctByte(c);
      i++;
    } else {
      const { text, width } = pctCodePoint(s, i);
      out += text;
      i += width;
    }
  }
  return out;
}

/**
 * URI-encode a path the way the generic SigV4 signers do for their canonical URI
 * (`uriEscapePath: true`): every byte that is not unreserved becomes `%XX` — including the `%` of
 * an existing escape, hence "double encoding" — except `/`, which separates segments.
 */
export function encodePathSegments(path: string): string {
  const len = path.length;
  let i = 0;
  for (; i < len; i++) {
    const c = path.charCodeAt(i);
    if (!isUnreserved(c) && c !== 0x2f) break;
  }
  if (i === len) return path;
  let out = path.slice(0, i);
  while (i < len) {
    const c = path.charCodeAt(i);
    if (isUnreserved(c) || c === 0x2f) {
      out += path[i];
      i++;
    } else if (c < 0x80) {
      out += pctByte(c);
      i++;
    } else {
      const { text, width } = pctCodePoint(path, i);
      out += text;
      i += width;
    }
  }
  return out;
}

/**
 * The path normalisation of the generic SigV4 signers (what `@smithy/signature-v4` does with
 * `uriEscapePath: true`): drop empty and `.` segments, resolve `..`, keep a leading and trailing
 * slash. S3 itself never normalises; this is only for the fallback variants.
 */
export function normalizePath(path: string): string {
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  return (
    (path.startsWith('/') ? '/' : '') +
    segments.join('/') +
    (segments.length > 0 && path.endsWith('/') ? '/' : '')
  );
}

/** Whether {@link normalizePath} would change anything (`//`, `/./`, `/../`, ...). */
export function needsNormalization(path: string): boolean {
  const len = path.length;
  for (let i = 0; i < len; i++) {
    if (path.charCodeAt(i) !== 0x2f) continue;
    const n = path.charCodeAt(i + 1); // NaN past the end
    if (n === 0x2f) return true; // '//'
    if (n === 0x2e) {
      const n2 = path.charCodeAt(i + 2);
      if (n2 !== n2 || n2 === 0x2f) return true; // '/.' end or '/./'
      if (n2 === 0x2e) {
        const n3 = path.charCodeAt(i + 3);
        if (n3 !== n3 || n3 === 0x2f) return true; // '/..' end or '/../'
      }
    }
  }
  return false;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Canonical header value: trimmed, and every inner run of whitespace (space, tab, CR, LF)
 * collapsed to one space — what the AWS signers do.
 */
export function canonicalHeaderValue(v: string): string {
  const len = v.length;
  if (len === 0) return v;
  let clean = !isSpace(v.charCodeAt(0)) && !isSpace(v.charCodeAt(len - 1));
  if (clean) {
    for (let i = 1; i < len - 1; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x09 || c === 0x0a || c === 0x0d || (c === 0x20 && v.charCodeAt(i + 1) === 0x20)) {
        clean = false;
        break;
      }
    }
  }
  if (clean) return v;
  let out = '';
  let start = -1; // start of the current non-space run
  for (let i = 0; i <= len; i++) {
    const space = i === len || isSpace(v.charCodeAt(i));
    if (space) {
      if (start >= 0) {
        out += (out.length > 0 ? ' ' : '') + v.slice(start, i);
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  return out;
}

/** One canonicalised query parameter. */
export interface CanonicalParam {
  name: string;
  value: string;
}

/**
 * Split a raw query string (no leading `?`) on `&` and canonicalise each name and value.
 * Empty pieces (`a=1&&b=2`, a trailing `&`) are skipped; a valueless `name` becomes `name=`.
 */
export function parseCanonicalQuery(rawQuery: string): CanonicalParam[] {
  const params: CanonicalParam[] = [];
  const len = rawQuery.length;
  let start = 0;
  while (start < len) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = len;
    if (end > start) {
      const eq = rawQuery.indexOf('=', start);
      if (eq === -1 || eq > end) {
        params.push({ name: canonicalQueryComponent(rawQuery.slice(start, end)), value: '' });
      } else {
        params.push({
          name: canonicalQueryComponent(rawQuery.slice(start, eq)),
          value: canonicalQueryComponent(rawQuery.slice(eq + 1, end)),
        });
      }
    }
    start = end + 1;
  }
  return params;
}

function compareParams(a: CanonicalParam, b: CanonicalParam): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/**
 * The canonical query string: parameters sorted by name, then value (code-unit order, which is
 * byte order since everything is ASCII by now), joined as `name=value` with `&`. `skip`, if given,
 * is left out (the presigned `X-Amz-Signature`). Sorts `params` in place.
 */
export function canonicalQueryString(params: CanonicalParam[], skip?: CanonicalParam): string {
  if (params.length === 0) return '';
  if (params.length > 1) params.sort(compareParams);
  let out = '';
  for (const p of params) {
    if (p === skip) continue;
    out += (out.length > 0 ? '&' : '') + p.name + '=' + p.value;
  }
  return out;
}

/** Decode a canonical (hence well-formed) component to text; undefined if it is not UTF-8. */
export function decodeCanonical(s: string): string | undefined {
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Split a request target (node's `req.url`) into the raw path and raw query, as received.
 * An absolute-form target (`http://host:port/path?q`) yields its path; a missing path is `/`.
 */
export function splitRequestTarget(url: string): { rawPath: string; rawQuery: string } {
  let target = url;
  if (target.length > 0 && target.charCodeAt(0) !== 0x2f) target = stripAuthority(target);
  const q = target.indexOf('?');
  let rawPath = q === -1 ? target : target.slice(0, q);
  let rawQuery = q === -1 ? '' : target.slice(q + 1);
  const hash = rawQuery.indexOf('#');
  if (hash !== -1) rawQuery = rawQuery.slice(0, hash);
  if (rawPath === '') rawPath = '/';
  return { rawPath, rawQuery };
}

/** `scheme://authority/path...` → `/path...`; anything else unchanged. */
export function stripAuthority(target: string): string {
  const scheme = target.indexOf('://');
  if (scheme <= 0) return target;
  const slash = target.indexOf('/', scheme + 3);
  const query = target.indexOf('?', scheme + 3);
  if (slash === -1 || (query !== -1 && query < slash)) return query === -1 ? '/' : '/' + target.slice(query);
  return target.slice(slash);
}
