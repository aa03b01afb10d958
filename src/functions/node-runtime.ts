/**
 * Node.js functions, each copy in a worker thread (runtime/node-worker.cjs): started with the
 * Lambda-like environment it is given (a worker's `process.env` is its own, never the server's),
 * without the server's command-line flags, and stopped with `terminate()` when it must die.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { FunctionInitError, PACKAGE_FILE, RUNTIME_DIR, type FunctionWorker, type InvocationRequest, type WorkerAnswer } from './worker.js';

export interface NodeWorkerOptions {
  readonly file: string;
  readonly handler: string;
  readonly env: Readonly<Record<string, string>>;
  /** Lines written while no invocation ran yet (the module's own start-up). */
  readonly onLog: (line: string) => void;
}

interface Pending {
  readonly id: string;
  readonly onLog: (line: string) => void;
  readonly resolve: (answer: WorkerAnswer) => void;
}

type Message =
  | { ready: true }
  | { initError: { errorType: string; errorMessage: string } }
  | { log: { id: string | undefined; line: string } }
  | { result: { id: string; payload: string } }
  | { error: { id: string; errorType: string; errorMessage: string } };

export function startNodeWorker(options: NodeWorkerOptions): FunctionWorker {
  const worker = new Worker(path.join(RUNTIME_DIR, 'node-worker.cjs'), {
    workerData: { file: options.file, handler: options.handler, fallbackRequireFrom: PACKAGE_FILE },
    env: { ...options.env },
    execArgv: [],
    stdout: true,
    stderr: true,
  });
  let alive = true;
  let pending: Pending | undefined;
  let settleReady: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
  ready.catch(() => undefined);

  const die = (errorType: string, errorMessage: string): void => {
    if (!alive) return;
    alive = false;
    settleReady?.reject(new FunctionInitError(errorType, errorMessage));
    const p = pending;
    pending = undefined;
    p?.resolve({ kind: 'functionError', errorType, errorMessage });
  };

  // Output written around console (process.stdout.write, a native addon) travels on its own
  // stream, which may deliver it after the answer: it is the running invocation's, else the last one's.
  let last = options.onLog;
  for (const stream of [worker.stdout, worker.stderr]) {
    createInterface({ input: stream }).on('line', (line) => (pending?.onLog ?? last)(line));
  }
  worker.on('message', (m: Message) => {
    if ('ready' in m) settleReady?.resolve();
    else if ('initError' in m) die(m.initError.errorType, m.initError.errorMessage);
    else if ('log' in m) {
      if (pending && (m.log.id === undefined || m.log.id === pending.id)) pending.onLog(m.log.line);
    } else if ('result' in m || 'error' in m) {
      const p = pending;
      if (!p) return;
      pending = undefined;
      p.resolve('result' in m ? { kind: 'returned', payload: m.result.payload } : { kind: 'functionError', errorType: m.error.errorType, errorMessage: m.error.errorMessage });
    }
  });
  // An exception nothing caught (a callback that throws after the handler returned): Lambda
  // reports it as the invocation's error and starts a new environment.
  worker.on('error', (err) => die(err.name || 'Error', err.message));
  worker.on('exit', (code) => die('Runtime.ExitError', `The function's worker exited (code ${code}) before it answered`));

  return {
    ready,
    get alive() {
      return alive;
    },
    invoke(request: InvocationRequest, onLog) {
      if (!alive) return Promise.resolve({ kind: 'functionError', errorType: 'Runtime.ExitError', errorMessage: "The function's worker is not running" });
      if (pending) throw new Error('A function worker runs one invocation at a time');
      return new Promise<WorkerAnswer>((resolve) => {
        pending = { id: request.id, onLog, resolve };
        last = onLog;
        worker.postMessage({ invoke: request });
      });
    },
    kill() {
      die('Runtime.ExitError', "The function's worker was stopped");
      void worker.terminate();
    },
  };
}
