/**
 * Reads a parsed XML element (lib/xml.ts `parseXml`) against a shape: converts scalars, applies
 * every model constraint and semantic rule, and throws a BadRequestException naming the path of
 * the first violation. Members are looked up by name in any order with `Object.hasOwn` (never
 * through the prototype chain); unknown elements are ignored, except inside lists and maps where
 * an unexpected child would otherwise silently change the meaning of the list.
 */
import type { XmlElement, XmlValue } from '../../lib/xml.js';
import { childPath, entryPath, fail, itemPath, plural } from './fail.js';
import { codePointLength, isBlank, parseBoolean, parseDecimal, parseTimestamp } from './scalars.js';
import type { ListShape, MapShape, Shape, StringShape, StructureShape } from './shape.js';

/** Reads `{ Root: element }` whose root must be `rootName` (any namespace). */
export function readDocument(doc: XmlElement, rootName: string, shape: StructureShape): Record<string, unknown> {
  const root = own(doc, rootName);
  if (Object.keys(doc).length !== 1 || root === undefined) {
    fail('', `must be a ${rootName} XML document (root element <${rootName}>)`);
  }
  return readStructure(shape, root, '');
}

export function readShape(shape: Shape, raw: XmlValue, path: string): unknown {
  switch (shape.kind) {
    case 'structure':
      return readStructure(shape, raw, path);
    case 'list':
      return readList(shape, raw, path);
    case 'map':
      return readMap(shape, raw, path);
    case 'string':
      return checkString(shape, text(raw, path), path);
    case 'enum': {
      const value = text(raw, path);
      if (!shape.values.includes(value)) fail(path, `must be one of: ${shape.values.join(', ')}`);
      return value;
    }
    case 'integer':
    case 'long': {
      const value = parseDecimal(text(raw, path), shape.min, shape.max);
      if (value === undefined) fail(path, `must be an integer between ${shape.min} and ${shape.max}`);
      return value;
    }
    case 'boolean': {
      const value = parseBoolean(text(raw, path));
      if (value === undefined) fail(path, 'must be a boolean (true or false)');
      return value;
    }
    case 'timestamp': {
      const value = parseTimestamp(text(raw, path));
      if (value === undefined) fail(path, 'must be an ISO-8601 timestamp in UTC, e.g. 2020-01-02T03:04:05Z');
      return value;
    }
  }
}

/** Length (in characters), pattern and the shape's own rule; `what` prefixes the rule ("key "). */
export function checkString(shape: StringShape, value: string, path: string, what = ''): string {
  const length = codePointLength(value);
  if (shape.min !== undefined && length < shape.min) {
    fail(path, `${what}must be at least ${plural(shape.min, 'character')} long`);
  }
  if (shape.max !== undefined && length > shape.max) {
    fail(path, `${what}must be at most ${plural(shape.max, 'character')} long`);
  }
  if (shape.pattern && !shape.pattern.regex.test(value)) fail(path, `${what}must match pattern ${shape.pattern.source}`);
  shape.check?.(value, path);
  return value;
}

function readStructure(shape: StructureShape, raw: XmlValue, path: string): Record<string, unknown> {
  const el = element(raw, path);
  const out: Record<string, unknown> = {};
  for (const [name, def] of shape.members) {
    const xmlName = def.xml ?? name;
    const memberPath = childPath(path, xmlName);
    const child = own(el, xmlName);
    if (child === undefined) {
      if (def.required) fail(memberPath, 'is required');
      continue;
    }
    if (Array.isArray(child)) fail(memberPath, 'must occur at most once');
    out[name] = readShape(def.shape, child, memberPath);
  }
  if (shape.union) checkUnion(shape, el, out, path);
  shape.check?.(out, path);
  return out;
}

/** Exactly one member; with none, an unknown child is named (e.g. an operation we do not know). */
function checkUnion(shape: StructureShape, el: XmlElement, out: Record<string, unknown>, path: string): void {
  const xmlNames = shape.members.map(([name, def]) => def.xml ?? name);
  const present = shape.members.filter(([name]) => Object.hasOwn(out, name)).map(([name, def]) => def.xml ?? name);
  const oneOf = `exactly one of: ${xmlNames.join(', ')}`;
  if (present.length === 1) return;
  if (present.length > 1) {
    fail(childPath(path, present[1] ?? ''), `must not be given together with ${present[0]}: ${path} takes exactly one member`);
  }
  const unknown = Object.keys(el).find((name) => !xmlNames.includes(name));
  if (unknown !== undefined) fail(childPath(path, unknown), `is not supported: ${path} must contain ${oneOf}`);
  fail(path, `must contain ${oneOf}`);
}

function readList(shape: ListShape, raw: XmlValue, path: string): unknown[] {
  const items = children(raw, path, shape.itemName);
  checkCount(items.length, shape, path, 'item');
  const values = items.map((item, i) => readShape(shape.item, item, itemPath(path, i)));
  shape.check?.(values, path);
  return values;
}

function readMap(shape: MapShape, raw: XmlValue, path: string): Record<string, string> {
  const entries = children(raw, path, 'entry');
  checkCount(entries.length, shape, path, 'entry');
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const entryElementPath = itemPath(childPath(path, 'entry'), i);
    const el = element(entry, entryElementPath);
    const keyRaw = own(el, 'key');
    if (keyRaw === undefined) fail(`${entryElementPath}.key`, 'is required');
    const key = text(keyRaw, `${entryElementPath}.key`);
    const at = entryPath(path, key);
    checkString(shape.key, key, at, 'key ');
    if (seen.has(key)) fail(at, 'is a duplicate key');
    seen.add(key);
    const valueRaw = own(el, 'value');
    if (valueRaw === undefined) fail(at, 'value is required');
    pairs.push([key, checkString(shape.value, text(valueRaw, at), at)]);
  });
  // Keys sorted: the same map in another entry order gives the same spec. Object.fromEntries
  // defines own data properties, so a key "__proto__" stays an ordinary key.
  return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkCount(
  count: number,
  shape: Pick<ListShape, 'min' | 'max' | 'maxCode'>,
  path: string,
  noun: 'item' | 'entry',
): void {
  const word = (n: number): string => (noun === 'entry' ? `${n} ${n === 1 ? 'entry' : 'entries'}` : plural(n, 'item'));
  const { min, max } = shape;
  if (min !== undefined && min === max && count !== min) fail(path, `must have exactly ${word(min)}`, shape.maxCode);
  if (min !== undefined && count < min) fail(path, `must have at least ${word(min)}`);
  if (max !== undefined && count > max) fail(path, `must have at most ${word(max)}`, shape.maxCode);
}

/** The items of a list/map element: `<X/>` is empty, a single child is one item. */
function children(raw: XmlValue, path: string, itemName: string): XmlValue[] {
  if (Array.isArray(raw)) fail(path, 'must occur at most once');
  if (typeof raw === 'string') {
    if (isBlank(raw)) return [];
    fail(path, `must contain <${itemName}> elements, not text`);
  }
  const other = Object.keys(raw).find((name) => name !== itemName);
  if (other !== undefined) fail(childPath(path, other), `is not allowed: the items of ${path} are <${itemName}> elements`);
  const items = own(raw, itemName);
  if (items === undefined) return [];
  return Array.isArray(items) ? items : [items];
}

function element(raw: XmlValue, path: string): XmlElement {
  if (Array.isArray(raw)) fail(path, 'must occur at most once');
  if (typeof raw !== 'string') return raw;
  if (!isBlank(raw)) fail(path, 'must contain elements, not text');
  return {};
}

function text(raw: XmlValue, path: string): string {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) fail(path, 'must occur at most once');
  return fail(path, 'must be a text value, not an element with children');
}

function own(el: XmlElement, name: string): XmlValue | undefined {
  return Object.hasOwn(el, name) ? el[name] : undefined;
}
