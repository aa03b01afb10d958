/** `npm run bench -- --quick` runs in the suite, so that the store bench cannot rot. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('store bench', () => {
  it('runs in quick mode and reports PUT/GET rates for the store and the bare server', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('node_modules/vite-node/vite-node.mjs'), path.resolve('bench/object-store.ts'), '--quick', '--json'],
      { encoding: 'utf8', timeout: 60_000 },
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
  });
});
