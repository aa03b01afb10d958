/**
 * A real s3batch server on 127.0.0.1, port 0, over a fresh temp data dir, plus real AWS SDK v3
 * clients pointed at it. Every server a test starts is closed in afterEach, and a leaked one
 * fails the run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import type { Logger } from 'pino';
import { afterEach } from 'vitest';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/app/logger.js';

export const ACCOUNT_A = { accountId: '111122223333', accessKeyId: 'AKIDAAAA', secretAccessKey: 'secret-a' };
export const ACCOUNT_B = { accountId: '444455556666', accessKeyId: 'AKIDBBBB', secretAccessKey: 'secret-b' };
export const REGION = 'us-east-1';

export interface TestServer extends RunningServer {
  readonly dataDir: string;
  /** Starts a new server on the same data dir (after close): a restart. */
  restart(): Promise<TestServer>;
}

const running = new Set<RunningServer>();
const dirs = new Set<string>();

afterEach(async () => {
  const leaked = [...running];
  running.clear();
  await Promise.all(leaked.map((s) => s.close()));
  await Promise.all([...dirs].map((d) => rm(d, { recursive: true, force: true })));
  dirs.clear();
});

export interface TestServerOptions {
  /** Run the job engine. Off by default: API tests drive job statuses themselves. */
  readonly engine?: boolean;
  /** The embedded store's largest CopyObject source (S3's 5 GiB unless lowered). */
  readonly maxCopySourceBytes?: number;
  /** The server's logger (default: silent). */
  readonly logger?: Logger;
  /** The embedded store's clock (a StoreClock's `now`), for tests that move it. */
  readonly objectStoreNow?: () => number;
  /** The dashboard sessions' clock, for tests that move it. */
  readonly dashboardNow?: () => number;
  /** Bytes per part of a dashboard upload (multipart above one part), made small by tests. */
  readonly dashboardUploadPartBytes?: number;
}

/** A clock for the embedded store that runs with real time and can be moved ahead. */
export interface StoreClock {
  now(): number;
  advance(ms: number): void;
}

export function storeClock(): StoreClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}

export async function startTestServer(env: Record<string, string> = {}, dataDir?: string, options: TestServerOptions = {}): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 's3batch-test-')));
  dirs.add(dir);
  const config = loadConfig({
    S3BATCH_HOST: '127.0.0.1',
    S3BATCH_PORT: '0',
    S3BATCH_DATA_DIR: dir,
    S3BATCH_REGION: REGION,
    S3BATCH_CREDENTIALS: [ACCOUNT_A, ACCOUNT_B].map((a) => `${a.accountId}:${a.accessKeyId}:${a.secretAccessKey}`).join(','),
    ...env,
  });
  const server = await startServer(config, { logger: options.logger ?? createLogger('silent'), engine: options.engine ?? false,
    ...(options.maxCopySourceBytes !== undefined ? { maxCopySourceBytes: options.maxCopySourceBytes } : {}),
    ...(options.objectStoreNow ? { objectStoreNow: options.objectStoreNow } : {}),
    ...(options.dashboardNow ? { dashboardNow: options.dashboardNow } : {}),
    ...(options.dashboardUploadPartBytes !== undefined ? { dashboardUploadPartBytes: options.dashboardUploadPartBytes } : {}),
  });
  running.add(server);
  const close = server.close.bind(server);
  return Object.assign(Object.create(server) as RunningServer, server, {
    dataDir: dir,
    async close() {
      running.delete(server);
      await close();
    },
    async restart() {
      running.delete(server);
      await close();
      return startTestServer(env, dir, options);
    },
  }) as TestServer;
}

/** The S3 Control client recipe of the README: an endpointProvider, so no DNS is needed. */
export function controlClient(server: { url: string }, account = ACCOUNT_A): S3ControlClient {
  return new S3ControlClient({
    region: REGION,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    endpointProvider: () => ({ url: new URL(`${server.url}/`) }),
    maxAttempts: 1,
  });
}

/** The variables that make a server store in `endpoint` (a remote store) as `account` of it. */
export function remoteStoreEnv(endpoint: string, account = ACCOUNT_A): Record<string, string> {
  return {
    S3BATCH_STORAGE_ENDPOINT: endpoint,
    S3BATCH_STORAGE_ACCESS_KEY_ID: account.accessKeyId,
    S3BATCH_STORAGE_SECRET_ACCESS_KEY: account.secretAccessKey,
    S3BATCH_STORAGE_REGION: REGION,
  };
}

/**
 * Two servers: `store` (no engine) is the remote store, and `engine` runs jobs against it as
 * ACCOUNT_A of `store` (reached at `endpointOf(store)`, e.g. through a proxy; default its URL).
 * `env` configures the engine; `storeSide` the store (its restore delay, its clock).
 */
export async function startRemotePair(
  env: Record<string, string> = {},
  endpointOf: (store: TestServer) => string | Promise<string> = (store) => store.url,
  storeSide: { readonly env?: Record<string, string>; readonly options?: TestServerOptions } = {},
): Promise<{ store: TestServer; engine: TestServer }> {
  const store = await startTestServer(storeSide.env, undefined, storeSide.options);
  const engine = await startTestServer({ ...env, ...remoteStoreEnv(await endpointOf(store)) }, undefined, { engine: true });
  return { store, engine };
}
