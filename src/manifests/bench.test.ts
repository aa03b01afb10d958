/**
 * bench/prepare.ts in quick mode runs in the suite so that it cannot rot; its numbers are not
 * checked. It takes about 1 s alone on a 2-core machine and 1.4 s with both cores busy (two
 * CPU-bound processes beside it): the bench gets 45 s, the test 60 s (the bench's own timeout comes
 * first: a hung bench fails as the bench).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('bench/prepare.ts', () => {
  it('runs in quick mode and counts every line (numbers are for humans, not checked)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [fileURLToPath(new URL('node_modules/vite-node/vite-node.mjs', `file://${root}`)), 'bench/prepare.ts', '--quick'],
      { cwd: root, timeout: 45_000, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))) },
    );
    expect(stdout).toMatch(/prepare quick \(reader\): lines=50000 tasks=50000 chunks=50 lines\/s=\d+ peakRSS=[\d.]+MB/);
    expect(stdout).toMatch(/prepare quick \(job\): lines=50000 tasks=50000 chunks=50 lines\/s=\d+ peakRSS=[\d.]+MB stored=[\d.]+MB/);
  }, 60_000);
});
