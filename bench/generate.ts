/**
 * Generated manifests (issue 13) on the embedded store: a server in this process (engine on, the
 * in-process S3 port) over a bucket of N objects made in process (empty bodies: the store's rows
 * only), and S3JobManifestGenerator jobs with no filter over it:
 *   - listing: a job that needs confirmation lists the whole bucket and waits in Suspended —
 *     keys/s = N / (CreateJob → Suspended), chunks and listing position committed as in any run;
 *   - a tagging job that needs none: CreateJob → first finished task (it starts on its first chunk
 *     while the listing goes on), and CreateJob → Complete;
 *   - the process's peak RSS while each size's jobs run (it must stay flat from 100k to 1M: the
 *     listing is streamed into the job store, never held).
 * Medians of the runs.
 *
 *   npm run bench                 100,000 and 1,000,000 objects, 3 runs each (~8 min, most of it making 1.1M objects)
 *   vite-node bench/generate.ts --quick   5,000 and 20,000 objects, 1 run (what the test suite runs)
 *   --sizes=N,M                   other bucket sizes
 *   --json                        one JSON line instead of the table
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/app/logger.js';
import { startServer, type RunningServer } from '../src/app/server.js';
import { loadConfig } from '../src/config/config.js';
import type { JobSpec } from '../src/domain/job-spec.js';
import type { JobStatus } from '../src/domain/job-status.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const sizesArg = process.argv.find((a) => a.startsWith('--sizes='));
const SIZES = sizesArg ? sizesArg.slice('--sizes='.length).split(',').map(Number) : QUICK ? [5_000, 20_000] : [100_000, 1_000_000];
const RUNS = QUICK ? 1 : 3;
const ACCOUNT = '123456789012';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function spec(bucket: string, confirmation: boolean): JobSpec {
  return {
    Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'bench', Value: 'generate' }] } },
    Report: { Enabled: false },
    Priority: 10,
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/bench`,
    ConfirmationRequired: confirmation,
    ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: `arn:aws:s3:::${bucket}`, EnableManifestOutput: false } },
  };
}

async function create(server: RunningServer, bucket: string, confirmation: boolean): Promise<string> {
  const { job } = await server.jobs.createJob({ accountId: ACCOUNT, clientRequestToken: randomUUID(), spec: spec(bucket, confirmation), tags: [] });
  return job.id;
}

/** Polls the job (with the engine's live counts) every `everyMs` until `done` says so. */
async function waitFor(server: RunningServer, jobId: string, everyMs: number, done: (status: JobStatus, ran: number) => boolean): Promise<void> {
  for (;;) {
    const job = await server.jobs.describeJob(ACCOUNT, jobId);
    if (!job) throw new Error(`job ${jobId} vanished`);
    if (job.status === 'Failed') throw new Error(`job ${jobId} failed: ${JSON.stringify(job.failureReasons)}`);
    if (done(job.status, job.progress.succeededTasks + job.progress.failedTasks)) return;
    await sleep(everyMs);
  }
}

async function seed(server: RunningServer, bucket: string, n: number): Promise<number> {
  const t0 = performance.now();
  await server.objects.createBucket(ACCOUNT, bucket);
  const empty = Buffer.alloc(0);
  for (let i = 0; i < n; i += 256) {
    await Promise.all(
      Array.from({ length: Math.min(256, n - i) }, (_, j) => server.objects.putObject(ACCOUNT, { bucket, key: `obj/${String(i + j).padStart(7, '0')}` }, empty)),
    );
  }
  return (performance.now() - t0) / 1000;
}

/** One bucket size's figures (the --json output's `generate.sizes[]`). */
export interface SizeResult {
  objects: number;
  seedSeconds: number;
  listingKeysPerSec: number;
  firstTaskMs: number;
  totalSeconds: number;
  tasksPerSec: number;
  peakRssMb: number;
  /** Peak RSS while the jobs ran, above the RSS once the objects were made. */
  rssGrowthMb: number;
  /** Peak V8 heap in use while the jobs ran. */
  peakHeapMb: number;
}

async function measure(server: RunningServer, n: number): Promise<SizeResult> {
  const bucket = `gen-${n}`;
  const seedSeconds = await seed(server, bucket, n);
  const before = process.memoryUsage.rss();
  let peak = before;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 50);
  const listing: number[] = [];
  const first: number[] = [];
  const total: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      // Listing alone: confirmation required, so the job lists everything, then waits.
      const t0 = performance.now();
      const listed = await create(server, bucket, true);
      await waitFor(server, listed, 5, (status) => status === 'Suspended');
      listing.push(n / ((performance.now() - t0) / 1000));
      await server.jobs.requestStatus(ACCOUNT, listed, 'Cancelled');

      // A job that runs while it lists.
      const t1 = performance.now();
      const running = await create(server, bucket, false);
      await waitFor(server, running, 1, (_status, ran) => ran > 0);
      first.push(performance.now() - t1);
      await waitFor(server, running, 20, (status) => status === 'Complete');
      total.push((performance.now() - t1) / 1000);
    }
  } finally {
    clearInterval(sampler);
  }
  const totalSeconds = median(total);
  return {
    objects: n,
    seedSeconds,
    listingKeysPerSec: median(listing),
    firstTaskMs: median(first),
    totalSeconds,
    tasksPerSec: n / totalSeconds,
    peakRssMb: peak / 1024 / 1024,
    rssGrowthMb: (peak - before) / 1024 / 1024,
    peakHeapMb: heapPeak / 1024 / 1024,
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 's3batch-bench-generate-'));
  const config = loadConfig({
    S3BATCH_HOST: '127.0.0.1',
    S3BATCH_PORT: '0',
    S3BATCH_DATA_DIR: dataDir,
    S3BATCH_CREDENTIALS: `${ACCOUNT}:bench:bench-secret`,
  });
  const server = await startServer(config, { logger: createLogger('silent'), engine: true });
  const results: SizeResult[] = [];
  try {
    for (const n of SIZES) results.push(await measure(server, n));
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  if (JSON_OUT) {
    console.log(JSON.stringify({ generate: { runs: RUNS, sizes: results } }));
    return;
  }
  console.log(`generate bench: S3JobManifestGenerator (no filter) over the embedded store, in process, median of ${RUNS}${QUICK ? ' (quick)' : ''}`);
  console.log('objects     listing keys/s   CreateJob→first task   CreateJob→Complete   tasks/s   peak RSS (growth while jobs ran)   peak heap   (objects made in)');
  for (const r of results) {
    console.log(
      `${r.objects.toLocaleString('en-US').padStart(9)}   ${Math.round(r.listingKeysPerSec).toLocaleString('en-US').padStart(14)}   ${`${r.firstTaskMs.toFixed(0)} ms`.padStart(20)}   ${`${r.totalSeconds.toFixed(1)} s`.padStart(18)}   ${Math.round(r.tasksPerSec).toLocaleString('en-US').padStart(7)}   ${`${r.peakRssMb.toFixed(0)} MB (+${r.rssGrowthMb.toFixed(0)} MB)`.padStart(30)}   ${`${r.peakHeapMb.toFixed(0)} MB`.padStart(9)}   (${r.seedSeconds.toFixed(0)} s)`,
    );
  }
  console.log('memory: the growth while jobs ran must not grow with the bucket (the listing is streamed into the job store, never held)');
}

await main();
