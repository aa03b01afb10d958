/**
 * XML in and out, safely. Parsing rejects DTDs and entity declarations outright (no XXE, no
 * entity expansion) and checks well-formedness before building a tree; building escapes every
 * text value. Both sit on fast-xml-parser.
 */
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
 * Parses a request body into `{ RootName: element }`. Whitespace-only text between elements is
 * dropped; leaf text is kept verbatim. Throws XmlSyntaxError for anything not well-formed or
 * carrying a DTD.
 */
export function parseXml(text: string): XmlElement {
  if (FORBIDDEN.test(text)) {
    throw new XmlSyntaxError('XML with a document type declaration or entity declarations is not accepted');
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
    if (Number.isNaN(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new XmlSyntaxError(`The XML you provided was not well-formed: unknown entity ${whole}`);
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
 * Renders `{ Root: {...} }` with the declaration. Members whose value is undefined are skipped;
 * key order is element order. Attributes use an `@` prefix (e.g. `@xmlns`).
 *
 * A CR in a value goes out as `&#13;`: a parser turns a raw CR (or CR LF) into LF (XML 1.0 §2.11,
 * end-of-line handling), so a value sent with a raw CR would be read back changed — which is why
 * the S3 User Guide asks clients to write a CR as `&#13;` ("Naming Amazon S3 objects", XML related
 * object key constraints). The builder leaves formatting off, so every CR in its output is a value's.
 */
export function buildXml(doc: XmlOutElement): string {
  return DECLARATION + (builder.build(stripUndefined(doc)) as string).replace(/\r/g, '&#13;');
}

function stripUndefined(value: XmlOut): XmlOut {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value === null || typeof value !== 'object') return value;
  const out: XmlOutElement = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
  return out;
}
