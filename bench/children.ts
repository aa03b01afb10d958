/**
 * The benches' server processes (bench/server-child.ts): started, their URL read from their first
 * line, and asked for their peak memory (`rss`) over stdin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const VITE_NODE = path.resolve(here, '../node_modules/vite-node/vite-node.mjs');

export interface Child {
  readonly url: string;
  readonly proc: ChildProcess;
  request(line: string): Promise<Record<string, unknown>>;
}

export async function startServerChild(mode: 'store' | 'bare' | 'engine', args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const proc = spawn(process.execPath, [VITE_NODE, path.join(here, 'server-child.ts'), mode, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const waiting: Array<(v: Record<string, unknown>) => void> = [];
  lines.on('line', (l) => {
    if (!l.startsWith('{')) return;
    waiting.shift()?.(JSON.parse(l) as Record<string, unknown>);
  });
  const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
    waiting.push(resolve);
    proc.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return {
    url: String(first.url),
    proc,
    request: (line) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        proc.stdin?.write(`${line}\n`);
      }),
  };
}
