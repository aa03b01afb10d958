/**
 * Manifest keys are URL-encoded (reference §5.8): `%XX` is a byte of the key's UTF-8 form and `+`
 * is a space (a literal `+` is `%2B`). An escape that is not `%` + two hex digits, or bytes that do
 * not form UTF-8, make the record malformed. Preparation checks the raw bytes without building
 * strings (checkUrlEscapes); chunk reads decode (decodeUrlKey). Both work on bytes with the same
 * rules, so a key that passed preparation always decodes.
 */
import { isUtf8 } from 'node:buffer';

/** The value of a hex digit byte, or -1. */
function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Decodes bytes [start, end) of `src` (`%XX` → byte, `+` → space, anything else copied), or
 * returns undefined if an escape is malformed.
 */
function percentDecode(src: Uint8Array, start: number, end: number): Buffer | undefined {
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = src[i]!;
    if (b === 0x25) {
      const hi = i + 2 < end ? hexValue(src[i + 1]) : -1;
      const lo = hi < 0 ? -1 : hexValue(src[i + 2]);
      if (lo < 0) return undefined;
      out[o++] = hi * 16 + lo;
      i += 2;
    } else {
      out[o++] = b === 0x2b ? 0x20 : b;
    }
  }
  return out.subarray(0, o);
}

/**
 * Checks the URL escapes of a raw key in `buf[start, end)`: undefined when fine, else what is
 * wrong (a phrase to put after "its Key …"). Fast: a byte loop, and a decode only when an escape
 * produces a non-ASCII byte.
 */
export function checkUrlEscapes(buf: Uint8Array, start: number, end: number): string | undefined {
  let high = false;
  for (let i = start; i < end; i++) {
    if (buf[i] !== 0x25) continue;
    const hi = i + 2 < end ? hexValue(buf[i + 1]) : -1;
    const lo = hi < 0 ? -1 : hexValue(buf[i + 2]);
    if (lo < 0) {
      const bad = Buffer.from(buf.subarray(i, Math.min(i + 3, end))).toString('utf8');
      return `has an invalid URL escape "${bad}" (a literal % is written %25)`;
    }
    if (hi >= 8) high = true;
    i += 2;
  }
  if (high) {
    const decoded = percentDecode(buf, start, end);
    if (!decoded || !isUtf8(decoded)) return 'has URL escapes that do not decode to UTF-8';
  }
  return undefined;
}

/** The decoded key, or undefined when `raw` is not validly URL-encoded. */
export function decodeUrlKey(raw: string): string | undefined {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  const src = Buffer.from(raw, 'utf8');
  const decoded = percentDecode(src, 0, src.length);
  if (!decoded || !isUtf8(decoded)) return undefined;
  return decoded.toString('utf8');
}
