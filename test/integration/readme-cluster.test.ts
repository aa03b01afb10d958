/**
 * The README's "Running on several machines" example, run as written (the README test's way: one
 * bash, the AWS CLI, the s3batch of this checkout as node_modules/.bin/s3batch): three nodes on one PostgreSQL — only the
 * ports, the database URL and the schema differ from the text — and its job runs to Complete.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { dropSchema, postgresUrl, testSchemaName } from '../helpers/postgres.js';

const README = readFileSync(path.resolve('README.md'), 'utf8');
const CLI = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const hasCli = spawnSync(CLI, ['--version'], { stdio: 'ignore' }).status === 0;

const url = postgresUrl();
const schema = testSchemaName('readme');
afterAll(() => dropSchema(url, schema));

function section(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const end = README.indexOf('\n## ', start + heading.length + 4);
  return [...README.slice(start, end < 0 ? undefined : end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('README: Running on several machines', () => {
  it.skipIf(!hasCli)('runs the three-node example as written: the job completes', async () => {
    const [block] = section('Running on several machines');
    expect(block).toBeDefined();
    const home = mkdtempSync(path.join(os.tmpdir(), 's3batch-readme-cluster-'));
    mkdirSync(path.join(home, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(path.resolve('.'), path.join(home, 'node_modules', 's3batch'));
    symlinkSync('../s3batch/bin/s3batch.js', path.join(home, 'node_modules', '.bin', 's3batch'));
    const [p1, p2] = [await freePort(), await freePort()];
    const script =
      // the nodes go with the script, whatever happens
      `trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n` +
      block!
        .replace('postgres://postgres@127.0.0.1:5432/test', url)
        .replace('S3BATCH_DATABASE_SCHEMA=s3batch_demo', `S3BATCH_DATABASE_SCHEMA=${schema}`)
        .replaceAll('9090', String(p1))
        .replaceAll('9091', String(p2));
    try {
      const { stdout } = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', script], {
        cwd: home,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('S3BATCH_') && !k.startsWith('AWS_'))), PATH: `${path.dirname(CLI === 'aws' ? '/usr/bin/aws' : CLI)}:${process.env.PATH ?? ''}`, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      }).catch((err: { stderr?: string; stdout?: string }) => {
        const logs = ['node1.log', 'node2.log', 'node3.log'].map((f) => (existsSync(path.join(home, f)) ? `${f}:\n${readFileSync(path.join(home, f), 'utf8').slice(-3000)}` : '')).join('\n');
        throw new Error(`the README's script failed:\n${err.stderr ?? ''}\n--- its output:\n${err.stdout ?? ''}\n${logs}`);
      });
      expect(stdout).toMatch(/migrated the PostgreSQL job store .* applied 1, 2/);
      expect(stdout).toMatch(/Complete: 3 succeeded, 0 failed of 3 tasks/);
      const logs = ['node1.log', 'node2.log', 'node3.log'].map((f) => readFileSync(path.join(home, f), 'utf8'));
      expect(logs[2]).toContain('s3batch worker is running');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 150_000);
});
