/**
 * Python functions, each copy a long-lived `python3` process running runtime/lambda_bootstrap.py.
 * Requests go in on file descriptor 3 and answers come out on 4, so that whatever the function
 * prints is a log line, never a broken answer. The process gets only the environment it is given.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { FunctionInitError, RUNTIME_DIR, type FunctionWorker, type InvocationRequest, type WorkerAnswer } from './worker.js';

export interface PythonWorkerOptions {
  /** The interpreter's absolute path (pythonExecutable). */
  readonly python: string;
  readonly file: string;
  readonly handler: string;
  readonly env: Readonly<Record<string, string>>;
  /** Lines written while no invocation ran yet (the module's own start-up). */
  readonly onLog: (line: string) => void;
}

const cache = new Map<string, Promise<string>>();

/**
 * The absolute path of the interpreter S3BATCH_PYTHON names, asked of it once (with the server's
 * PATH): the functions' processes start it directly, with their own, minimal environment.
 * Rejects with a message that says what to do when there is none.
 */
export function pythonExecutable(python: string): Promise<string> {
  let found = cache.get(python);
  if (!found) {
    found = promisify(execFile)(python, ['-c', 'import sys; print(sys.executable)'], { timeout: 15_000, encoding: 'utf8' }).then(
      ({ stdout }) => stdout.trim(),
      (err: NodeJS.ErrnoException) => {
        cache.delete(python);
        throw new Error(`there is no Python interpreter ${python} (${err.code ?? err.message}): install python3, or set S3BATCH_PYTHON to one`);
      },
    );
    cache.set(python, found);
  }
  return found;
}

interface Pending {
  readonly id: string;
  readonly onLog: (line: string) => void;
  readonly resolve: (answer: WorkerAnswer) => void;
}

type Message =
  | { ready: true }
  | { init_error: { errorType: string; errorMessage: string } }
  | { log: { id: string | null; line: string } }
  | { result: { id: string; payload: string } }
  | { error: { id: string; errorType: string; errorMessage: string } };

export function startPythonWorker(options: PythonWorkerOptions): FunctionWorker {
  const child: ChildProcess = spawn(options.python, [path.join(RUNTIME_DIR, 'lambda_bootstrap.py'), options.file, options.handler], {
    env: { ...options.env },
    cwd: path.dirname(options.file),
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  const requests = child.stdio[3] as Writable;
  const answers = child.stdio[4] as Readable;
  let alive = true;
  let pending: Pending | undefined;
  let settleReady: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
  ready.catch(() => undefined);
  const stderrTail: string[] = [];

  const die = (errorType: string, errorMessage: string): void => {
    if (!alive) return;
    alive = false;
    settleReady?.reject(new FunctionInitError(errorType, errorMessage));
    const p = pending;
    pending = undefined;
    p?.resolve({ kind: 'functionError', errorType, errorMessage });
  };

  // What reaches the real stdout and stderr (a subprocess, a C extension, a crash before the
  // bootstrap took sys.stdout over) travels apart from the answers, and may arrive after one: it
  // is the running invocation's, else the last one's. The last lines also explain an exit.
  let last = options.onLog;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      (pending?.onLog ?? last)(line);
      if (stderrTail.push(line) > 20) stderrTail.shift();
    });
  }
  createInterface({ input: answers }).on('line', (line) => {
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      return;
    }
    if ('ready' in m) settleReady?.resolve();
    else if ('init_error' in m) die(m.init_error.errorType, m.init_error.errorMessage);
    else if ('log' in m) {
      if (pending && (m.log.id === null || m.log.id === pending.id)) pending.onLog(m.log.line);
    } else if ('result' in m || 'error' in m) {
      const p = pending;
      if (!p) return;
      pending = undefined;
      p.resolve('result' in m ? { kind: 'returned', payload: m.result.payload } : { kind: 'functionError', errorType: m.error.errorType, errorMessage: m.error.errorMessage });
    }
  });
  requests.on('error', () => undefined); // a dead process: its exit says so
  child.on('error', (err) => die('Runtime.ExitError', `The function's Python process could not run: ${err.message}`));
  child.on('exit', (code, signal) => {
    const why = signal ? `was killed (${signal})` : `exited (code ${code})`;
    const tail = stderrTail.length > 0 ? `: ${stderrTail.slice(-3).join(' | ')}` : '';
    die('Runtime.ExitError', `The function's Python process ${why} before it answered${tail}`);
  });

  return {
    ready,
    get alive() {
      return alive;
    },
    invoke(request: InvocationRequest, onLog) {
      if (!alive) return Promise.resolve({ kind: 'functionError', errorType: 'Runtime.ExitError', errorMessage: "The function's Python process is not running" });
      if (pending) throw new Error('A function process runs one invocation at a time');
      const c = request.context;
      const context = {
        aws_request_id: c.awsRequestId,
        function_name: c.functionName,
        function_version: c.functionVersion,
        invoked_function_arn: c.invokedFunctionArn,
        memory_limit_in_mb: c.memoryLimitInMB,
        log_group_name: c.logGroupName,
        log_stream_name: c.logStreamName,
        deadline_ms: c.deadlineMs,
      };
      return new Promise<WorkerAnswer>((resolve) => {
        pending = { id: request.id, onLog, resolve };
        last = onLog;
        requests.write(`${JSON.stringify({ id: request.id, event: request.event, context })}\n`);
      });
    },
    kill() {
      die('Runtime.ExitError', "The function's Python process was stopped");
      child.kill('SIGKILL');
    },
  };
}
