/**
 * `npm run bench` (cluster phase): nodes sharing one PostgreSQL, against a store that adds 20 ms to
 * every request, with each node's concurrency fixed low (6) so that latency, not the CPUs, is the
 * limit. A tagging job runs on 1, 2 and 3 nodes (a serve node, plus workers): tasks/s from its first
 * task to Complete, the median of 3 runs each, and the ratios to one node (aim: 3 nodes ≥ 2.7×).
 * Also CreateJob → first task (DescribeJob showing a task done) on PostgreSQL.
 *
 * The nodes are real processes (bin/s3batch.js over dist/, rebuilt first when stale); the store is
 * an in-process s3batch server behind a delaying proxy. The database: S3BATCH_BENCH_DATABASE_URL,
 * else 127.0.0.1:5432 if it answers, else a throwaway server. --quick: 600 tasks, one run each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, S3ControlClient } from '@aws-sdk/client-s3-control';

import { createLogger } from '../src/app/logger.js';
import { startServer } from '../src/app/server.js';
import { loadConfig } from '../src/config/config.js';
import buildDist from '../test/helpers/build-dist.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';
import { dropSchema, postgresAnswers, SHARED_POSTGRES_URL, startThrowawayPostgres, type ThrowawayPostgres } from '../test/helpers/postgres-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, '../bin/s3batch.js');
const quick = process.argv.includes('--quick');
const TASKS = quick ? 600 : 3_000;
const RUNS = quick ? 1 : 3;
const LATENCY_MS = 20;
const CONCURRENCY = 6;
const ACCOUNT = { accountId: '111122223333', accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
const CREDENTIALS = `${ACCOUNT.accountId}:${ACCOUNT.accessKeyId}:${ACCOUNT.secretAccessKey}`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function startNode(kind: 'serve' | 'worker', env: Record<string, string>): Promise<{ proc: ChildProcess; url: string | undefined; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `s3batch-bench-${kind}-`));
  const proc = spawn(process.execPath, [BIN, kind], {
    env: { PATH: process.env.PATH ?? '', S3BATCH_HOST: '127.0.0.1', S3BATCH_PORT: '0', S3BATCH_CREDENTIALS: CREDENTIALS, S3BATCH_DATA_DIR: dir, S3BATCH_LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on('line', (l) => {
      if (!l.startsWith('{')) return;
      const r = JSON.parse(l) as { msg?: string; url?: string };
      if (r.msg === 's3batch is listening' || r.msg === 's3batch worker is running') resolve({ proc, url: r.url, dir });
    });
    proc.once('exit', (code) => reject(new Error(`s3batch ${kind} exited with ${code}`)));
  });
}

async function stopNode(node: { proc: ChildProcess; dir: string }): Promise<void> {
  if (node.proc.exitCode === null) {
    const exited = new Promise((r) => node.proc.once('exit', r));
    node.proc.kill('SIGTERM');
    await exited;
  }
  rmSync(node.dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  buildDist();
  let throwaway: ThrowawayPostgres | undefined;
  let dbUrl = process.env.S3BATCH_BENCH_DATABASE_URL;
  if (!dbUrl) {
    if (await postgresAnswers(SHARED_POSTGRES_URL)) dbUrl = SHARED_POSTGRES_URL;
    else dbUrl = (throwaway = await startThrowawayPostgres()).url;
  }
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 's3batch-bench-store-'));
  const store = await startServer(loadConfig({ S3BATCH_HOST: '127.0.0.1', S3BATCH_PORT: '0', S3BATCH_DATA_DIR: storeDir, S3BATCH_CREDENTIALS: CREDENTIALS }), {
    engine: false,
    logger: createLogger('error'),
  });
  const proxy = await startFaultProxy({ target: store.url, delayMs: () => LATENCY_MS });
  const credentials = { accessKeyId: ACCOUNT.accessKeyId, secretAccessKey: ACCOUNT.secretAccessKey };
  const s3 = new S3Client({ region: 'us-east-1', endpoint: store.url, forcePathStyle: true, credentials });
  for (const Bucket of ['data', 'manifests', 'reports']) await s3.send(new CreateBucketCommand({ Bucket }));
  for (let i = 0; i < 200; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => s3.send(new PutObjectCommand({ Bucket: 'data', Key: `o/${i + j}`, Body: 'x' }))));
  const manifest = Array.from({ length: TASKS }, (_, i) => `data,o/${i % 200}\n`).join('');
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'm.csv', Body: manifest }));

  const rates = new Map<number, number[]>();
  const firstTask: number[] = [];
  let seq = 0;
  try {
    for (const nodes of [1, 2, 3]) {
      for (let run = 0; run < RUNS; run++) {
        const schema = `bench_cluster_${process.pid}_${++seq}`;
        const env = {
          S3BATCH_DATABASE_URL: dbUrl,
          S3BATCH_DATABASE_SCHEMA: schema,
          S3BATCH_STORAGE_ENDPOINT: proxy.url,
          S3BATCH_STORAGE_ACCESS_KEY_ID: ACCOUNT.accessKeyId,
          S3BATCH_STORAGE_SECRET_ACCESS_KEY: ACCOUNT.secretAccessKey,
          S3BATCH_CONCURRENCY: String(CONCURRENCY),
          S3BATCH_CHUNK_SIZE: '100',
        };
        const api = await startNode('serve', env);
        const workers = await Promise.all(Array.from({ length: nodes - 1 }, () => startNode('worker', env)));
        const control = new S3ControlClient({ region: 'us-east-1', credentials, endpointProvider: () => ({ url: new URL(`${api.url}/`) }) });
        try {
          const { JobId } = await control.send(
            new CreateJobCommand({
              AccountId: ACCOUNT.accountId,
              Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'bench', Value: 'yes' }] } },
              Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: ETag! } },
              Report: { Enabled: false },
              Priority: 10,
              RoleArn: 'arn:aws:iam::111122223333:role/bench',
              ConfirmationRequired: false,
              ClientRequestToken: `bench-${seq}`,
            }),
          );
          const created = performance.now();
          let started = 0;
          for (;;) {
            const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT.accountId, JobId }));
            const done = (Job?.ProgressSummary?.NumberOfTasksSucceeded ?? 0) + (Job?.ProgressSummary?.NumberOfTasksFailed ?? 0);
            if (started === 0 && done > 0) {
              started = performance.now();
              if (nodes === 1) firstTask.push(started - created);
            }
            if (Job?.Status === 'Complete' || Job?.Status === 'Failed') {
              if (Job.Status !== 'Complete' || done !== TASKS) throw new Error(`the job ended ${Job.Status} with ${done} tasks`);
              break;
            }
            await new Promise((r) => setTimeout(r, 10));
          }
          const rate = TASKS / ((performance.now() - started) / 1000);
          rates.set(nodes, [...(rates.get(nodes) ?? []), rate]);
        } finally {
          control.destroy();
          await Promise.all([api, ...workers].map(stopNode));
          await dropSchema(dbUrl, schema);
        }
      }
    }
  } finally {
    s3.destroy();
    await proxy.close();
    await store.close();
    rmSync(storeDir, { recursive: true, force: true });
    await throwaway?.destroy();
  }

  const one = median(rates.get(1) ?? []);
  console.log(`cluster: ${TASKS} tagging tasks, store latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY} per node, median of ${RUNS}`);
  for (const nodes of [1, 2, 3]) {
    const m = median(rates.get(nodes) ?? []);
    console.log(`  ${nodes} node${nodes > 1 ? 's' : ' '}  ${m.toFixed(0).padStart(6)} tasks/s  ${(m / one).toFixed(2)}× one node${nodes === 3 ? '  (aim ≥ 2.7×)' : ''}`);
  }
  console.log(`  CreateJob → first task on PostgreSQL: ${median(firstTask).toFixed(0)} ms (median)`);
}

await main();
