/**
 * s3batch servers in child processes (test/helpers/server-main.ts), for tests that kill them
 * (SIGKILL) and start them again on the same data dir. Every child still running after a test is
 * killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import { ACCOUNT_A, REGION } from './server.js';

const VITE_NODE = path.resolve('node_modules/vite-node/vite-node.mjs');
const MAIN = path.resolve('test/helpers/server-main.ts');

/** The children started and not yet seen to exit. */
export const children = new Set<ChildProcess>();

/** SIGKILLs every child still running (a test's afterEach calls it before removing their data dir). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

afterEach(killChildren);

/** A port nobody listens on now: a child must listen on a known port to be found again after a restart. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts a server configured by `env` (S3BATCH_*); resolves once it listens. */
export async function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [VITE_NODE, MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => l.startsWith('{"url"') && resolve());
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return child;
}

/** SIGKILL, and waits for the exit. */
export async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

/**
 * A child's configuration on a free port over `dataDir`, with account A, whose engine reaches the
 * store over HTTP (S3BATCH_STORAGE_ENDPOINT = the server itself): a task then costs a request, so
 * a run lasts long enough for a kill to land in it.
 */
export async function selfStoreEnv(dataDir: string, extra: Record<string, string> = {}): Promise<{ url: string; env: Record<string, string> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    env: {
      S3BATCH_HOST: '127.0.0.1',
      S3BATCH_PORT: String(port),
      S3BATCH_DATA_DIR: dataDir,
      S3BATCH_REGION: REGION,
      S3BATCH_CREDENTIALS: `${ACCOUNT_A.accountId}:${ACCOUNT_A.accessKeyId}:${ACCOUNT_A.secretAccessKey}`,
      S3BATCH_STORAGE_ENDPOINT: url,
      S3BATCH_STORAGE_ACCESS_KEY_ID: ACCOUNT_A.accessKeyId,
      S3BATCH_STORAGE_SECRET_ACCESS_KEY: ACCOUNT_A.secretAccessKey,
      ...extra,
    },
  };
}
