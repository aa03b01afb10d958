/**
 * Renders a value read by `reader.ts` back into the restXml form (for lib/xml.ts `buildXml`):
 * structures with their XML member names in canonical order, lists as `<member>` (or the list's
 * item name) children, maps as `<entry><key/><value/></entry>`, booleans as true/false. An empty
 * list, map or structure renders as an empty element.
 */
import type { XmlOut, XmlOutElement } from '../../lib/xml.js';
import type { Shape, StructureShape } from './shape.js';

export function writeShape(shape: Shape, value: unknown): XmlOut {
  switch (shape.kind) {
    case 'structure':
      return writeStructure(shape, value as Record<string, unknown>);
    case 'list': {
      const items = value as readonly unknown[];
      return items.length === 0 ? '' : { [shape.itemName]: items.map((item) => writeShape(shape.item, item)) };
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, string>);
      return entries.length === 0 ? '' : { entry: entries.map(([key, v]) => ({ key, value: v })) };
    }
    case 'boolean':
      return value ? 'true' : 'false';
    case 'integer':
    case 'long':
      return String(value as number);
    case 'string':
    case 'enum':
    case 'timestamp':
      return value as string;
  }
}

export function writeStructure(shape: StructureShape, value: Record<string, unknown>): XmlOut {
  const out: XmlOutElement = {};
  for (const [name, def] of shape.members) {
    const member = Object.hasOwn(value, name) ? value[name] : undefined;
    if (member !== undefined) out[def.xml ?? name] = writeShape(def.shape, member);
  }
  return Object.keys(out).length === 0 ? '' : out;
}
