/**
 * Helpers of the job lifecycle tests (cancel in each status, priority preemption): a rig of two
 * real servers — B the store, A the engine storing in B through a proxy that can hold and count
 * the requests of each job's tasks — and the SDK calls those tests make.
 *
 * Every job of a rig tags objects `data/<name>/<i>` listed in its own manifest
 * `manifests/<name>.csv` (a job reads its manifest again per chunk, pinned to its ETag, so two jobs
 * must not share one), so that the proxy can tell the tasks of one job from another's by path.
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  DescribeJobCommand,
  ListJobsCommand,
  UpdateJobPriorityCommand,
  UpdateJobStatusCommand,
  type JobDescriptor,
  type JobStatus,
  type S3ControlClient,
  type UpdateJobStatusCommandOutput,
} from '@aws-sdk/client-s3-control';
import { afterEach } from 'vitest';
import { s3Client, type Account } from '../object-store/helpers.js';
import { createBuckets, putAll, reportRows, until } from './engine-jobs.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions, type Gate, type ProxyRequest } from './fault-proxy.js';
import { jobInput } from './jobs.js';
import { ACCOUNT_A, controlClient, REGION, startTestServer, type TestServer } from './server.js';

/** Tasks in flight for one job (S3BATCH_JOB_CONCURRENCY): the most that may start after a cancel. */
export const JOB_CONCURRENCY = 4;
/** Manifest lines per chunk (S3BATCH_CHUNK_SIZE): small, so that a job has many chunks. */
export const CHUNK_SIZE = 10;
/** Every bounded wait of these tests; generous for a loaded 2-core CI machine. */
export const WAIT_MS = 20_000;

export interface Rig {
  /** B: the store, no engine. `s3` talks to it directly, not through the proxy. */
  readonly store: TestServer;
  /** A: the engine, storing in B through `proxy`. */
  readonly engine: TestServer;
  readonly proxy: FaultProxy;
  readonly s3: S3Client;
  readonly control: S3ControlClient;
  /** A gate at the proxy (closed unless `open`), let through before the rig closes. */
  gate(match: (request: ProxyRequest) => boolean, options?: { open?: boolean }): Gate;
}

const rigs: Array<{ rig: Rig; gates: Gate[] }> = [];

/**
 * Registered on import, after test/helpers/server.ts's own afterEach, so it runs before it
 * (vitest runs after-hooks in reverse): held requests are let through first, otherwise the engine
 * server's close would wait for them forever; then A, B and the proxy are closed, in that order.
 */
afterEach(async () => {
  for (const { rig, gates } of rigs.splice(0)) {
    for (const g of gates) g.open();
    await rig.engine.close();
    await rig.store.close();
    await rig.proxy.close();
  }
});

/** `delayMs`: latency the proxy adds to each request (see FaultProxyOptions). */
export async function startRig(options: Pick<FaultProxyOptions, 'delayMs'> = {}): Promise<Rig> {
  const store = await startTestServer();
  const proxy = await startFaultProxy({ target: store.url, ...options });
  const engine = await startTestServer(
    {
      S3BATCH_STORAGE_ENDPOINT: proxy.url,
      S3BATCH_STORAGE_ACCESS_KEY_ID: ACCOUNT_A.accessKeyId,
      S3BATCH_STORAGE_SECRET_ACCESS_KEY: ACCOUNT_A.secretAccessKey,
      S3BATCH_STORAGE_REGION: REGION,
      S3BATCH_JOB_CONCURRENCY: String(JOB_CONCURRENCY),
      // room for two jobs' tasks at once: a job held at the proxy never starves another
      S3BATCH_CONCURRENCY: String(4 * JOB_CONCURRENCY),
      S3BATCH_CHUNK_SIZE: String(CHUNK_SIZE),
    },
    undefined,
    { engine: true },
  );
  const s3 = s3Client(store);
  await createBuckets(s3);
  const gates: Gate[] = [];
  const rig: Rig = {
    store,
    engine,
    proxy,
    s3,
    control: controlClient(engine),
    gate(match, options) {
      const g = proxy.gate(match, options);
      gates.push(g);
      return g;
    },
  };
  rigs.push({ rig, gates });
  return rig;
}

/** A task request of the job `name`: PUT /data/<name>/<i>?tagging. */
export const taskOf =
  (name: string) =>
  (r: ProxyRequest): boolean =>
    r.method === 'PUT' && r.path.startsWith(`/data/${name}/`) && /[?&]tagging/.test(r.path);

/** Any request for the manifest of the job `name`. */
export const manifestOf =
  (name: string) =>
  (r: ProxyRequest): boolean =>
    r.path.startsWith(`/manifests/${name}.csv`);

/** The object key a task request is for (`<name>/<i>`). */
export const keyOfRequest = (r: ProxyRequest): string => decodeURIComponent(r.path.slice('/data/'.length).split('?')[0]!);

export interface JobPlan {
  readonly name: string;
  /** Manifest lines, in order. */
  readonly lines: string[];
  /** Keys that exist (their tasks succeed); the others answer NoSuchKey. */
  readonly existing: string[];
}

/**
 * `n` manifest lines `data,<name>/<i>`; every `missingEvery`-th key is not put, so that its task
 * fails with 404 NoSuchKey. The existing objects are put into B.
 */
export async function planJob(rig: Rig, name: string, n: number, missingEvery = 0): Promise<JobPlan> {
  const keys = Array.from({ length: n }, (_, i) => `${name}/${i}`);
  const existing = keys.filter((_, i) => missingEvery === 0 || i % missingEvery !== missingEvery - 1);
  await putAll(rig.s3, existing);
  return { name, lines: keys.map((k) => `data,${k}`), existing };
}

export interface JobOptions {
  readonly priority?: number;
  readonly confirmationRequired?: boolean;
  /** The account creating the job on A (default ACCOUNT_A); the tasks still run in B as ACCOUNT_A of B. */
  readonly account?: Account;
}

/** Puts the plan's manifest as manifests/<name>.csv and creates its tagging job (AllTasks report under reports/out). */
export async function createJob(rig: Rig, plan: JobPlan, options: JobOptions = {}): Promise<string> {
  const body = plan.lines.map((l) => `${l}\n`).join('');
  const { ETag } = await rig.s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: `${plan.name}.csv`, Body: body }));
  const account = options.account ?? ACCOUNT_A;
  const { JobId } = await controlClient(rig.engine, account).send(
    new CreateJobCommand(
      jobInput({
        Manifest: {
          Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
          Location: { ObjectArn: `arn:aws:s3:::manifests/${plan.name}.csv`, ETag: ETag! },
        },
        Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'out', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
        Priority: options.priority ?? 10,
        ConfirmationRequired: options.confirmationRequired ?? false,
      }, account),
    ),
  );
  return JobId!;
}

/** Polls `probe` every 20 ms until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = WAIT_MS): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** DescribeJob until the job is in `status` (bounded). */
export const reach = (rig: Rig, jobId: string, ...statuses: JobStatus[]) => until(rig.control, jobId, statuses, WAIT_MS);

/** DescribeJob as `account` (the helpers of engine-jobs.ts ask as ACCOUNT_A). */
export async function describeAs(rig: Rig, account: Account, jobId: string): Promise<JobDescriptor> {
  const { Job } = await controlClient(rig.engine, account).send(new DescribeJobCommand({ AccountId: account.accountId, JobId: jobId }));
  return Job!;
}

/** DescribeJob as `account` until the job is in `status` (bounded). */
export async function reachAs(rig: Rig, account: Account, jobId: string, ...statuses: JobStatus[]): Promise<JobDescriptor> {
  return waitFor(`job ${jobId} ${statuses.join('/')}`, async () => {
    const job = await describeAs(rig, account, jobId);
    return statuses.includes(job.Status!) && job;
  });
}

export function cancel(rig: Rig, jobId: string, reason?: string): Promise<UpdateJobStatusCommandOutput> {
  return rig.control.send(
    new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, RequestedJobStatus: 'Cancelled', ...(reason ? { StatusUpdateReason: reason } : {}) }),
  );
}

export function confirm(rig: Rig, jobId: string): Promise<UpdateJobStatusCommandOutput> {
  return rig.control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, RequestedJobStatus: 'Ready' }));
}

export async function setPriority(rig: Rig, jobId: string, priority: number): Promise<number | undefined> {
  return (await rig.control.send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, Priority: priority }))).Priority;
}

/** The ids of the jobs ListJobs shows in `status`. */
export async function listed(rig: Rig, status: JobStatus): Promise<string[]> {
  const { Jobs } = await rig.control.send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId, JobStatuses: [status] }));
  return (Jobs ?? []).map((j) => j.JobId!);
}

/** Objects under the job's report prefix in B (none when no report was written). */
export async function reportObjects(rig: Rig, jobId: string): Promise<string[]> {
  const { Contents } = await rig.s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: `out/job-${jobId}/` }));
  return (Contents ?? []).map((c) => c.Key!);
}

export interface ReportRow {
  readonly key: string;
  readonly status: string;
  readonly row: string;
}

/** The job's report rows, parsed (keys here are plain: no CSV quoting or URL encoding to undo). */
export async function parsedReport(rig: Rig, jobId: string): Promise<ReportRow[]> {
  return (await reportRows(rig.s3, jobId)).map((row) => {
    const [, key, , status] = row.split(',');
    return { key: key!, status: status!, row };
  });
}

/** How many times each key's task was asked of the store, from log index `from` on. */
export function requestsPerKey(rig: Rig, name: string, from = 0): Map<string, number> {
  const perKey = new Map<string, number>();
  const match = taskOf(name);
  for (const r of rig.proxy.log.slice(from)) if (match(r)) perKey.set(keyOfRequest(r), (perKey.get(keyOfRequest(r)) ?? 0) + 1);
  return perKey;
}

/** Index in the proxy log of the first / last request matching, or -1. */
export function firstIndex(rig: Rig, match: (r: ProxyRequest) => boolean, from = 0): number {
  for (let i = from; i < rig.proxy.log.length; i++) if (match(rig.proxy.log[i]!)) return i;
  return -1;
}
export function lastIndex(rig: Rig, match: (r: ProxyRequest) => boolean): number {
  for (let i = rig.proxy.log.length - 1; i >= 0; i--) if (match(rig.proxy.log[i]!)) return i;
  return -1;
}

/**
 * A barrier: a small job created now and run to Complete. Once it completed, the engine has had
 * every chance to act on what came before (a cancelled job's preparation ending, a scheduling
 * round): anything it would wrongly do to an earlier job has had time to happen.
 */
export async function drain(rig: Rig, name: string): Promise<void> {
  const plan = await planJob(rig, name, 3);
  const jobId = await createJob(rig, plan, { priority: 0 });
  const job = await reach(rig, jobId, 'Complete', 'Failed', 'Cancelled');
  if (job.Status !== 'Complete') throw new Error(`the barrier job ${name} ended ${job.Status}`);
}
