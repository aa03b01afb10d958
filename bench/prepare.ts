/**
 * Manifest preparation benchmark over an S3BatchOperations_CSV_20180820 manifest of N lines
 * (`Bucket,Key`, ~55 bytes a line, one key in ten URL-encoded; keys repeat) served by an S3Port
 * whose GET streams the manifest from a generated 1 MiB block in 64 KiB pieces, like an HTTP body —
 * so the benchmark never holds the manifest in memory. Two measurements per size:
 *   - reader: prepareManifest alone (scan, check, cut into chunks);
 *   - job: the engine's prepareJob into a real SQLite job store — the reader plus each chunk's
 *     records deflated and stored (what lets a job run without its manifest), as a job prepares.
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
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createJobEvents } from '../src/domain/events.js';
import { prepareJob } from '../src/engine/preparer.js';
import { prepareManifest } from '../src/manifests/index.js';
import { S3PortError, type GetObjectResult, type S3Port } from '../src/s3/s3-port.js';
import { openSqliteJobStore } from '../src/store/sqlite/index.js';

const BLOCK_LINES = 20_000;
const PIECE_BYTES = 64 * 1024;
const ETAG = '"0123456789abcdef0123456789abcdef"';

export interface RunResult {
  readonly kind: 'reader' | 'job';
  readonly lines: number;
  readonly tasks: number;
  readonly chunks: number;
  readonly seconds: number;
  readonly linesPerSecond: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  /** job: the SQLite database (and its WAL) after preparation. */
  readonly storedMb?: number;
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
    restoreObject: readOnly,
    putObjectRetention: readOnly,
    putObjectLegalHold: readOnly,
    updateObjectEncryption: readOnly,
    copyObject: readOnly,
    getObjectTagging: readOnly,
    createMultipartUpload: readOnly,
    uploadPartCopy: readOnly,
    completeMultipartUpload: readOnly,
    abortMultipartUpload: readOnly,
    listObjects: readOnly,
    listObjectVersions: readOnly,
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
    kind: 'reader',
    lines,
    tasks: prepared.totalTasks,
    chunks: prepared.chunks.length,
    seconds: Math.round(seconds * 1000) / 1000,
    linesPerSecond: Math.round(lines / seconds),
    baselineRssMb: mb(baseline),
    peakRssMb: mb(peak),
  };
}

/** One preparation of a job (prepareJob: records deflated into a SQLite job store) in this process. */
export async function runJobOnce(lines: number): Promise<RunResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-bench-prepare-'));
  const dbPath = path.join(dir, 'jobs.db');
  const store = await openSqliteJobStore({ path: dbPath });
  try {
    const s3 = generatedManifestPort(lines);
    const { job } = await store.createJob({
      id: 'bench-job',
      accountId: '111122223333',
      arn: 'arn:aws:s3:us-east-1:111122223333:job/bench-job',
      spec: {
        Operation: { S3PutObjectTagging: { TagSet: [] } },
        Report: { Enabled: false },
        Priority: 1,
        RoleArn: 'arn:aws:iam::111122223333:role/bench',
        ConfirmationRequired: false,
        Manifest: BENCH_MANIFEST,
      },
      tags: [],
      clientRequestToken: 'bench',
      requestHash: 'bench',
      nowMs: Date.now(),
    });
    const ctx = {
      store,
      events: createJobEvents(() => {}),
      s3For: () => s3,
      now: Date.now,
      logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
      sleep: async () => {},
    };
    const baseline = process.memoryUsage().rss;
    const started = process.hrtime.bigint();
    const prepared = await prepareJob(ctx, job, { chunkSize: 1000 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (prepared?.status !== 'Ready' || prepared.progress.totalTasks !== lines) {
      throw new Error(`prepareJob left the job ${prepared?.status} with ${prepared?.progress.totalTasks} tasks (${JSON.stringify(prepared?.failureReasons)})`);
    }
    const peak = Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss);
    const counts = await store.chunkCounts(job.id);
    const size = (f: string): number => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    return {
      kind: 'job',
      lines,
      tasks: prepared.progress.totalTasks,
      chunks: counts.total,
      seconds: Math.round(seconds * 1000) / 1000,
      linesPerSecond: Math.round(lines / seconds),
      baselineRssMb: mb(baseline),
      peakRssMb: mb(peak),
      storedMb: mb(size(dbPath) + size(`${dbPath}-wal`)),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(lines: number, kind: RunResult['kind']): RunResult {
  const child = spawnSync(process.execPath, [process.argv[1]!, fileURLToPath(import.meta.url), '--child', kind, '--lines', String(lines)], {
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
    const lines = Number(arg('--lines'));
    process.stdout.write(`${JSON.stringify(arg('--child') === 'job' ? await runJobOnce(lines) : await runOnce(lines))}\n`);
    return;
  }
  if (process.argv.includes('--quick')) {
    for (const r of [await runOnce(50_000), await runJobOnce(50_000)]) {
      console.log(
        `prepare quick (${r.kind}): lines=${r.lines} tasks=${r.tasks} chunks=${r.chunks} lines/s=${r.linesPerSecond} peakRSS=${r.peakRssMb}MB` +
          (r.storedMb === undefined ? '' : ` stored=${r.storedMb}MB`),
      );
    }
    return;
  }
  const sizes = arg('--lines') ? [Number(arg('--lines'))] : [1_000_000, 10_000_000];
  const runs = Number(arg('--runs') ?? 3);
  console.log(`manifest preparation, S3BatchOperations_CSV_20180820, chunkSize 1000, median of ${runs} runs (each a fresh process)`);
  for (const kind of ['reader', 'job'] as const) {
    for (const lines of sizes) {
      const results = Array.from({ length: runs }, () => runChild(lines, kind));
      const rate = median(results.map((r) => r.linesPerSecond));
      const peak = median(results.map((r) => r.peakRssMb));
      const base = median(results.map((r) => r.baselineRssMb));
      const stored = kind === 'job' ? `  stored ${median(results.map((r) => r.storedMb ?? 0))} MB` : '';
      console.log(
        `${kind.padEnd(6)} ${lines.toLocaleString('en-US').padStart(12)} lines: ${rate.toLocaleString('en-US').padStart(11)} lines/s` +
          `  peak RSS ${peak} MB (baseline ${base} MB)${stored}  runs: ${results.map((r) => r.linesPerSecond.toLocaleString('en-US')).join(', ')}`,
      );
    }
  }
}

if (!process.env.VITEST) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
