/**
 * The checksum bench in quick mode runs in the suite so that it cannot rot; its numbers are not
 * checked (they depend on the machine's load), only that every figure is there and consistent.
 * It takes about 3 s alone on a 2-core machine: the bench gets 90 s, the test 120 s.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HASH_ALGORITHMS } from '../../src/lib/hashes.js';

describe('checksum bench', () => {
  it('runs in quick mode and reports MB/s for every algorithm, coreutils and the aims', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('node_modules/vite-node/vite-node.mjs'), path.resolve('bench/checksum.ts'), '--quick', '--json'],
      { encoding: 'utf8', timeout: 90_000 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"checksum"'));
    expect(line, stdout).toBeDefined();
    const r = (JSON.parse(line as string) as { checksum: Record<string, unknown> }).checksum as {
      objectMb: number;
      algorithms: Record<string, number>;
      coreutils: Record<string, number | null>;
      aims: Record<string, number | null>;
      rssGrowthMb: number;
    };
    expect(r.objectMb).toBe(16);
    expect(Object.keys(r.algorithms).sort()).toEqual([...HASH_ALGORITHMS].sort());
    for (const [algorithm, mbps] of Object.entries(r.algorithms)) expect(mbps, algorithm).toBeGreaterThan(0);
    expect(Object.keys(r.coreutils).sort()).toEqual(['b2sum', 'md5sum', 'sha256sum']);
    expect(r.aims.crc32cVsSha256).toBeCloseTo(r.algorithms.CRC32C! / r.algorithms.SHA256!, 5);
    if (r.coreutils.sha256sum !== null) expect(r.aims.sha256VsSha256sum).toBeCloseTo(r.algorithms.SHA256! / r.coreutils.sha256sum!, 5);
    // Streamed: hashing a 16 MiB object (ten times) does not hold it.
    expect(r.rssGrowthMb).toBeLessThan(64);
  }, 120_000);
});
