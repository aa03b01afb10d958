/**
 * The server of the engine bench, in its own process: one s3batch server (engine wired by hand so
 * that the bench can switch between the HTTP and the in-process path on the same server and data
 * dir), plus the bench's own load generator for (a). The load generator and the engine run in the
 * server's process on purpose: (a) and (b) then compete for the same core in the same way, and the
 * ratio (b)/(a) measures the engine's client-side overhead, not where the OS placed a process.
 *
 * Protocol: prints `{"url": …}` once listening; each stdin line is a command, answered by one JSON
 * line: `setup N`, `loop N`, `job http|local N`, `crowd http|local N W`, `lambda node|python N`, `rss`, `exit`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateJobCommand, S3ControlClient, UpdateJobStatusCommand, type CreateJobCommandInput } from '@aws-sdk/client-s3-control';
import { wireEngine, type WiredEngine } from '../src/app/engine-wiring.js';
import { createLogger } from '../src/app/logger.js';
import { startServer } from '../src/app/server.js';
import { loadConfig } from '../src/config/config.js';
import { createSigner, sha256Hex } from '../src/lib/sigv4/index.js';
import { contentMd5, taggingXml } from '../src/s3/http-s3-requests.js';

const ACCOUNT = '123456789012';
const KEY_ID = 'bench';
const SECRET = 'bench-secret';
/** A second account, for the fairness phase: its own bucket, manifest and job. */
const ACCOUNT_B = '210987654321';
const KEY_ID_B = 'bench-b';
const SECRET_B = 'bench-b-secret';
const REGION = 'us-east-1';
const IN_FLIGHT = 64;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 's3batch-engine-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const logger = createLogger('silent');
const config = loadConfig({
  S3BATCH_HOST: '127.0.0.1',
  S3BATCH_PORT: '0',
  S3BATCH_DATA_DIR: dataDir,
  S3BATCH_REGION: REGION,
  S3BATCH_CREDENTIALS: `${ACCOUNT}:${KEY_ID}:${SECRET},${ACCOUNT_B}:${KEY_ID_B}:${SECRET_B}`,
  S3BATCH_FUNCTIONS_DIR: fileURLToPath(new URL('./functions/', import.meta.url)),
});
// The engine is started per phase below, so that one server serves both paths.
const server = await startServer(config, { logger, engine: false });
const key = (i: number): string => `obj/${i}`;
const etags = new Map<number, string>();
let etagB = '';

async function setup(n: number): Promise<object> {
  const t0 = performance.now();
  for (const bucket of ['data', 'manifests']) await server.objects.createBucket(ACCOUNT, bucket);
  const body = Buffer.from('x');
  for (let i = 0; i < n; i += IN_FLIGHT) {
    const batch = Array.from({ length: Math.min(IN_FLIGHT, n - i) }, (_, j) => server.objects.putObject(ACCOUNT, { bucket: 'data', key: key(i + j) }, body));
    await Promise.all(batch);
  }
  for (const size of [n, 10]) {
    const manifest = Buffer.from(Array.from({ length: size }, (_, i) => `data,${key(i)}\n`).join(''));
    const put = await server.objects.putObject(ACCOUNT, { bucket: 'manifests', key: `m-${size}.csv` }, manifest);
    etags.set(size, put.etag);
  }
  for (const bucket of ['data-b', 'manifests-b']) await server.objects.createBucket(ACCOUNT_B, bucket);
  for (let i = 0; i < 10; i++) await server.objects.putObject(ACCOUNT_B, { bucket: 'data-b', key: key(i) }, body);
  const manifestB = Buffer.from(Array.from({ length: 10 }, (_, i) => `data-b,${key(i)}\n`).join(''));
  etagB = (await server.objects.putObject(ACCOUNT_B, { bucket: 'manifests-b', key: 'm-10.csv' }, manifestB)).etag;
  return { objects: n, seconds: (performance.now() - t0) / 1000 };
}

/** (a): the cheapest signed client there is — one precomputed body, a signature per request. */
async function loop(n: number): Promise<object> {
  const url = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const signer = createSigner({ accessKeyId: KEY_ID, secretAccessKey: SECRET, region: REGION, service: 's3' });
  const body = taggingXml([{ key: 'bench', value: 'loop' }]);
  const headers = { 'content-type': 'application/xml', 'content-md5': contentMd5(body), 'content-length': String(body.length) };
  const hash = sha256Hex(body);
  let next = 0;
  let failures = 0;
  const one = (rawPath: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const signed = signer.sign({ method: 'PUT', host: url.host, rawPath, rawQuery: 'tagging=', headers, payloadHash: hash, nowMs: Date.now() });
      const req = http.request({ agent, host: url.hostname, port: url.port, method: 'PUT', path: `${rawPath}?tagging`, headers: { ...headers, ...signed } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) if ((await one(`/data/${key(next++)}`)) !== 200) failures++;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} PutObjectTagging requests failed`);
  return { tasks: n, seconds, tasksPerSec: n / seconds, cpu: cpuShare(cpu0, seconds) };
}

/** CPU time of this process over wall time (1 = one core busy): is the server saturated? */
function cpuShare(since: NodeJS.CpuUsage, seconds: number): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6 / seconds;
}

let runs = 0;

function engineFor(mode: 'http' | 'local'): WiredEngine {
  const storage =
    mode === 'http'
      ? { endpoint: server.url, accessKeyId: KEY_ID, secretAccessKey: SECRET, region: REGION, accounts: new Map() }
      : { endpoint: undefined, accessKeyId: undefined, secretAccessKey: undefined, region: undefined, accounts: new Map() };
  return wireEngine({ config: { ...config, storage }, store: server.store, events: server.events, objects: server.objects, logger, nodeId: `bench-${mode}`, selfUrl: () => server.url });
}

const controlFor = (keyId = KEY_ID, secret = SECRET): S3ControlClient =>
  new S3ControlClient({ region: REGION, credentials: { accessKeyId: keyId, secretAccessKey: secret }, endpointProvider: () => ({ url: new URL(`${server.url}/`) }) });

function jobRequest(account: string, manifest: { arn: string; etag: string }, value: string, over: Partial<CreateJobCommandInput> = {}): CreateJobCommandInput {
  return {
    AccountId: account,
    ConfirmationRequired: false,
    Priority: 10,
    RoleArn: `arn:aws:iam::${account}:role/batch`,
    ClientRequestToken: `bench-${process.pid}-${++runs}`,
    Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'bench', Value: value }] } },
    Report: { Enabled: false },
    Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: manifest.arn, ETag: manifest.etag } },
    ...over,
  };
}

/** Resolves with the time `jobId()` reaches Complete (rejects if it fails or is cancelled). */
function completion(jobId: () => string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const off = server.events.on('job:statusChanged', ({ job, to }) => {
      if (job.id !== jobId()) return;
      if (to === 'Complete') resolve(performance.now());
      else if (to === 'Failed' || to === 'Cancelled') reject(new Error(`job ${to}: ${JSON.stringify(job.failureReasons)}`));
      else return;
      off();
    });
  });
}

/** Waits until the first key of `bucket` carries the tag `value` (the job's first task is done). */
async function firstTask(account: string, bucket: string, value: string): Promise<number> {
  for (;;) {
    const { tags } = await server.objects.getObjectTagging(account, { bucket, key: key(0) });
    if (tags[0]?.value === value) return performance.now();
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * (e): an N-task LambdaInvoke job with a function that answers at once (bench/functions), in
 * Node.js or Python: what the function machinery costs — events, copies, the channel — per task.
 */
async function lambdaJob(runtime: 'node' | 'python', n: number): Promise<object> {
  const engine = engineFor('local');
  engine.start();
  const control = controlFor();
  try {
    let jobId = '';
    const complete = completion(() => jobId);
    const t0 = performance.now();
    const request = jobRequest(ACCOUNT, { arn: `arn:aws:s3:::manifests/m-${n}.csv`, etag: etags.get(n)! }, 'lambda', {
      Operation: { LambdaInvoke: { FunctionArn: runtime === 'node' ? 'noop' : 'noop_py', InvocationSchemaVersion: '2.0' } },
    });
    jobId = (await control.send(new CreateJobCommand(request))).JobId!;
    const end = await complete;
    const seconds = (end - t0) / 1000;
    return { runtime, tasks: n, seconds, tasksPerSec: n / seconds, rssKb: Math.round(process.memoryUsage().rss / 1024) };
  } finally {
    control.destroy();
    await engine.close();
  }
}

/** (b)/(c): CreateJob over S3 Control → first task done (the first key's new tag seen) → Complete. */
async function job(mode: 'http' | 'local', n: number): Promise<object> {
  const engine = engineFor(mode);
  engine.start();
  const control = controlFor();
  // A fresh tag value per job: the first task is done when the first key carries it.
  const value = `run-${runs + 1}`;
  try {
    let jobId = '';
    const complete = completion(() => jobId);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out = await control.send(new CreateJobCommand(jobRequest(ACCOUNT, { arn: `arn:aws:s3:::manifests/m-${n}.csv`, etag: etags.get(n)! }, value)));
    jobId = out.JobId!;
    const first = await firstTask(ACCOUNT, 'data', value);
    const end = await complete;
    const seconds = (end - t0) / 1000;
    return { mode, tasks: n, seconds, tasksPerSec: n / seconds, firstTaskMs: first - t0, cpu: cpuShare(cpu0, seconds) };
  } finally {
    control.destroy();
    await engine.close();
  }
}

/**
 * (d): the job of (c) while `w` lower-priority jobs of the same account wait behind it, and another
 * account's 10-task job arrives at a still lower priority. Every job of the first account is
 * prepared first (all wait for confirmation), the engine is stopped, all are confirmed — the big
 * one at priority 1000, the others at 999 — and the engine started again: from then until the big
 * job completes, nothing of that account runs but it, and the scheduler must look past the waiting
 * ones. Once the big job's first task is done, the other account creates its job at priority 1:
 * priorities compare the jobs of one account only (reference §5.4), so that job must not wait for
 * the first account's. The waiting jobs are cancelled afterwards.
 */
async function crowd(mode: 'http' | 'local', n: number, w: number): Promise<object> {
  const control = controlFor();
  const controlB = controlFor(KEY_ID_B, SECRET_B);
  const small = { arn: 'arn:aws:s3:::manifests/m-10.csv', etag: etags.get(10)! };
  const waiting: string[] = [];
  let engine = engineFor(mode);
  engine.start();
  try {
    const value = `run-${runs + 1}`;
    const big = jobRequest(ACCOUNT, { arn: `arn:aws:s3:::manifests/m-${n}.csv`, etag: etags.get(n)! }, value, { ConfirmationRequired: true, Priority: 1000 });
    const jobId = (await control.send(new CreateJobCommand(big))).JobId!;
    for (let i = 0; i < w; i += 50) {
      const batch = Array.from({ length: Math.min(50, w - i) }, () =>
        control.send(new CreateJobCommand(jobRequest(ACCOUNT, small, 'crowd', { Priority: 999, ConfirmationRequired: true }))),
      );
      for (const r of await Promise.all(batch)) waiting.push(r.JobId!);
    }
    while ((await server.store.findJobs(['Suspended'], w + 2)).length < w + 1) await new Promise((r) => setTimeout(r, 20));
    await engine.close();
    for (const id of [jobId, ...waiting]) await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: 'Ready' }));
    const complete = completion(() => jobId);
    engine = engineFor(mode);
    const t0 = performance.now();
    engine.start();
    await firstTask(ACCOUNT, 'data', value);
    let jobB = '';
    const completeB = completion(() => jobB);
    const tB = performance.now();
    jobB = (await controlB.send(new CreateJobCommand(jobRequest(ACCOUNT_B, { arn: 'arn:aws:s3:::manifests-b/m-10.csv', etag: etagB }, value, { Priority: 1 })))).JobId!;
    const [end, endB] = await Promise.all([complete, completeB]);
    const seconds = (end - t0) / 1000;
    return { mode, tasks: n, waiting: w, seconds, tasksPerSec: n / seconds, otherAccountMs: endB - tB, otherAccountFirst: endB < end ? 1 : 0 };
  } finally {
    for (const id of waiting) {
      await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: 'Cancelled' })).catch(() => undefined);
    }
    control.destroy();
    controlB.destroy();
    await engine.close();
  }
}

process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const commands = createInterface({ input: process.stdin });
for await (const line of commands) {
  const [cmd, a, b] = line.trim().split(' ');
  try {
    let out: object;
    if (cmd === 'setup') out = await setup(Number(a));
    else if (cmd === 'loop') out = await loop(Number(a));
    else if (cmd === 'job') out = await job(a === 'http' ? 'http' : 'local', Number(b));
    else if (cmd === 'lambda') out = await lambdaJob(a === 'python' ? 'python' : 'node', Number(b));
    else if (cmd === 'crowd') out = await crowd(a === 'http' ? 'http' : 'local', Number(b), Number(line.trim().split(' ')[3]));
    else if (cmd === 'rss') out = { maxRssKb: process.resourceUsage().maxRSS, rssKb: Math.round(process.memoryUsage().rss / 1024) };
    else break;
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
  }
}
await server.close();
process.exit(0);
