/**
 * s3batch nodes as separate processes (the real binary, bin/s3batch.js): `serve` or `worker`, with
 * their JSON log kept, started until they say they run, and stopped — or SIGKILLed — by the test.
 * Every node still running when a test ends is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

import { BIN, cliEnv } from './cli.js';
import { ACCOUNT_A, ACCOUNT_B, REGION } from './server.js';

export interface NodeProcess {
  readonly kind: 'serve' | 'worker';
  /** The jobs API (serve) or the health port (worker, when asked for). */
  readonly url: string | undefined;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Every log record so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  /** SIGKILL, as a crash: nothing is given back. */
  kill(): Promise<void>;
  /** SIGTERM, a clean stop. */
  stop(): Promise<void>;
}

const children = new Set<NodeProcess>();
const dirs = new Set<string>();
afterEach(async () => {
  await Promise.all([...children].map((c) => c.kill()));
  children.clear();
  await Promise.all([...dirs].map((d) => rm(d, { recursive: true, force: true })));
  dirs.clear();
});

export const NODE_CREDENTIALS = [ACCOUNT_A, ACCOUNT_B].map((a) => `${a.accountId}:${a.accessKeyId}:${a.secretAccessKey}`).join(',');

/** Starts a node; resolves once it runs, or rejects with what it printed when it exits first. */
export async function startNodeProcess(kind: 'serve' | 'worker', env: Record<string, string>, timeoutMs = 30_000): Promise<NodeProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `s3batch-${kind}-`));
  dirs.add(dataDir);
  const child = spawn(process.execPath, [BIN, kind], {
    env: cliEnv({ S3BATCH_HOST: '127.0.0.1', S3BATCH_PORT: '0', S3BATCH_REGION: REGION, S3BATCH_CREDENTIALS: NODE_CREDENTIALS, S3BATCH_DATA_DIR: dataDir, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string | undefined>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      pending += d.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(record);
        if (record.msg === 's3batch is listening') resolve(record.url as string);
        if (record.msg === 's3batch worker is running') resolve(record.health as string | undefined);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    void exited.then((code) => reject(new Error(`s3batch ${kind} exited with ${code} before it ran: ${stderr.trim()}`)));
    setTimeout(() => reject(new Error(`s3batch ${kind} did not start within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs).unref();
  });
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    children.delete(node);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const node: NodeProcess = { kind, url: undefined, dataDir, child, logs, kill: () => stopWith('SIGKILL'), stop: () => stopWith('SIGTERM') };
  children.add(node);
  try {
    const url = await ready;
    return Object.assign(node, { url });
  } catch (err) {
    await node.kill();
    throw err;
  }
}

/** Runs `s3batch <kind>` expecting it to refuse to start: its exit code and stderr. */
export async function refusedStart(kind: 'serve' | 'worker', env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  try {
    const node = await startNodeProcess(kind, env, 20_000);
    await node.kill();
    throw new Error(`s3batch ${kind} started`);
  } catch (err) {
    const message = (err as Error).message;
    const m = /exited with (\d+|null) before it ran: ([\s\S]*)$/.exec(message);
    if (!m) throw err;
    return { code: m[1] === 'null' ? null : Number(m[1]), stderr: m[2] ?? '' };
  }
}
