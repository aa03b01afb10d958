/**
 * A small declarative vocabulary for the restXml shapes of the S3 Control jobs API (reference §3.2):
 * each shape carries its model constraints, and structures may add the semantic rules the model
 * cannot express. `reader.ts` reads and validates parsed XML against a shape, `writer.ts` renders a
 * value back. Structure tables are typed against the domain model (`struct<T>`): every member of
 * T must appear, no other may, and a member that T requires must be `required` on the wire too.
 */
import type { S3ControlErrorCode } from '../errors.js';

/** A semantic rule run after a value has been read; throws (via `fail`) on a violation. */
export type Check<T> = (value: T, path: string) => void;

export interface Pattern {
  /** The model's pattern text, quoted in error messages. */
  readonly source: string;
  readonly regex: RegExp;
}

export interface StringShape {
  readonly kind: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: Pattern;
  readonly check?: Check<string>;
}

export interface EnumShape {
  readonly kind: 'enum';
  readonly values: readonly string[];
}

export interface NumberShape {
  readonly kind: 'integer' | 'long';
  readonly min: number;
  readonly max: number;
}

export interface BooleanShape {
  readonly kind: 'boolean';
}

export interface TimestampShape {
  readonly kind: 'timestamp';
}

export interface ListShape {
  readonly kind: 'list';
  readonly item: Shape;
  /** The element name of an item: `member`, or an explicit locationName. */
  readonly itemName: string;
  readonly min?: number;
  readonly max?: number;
  /** The error code for "too many items" (TooManyTagsException for PutJobTagging). */
  readonly maxCode?: S3ControlErrorCode;
  readonly check?: Check<unknown[]>;
}

export interface MapShape {
  readonly kind: 'map';
  readonly key: StringShape;
  readonly value: StringShape;
  readonly min?: number;
  readonly max?: number;
}

export interface MemberDef {
  readonly shape: Shape;
  readonly required?: boolean;
  /** The XML element name when it differs from the member name (`SSE-KMS` for SSEKMS). */
  readonly xml?: string;
}

export interface RequiredMemberDef extends MemberDef {
  readonly required: true;
}

export interface StructureShape {
  readonly kind: 'structure';
  /** Members in canonical order: the order of keys in the value read, and of elements rendered. */
  readonly members: ReadonlyArray<readonly [name: string, def: MemberDef]>;
  /** A union (or JobOperation): exactly one member must be set. */
  readonly union: boolean;
  readonly check?: Check<Record<string, unknown>>;
}

export type Shape =
  | StringShape
  | EnumShape
  | NumberShape
  | BooleanShape
  | TimestampShape
  | ListShape
  | MapShape
  | StructureShape;

/** Every member of T, in the order written; members T requires must be required on the wire. */
export type Members<T> = {
  readonly [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? MemberDef : RequiredMemberDef;
};

export function struct<T>(members: Members<T>, options: { union?: boolean; check?: Check<T> } = {}): StructureShape {
  const { check } = options;
  return {
    kind: 'structure',
    members: Object.entries<MemberDef>(members),
    union: options.union ?? false,
    ...(check ? { check: (value: Record<string, unknown>, path: string) => check(value as T, path) } : {}),
  };
}

export const opt = (shape: Shape, xml?: string): MemberDef => (xml ? { shape, xml } : { shape });
export const req = (shape: Shape, xml?: string): RequiredMemberDef =>
  xml ? { shape, xml, required: true } : { shape, required: true };

/** A model pattern. AWS/Smithy patterns are ECMAScript regexes, unanchored unless they say so. */
export function pattern(source: string): Pattern {
  return { source, regex: new RegExp(source, 'u') };
}

export function str(options: Omit<StringShape, 'kind'> = {}): StringShape {
  return { kind: 'string', ...options };
}

/** An enum, listed as a record so that the compiler checks it against the domain's union type. */
export function enumOf<T extends string>(values: Record<T, true>): EnumShape {
  return { kind: 'enum', values: Object.keys(values) };
}

export const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

export function int(min = INT32_MIN, max = INT32_MAX): NumberShape {
  return { kind: 'integer', min, max };
}

/** A long, limited to what a JSON number holds exactly. */
export function long(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): NumberShape {
  return { kind: 'long', min, max };
}

export const bool: BooleanShape = { kind: 'boolean' };
export const timestamp: TimestampShape = { kind: 'timestamp' };

export function list(item: Shape, options: Omit<ListShape, 'kind' | 'item' | 'itemName'> & { itemName?: string } = {}): ListShape {
  return { kind: 'list', item, itemName: 'member', ...options };
}

export function map(key: StringShape, value: StringShape, options: { min?: number; max?: number } = {}): MapShape {
  return { kind: 'map', key, value, ...options };
}
