/**
 * Engine throughput and latency (issue 4, "Speed"), all against one s3batch server in a child
 * process (bench/engine-child.ts):
 *   (a) a bare loop of SigV4-signed PutObjectTagging requests, plain keep-alive agent, 64 in flight;
 *   (b) an N-task tagging job, the engine reaching the same server over HTTP;
 *   (c) the same job through the in-process path;
 *   (d) (c) while 1,000 lower-priority jobs of the same account wait (100 in a quick run) — what
 *       waiting jobs cost the scheduler, as the ratio to the same run with none waiting (d0) —
 *       and another account's 10-task job arrives at a lower priority still: how long that one
 *       takes from CreateJob to Complete (priorities compare the jobs of one account only, so it
 *       must not wait for (c)'s). (d0) and (d) time the job from the engine's start, without the
 *       DescribeJob probe of (c);
 *   (e) the same N tasks as a LambdaInvoke job, with a function that answers at once
 *       (bench/functions), in Node.js and in Python: what the function machinery costs per task.
 * Each is repeated and the medians are printed, with (b)/(a), CreateJob → first finished task for
 * the big and a 10-line manifest, and the server's peak RSS after each kind of phase. While (b)
 * and (c) run, this process calls DescribeJob on the running job, one call at a time, with the AWS
 * SDK: its latency (p50/p99, against the same call on an idle server) says whether a job running
 * flat out starves the API.
 *
 *   npm run bench                           20,000 tasks, 3 repetitions
 *   vite-node bench/engine.ts --quick       2,000 tasks, 1 repetition (what the test suite runs)
 *   --json                                  one JSON line instead of the table
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DescribeJobCommand, ListJobsCommand, S3ControlClient } from '@aws-sdk/client-s3-control';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const TASKS = QUICK ? 2_000 : 20_000;
const CROWD = QUICK ? 100 : 1_000;
const REPS = QUICK ? 1 : 3;
const here = path.dirname(fileURLToPath(import.meta.url));
const VITE_NODE = path.resolve(here, '../node_modules/vite-node/vite-node.mjs');

type Reply = Record<string, number | string>;

function startChild(): { ready: Promise<Reply>; send(line: string): Promise<Reply>; kill(): void } {
  const proc = spawn(process.execPath, [VITE_NODE, path.join(here, 'engine-child.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(r: Reply) => void> = [];
  createInterface({ input: proc.stdout }).on('line', (l) => {
    if (l.startsWith('{')) waiting.shift()?.(JSON.parse(l) as Reply);
  });
  const ready = new Promise<Reply>((resolve, reject) => {
    waiting.push(resolve);
    proc.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
  return {
    ready,
    async send(line) {
      const reply = await new Promise<Reply>((resolve) => {
        waiting.push(resolve);
        proc.stdin.write(`${line}\n`);
      });
      if (typeof reply.error === 'string') throw new Error(`${line}: ${reply.error}`);
      return reply;
    },
    kill: () => proc.kill('SIGTERM'),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

// The child's only account (bench/engine-child.ts).
const ACCOUNT = '123456789012';

/** DescribeJob latencies (ms) of the running job, one call every ~10 ms, until `until` settles. */
async function describeLatencies(url: string, until: Promise<unknown>, idleJobId?: string): Promise<number[]> {
  const client = new S3ControlClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
    endpointProvider: () => ({ url: new URL(`${url}/`) }),
  });
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  const latencies: number[] = [];
  let jobId = idleJobId;
  try {
    while (!done) {
      if (jobId === undefined) {
        const listed = await client.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ['Active'] }));
        jobId = listed.Jobs?.[0]?.JobId;
      } else {
        const t0 = performance.now();
        await client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId }));
        latencies.push(performance.now() - t0);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    client.destroy();
  }
  return latencies;
}
const mb = (kb: number | string): number => Math.round(Number(kb) / 1024);

export interface EngineBenchResult {
  tasks: number;
  repetitions: number;
  cpus: number;
  loopTasksPerSec: number;
  httpTasksPerSec: number;
  localTasksPerSec: number;
  ratioHttpToLoop: number;
  crowdedTasksPerSec: number;
  uncrowdedTasksPerSec: number;
  crowdedJobs: number;
  /** (d): the other account's 10-task job, CreateJob → Complete. */
  otherAccountMs: number;
  lambdaNodeTasksPerSec: number;
  lambdaPythonTasksPerSec: number;
  firstTaskMs: { http: number; local: number; httpSmall: number; localSmall: number };
  peakRssMb: { afterSetup: number; afterLoop: number; afterHttp: number; afterLocal: number; afterLambda: number };
  /** DescribeJob latency in ms: idle server, and while (b) / (c) run. */
  describeMs: { idle: { p50: number; p99: number }; http: { p50: number; p99: number }; local: { p50: number; p99: number } };
}

async function main(): Promise<EngineBenchResult> {
  const child = startChild();
  try {
    const { url } = await child.ready;
    await child.send(`setup ${TASKS}`);
    const peak = async (): Promise<number> => mb((await child.send('rss')).maxRssKb!);
    const afterSetup = await peak();
    const loops: number[] = [];
    for (let i = 0; i < REPS; i++) loops.push(Number((await child.send(`loop ${TASKS}`)).tasksPerSec));
    const afterLoop = await peak();
    const latencies = { http: [] as number[], local: [] as number[] };
    const jobs = async (mode: 'http' | 'local', n: number): Promise<Reply[]> => {
      const out: Reply[] = [];
      for (let i = 0; i < REPS; i++) {
        const running = child.send(`job ${mode} ${n}`);
        const probed = n === TASKS ? describeLatencies(String(url), running) : Promise.resolve([]);
        out.push(await running);
        latencies[mode].push(...(await probed));
      }
      return out;
    };
    const http = await jobs('http', TASKS);
    const httpSmall = await jobs('http', 10);
    const afterHttp = await peak();
    const local = await jobs('local', TASKS);
    const localSmall = await jobs('local', 10);
    const afterLocal = await peak();
    const lambdaNode: Reply[] = [];
    const lambdaPython: Reply[] = [];
    for (let i = 0; i < REPS; i++) {
      lambdaNode.push(await child.send(`lambda node ${TASKS}`));
      lambdaPython.push(await child.send(`lambda python ${TASKS}`));
    }
    const afterLambda = await peak();
    const crowded: Reply[] = [];
    const uncrowded: Reply[] = [];
    for (let i = 0; i < REPS; i++) {
      uncrowded.push(await child.send(`crowd local ${TASKS} 0`));
      crowded.push(await child.send(`crowd local ${TASKS} ${CROWD}`));
    }
    const idle = await idleLatencies(String(url));
    const stats = (xs: number[]): { p50: number; p99: number } => ({ p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) });
    const rate = (rs: Reply[]): number => median(rs.map((r) => Number(r.tasksPerSec)));
    const first = (rs: Reply[]): number => median(rs.map((r) => Number(r.firstTaskMs)));
    const loopRate = median(loops);
    return {
      tasks: TASKS,
      repetitions: REPS,
      cpus: os.availableParallelism(),
      loopTasksPerSec: loopRate,
      httpTasksPerSec: rate(http),
      localTasksPerSec: rate(local),
      ratioHttpToLoop: rate(http) / loopRate,
      crowdedTasksPerSec: rate(crowded),
      uncrowdedTasksPerSec: rate(uncrowded),
      crowdedJobs: CROWD,
      otherAccountMs: median(crowded.map((r) => Number(r.otherAccountMs))),
      lambdaNodeTasksPerSec: rate(lambdaNode),
      lambdaPythonTasksPerSec: rate(lambdaPython),
      firstTaskMs: { http: first(http), local: first(local), httpSmall: first(httpSmall), localSmall: first(localSmall) },
      peakRssMb: { afterSetup, afterLoop, afterHttp, afterLocal, afterLambda },
      describeMs: { idle: stats(idle), http: stats(latencies.http), local: stats(latencies.local) },
    };
  } finally {
    child.kill();
  }
}

/** The same DescribeJob, 200 times, on the idle server (the last job run, now Complete). */
async function idleLatencies(url: string): Promise<number[]> {
  const client = new S3ControlClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
    endpointProvider: () => ({ url: new URL(`${url}/`) }),
  });
  try {
    const jobId = (await client.send(new ListJobsCommand({ AccountId: ACCOUNT }))).Jobs?.[0]?.JobId;
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId }));
      latencies.push(performance.now() - t0);
    }
    return latencies;
  } finally {
    client.destroy();
  }
}

const r = await main();
if (args.has('--json')) {
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(8);
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  console.log(`engine bench: ${TASKS.toLocaleString('en-US')}-task tagging jobs, median of ${REPS}${QUICK ? ' (quick)' : ''}, ${r.cpus} CPUs, one server process`);
  console.log(`(a) bare signed PutObjectTagging loop, 64 in flight   ${n(r.loopTasksPerSec)} tasks/s`);
  console.log(`(b) job, engine → store over HTTP                     ${n(r.httpTasksPerSec)} tasks/s   (b)/(a) = ${r.ratioHttpToLoop.toFixed(2)}`);
  console.log(`(c) job, engine → store in-process                    ${n(r.localTasksPerSec)} tasks/s`);
  console.log(`(d0) (c) from the engine's start, no other job         ${n(r.uncrowdedTasksPerSec)} tasks/s`);
  console.log(`(d) (d0) with ${r.crowdedJobs.toLocaleString('en-US').padStart(5)} lower-priority jobs waiting      ${n(r.crowdedTasksPerSec)} tasks/s   (d)/(d0) = ${(r.crowdedTasksPerSec / r.uncrowdedTasksPerSec).toFixed(2)}`);
  console.log(`    meanwhile another account's 10-task job, CreateJob → Complete: ${ms(r.otherAccountMs)}`);
  console.log(`(e) LambdaInvoke job, a no-op Node.js function          ${n(r.lambdaNodeTasksPerSec)} tasks/s`);
  console.log(`    LambdaInvoke job, a no-op Python function           ${n(r.lambdaPythonTasksPerSec)} tasks/s`);
  console.log(`CreateJob → first finished task: http ${ms(r.firstTaskMs.http)}, in-process ${ms(r.firstTaskMs.local)}; 10-line manifest: http ${ms(r.firstTaskMs.httpSmall)}, in-process ${ms(r.firstTaskMs.localSmall)}`);
  const d = r.describeMs;
  // A quick run's in-process job may end before the first sample: say so rather than print NaN.
  const pp = (x: { p50: number; p99: number }): string => (Number.isNaN(x.p50) ? 'no sample (the job ended first)' : `p50 ${ms(x.p50)} / p99 ${ms(x.p99)}`);
  console.log(`DescribeJob while a job runs: during (b) ${pp(d.http)}, during (c) ${pp(d.local)}; idle ${pp(d.idle)}`);
  const p = r.peakRssMb;
  console.log(`server peak RSS: after setup ${p.afterSetup} MB, after (a) ${p.afterLoop} MB, after (b) ${p.afterHttp} MB, after (c) ${p.afterLocal} MB, after (e) ${p.afterLambda} MB`);
}
process.exit(0);
