/**
 * Text the service writes for people and keeps: failure reasons and other messages that may quote
 * what a user sent (a manifest line, a store's error). Such text is stored, then rendered into
 * every DescribeJob and ListJobs response and the dashboard, so it must be one readable line that
 * every reader can render: `visibleText` spells out control characters instead of keeping them.
 */

/** Shortens `text` to at most `max` UTF-16 units, never splitting a surrogate pair, ending in `…`. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/**
 * C0 and C1 controls (tab, CR and LF included: a reason is one line), DEL, lone surrogates and the
 * non-characters U+FFFE/U+FFFF — what XML 1.0 refuses, plus what would break a line.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with every invisible character written as an escape (`\x01`, `\n`, `\uD800`). */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}
