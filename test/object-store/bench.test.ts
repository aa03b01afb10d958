/**
 * `npm run bench -- --quick` runs in the suite, so that the store bench cannot rot. It takes about
 * 6 s alone on a 2-core machine and 7 s with both cores busy (two CPU-bound processes beside it):
 * the bench gets 75 s, the test 90 s (the bench's own timeout comes first: a hung bench fails as
 * the bench).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('store bench', () => {
  it('runs in quick mode and reports PUT/GET rates for the store and the bare server', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('node_modules/vite-node/vite-node.mjs'), path.resolve('bench/object-store.ts'), '--quick', '--json'],
      { encoding: 'utf8', timeout: 75_000 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"put"'));
    expect(line, stdout).toBeDefined();
    const r = JSON.parse(line as string) as { put: Record<string, number>; get: Record<string, number>; storePeakRssMb: number };
    for (const phase of [r.put, r.get]) {
      expect(phase.store).toBeGreaterThan(0);
      expect(phase.bare).toBeGreaterThan(0);
      expect(phase.ratio).toBeCloseTo((phase.store ?? 0) / (phase.bare ?? 1), 5);
    }
    expect(r.storePeakRssMb).toBeGreaterThan(10);
  }, 90_000);
});
