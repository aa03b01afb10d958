/**
 * Vitest global setup: tests that run the real binary (bin/s3batch.js loads dist/) must run
 * today's source, so dist/ is rebuilt when any source file is newer than it — and dist/ui, the
 * dashboard's pages, when a file of ui/ is. After `npm ci` (which builds) nothing is done.
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
  if (built < source) {
    execFileSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  }
  // The dashboard's pages (ui/ → dist/ui), which the browser tests load.
  const pages = Math.max(newest('ui', () => true), newest('src/dashboard', (f) => f.endsWith('api-types.ts')));
  let builtPages = 0;
  try {
    builtPages = statSync('dist/ui/index.html').mtimeMs;
  } catch {
    builtPages = 0;
  }
  if (builtPages < pages) {
    execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--config', 'ui/vite.config.ts'], { stdio: 'inherit' });
  }
}
