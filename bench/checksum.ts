/**
 * S3ComputeObjectChecksum's throughput on the embedded store: one 256 MiB object, each algorithm's
 * task run as a job runs it (the operation over the in-process S3 port, the object streamed from
 * the store's files), in MB/s, next to coreutils' sha256sum, md5sum and b2sum over the same bytes
 * in a file on the same disk, as ratios. Both sides read from the page cache (the data was just
 * written), so this measures hashing and the store's read path, not the disk. The aims: SHA256 and
 * MD5 at least 0.7 of sha256sum and md5sum; CRC32C and XXHASH3 faster than SHA256.
 *
 *   npm run bench              256 MiB, median of 5 runs (~1 min)
 *   npm run bench -- --quick   16 MiB, one run (what the test suite runs so the bench cannot rot)
 *   --json                     one JSON line instead of the table
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { HASH_ALGORITHMS, type HashAlgorithm } from '../src/lib/hashes.js';
import type { ManifestTask } from '../src/manifests/index.js';
import { openLocalObjectStore } from '../src/object-store/local/local-object-store.js';
import { computeChecksum } from '../src/operations/compute-checksum.js';
import { createLocalS3Port } from '../src/s3/local-s3-port.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const SIZE = (QUICK ? 16 : 256) * 1024 * 1024;
const RUNS = QUICK ? 1 : 5;
const ACCOUNT = '123456789012';
const COREUTILS = ['sha256sum', 'md5sum', 'b2sum'] as const;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mbPerSec = (seconds: number): number => SIZE / 1024 / 1024 / seconds;

async function writeRandomFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  const block = Buffer.allocUnsafe(1024 * 1024);
  for (let written = 0; written < SIZE; written += block.length) {
    randomFillSync(block);
    if (!out.write(Buffer.from(block.subarray(0, Math.min(block.length, SIZE - written))))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
}

/** Seconds of `command file`, median of RUNS, or undefined when the command is not installed. */
function coreutilsSeconds(command: string, file: string): number | undefined {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(command, [file], { stdio: ['ignore', 'ignore', 'ignore'] });
    if (run.error || run.status !== 0) return undefined;
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-checksum-bench-'));
  const store = await openLocalObjectStore({ dataDir: path.join(dir, 'data'), region: 'us-east-1' });
  try {
    const file = path.join(dir, 'object.bin');
    await writeRandomFile(file);
    await store.createBucket(ACCOUNT, 'bench');
    await store.putObject(ACCOUNT, { bucket: 'bench', key: 'object', integrity: { contentLength: SIZE } }, createReadStream(file));
    const port = createLocalS3Port(store, ACCOUNT);
    const task = { index: 0, line: 1, bucket: 'bench', key: 'object', rawKey: 'object' } as ManifestTask;
    const context = { jobId: 'bench', accountId: ACCOUNT, sleep: async () => {} };

    let peakRss = process.memoryUsage().rss;
    const baseRss = peakRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    // Round-robin over the algorithms, after one untimed read, so that a burst of load from
    // elsewhere on the machine spreads over all of them instead of sinking one.
    await computeChecksum({ ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' })(task, port, context);
    const times = new Map<HashAlgorithm, number[]>(HASH_ALGORITHMS.map((a) => [a, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const algorithm of HASH_ALGORITHMS) {
        const operation = computeChecksum({ ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' });
        const start = process.hrtime.bigint();
        const result = await operation(task, port, context);
        times.get(algorithm)!.push(Number(process.hrtime.bigint() - start) / 1e9);
        if (!result || result.status !== 'succeeded') throw new Error(`${algorithm}: ${JSON.stringify(result)}`);
      }
    }
    const algorithms = Object.fromEntries(HASH_ALGORITHMS.map((a) => [a, mbPerSec(median(times.get(a)!))])) as Record<HashAlgorithm, number>;
    clearInterval(sampler);

    const coreutils: Record<string, number | null> = {};
    for (const command of COREUTILS) {
      const seconds = coreutilsSeconds(command, file);
      coreutils[command] = seconds === undefined ? null : mbPerSec(seconds);
    }
    const ratio = (ours: number, theirs: number | null): number | null => (theirs === null ? null : ours / theirs);
    const aims = {
      sha256VsSha256sum: ratio(algorithms.SHA256, coreutils.sha256sum ?? null),
      md5VsMd5sum: ratio(algorithms.MD5, coreutils.md5sum ?? null),
      crc32cVsSha256: algorithms.CRC32C / algorithms.SHA256,
      xxhash3VsSha256: algorithms.XXHASH3 / algorithms.SHA256,
    };
    const report = { checksum: { objectMb: SIZE / 1024 / 1024, runs: RUNS, algorithms, coreutils, aims, rssGrowthMb: (peakRss - baseRss) / 1024 / 1024 } };
    if (JSON_OUT) {
      console.log(JSON.stringify(report));
      return;
    }
    const n = (x: number | null): string => (x === null ? '       -' : Math.round(x).toLocaleString('en-US').padStart(8));
    const r = (x: number | null): string => (x === null ? '     -' : x.toFixed(2).padStart(6));
    console.log(`checksum bench: S3ComputeObjectChecksum over one ${SIZE / 1024 / 1024} MiB object on the embedded store, median of ${RUNS}${QUICK ? ' (quick)' : ''}`);
    console.log('algorithm        MB/s   × sha256sum  × md5sum  × b2sum');
    for (const algorithm of HASH_ALGORITHMS) {
      const v = algorithms[algorithm];
      console.log(`${algorithm.padEnd(10)} ${n(v)}      ${r(ratio(v, coreutils.sha256sum ?? null))}    ${r(ratio(v, coreutils.md5sum ?? null))}   ${r(ratio(v, coreutils.b2sum ?? null))}`);
    }
    console.log(`coreutils  sha256sum ${n(coreutils.sha256sum ?? null)}   md5sum ${n(coreutils.md5sum ?? null)}   b2sum ${n(coreutils.b2sum ?? null)}  MB/s`);
    const mark = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? 'met' : 'MISSED');
    console.log(
      `aims: SHA256 ${r(aims.sha256VsSha256sum)} × sha256sum (≥ 0.7: ${mark(aims.sha256VsSha256sum === null ? null : aims.sha256VsSha256sum >= 0.7)}), ` +
        `MD5 ${r(aims.md5VsMd5sum)} × md5sum (≥ 0.7: ${mark(aims.md5VsMd5sum === null ? null : aims.md5VsMd5sum >= 0.7)}), ` +
        `CRC32C ${aims.crc32cVsSha256.toFixed(2)} × SHA256 (> 1: ${mark(aims.crc32cVsSha256 > 1)}), XXHASH3 ${aims.xxhash3VsSha256.toFixed(2)} × SHA256 (> 1: ${mark(aims.xxhash3VsSha256 > 1)})`,
    );
    console.log(`memory: RSS grew ${report.checksum.rssGrowthMb.toFixed(0)} MB while hashing (the object is streamed, never held)`);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
