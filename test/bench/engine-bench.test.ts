/**
 * The engine bench in quick mode runs in the suite so that it cannot rot; its numbers are not
 * checked. It takes about 14 s alone on a 2-core machine and 22 s with both cores busy (two
 * CPU-bound processes beside it): the bench gets 150 s, the test 180 s (the bench's own timeout
 * comes first: a hung bench fails as the bench, with what it wrote to stderr).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('engine bench', () => {
  it('runs in quick mode and reports every field', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('node_modules/vite-node/vite-node.mjs'), path.resolve('bench/engine.ts'), '--quick', '--json'],
      { encoding: 'utf8', timeout: 150_000 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"tasks"'));
    expect(line, stdout).toBeDefined();
    const r = JSON.parse(line as string) as Record<string, number> & { firstTaskMs: Record<string, number>; peakRssMb: Record<string, number> };
    for (const field of ['loopTasksPerSec', 'httpTasksPerSec', 'localTasksPerSec', 'ratioHttpToLoop', 'crowdedTasksPerSec', 'uncrowdedTasksPerSec', 'otherAccountMs', 'lambdaNodeTasksPerSec', 'lambdaPythonTasksPerSec'] as const) {
      expect(r[field], field).toBeGreaterThan(0);
    }
    expect(r.crowdedJobs).toBe(100);
    expect(r.ratioHttpToLoop).toBeCloseTo(r.httpTasksPerSec! / r.loopTasksPerSec!, 5);
    expect(Object.keys(r.firstTaskMs).sort()).toEqual(['http', 'httpSmall', 'local', 'localSmall']);
    for (const ms of Object.values(r.firstTaskMs)) expect(ms).toBeGreaterThan(0);
    for (const mb of Object.values(r.peakRssMb)) expect(mb).toBeGreaterThan(10);
  }, 180_000);
});
