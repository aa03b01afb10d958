/**
 * The Lambda functions of this server (the LambdaFunctions port of operations/lambda-invoke.ts):
 * local Node.js and Python modules run by s3batch, and HTTP endpoints.
 *
 * Local functions are the operator's trusted code, not a sandbox. Still, each copy gets a clean
 * environment — never the server's, which holds every account's secret — with only what Lambda
 * would give: the region, the function's name, version and memory size, the credentials of the
 * job's account on the store the job runs on and AWS_ENDPOINT_URL pointing at that store, plus the
 * entry's own `environment`. An unmodified function (boto3.client("s3"), new S3Client({})) then
 * acts on the job's objects, and no account's function can reach another account's buckets.
 * Copies are therefore per function and account. A function's `concurrency` bounds its
 * invocations in flight, shared fairly between accounts (lib/fair-pool.ts), and its copies.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FunctionsConfig } from '../config/config.js';
import { FairPool } from '../lib/fair-pool.js';
import type { LambdaAnswer, LambdaFunctions, LambdaInvocation, LambdaRefusal } from '../operations/lambda-invoke.js';
import { TaskAbandoned } from '../operations/types.js';
import { invokeUrl } from './http-runtime.js';
import { startNodeWorker } from './node-runtime.js';
import { WorkerPool } from './pool.js';
import { pythonExecutable, startPythonWorker } from './python-runtime.js';
import { isRefusal, resolveFunction, type ResolvedFunction } from './resolve.js';
import { FunctionInitError, type InvocationContext } from './worker.js';

/** How a function of an account reaches that account's objects. */
export interface FunctionStore {
  /** An IP-address URL where the store can be (the embedded one: this server), so that both SDKs use path-style addressing. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface FunctionsOptions {
  readonly config: FunctionsConfig;
  /** The server's region: a function ARN names it, or is not this server's. */
  readonly region: string;
  /** The store of an account's jobs as its functions see it; a reason when the account has none. */
  readonly storeFor: (accountId: string) => FunctionStore | { readonly refusal: string };
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long an idle copy is kept (default 60 s). */
  readonly idleWorkerMs?: number;
}

export interface ServerFunctions extends LambdaFunctions {
  /** Shutdown: invocations in flight are stopped, and their tasks given back to run again later. */
  abort(): void;
  /** Stops every copy. */
  close(): void;
}

/** Lambda reports this memory size; nothing is enforced. */
const MEMORY_MB = '128';

interface FunctionState {
  readonly slots: FairPool;
  readonly pools: Map<string, WorkerPool>;
}

export function createLambdaFunctions(options: FunctionsOptions): ServerFunctions {
  const { config, logger } = options;
  const log = logger;
  /** The function a job's FunctionArn resolved to when the job was prepared, by account and ARN. */
  const resolved = new Map<string, ResolvedFunction>();
  /** Per function (its source and version): its slots and its copies per account. */
  const functions = new Map<string, FunctionState>();
  let aborted = false;

  const key = (accountId: string, functionArn: string): string => `${accountId}\n${functionArn}`;

  function stateOf(fn: ResolvedFunction): FunctionState {
    const id = `${fn.source}\n${fn.version}`;
    let state = functions.get(id);
    if (!state) functions.set(id, (state = { slots: new FairPool(fn.concurrency), pools: new Map() }));
    return state;
  }

  function resolve(functionArn: string, accountId: string): ResolvedFunction | LambdaRefusal {
    const fn = resolveFunction(config, functionArn, { accountId, region: options.region });
    if (!isRefusal(fn)) resolved.set(key(accountId, functionArn), fn);
    return fn;
  }

  async function poolOf(fn: Extract<ResolvedFunction, { kind: 'module' }>, accountId: string): Promise<WorkerPool | LambdaRefusal> {
    const state = stateOf(fn);
    const existing = state.pools.get(accountId);
    if (existing) return existing;
    const store = options.storeFor(accountId);
    if ('refusal' in store) return { code: 'NoStoreCredentials', reason: store.refusal };
    let python: string | undefined;
    if (fn.runtime === 'python') {
      try {
        python = await pythonExecutable(config.python);
      } catch (err) {
        return { code: 'FunctionRuntimeMissing', reason: `The function ${fn.name.name} is Python, but ${(err as Error).message}` };
      }
    }
    const again = state.pools.get(accountId);
    if (again) return again;
    const env = environmentOf(fn, store);
    const onLog = (line: string): void => log.info({ function: fn.name.name, accountId }, line);
    const pool = new WorkerPool(
      () => (python !== undefined ? startPythonWorker({ python, file: fn.file, handler: fn.handler, env, onLog }) : startNodeWorker({ file: fn.file, handler: fn.handler, env, onLog })),
      options.idleWorkerMs,
    );
    state.pools.set(accountId, pool);
    return pool;
  }

  async function runLocal(fn: Extract<ResolvedFunction, { kind: 'module' }>, invocation: LambdaInvocation): Promise<LambdaAnswer> {
    const pool = await poolOf(fn, invocation.accountId);
    if (!(pool instanceof WorkerPool)) return { kind: 'functionError', errorType: pool.code, errorMessage: pool.reason };
    const state = stateOf(fn);
    await state.slots.acquire(invocation.accountId, invocation.accountId);
    try {
      if (aborted) throw new TaskAbandoned('The server is shutting down');
      makeRoom(state, pool, fn.concurrency);
      const id = randomUUID();
      const request = { id, event: invocation.event, context: contextOf(fn, invocation, id) };
      const lines = log;
      const answer = await pool
        .run(request, fn.timeoutSeconds * 1000, (line) => lines.info({ jobId: invocation.jobId, taskId: invocation.taskId, function: fn.name.name, accountId: invocation.accountId }, line))
        .catch((err: unknown) => {
          if (err instanceof FunctionInitError) return { kind: 'functionError' as const, errorType: err.errorType, errorMessage: err.errorMessage };
          throw err;
        });
      if (aborted) throw new TaskAbandoned('The server is shutting down');
      return answer;
    } finally {
      state.slots.release(invocation.accountId, invocation.accountId);
    }
  }

  return {
    async check(functionArn, accountId) {
      const fn = resolve(functionArn, accountId);
      if (isRefusal(fn)) return fn;
      if (fn.kind === 'url') return undefined;
      const pool = await poolOf(fn, accountId);
      if (!(pool instanceof WorkerPool)) return pool;
      // Load it now, once: a function that cannot be loaded fails the job here, with one reason,
      // instead of every task with the same one. The copy stays, warm, for the first task.
      try {
        pool.give(await pool.take());
      } catch (err) {
        if (!(err instanceof FunctionInitError)) throw err;
        return { code: 'FunctionLoadFailed', reason: `The function ${fn.name.name} (${fn.source}) could not be loaded: ${err.errorType}: ${err.errorMessage}`.slice(0, 400) };
      }
      return undefined;
    },

    async invoke(invocation) {
      if (aborted) throw new TaskAbandoned('The server is shutting down');
      const fn = resolved.get(key(invocation.accountId, invocation.functionArn)) ?? resolve(invocation.functionArn, invocation.accountId);
      if (isRefusal(fn)) return { kind: 'functionError', errorType: fn.code, errorMessage: fn.reason };
      if (fn.kind === 'url') {
        const state = stateOf(fn);
        await state.slots.acquire(invocation.accountId, invocation.accountId);
        try {
          return await invokeUrl(fn.url, fn.headers, invocation.event, fn.timeoutSeconds * 1000);
        } finally {
          state.slots.release(invocation.accountId, invocation.accountId);
        }
      }
      return runLocal(fn, invocation);
    },

    abort() {
      aborted = true;
      for (const state of functions.values()) for (const pool of state.pools.values()) pool.killAll();
    },

    close() {
      for (const state of functions.values()) for (const pool of state.pools.values()) pool.killAll();
      functions.clear();
    },
  };
}

/**
 * Copies of one function stay within its concurrency across accounts: before another copy starts
 * for `pool`, an idle one of another account's is stopped.
 */
function makeRoom(state: FunctionState, pool: WorkerPool, concurrency: number): void {
  if (pool.idleCount > 0) return;
  let live = 0;
  for (const p of state.pools.values()) live += p.size;
  if (live < concurrency) return;
  for (const other of state.pools.values()) if (other !== pool && other.retireOneIdle()) return;
}

function contextOf(fn: ResolvedFunction, invocation: LambdaInvocation, requestId: string): InvocationContext {
  return {
    awsRequestId: requestId,
    functionName: fn.name.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.name.qualifier === undefined ? fn.name.arn : `${fn.name.arn}:${fn.name.qualifier}`,
    memoryLimitInMB: MEMORY_MB,
    logGroupName: `/aws/lambda/${fn.name.name}`,
    logStreamName: `s3batch/${invocation.jobId}`,
    deadlineMs: Date.now() + fn.timeoutSeconds * 1000,
  };
}

/** What Lambda defines for a function (Developer Guide, "Defined runtime environment variables"), and no more. */
function environmentOf(fn: Extract<ResolvedFunction, { kind: 'module' }>, store: FunctionStore): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: path.dirname(fn.file),
    AWS_EXECUTION_ENV: fn.runtime === 'python' ? 'AWS_Lambda_python3' : `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
    AWS_REGION: store.region,
    AWS_DEFAULT_REGION: store.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: MEMORY_MB,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name.name}`,
    AWS_ACCESS_KEY_ID: store.accessKeyId,
    AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
    AWS_ENDPOINT_URL: store.endpoint,
    // Nothing of the machine's own AWS configuration: the credentials above are the account's.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    PYTHONUNBUFFERED: '1',
    ...fn.environment,
  };
}
