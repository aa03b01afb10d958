/**
 * Vitest global setup: tests that run the real binary (bin/s3batch.js loads dist/) must run
 * today's source, so dist/ is rebuilt when any source file is newer than it. After `npm ci`
 * (which builds) nothing is done.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir: string, keep: (file: string) => boolean): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (keep(file)) latest = Math.max(latest, statSync(file).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  const source = newest('src', (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  let built = 0;
  try {
    built = newest('dist', (f) => f.endsWith('.js'));
  } catch {
    built = 0;
  }
  if (built >= source) return;
  execFileSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
