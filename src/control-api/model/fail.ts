/** Validation failures name the field by its path from the request root, then the rule broken. */
import { S3ControlError, type S3ControlErrorCode } from '../errors.js';

export function fail(path: string, rule: string, code: S3ControlErrorCode = 'BadRequestException'): never {
  throw new S3ControlError(code, `${path || 'The request body'} ${rule}`);
}

/** `Report` + `Bucket` → `Report.Bucket`; the root's path is ''. */
export function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** A list item: `Tags[3]` (0-based). */
export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

const MAX_KEY_IN_PATH = 64;

/** A map entry by its key: `Operation.LambdaInvoke.UserArguments["k"]` (long keys shortened). */
export function entryPath(path: string, key: string): string {
  const chars = [...key];
  const shown = chars.length > MAX_KEY_IN_PATH ? `${chars.slice(0, MAX_KEY_IN_PATH).join('')}…` : key;
  return `${path}[${JSON.stringify(shown)}]`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
