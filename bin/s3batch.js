#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled dist/ (built by `npm ci` via `prepare`, and by `npm start`).
// The embedded store fsyncs every write on libuv's thread pool; with the default 4 threads a burst
// of PUTs queues the file reads of concurrent GETs behind it. Must be set before the pool starts.
process.env.UV_THREADPOOL_SIZE ??= '16';
// The AWS SDK warns on every Node.js below 22 that its releases after January 2027 will need 22;
// s3batch pins SDK versions that run on 20, so the warning says nothing a user of s3batch can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('s3batch is not built yet: run `npm run build` (or `npm start`) first.');
    process.exit(1);
  }
  throw err;
});
