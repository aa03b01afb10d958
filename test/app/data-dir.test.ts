/**
 * One server per data dir: a second server on the same dir refuses to start (the lock is an OS
 * file lock, so a crashed server leaves none behind), and the node id outlives the process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDataDir, DataDirInUseError } from '../../src/app/data-dir.js';
import { startTestServer } from '../helpers/server.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-dir-'));
  dirs.push(dir);
  return dir;
}

describe('data dir', () => {
  it('refuses a second server on a data dir in use, and accepts one once the first has closed', async () => {
    const first = await startTestServer();
    await expect(startTestServer({}, first.dataDir)).rejects.toThrow(DataDirInUseError);
    await expect(startTestServer({}, first.dataDir)).rejects.toThrow(/in use by another s3batch server/);
    const again = await first.restart();
    expect(again.url).toMatch(/^http:/);
  });

  it('keeps the node id across restarts; S3BATCH_NODE_ID overrides it', async () => {
    const dir = await tempDir();
    const a = claimDataDir(dir);
    a.release();
    a.release(); // idempotent
    const b = claimDataDir(dir);
    expect(b.nodeId).toBe(a.nodeId);
    expect(b.nodeId).toMatch(/^[A-Za-z0-9.-]+-[0-9a-f]{8}$/);
    expect((await readFile(path.join(dir, 'node-id'), 'utf8')).trim()).toBe(a.nodeId);
    b.release();
    const c = claimDataDir(dir, 'worker-7');
    expect(c.nodeId).toBe('worker-7');
    c.release();
  });

  it('is free again after the process holding it is killed (no stale lock)', async () => {
    const dir = await tempDir();
    const holder = path.join(dir, 'holder.ts');
    await writeFile(
      holder,
      `import { claimDataDir } from ${JSON.stringify(path.resolve('src/app/data-dir.ts'))};
       claimDataDir(${JSON.stringify(dir)});
       process.stdout.write('held\\n');
       setInterval(() => {}, 1000);`,
    );
    const child = execFile(process.execPath, [path.resolve('node_modules/vite-node/vite-node.mjs'), holder]);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    expect(() => claimDataDir(dir)).toThrow(DataDirInUseError);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    claimDataDir(dir).release();
  });
});
