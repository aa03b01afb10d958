/**
 * RFC 2047 encoded words for S3 metadata values. S3 decodes them in request headers before storing
 * and encodes values that are not US-ASCII when it answers; HTTP headers cannot carry UTF-8
 * otherwise (node refuses to send characters past U+00FF). Only the forms S3 and the SDKs use are
 * handled — UTF-8 and ISO-8859-1, B and Q — which is why this is not a general MIME library
 * (libmime would bring four packages for charsets no S3 client sends).
 */

const ENCODED_WORD = /=\?(utf-8|iso-8859-1)\?([bq])\?([^?\s]*)\?=/gi;

/**
 * `value` unchanged when it can travel in a header as it is, else as one encoded word; decoding the
 * header a receiver reads then gives `value` back exactly. As it is: US-ASCII text — S3 encodes
 * only values with non-US-ASCII characters ("if the string contains only US-ASCII characters, it
 * is presented as is", S3 User Guide, "Working with object metadata") — which a header value can
 * hold: printable characters, spaces and tabs (RFC 9110 §5.5 field-vchar, SP, HTAB). Encoded:
 * anything else, control characters such as CR and LF included (a header cannot carry them at
 * all); text a receiver would take for an encoded word (`=?`); and a value that begins or ends
 * with a space or tab, which every HTTP parser strips (RFC 9110 §5.5), so that it comes back.
 */
export function encodeHeaderValue(value: string): string {
  if (/^(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?$/.test(value) && !value.includes('=?')) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * Decodes the encoded words in `value` (whitespace between two adjacent words is dropped, as the
 * RFC says). Anything else, malformed words included, stays as it is.
 */
export function decodeHeaderValue(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let previousWordEnd = -1;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const start = m.index;
    const between = value.slice(last, start);
    if (!(previousWordEnd === last && /^\s+$/.test(between))) out += between;
    const charset = m[1]!.toLowerCase() === 'utf-8' ? 'utf8' : 'latin1';
    const bytes = m[2]!.toLowerCase() === 'b' ? Buffer.from(m[3]!, 'base64') : quotedPrintable(m[3]!);
    out += bytes.toString(charset);
    last = start + m[0].length;
    previousWordEnd = last;
  }
  return out + value.slice(last);
}

function quotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}
