/**
 * Test support for the model tests (not used by the server): wire fixtures from test/fixtures/wire
 * and helpers that change one element of a parsed request, so that each failing case differs
 * from a valid request by exactly one thing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseXml, type XmlElement, type XmlValue } from '../../lib/xml.js';
import { S3ControlError } from '../errors.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/wire/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

export function fixtureNames(prefix: string): string[] {
  return readdirSync(FIXTURES)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.xml') && !name.includes('.fragment.'))
    .sort();
}

/** The CreateJobRequest bodies of the captured JS SDK session (createjob-variants-js-sdk.txt). */
export function variantBodies(): string[] {
  return fixtureText('createjob-variants-js-sdk.txt')
    .split('\n')
    .map((line) => /^\s*BODY\(\d+\): (.*)$/.exec(line)?.[1] ?? '')
    .filter((body) => body.includes('<CreateJobRequest'));
}

/** The §4.1 "other operation payloads": one `<Operation>…</Operation>` (or `<Manifest>`) per line. */
export function referenceFragments(): string[] {
  return fixtureText('reference-4.1-operations.txt')
    .split('\n')
    .filter((line) => line.startsWith('<'));
}

/** The big §4.1 CreateJob example: a valid request with S3PutObjectCopy, a CSV manifest and tags. */
export function baseRequest(): XmlElement {
  return parseXml(fixtureText('reference-4.1-createjob-copy.xml'));
}

/** The §4.1 example with its Manifest replaced by the §4.1 ManifestGenerator. */
export function generatorRequest(): XmlElement {
  const doc = without(baseRequest(), 'Manifest');
  return withElement(doc, '', fixtureText('reference-4.1-manifest-generator.fragment.xml'));
}

/**
 * A copy of `doc` whose element at `parentPath` (dotted, from the root's children; '' = the root)
 * gets the elements of `fragment`, replacing any of the same name. Repeating a name in the
 * fragment (`<A>1</A><A>2</A>`) sets a repeated element.
 */
export function withElement(doc: XmlElement, parentPath: string, fragment: string): XmlElement {
  const copy = structuredClone(doc);
  const parent = navigate(copy, parentPath);
  const children = parseXml(`<fragment>${fragment}</fragment>`)['fragment'];
  if (typeof children !== 'object' || Array.isArray(children)) throw new Error('fragment has no elements');
  for (const [name, value] of Object.entries(children)) parent[name] = value;
  return copy;
}

/** A copy of `doc` without the element at `path`. */
export function without(doc: XmlElement, path: string): XmlElement {
  const copy = structuredClone(doc);
  const names = path.split('.');
  const last = names.pop() ?? '';
  delete navigate(copy, names.join('.'))[last];
  return copy;
}

/** `a.b.member[1].c`: element names, `[i]` picks one of repeated elements; '' is the root. */
function navigate(doc: XmlElement, path: string): XmlElement {
  const rootName = Object.keys(doc)[0] ?? '';
  let el = asElement(doc, rootName);
  for (const segment of path ? path.split('.') : []) {
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(segment);
    const name = m?.[1] ?? segment;
    if (m?.[2] === undefined) {
      el = asElement(el, name);
    } else {
      const items = el[name];
      if (!Array.isArray(items)) throw new Error(`${segment}: not a repeated element`);
      const item = items[Number(m[2])];
      el = ensureObject(item, segment);
    }
  }
  return el;
}

function asElement(parent: XmlElement, name: string): XmlElement {
  const value = parent[name];
  if (value === undefined) throw new Error(`no element ${name}`);
  if (value === '' || (typeof value === 'string' && value.trim() === '')) {
    const fresh: XmlElement = {};
    parent[name] = fresh;
    return fresh;
  }
  return ensureObject(value, name);
}

function ensureObject(value: XmlValue | undefined, name: string): XmlElement {
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${name} is not an element`);
  return value;
}

/** The S3ControlError `fn` throws (fails the test if it throws anything else, or nothing). */
export function errorOf(fn: () => unknown): S3ControlError {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3ControlError) return err;
    throw err;
  }
  throw new Error('expected an S3ControlError, but nothing was thrown');
}
