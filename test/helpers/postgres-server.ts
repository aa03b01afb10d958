/**
 * A real PostgreSQL for the tests. The suite uses the server at S3BATCH_TEST_DATABASE_URL, else
 * 127.0.0.1:5432 (trust auth, database `test`) when it answers; where none answers, the vitest
 * global setup starts a throwaway one (`startThrowawayPostgres`: Debian's initdb/pg_ctl, as the
 * `postgres` user when the tests run as root, on its own port in a temp dir) and stops it at the
 * end. Tests that must restart a server (never the shared one) start their own throwaway server.
 *
 * Each test file works in schemas of its own (`testSchemaName`), dropped when the file is done.
 * No vitest import here: the global setup (another context) uses this module too.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

const run = promisify(execFile);

// A type-only augmentation (no runtime import of vitest, which the global setup may not load).
declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL every test file shares (see this module). */
    postgresUrl: string;
  }
}

export const SHARED_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Whether a server answers at `url` within a second. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface ThrowawayPostgres {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** pg_ctl stop (fast: connections are cut, as in a restart). */
  stop(): Promise<void>;
  /** pg_ctl start again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  return ''; // initdb and pg_ctl on the PATH
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh PostgreSQL cluster on 127.0.0.1 (a free port), with a database `test`. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  const bin = binDir();
  const tool = (name: string): string => (bin ? path.join(bin, name) : name);
  // initdb refuses to run as root: the cluster then belongs to the `postgres` user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  const exec = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', tool(name), ...args]) : run(tool(name), args);
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const start = async (): Promise<void> => {
    await exec('pg_ctl', [
      '-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30',
      '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  };
  const stop = async (): Promise<void> => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  };
  await start();
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE test');
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/test`,
    port,
    dir,
    stop,
    start,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/**
 * A new schema name for this test file: the prefix (S3BATCH_TEST_SCHEMA_PREFIX, default `test_`),
 * the process id and a counter, so that parallel test files and runs never share one.
 */
export function testSchemaName(tag: string): string {
  const prefix = process.env.S3BATCH_TEST_SCHEMA_PREFIX ?? 'test_';
  counter += 1;
  return `${prefix}${tag.replace(/[^a-z0-9_]/g, '_')}_${process.pid}_${counter}_${Math.floor(Math.random() * 1e6)}`.slice(0, 63);
}

/** Drops a schema and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
