/**
 * The config file's `functions` section: the Lambda functions LambdaInvoke jobs may call, by full
 * function ARN or by name (CONTRACT: "Config file sections"). An entry is a local module run by
 * s3batch (`file`, `handler`, `timeoutSeconds`, `concurrency`, `environment`) or an HTTP endpoint
 * that answers the invocation event (`url`, `headers`, `timeoutSeconds`, `concurrency`). Every
 * problem is reported at once, by its path; an unknown key at any depth stops the start-up.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** Lambda's own default timeout is 3 s, too short for functions that move objects. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 60;
/** Lambda's maximum. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;
/** Workers (or requests in flight, for an HTTP endpoint) of one function, all accounts together. */
export const DEFAULT_FUNCTION_CONCURRENCY = 8;
export const MAX_FUNCTION_CONCURRENCY = 256;

export type FunctionEntry = ModuleFunctionEntry | UrlFunctionEntry;

export interface ModuleFunctionEntry {
  readonly kind: 'module';
  /** Absolute path of the `.mjs`/`.js`/`.cjs` or `.py` file. */
  readonly file: string;
  /** The exported function (Node.js) or module-level function (Python); default `handler` / `lambda_handler`. */
  readonly handler: string | undefined;
  readonly timeoutSeconds: number;
  readonly concurrency: number;
  readonly environment: Readonly<Record<string, string>>;
}

export interface UrlFunctionEntry {
  readonly kind: 'url';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly concurrency: number;
}

/**
 * Names the entry's `environment` may not set: Lambda's reserved variables (AWS Lambda Developer
 * Guide, "Defined runtime environment variables"), and AWS_ENDPOINT_URL, which s3batch sets to the
 * store of the job — with the job's account's credentials, it is what keeps an account's function
 * on that account's objects.
 */
const RESERVED = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
]);

const MODULE_KEYS = ['file', 'handler', 'timeoutSeconds', 'concurrency', 'environment'];
const URL_KEYS = ['url', 'headers', 'timeoutSeconds', 'concurrency'];
/** A function name (Lambda's), or a full function ARN, optionally qualified. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;
const MODULE_FILE = /\.(mjs|js|cjs|py)$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses `functions` (undefined: no section). `base` is the config file's folder, against which a
 * relative `file` is read. Returns the problems found rather than throwing, so that the caller
 * reports them with the rest of the file's.
 */
export function parseFunctionsSection(value: unknown, base: string, problems: string[]): ReadonlyMap<string, FunctionEntry> {
  const entries = new Map<string, FunctionEntry>();
  if (value === undefined) return entries;
  if (!isObject(value)) {
    problems.push('functions must be a JSON object whose keys are function names or ARNs');
    return entries;
  }
  for (const [key, raw] of Object.entries(value)) {
    const at = `functions.${clip(key)}`;
    if (!FUNCTION_NAME.test(key) && !FUNCTION_ARN.test(key)) {
      problems.push(`${at}: the key must be a function name (letters, digits, - and _, at most 64) or a function ARN (arn:aws:lambda:region:account:function:name)`);
      continue;
    }
    if (!isObject(raw)) {
      problems.push(`${at} must be a JSON object`);
      continue;
    }
    const entry = 'url' in raw ? urlEntry(raw, at, problems) : moduleEntry(raw, at, base, problems);
    if (entry) entries.set(key, entry);
  }
  return entries;
}

function moduleEntry(raw: Record<string, unknown>, at: string, base: string, problems: string[]): ModuleFunctionEntry | undefined {
  const before = problems.length;
  unknownKeys(raw, MODULE_KEYS, at, problems);
  const fileValue = raw.file;
  let file: string | undefined;
  if (typeof fileValue !== 'string' || fileValue === '') {
    problems.push(`${at}.file is missing: a local function names its .mjs, .js, .cjs or .py file (or give a url instead)`);
  } else if (!MODULE_FILE.test(fileValue)) {
    problems.push(`${at}.file must be a .mjs, .js, .cjs or .py file, not ${clip(fileValue)}`);
  } else {
    file = path.resolve(base, fileValue);
    if (!existsSync(file) || !statSync(file).isFile()) problems.push(`${at}.file ${clip(file)} does not exist`);
  }
  const handler = raw.handler;
  if (handler !== undefined && (typeof handler !== 'string' || !IDENTIFIER.test(handler))) {
    problems.push(`${at}.handler must be the name of the function to call (an identifier, e.g. handler or lambda_handler)`);
  }
  const environment = stringMap(raw.environment, `${at}.environment`, problems, (name) => {
    if (!ENV_NAME.test(name)) return 'is not an environment variable name';
    if (RESERVED.has(name)) return 'is set by s3batch, as by Lambda: it cannot be given';
    return undefined;
  });
  const timeoutSeconds = integer(raw.timeoutSeconds, `${at}.timeoutSeconds`, 1, MAX_FUNCTION_TIMEOUT_SECONDS, DEFAULT_FUNCTION_TIMEOUT_SECONDS, problems);
  const concurrency = integer(raw.concurrency, `${at}.concurrency`, 1, MAX_FUNCTION_CONCURRENCY, DEFAULT_FUNCTION_CONCURRENCY, problems);
  if (problems.length > before || file === undefined) return undefined;
  return Object.freeze({ kind: 'module', file, handler: handler as string | undefined, timeoutSeconds, concurrency, environment });
}

function urlEntry(raw: Record<string, unknown>, at: string, problems: string[]): UrlFunctionEntry | undefined {
  const before = problems.length;
  unknownKeys(raw, URL_KEYS, at, problems);
  const url = raw.url;
  if (typeof url !== 'string' || !isHttpUrl(url)) problems.push(`${at}.url must be an http:// or https:// URL`);
  const headers = stringMap(raw.headers, `${at}.headers`, problems, (name) => (HEADER_NAME.test(name) ? undefined : 'is not a header name'));
  const timeoutSeconds = integer(raw.timeoutSeconds, `${at}.timeoutSeconds`, 1, MAX_FUNCTION_TIMEOUT_SECONDS, DEFAULT_FUNCTION_TIMEOUT_SECONDS, problems);
  const concurrency = integer(raw.concurrency, `${at}.concurrency`, 1, MAX_FUNCTION_CONCURRENCY, DEFAULT_FUNCTION_CONCURRENCY, problems);
  if (problems.length > before) return undefined;
  return Object.freeze({ kind: 'url', url: url as string, headers, timeoutSeconds, concurrency });
}

function unknownKeys(raw: Record<string, unknown>, known: readonly string[], at: string, problems: string[]): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) problems.push(`${at}.${clip(key)} is not a known key (known: ${known.join(', ')})`);
  }
}

function stringMap(value: unknown, at: string, problems: string[], nameProblem: (name: string) => string | undefined): Readonly<Record<string, string>> {
  if (value === undefined) return Object.freeze({});
  if (!isObject(value)) {
    problems.push(`${at} must be a JSON object of strings`);
    return Object.freeze({});
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    const why = nameProblem(name);
    if (why !== undefined) problems.push(`${at}.${clip(name)} ${why}`);
    else if (typeof v !== 'string') problems.push(`${at}.${clip(name)} must be a string`);
    else out[name] = v;
  }
  return Object.freeze(out);
}

function integer(value: unknown, at: string, min: number, max: number, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${at} must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
