/**
 * `s3batch serve` start-up failures (issue 9): what the operator must fix — the port taken, an
 * address that is not this machine's, the data dir held by another server or unusable — is one
 * line on stderr that says what to do, and a non-zero exit, with no stack trace. A failure that
 * is a bug (here: a job database that is not a database) still shows its stack.
 *
 * The CLI runs as a process, as a user starts it (src/cli/main.ts under vite-node, so that no
 * build is needed).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/app/startup-error.js';
import { ACCOUNT_A, startTestServer } from '../helpers/server.js';

const VITE_NODE = path.resolve('node_modules/vite-node/vite-node.mjs');
const MAIN = path.resolve('src/cli/main.ts');

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-startup-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Run {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** `s3batch serve` with these variables and arguments, until it exits (a server that starts is a failure: killed after 20 s). */
function serve(env: Record<string, string>, args: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [VITE_NODE, MAIN, 'serve', ...args],
      { env: { ...process.env, S3BATCH_LOG_LEVEL: 'warn', ...env }, timeout: 20_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        resolve({ code: child.exitCode ?? (err as { code?: number } | null)?.code ?? null, stdout, stderr });
      },
    );
  });
}

function expectOneLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^s3batch: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.code).toBe(1);
}

describe('s3batch serve: start-up failures', () => {
  it('port in use: one line naming the port and what to set, exit 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => holder.close(() => r())));
    const { port } = holder.address() as net.AddressInfo;
    const dir = await tempDir();
    const run = await serve({ S3BATCH_DATA_DIR: dir, S3BATCH_PORT: String(port) });
    expectOneLine(run, new RegExp(`^s3batch: port ${port} on 127\\.0\\.0\\.1 is in use by another program: stop it or set S3BATCH_PORT / --port$`));
    // The same through --port.
    expectOneLine(await serve({ S3BATCH_DATA_DIR: dir }, ['--port', String(port)]), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    // In-process (as a supervisor or a test starts it), the failed start gives back what it had
    // opened: the same data dir takes a server at once.
    await expect(startTestServer({ S3BATCH_PORT: String(port) }, dir)).rejects.toThrow(StartupError);
    const server = await startTestServer({}, dir);
    await server.close();
  }, 60_000);

  it('data dir held by another server: one line saying so and what to do, exit 1', async () => {
    const running = await startTestServer();
    const run = await serve({ S3BATCH_DATA_DIR: running.dataDir, S3BATCH_PORT: '0' });
    expectOneLine(run, /the data dir .* is in use by another s3batch server .*: stop that server, or give this one its own S3BATCH_DATA_DIR \/ --data-dir$/);
    await running.close();
  });

  it('an address that is not this machine\'s: one line naming S3BATCH_HOST, exit 1', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine; binding fails locally, nothing is sent.
    const run = await serve({
      S3BATCH_DATA_DIR: await tempDir(),
      S3BATCH_PORT: '0',
      S3BATCH_HOST: '192.0.2.1',
      S3BATCH_CREDENTIALS: `${ACCOUNT_A.accountId}:${ACCOUNT_A.accessKeyId}:${ACCOUNT_A.secretAccessKey}`,
    });
    expectOneLine(run, /^s3batch: cannot listen on 192\.0\.2\.1: it is not an address of this machine: set S3BATCH_HOST \/ --host/);
  });

  it('a data dir that cannot be a directory: one line naming S3BATCH_DATA_DIR, exit 1', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    expectOneLine(await serve({ S3BATCH_DATA_DIR: file, S3BATCH_PORT: '0' }), /^s3batch: cannot use the data dir .*a-file: it is a file, not a directory: set S3BATCH_DATA_DIR \/ --data-dir/);
    expectOneLine(
      await serve({ S3BATCH_DATA_DIR: path.join(file, 'below'), S3BATCH_PORT: '0' }),
      /^s3batch: cannot use the data dir .*a-file\/below: a part of the path is a file, not a directory: set S3BATCH_DATA_DIR/,
    );
    // The directory exists, but its lock file cannot be opened.
    const blocked = path.join(dir, 'blocked');
    await mkdir(path.join(blocked, 's3batch.lock'), { recursive: true });
    expectOneLine(await serve({ S3BATCH_DATA_DIR: blocked, S3BATCH_PORT: '0' }), /^s3batch: cannot use the data dir .*blocked: cannot open its lock file s3batch\.lock/);
  });

  it('a configuration error stays one line with exit 2', async () => {
    const run = await serve({ S3BATCH_DATA_DIR: await tempDir(), S3BATCH_IDLE_TIMEOUT_MS: '0' });
    expect(run.stderr.trim()).toMatch(/^s3batch: S3BATCH_IDLE_TIMEOUT_MS must be between 100 and 3600000 \(got 0\)$/);
    expect(run.code).toBe(2);
  });

  it('a failure that is not the operator\'s (a corrupt job database) keeps its stack and exits non-zero', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 's3batch.db'), 'this is not an SQLite database, it is a bug report waiting to happen '.repeat(100));
    const run = await serve({ S3BATCH_DATA_DIR: dir, S3BATCH_PORT: '0' });
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toMatch(/not a database/);
    expect(run.stderr).toMatch(/^\s+at /m);
  });
});
