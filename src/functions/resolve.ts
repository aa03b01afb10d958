/**
 * Which function a LambdaInvoke job's `FunctionArn` names, in CONTRACT's order: the config file's
 * `functions` section (by full ARN, by unqualified ARN, then by name), then the functions directory
 * (`NAME.mjs`, `NAME.js`, `NAME.cjs`, `NAME/index.mjs|.js|.cjs` exporting `handler`; `NAME.py`,
 * `NAME/lambda_function.py` defining `lambda_handler`: the defaults of Lambda's Node.js runtime and
 * of the console's Python template). Resolution reads the file system; it runs when a job is
 * prepared, so a changed or new file is picked up by the next job.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { FunctionsConfig } from '../config/config.js';
import { DEFAULT_FUNCTION_CONCURRENCY, DEFAULT_FUNCTION_TIMEOUT_SECONDS, type FunctionEntry } from '../config/functions.js';

/**
 * The model's FunctionArn pattern (reference §3.2), anchored: a name, `account:function:name`, or
 * a full ARN, each optionally qualified — what Lambda's Invoke accepts.
 */
const FUNCTION_ARN = /^(?:arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(?:(?:-gov)|(?:-iso(?:[a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(?:function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

export interface FunctionName {
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
  readonly qualifier: string | undefined;
  /** `arn:aws:lambda:region:account:function:name` (unqualified). */
  readonly arn: string;
}

/** Parses a FunctionArn; a part it leaves out is the job's (its account, the server's region). */
export function parseFunctionName(functionArn: string, defaults: { accountId: string; region: string }): FunctionName | undefined {
  const m = FUNCTION_ARN.exec(functionArn);
  if (!m) return undefined;
  const region = m[2]?.slice(0, -1) ?? defaults.region;
  const accountId = m[3]?.slice(0, -1) ?? defaults.accountId;
  const name = m[4]!;
  return { region, accountId, name, qualifier: m[5], arn: `arn:aws:lambda:${region}:${accountId}:function:${name}` };
}

export type Runtime = 'node' | 'python';

export type ResolvedFunction =
  | {
      readonly kind: 'module';
      readonly name: FunctionName;
      readonly runtime: Runtime;
      readonly file: string;
      readonly handler: string;
      readonly timeoutSeconds: number;
      readonly concurrency: number;
      readonly environment: Readonly<Record<string, string>>;
      /** Where it came from, for messages: "functions.resize of the config file", "functions/resize.py". */
      readonly source: string;
      /** The file's size and modification time: a changed file is another version. */
      readonly version: string;
    }
  | {
      readonly kind: 'url';
      readonly name: FunctionName;
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly timeoutSeconds: number;
      readonly concurrency: number;
      readonly source: string;
      readonly version: string;
    };

export interface Refusal {
  readonly code: string;
  readonly reason: string;
}

const DIR_CANDIDATES = (name: string): Array<[string, Runtime]> => [
  [`${name}.mjs`, 'node'],
  [`${name}.js`, 'node'],
  [`${name}.cjs`, 'node'],
  [path.join(name, 'index.mjs'), 'node'],
  [path.join(name, 'index.js'), 'node'],
  [path.join(name, 'index.cjs'), 'node'],
  [`${name}.py`, 'python'],
  [path.join(name, 'lambda_function.py'), 'python'],
];

/** The function `functionArn` names for a job of `accountId`, or why the job cannot run. */
export function resolveFunction(config: FunctionsConfig, functionArn: string, job: { accountId: string; region: string }): ResolvedFunction | Refusal {
  const name = parseFunctionName(functionArn, job);
  if (!name) return { code: 'InvalidFunction', reason: `The FunctionArn ${clip(functionArn)} is not a Lambda function name or ARN` };
  if (name.accountId !== job.accountId) {
    return {
      code: 'FunctionAccessDenied',
      reason: `The function ${name.arn} belongs to account ${name.accountId}: a job may only invoke its own account's functions (${job.accountId})`,
    };
  }
  if (name.region !== job.region) {
    return { code: 'InvalidFunction', reason: `The function ${name.arn} is in ${name.region}; this s3batch serves ${job.region}, where the job's functions must be` };
  }
  const qualified = name.qualifier === undefined ? name.arn : `${name.arn}:${name.qualifier}`;
  for (const key of [qualified, name.arn, name.name]) {
    const entry = config.entries.get(key);
    if (entry) return fromEntry(entry, name, `functions["${key}"] of the config file`);
  }
  for (const [relative, runtime] of DIR_CANDIDATES(name.name)) {
    const file = path.join(config.dir, relative);
    const stat = statOf(file);
    if (!stat) continue;
    return {
      kind: 'module',
      name,
      runtime,
      file,
      handler: runtime === 'python' ? 'lambda_handler' : 'handler',
      timeoutSeconds: DEFAULT_FUNCTION_TIMEOUT_SECONDS,
      concurrency: DEFAULT_FUNCTION_CONCURRENCY,
      environment: {},
      source: file,
      version: stat,
    };
  }
  return {
    code: 'FunctionNotFound',
    reason:
      `No function ${name.name}: add ${path.join(config.dir, `${name.name}.mjs`)} (exporting handler) or ` +
      `${path.join(config.dir, `${name.name}.py`)} (defining lambda_handler), or map it in the functions section of the config file`,
  };
}

function fromEntry(entry: FunctionEntry, name: FunctionName, source: string): ResolvedFunction | Refusal {
  if (entry.kind === 'url') {
    return { kind: 'url', name, url: entry.url, headers: entry.headers, timeoutSeconds: entry.timeoutSeconds, concurrency: entry.concurrency, source, version: entry.url };
  }
  const stat = statOf(entry.file);
  if (!stat) return { code: 'FunctionNotFound', reason: `The file ${entry.file} of the function ${name.name} (${source}) does not exist` };
  const runtime: Runtime = entry.file.endsWith('.py') ? 'python' : 'node';
  return {
    kind: 'module',
    name,
    runtime,
    file: entry.file,
    handler: entry.handler ?? (runtime === 'python' ? 'lambda_handler' : 'handler'),
    timeoutSeconds: entry.timeoutSeconds,
    concurrency: entry.concurrency,
    environment: entry.environment,
    source,
    version: stat,
  };
}

/** `size:mtime` of a regular file, or undefined. */
function statOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return s.isFile() ? `${s.size}:${s.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

export function isRefusal(value: ResolvedFunction | Refusal): value is Refusal {
  return 'reason' in value;
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
