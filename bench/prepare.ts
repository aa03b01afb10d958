/**
 * Manifest preparation benchmark: prepareManifest over an S3BatchOperations_CSV_20180820 manifest
 * of N lines (`Bucket,Key`, ~55 bytes a line, one key in ten URL-encoded; keys repeat) served by an
 * S3Port whose GET streams the manifest from a generated 1 MiB block in 64 KiB pieces, like an
 * HTTP body — so the benchmark never holds the manifest in memory and measures the reader only.
 *
 *   npx vite-node bench/prepare.ts                # 1M and 10M lines, 3 runs each, medians
 *   npx vite-node bench/prepare.ts --lines 5000000 [--runs 3]
 *   npx vite-node bench/prepare.ts --quick        # 50,000 lines once (what the test runs)
 *
 * Each measured run is a fresh child process (peak RSS = that process's maxRSS, vite-node's own
 * ~90 MB included; the baseline before preparation is printed beside it).
 * Targets (issue 4): ≥ 1,000,000 lines/s, peak RSS < 200 MB and flat as the manifest grows.
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { JobManifest } from '../src/domain/job-spec.js';
import { prepareManifest } from '../src/manifests/index.js';
import { S3PortError, type GetObjectResult, type S3Port } from '../src/s3/s3-port.js';

const BLOCK_LINES = 20_000;
const PIECE_BYTES = 64 * 1024;
const ETAG = '"0123456789abcdef0123456789abcdef"';

export interface RunResult {
  readonly lines: number;
  readonly tasks: number;
  readonly chunks: number;
  readonly seconds: number;
  readonly linesPerSecond: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
}

/** An S3Port serving one generated manifest of `lines` lines at s3://bench/manifest.csv. */
export function generatedManifestPort(lines: number): S3Port {
  const parts: Buffer[] = [];
  const ends: number[] = [];
  let size = 0;
  for (let i = 0; i < BLOCK_LINES; i++) {
    const key = i % 10 === 0 ? `photos/2024/batch%20${i % 97}/IMG_${i}.jpg` : `photos/2024/batch-${i % 97}/IMG_${i}.jpg`;
    const line = Buffer.from(`bench-source-bucket,${key}\n`);
    parts.push(line);
    size += line.length;
    ends.push(size);
  }
  const block = Buffer.concat(parts);
  const fullBlocks = Math.floor(lines / BLOCK_LINES);
  const tail = lines % BLOCK_LINES === 0 ? 0 : ends[(lines % BLOCK_LINES) - 1]!;
  const contentLength = fullBlocks * block.length + tail;

  function* pieces(): Generator<Buffer> {
    for (let b = 0; b <= fullBlocks; b++) {
      const end = b < fullBlocks ? block.length : tail;
      for (let i = 0; i < end; i += PIECE_BYTES) yield block.subarray(i, Math.min(i + PIECE_BYTES, end));
    }
  }
  const head = { etag: ETAG, contentLength };
  return {
    async getObject(ref, options): Promise<GetObjectResult> {
      if (ref.bucket !== 'bench' || ref.key !== 'manifest.csv') throw new S3PortError('NoSuchKey', 404, 'No such key');
      if (options?.range) throw new S3PortError('NotImplemented', 501, 'The bench port serves whole objects');
      return { ...head, body: Readable.from(pieces(), { objectMode: false, highWaterMark: PIECE_BYTES }) };
    },
    async headObject() {
      return head;
    },
    async putObject() {
      throw new S3PortError('AccessDenied', 403, 'The bench port is read-only');
    },
    putObjectTagging: readOnly,
    deleteObjectTagging: readOnly,
    putObjectAcl: readOnly,
    copyObject: readOnly,
    getObjectTagging: readOnly,
    createMultipartUpload: readOnly,
    uploadPartCopy: readOnly,
    completeMultipartUpload: readOnly,
    abortMultipartUpload: readOnly,
  };
}

async function readOnly(): Promise<never> {
  throw new S3PortError('AccessDenied', 403, 'The bench port is read-only');
}

export const BENCH_MANIFEST: JobManifest = {
  Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
  Location: { ObjectArn: 'arn:aws:s3:::bench/manifest.csv', ETag: ETAG },
};

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** One preparation in this process. */
export async function runOnce(lines: number): Promise<RunResult> {
  const s3 = generatedManifestPort(lines);
  const baseline = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const prepared = await prepareManifest(BENCH_MANIFEST, s3, { chunkSize: 1000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (prepared.totalTasks !== lines) throw new Error(`Counted ${prepared.totalTasks} tasks in a ${lines}-line manifest`);
  const peak = Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss);
  return {
    lines,
    tasks: prepared.totalTasks,
    chunks: prepared.chunks.length,
    seconds: Math.round(seconds * 1000) / 1000,
    linesPerSecond: Math.round(lines / seconds),
    baselineRssMb: mb(baseline),
    peakRssMb: mb(peak),
  };
}

function runChild(lines: number): RunResult {
  const child = spawnSync(process.execPath, [process.argv[1]!, fileURLToPath(import.meta.url), '--child', '--lines', String(lines)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`The benchmark child for ${lines} lines exited with ${child.status}`);
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as RunResult;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    process.stdout.write(`${JSON.stringify(await runOnce(Number(arg('--lines'))))}\n`);
    return;
  }
  if (process.argv.includes('--quick')) {
    const r = await runOnce(50_000);
    console.log(`prepare quick: lines=${r.lines} tasks=${r.tasks} chunks=${r.chunks} lines/s=${r.linesPerSecond} peakRSS=${r.peakRssMb}MB`);
    return;
  }
  const sizes = arg('--lines') ? [Number(arg('--lines'))] : [1_000_000, 10_000_000];
  const runs = Number(arg('--runs') ?? 3);
  console.log(`manifest preparation, S3BatchOperations_CSV_20180820, chunkSize 1000, median of ${runs} runs (each a fresh process)`);
  for (const lines of sizes) {
    const results = Array.from({ length: runs }, () => runChild(lines));
    const rate = median(results.map((r) => r.linesPerSecond));
    const peak = median(results.map((r) => r.peakRssMb));
    const base = median(results.map((r) => r.baselineRssMb));
    console.log(
      `${lines.toLocaleString('en-US').padStart(12)} lines: ${rate.toLocaleString('en-US').padStart(11)} lines/s` +
        `  peak RSS ${peak} MB (baseline ${base} MB)  runs: ${results.map((r) => r.linesPerSecond.toLocaleString('en-US')).join(', ')}`,
    );
  }
}

if (!process.env.VITEST) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
