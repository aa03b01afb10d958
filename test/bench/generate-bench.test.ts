/**
 * The generated-manifest bench in quick mode runs in the suite so that it cannot rot; its numbers
 * are not checked against aims (they depend on the machine's load), only that every figure is
 * there and consistent. About 8 s alone on a 2-core machine: the bench gets 120 s, the test 150 s.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SizeResult } from '../../bench/generate.js';

describe('generate bench', () => {
  it('runs in quick mode and reports listing keys/s, CreateJob → first task and → Complete, and peak RSS per size', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('node_modules/vite-node/vite-node.mjs'), path.resolve('bench/generate.ts'), '--quick', '--json'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"generate"'));
    expect(line, stdout).toBeDefined();
    const { sizes } = (JSON.parse(line as string) as { generate: { sizes: SizeResult[] } }).generate;
    expect(sizes.map((s) => s.objects)).toEqual([5_000, 20_000]);
    for (const s of sizes) {
      expect(s.listingKeysPerSec).toBeGreaterThan(0);
      // the first task finishes long before the whole job (it starts on the first chunk)
      expect(s.firstTaskMs).toBeGreaterThan(0);
      expect(s.firstTaskMs / 1000).toBeLessThan(s.totalSeconds);
      expect(s.tasksPerSec).toBeCloseTo(s.objects / s.totalSeconds, 3);
      expect(s.peakRssMb).toBeGreaterThan(s.rssGrowthMb);
    }
  }, 150_000);
});
