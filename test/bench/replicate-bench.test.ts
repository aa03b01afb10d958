/**
 * The replication bench in quick mode runs in the suite so that it cannot rot; its numbers are not
 * checked (they depend on the machine's load), only that every figure is there and consistent
 * (the bench itself checks that every object reached the destination). About 10 s alone on a
 * 2-core machine: the bench gets 120 s, the test 150 s.
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const hasRclone = spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;

describe('replication bench', () => {
  it('runs in quick mode and reports objects/s, MB/s, the rclone ratios and the source memory', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('node_modules/vite-node/vite-node.mjs'), path.resolve('bench/replicate.ts'), '--quick', '--json'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"replicate"'));
    expect(line, stdout).toBeDefined();
    const r = (JSON.parse(line as string) as { replicate: Record<string, unknown> }).replicate as {
      small: { count: number };
      large: { count: number; mb: number };
      ours: { smallObjectsPerSec: number; largeMbPerSec: number };
      rclone: { smallObjectsPerSec: number; largeMbPerSec: number } | null;
      ratios: { small: number; large: number } | null;
      sourcePeakRssMb: number;
    };
    expect([r.small.count, r.large.count, r.large.mb]).toEqual([200, 2, 20]);
    expect(r.ours.smallObjectsPerSec).toBeGreaterThan(0);
    expect(r.ours.largeMbPerSec).toBeGreaterThan(0);
    if (hasRclone) {
      expect(r.ratios?.small).toBeCloseTo(r.ours.smallObjectsPerSec / r.rclone!.smallObjectsPerSec, 5);
      expect(r.ratios?.large).toBeCloseTo(r.ours.largeMbPerSec / r.rclone!.largeMbPerSec, 5);
    } else {
      expect(r.rclone).toBeNull();
    }
    expect(r.sourcePeakRssMb).toBeGreaterThan(0);
  }, 150_000);
});
