/**
 * One running copy of a local function: a worker thread (Node.js) or a process (Python) that has
 * loaded the function once and runs one invocation at a time, as a Lambda execution environment
 * does. The pool (pool.ts) owns them; the runtimes (node-runtime.ts, python-runtime.ts) make them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a runtime passes as the handler's `context` (each runtime spells the names its way). */
export interface InvocationContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** When the invocation times out (epoch ms): getRemainingTimeInMillis counts down to it. */
  readonly deadlineMs: number;
}

export interface InvocationRequest {
  readonly id: string;
  readonly event: unknown;
  readonly context: InvocationContext;
}

export type WorkerAnswer =
  | { readonly kind: 'returned'; readonly payload: string }
  | { readonly kind: 'functionError'; readonly errorType: string; readonly errorMessage: string };

/** The function could not be loaded: a syntax error, a missing handler, a module it imports. */
export class FunctionInitError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
  ) {
    super(`${errorType}: ${errorMessage}`);
    this.name = 'FunctionInitError';
  }
}

export interface FunctionWorker {
  /** Resolves once the function is loaded; rejects with a FunctionInitError when it cannot be. */
  readonly ready: Promise<void>;
  /**
   * Runs one invocation; never two at once. Resolves with the function's answer, or with a
   * function error when the worker died under it (it is then not alive any more). `onLog` gets
   * each line the function writes while it runs.
   */
  invoke(request: InvocationRequest, onLog: (line: string) => void): Promise<WorkerAnswer>;
  /** Stops it at once: a timeout, a shutdown. An invocation in flight resolves as a death. */
  kill(): void;
  readonly alive: boolean;
}

/** The folder of the runtime files (runtime/ at the package's root, from src/ and from dist/ alike). */
export const RUNTIME_DIR = fileURLToPath(new URL('../../runtime/', import.meta.url));

/** A file of s3batch's own package, from which a function's bare imports fall back (its @aws-sdk/*). */
export const PACKAGE_FILE = path.join(RUNTIME_DIR, '..', 'package.json');
