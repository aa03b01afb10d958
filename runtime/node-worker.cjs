'use strict';
/**
 * The worker thread a Node.js Lambda function runs in (src/functions/node-runtime.ts starts it).
 * It loads the function's module once — ESM or CommonJS, by Node's own rules — and then runs one
 * invocation at a time, as Lambda does: `async (event, context)`, or the older
 * `(event, context, callback)` style. console output goes to the server as log lines, in order
 * with the invocation it belongs to. The thread's environment is the one the main thread gave it
 * (a Lambda-like one, never the server's own).
 *
 * Messages in:  { invoke: { id, event, context: { awsRequestId, deadlineMs, ... } } }
 * Messages out: { ready: true } | { initError: { errorType, errorMessage } }
 *               { log: { id, line } }
 *               { result: { id, payload } }            (payload: the JSON text of the return value)
 *               { error: { id, errorType, errorMessage, stackTrace } }
 * Plain JavaScript on purpose: worker threads cannot load TypeScript, and this one file serves
 * both the sources (tests) and the build.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const Module = require('node:module');
const util = require('node:util');

/** What s3batch itself resolves bare specifiers from: its own node_modules (the SDK v3 it ships). */
const fallbackBase = workerData.fallbackRequireFrom;

// CommonJS: a require() the function's own node_modules cannot satisfy is resolved from s3batch's,
// as Lambda's Node.js runtime provides the AWS SDK v3 to functions that do not bundle it.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  try {
    return resolveFilename.call(this, request, parent, isMain, options);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && isBare(request)) {
      return resolveFilename.call(this, request, { id: fallbackBase, filename: fallbackBase, paths: Module._nodeModulePaths(require('node:path').dirname(fallbackBase)) }, isMain, options);
    }
    throw err;
  }
};
// ESM: the same fallback as a resolve hook (Node >= 20.6). Registered only when a function's
// import needs it: hooks run on a thread of their own, which a function with its own
// node_modules (or no imports) should not pay for.
let hooked = false;
function hookResolution() {
  if (hooked || typeof Module.register !== 'function') return false;
  hooked = true;
  Module.register(pathToFileURL(require('node:path').join(__dirname, 'node-resolve-hook.mjs')).href, {
    data: { fallbackParentURL: pathToFileURL(fallbackBase).href },
  });
  return true;
}

function isBare(specifier) {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:') && !/^[a-zA-Z][a-zA-Z+.-]*:/.test(specifier);
}

let current; // the id of the invocation running, for log lines
function send(line) {
  parentPort.postMessage({ log: { id: current, line } });
}
for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
  console[name] = (...args) => {
    for (const line of util.format(...args).split('\n')) send(line);
  };
}

function describeError(err) {
  if (err instanceof Error) {
    return { errorType: err.name || 'Error', errorMessage: err.message, stackTrace: String(err.stack || '').split('\n').slice(1).map((l) => l.trim()) };
  }
  return { errorType: 'Error', errorMessage: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err), stackTrace: [] };
}

async function main() {
  let handler;
  try {
    const url = pathToFileURL(workerData.file).href;
    let mod;
    try {
      mod = await import(url);
    } catch (err) {
      // A bare import the function's own node_modules do not have (its @aws-sdk/*): once more,
      // with the fallback to s3batch's own packages, under another URL (the module map keeps the
      // failed one).
      if (!(err && err.code === 'ERR_MODULE_NOT_FOUND' && hookResolution())) throw err;
      mod = await import(`${url}?s3batch-fallback`);
    }
    handler = mod[workerData.handler] ?? (mod.default && mod.default[workerData.handler]);
    if (typeof handler !== 'function') {
      parentPort.postMessage({
        initError: { errorType: 'Runtime.HandlerNotFound', errorMessage: `${workerData.file} does not export a function named ${workerData.handler}` },
      });
      return;
    }
  } catch (err) {
    const e = describeError(err);
    parentPort.postMessage({ initError: { errorType: err && err.code === 'ERR_MODULE_NOT_FOUND' ? 'Runtime.ImportModuleError' : e.errorType, errorMessage: e.errorMessage } });
    return;
  }
  parentPort.on('message', (message) => {
    if (message.invoke) void invoke(handler, message.invoke);
  });
  parentPort.postMessage({ ready: true });
}

async function invoke(handler, { id, event, context }) {
  current = id;
  const ctx = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, context.deadlineMs - Date.now()),
    done: undefined,
    succeed: undefined,
    fail: undefined,
  };
  try {
    const value = await new Promise((resolve, reject) => {
      const callback = (err, result) => (err ? reject(err) : resolve(result));
      ctx.done = callback;
      ctx.succeed = (result) => resolve(result);
      ctx.fail = (err) => reject(err);
      let returned;
      try {
        returned = handler(event, ctx, callback);
      } catch (err) {
        reject(err);
        return;
      }
      // async handlers (and handlers returning a promise) answer by resolving; a handler taking the
      // callback answers by calling it; any other handler answers with what it returned.
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    });
    let payload;
    try {
      payload = value === undefined ? 'null' : JSON.stringify(value);
    } catch (err) {
      parentPort.postMessage({ error: { id, errorType: 'Runtime.MarshalError', errorMessage: `Unable to marshal response: ${describeError(err).errorMessage}`, stackTrace: [] } });
      return;
    }
    parentPort.postMessage({ result: { id, payload } });
  } catch (err) {
    parentPort.postMessage({ error: { id, ...describeError(err) } });
  } finally {
    current = undefined;
  }
}

void main();
