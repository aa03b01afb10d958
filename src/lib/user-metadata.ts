/**
 * S3's rule for user-defined metadata (`x-amz-meta-*`), in one place for every path that accepts,
 * stores or sends it: CreateJob validation (control-api/model/shapes-operation.ts), the embedded
 * store's writes (object-store/validate.ts, used by every write of object-store/local/) and its
 * reads of rows written before the rule existed (object-store/local/rows.ts), and the HTTP client
 * to remote stores (s3/http-s3-requests.ts).
 *
 * - A name is the rest of the header name `x-amz-meta-<name>`, so it can hold only what an HTTP
 *   header name holds: token characters (RFC 9110 §5.6.2 `tchar`: letters, digits and
 *   `` !#$%&'*+-.^_`|~ ``). S3 can receive no other name: a space, a `:` or a non-ASCII letter
 *   either breaks the request or ends the header name early.
 * - S3 stores names lower-cased (header names are case-insensitive, and S3 answers every
 *   `x-amz-meta-*` in lower case), so two names that differ only in case are one header.
 * - "Within the PUT request header, the user-defined metadata is limited to 2 KB in size. The size
 *   of user-defined metadata is measured by taking the sum of the number of bytes in the UTF-8
 *   encoding of each key and value." (Amazon S3 User Guide, "Working with object metadata").
 *
 * Values are free: what a header value cannot carry as it is travels RFC 2047-encoded (rfc2047.ts).
 */

/** The 2 KB S3 allows for user metadata, names and values together (UTF-8 bytes). */
export const MAX_USER_METADATA_BYTES = 2048;

/** `tchar` (RFC 9110 §5.6.2): one, and a name made of them. */
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*$/;

export type UserMetadataProblem =
  | { readonly kind: 'name'; readonly name: string; readonly message: string }
  | { readonly kind: 'duplicate'; readonly name: string; readonly other: string; readonly message: string }
  | { readonly kind: 'size'; readonly size: number; readonly message: string };

function describeChar(c: string): string {
  const code = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return /^\p{C}$/u.test(c) ? code : `"${c}" (${code})`;
}

/** Why `name` cannot be a metadata name, or undefined when it can. */
export function metadataNameProblem(name: string): string | undefined {
  if (NAME.test(name)) return undefined;
  for (const c of name) {
    if (!TCHAR.test(c)) {
      return (
        `holds ${describeChar(c)}, which an HTTP header name (x-amz-meta-<name>) cannot hold: ` +
        "a metadata name may contain only letters, digits and ! # $ % & ' * + - . ^ _ ` | ~"
      );
    }
  }
  return undefined;
}

/** The size S3 counts: the UTF-8 bytes of every name and value. */
export function userMetadataSize(meta: Readonly<Record<string, string>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(meta)) size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  return size;
}

/**
 * The first reason S3 would refuse `meta`, or undefined: a name that is not a header token, two
 * names that are the same header (they differ only in case), then (unless `size` is false) more
 * than 2 KB in all.
 */
export function userMetadataProblem(meta: Readonly<Record<string, string>>, options: { size?: boolean } = {}): UserMetadataProblem | undefined {
  const seen = new Map<string, string>();
  for (const name of Object.keys(meta)) {
    const why = metadataNameProblem(name);
    if (why !== undefined) return { kind: 'name', name, message: `The metadata name ${JSON.stringify(name)} ${why}` };
    const lower = name.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined) {
      return {
        kind: 'duplicate',
        name,
        other,
        message: `The metadata names ${JSON.stringify(other)} and ${JSON.stringify(name)} are the same header (x-amz-meta-${lower}): S3 stores metadata names in lower case`,
      };
    }
    seen.set(lower, name);
  }
  if (options.size !== false) {
    const size = userMetadataSize(meta);
    if (size > MAX_USER_METADATA_BYTES) {
      return {
        kind: 'size',
        size,
        message: `The user metadata is ${size} bytes (names and values, UTF-8); S3 allows at most ${MAX_USER_METADATA_BYTES}`,
      };
    }
  }
  return undefined;
}

/**
 * `meta` with its names lower-cased, as S3 stores them. Built from entries, so that a name such as
 * `__proto__` stays an ordinary key. Check it with userMetadataProblem first: of two names that
 * differ only in case, the last one wins here.
 */
export function lowerCaseNames(meta: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(meta).map(([name, value]) => [name.toLowerCase(), value]));
}
