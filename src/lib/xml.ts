/**
 * XML in and out, safely. Parsing rejects DTDs and entity declarations outright (no XXE, no
 * entity expansion), bytes that are not UTF-8 and characters XML 1.0 does not allow, raw or as
 * character references, and checks well-formedness before building a tree; building escapes
 * every text value and can never emit a character XML 1.0 does not allow, whatever the value
 * holds. Both sit on fast-xml-parser.
 */
import { isUtf8 } from 'node:buffer';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed element: a string for a leaf (`''` for `<X/>`), else an object of children. */
export type XmlValue = string | XmlElement | XmlValue[];
export interface XmlElement {
  [name: string]: XmlValue;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Entities are decoded by decodeEntities below: the five XML ones and character references,
  // nothing else (an unknown entity is an error, never an expansion).
  processEntities: false,
  htmlEntities: false,
  commentPropName: false,
  cdataPropName: false,
});

const FORBIDDEN = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/**
 * XML 1.0 §2.2, production [2] Char: the only characters a document may hold, raw or through a
 * character reference (a well-formedness constraint, §4.1). C0 controls but tab, LF and CR,
 * lone surrogates, U+FFFE and U+FFFF are out. A strict parser (boto3's expat, the AWS CLI) refuses
 * a whole response that holds one, so one such character in one job's Description would make
 * every ListJobs of its account unreadable.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const isXmlChar = (code: number): boolean =>
  code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);

/** `U+0001`: how messages name a character. */
export function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first character of `text` that XML 1.0 does not allow, named (`U+0001`), or undefined. */
export function findNonXmlChar(text: string): string | undefined {
  const m = NOT_XML_CHAR.exec(text);
  return m ? codePointName(m[0].codePointAt(0) ?? 0) : undefined;
}

/**
 * Parses a request body into `{ RootName: element }`. Whitespace-only text between elements is
 * dropped; leaf text is kept verbatim. Throws XmlSyntaxError for anything not well-formed: bytes
 * that are not UTF-8, characters XML does not allow, a DTD.
 */
export function parseXml(input: string | Buffer): XmlElement {
  if (typeof input !== 'string' && !isUtf8(input)) {
    throw new XmlSyntaxError('The XML you provided was not well-formed: it is not valid UTF-8');
  }
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (FORBIDDEN.test(text)) {
    throw new XmlSyntaxError('XML with a document type declaration or entity declarations is not accepted');
  }
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const line = text.slice(0, bad.index).split('\n').length;
    throw new XmlSyntaxError(
      `The XML you provided was not well-formed: it holds the character ${codePointName(bad[0].codePointAt(0) ?? 0)}, which XML 1.0 does not allow (line ${line})`,
    );
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new XmlSyntaxError(`The XML you provided was not well-formed: ${valid.err.msg} (line ${valid.err.line})`);
  }
  let parsed: XmlValue;
  try {
    parsed = parser.parse(text) as XmlValue;
  } catch (err) {
    // The parser's own refusals: nesting deeper than it allows, names like __proto__.
    throw new XmlSyntaxError(`The XML you provided was not accepted: ${(err as Error).message.replace(/^\[SECURITY\] /, '')}`);
  }
  const tree = dropWhitespaceText(parsed);
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    throw new XmlSyntaxError('The XML you provided was not well-formed: no root element');
  }
  const roots = Object.keys(tree);
  if (roots.length !== 1) {
    throw new XmlSyntaxError('The XML you provided was not well-formed: expected exactly one root element');
  }
  return tree;
}

/** fast-xml-parser keeps whitespace between child elements as `#text`; structure never needs it. */
function dropWhitespaceText(value: XmlValue): XmlValue {
  if (typeof value === 'string') return decodeEntities(value);
  if (Array.isArray(value)) return value.map(dropWhitespaceText);
  const out: XmlElement = {};
  const keys = Object.keys(value);
  for (const key of keys) {
    const child = value[key];
    if (child === undefined) continue;
    if (key === '#text') {
      // Mixed content: a leaf with only text keeps it; an element with children drops whitespace.
      if (keys.length === 1) return child;
      continue;
    }
    out[key] = dropWhitespaceText(child);
  }
  return out;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlSyntaxError('The XML you provided was not well-formed: bare "&" in text');
    const named = NAMED[name];
    if (named !== undefined) return named;
    const hex = /^#x([0-9a-fA-F]{1,6})$/.exec(name);
    const dec = /^#([0-9]{1,7})$/.exec(name);
    const code = hex ? parseInt(hex[1] ?? '', 16) : dec ? parseInt(dec[1] ?? '', 10) : NaN;
    if (Number.isNaN(code)) throw new XmlSyntaxError(`The XML you provided was not well-formed: unknown entity ${whole}`);
    if (!isXmlChar(code)) {
      throw new XmlSyntaxError(
        `The XML you provided was not well-formed: ${whole} refers to ${codePointName(code)}, a character XML 1.0 does not allow`,
      );
    }
    return String.fromCodePoint(code);
  });
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  suppressEmptyNode: false,
  processEntities: true,
  format: false,
});

/** A value to render: strings/numbers/booleans are leaves; arrays repeat the element. */
export type XmlOut = string | number | boolean | XmlOutElement | XmlOut[] | undefined;
export interface XmlOutElement {
  [name: string]: XmlOut;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * What becomes of a character XML 1.0 does not allow in a value (stored before the parser
 * refused such input, or from a place that allows it, such as an S3 object key):
 * - `'replace'`: U+FFFD. The jobs API: every SDK must be able to parse every response.
 * - `'reference'`: a character reference (`&#x1;`), as S3 writes such a key in a listing — not
 *   XML 1.0 either, but what AWS sends: lenient parsers (the AWS SDK for JavaScript) read the key
 *   back exactly, and strict ones ask for `encoding-type=url` (which boto3 and the AWS CLI always
 *   do), as on AWS. Lone surrogates, which no encoding can carry, become U+FFFD.
 */
export type NonXmlChars = 'replace' | 'reference';

/**
 * Renders `{ Root: {...} }` with the declaration. Members whose value is undefined are skipped;
 * key order is element order. Attributes use an `@` prefix (e.g. `@xmlns`).
 *
 * A CR in a value goes out as `&#13;`: a parser turns a raw CR (or CR LF) into LF (XML 1.0 §2.11,
 * end-of-line handling), so a value sent with a raw CR would be read back changed — which is why
 * the S3 User Guide asks clients to write a CR as `&#13;` ("Naming Amazon S3 objects", XML related
 * object key constraints). The builder leaves formatting off, so every CR in its output is a value's.
 */
export function buildXml(doc: XmlOutElement, options: { nonXmlChars?: NonXmlChars } = {}): string {
  const xml = DECLARATION + (builder.build(stripUndefined(doc)) as string);
  // Element names are ours and the output is not indented, so only text can hold a CR or a
  // character XML does not allow: the whole output is scanned once (a regex test; nothing is
  // copied unless one is there).
  if (!NEEDS_ESCAPE.test(xml)) return xml;
  const reference = options.nonXmlChars === 'reference';
  return xml.replace(NEEDS_ESCAPES, (c) => {
    if (c === '\r') return '&#13;';
    const code = c.codePointAt(0) ?? 0;
    return reference && (code < 0xd800 || code > 0xdfff) ? `&#x${code.toString(16).toUpperCase()};` : '\uFFFD';
  });
}

const NEEDS_ESCAPE = /[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NEEDS_ESCAPES = new RegExp(NEEDS_ESCAPE.source, 'gu');

function stripUndefined(value: XmlOut): XmlOut {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value === null || typeof value !== 'object') return value;
  const out: XmlOutElement = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
  return out;
}
