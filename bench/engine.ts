/**
 * Engine throughput and latency (issue 4, "Speed"), all against one s3batch server in a child
 * process (bench/engine-child.ts):
 *   (a) a bare loop of SigV4-signed PutObjectTagging requests, plain keep-alive agent, 64 in flight;
 *   (b) an N-task tagging job, the engine reaching the same server over HTTP;
 *   (c) the same job through the in-process path.
 * Each is repeated and the medians are printed, with (b)/(a), CreateJob → first finished task for
 * the big and a 10-line manifest, and the server's peak RSS after each kind of phase.
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

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const TASKS = QUICK ? 2_000 : 20_000;
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
const mb = (kb: number | string): number => Math.round(Number(kb) / 1024);

export interface EngineBenchResult {
  tasks: number;
  repetitions: number;
  cpus: number;
  loopTasksPerSec: number;
  httpTasksPerSec: number;
  localTasksPerSec: number;
  ratioHttpToLoop: number;
  firstTaskMs: { http: number; local: number; httpSmall: number; localSmall: number };
  peakRssMb: { afterSetup: number; afterLoop: number; afterHttp: number; afterLocal: number };
}

async function main(): Promise<EngineBenchResult> {
  const child = startChild();
  try {
    await child.ready;
    await child.send(`setup ${TASKS}`);
    const peak = async (): Promise<number> => mb((await child.send('rss')).maxRssKb!);
    const afterSetup = await peak();
    const loops: number[] = [];
    for (let i = 0; i < REPS; i++) loops.push(Number((await child.send(`loop ${TASKS}`)).tasksPerSec));
    const afterLoop = await peak();
    const jobs = async (mode: 'http' | 'local', n: number): Promise<Reply[]> => {
      const out: Reply[] = [];
      for (let i = 0; i < REPS; i++) out.push(await child.send(`job ${mode} ${n}`));
      return out;
    };
    const http = await jobs('http', TASKS);
    const httpSmall = await jobs('http', 10);
    const afterHttp = await peak();
    const local = await jobs('local', TASKS);
    const localSmall = await jobs('local', 10);
    const afterLocal = await peak();
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
      firstTaskMs: { http: first(http), local: first(local), httpSmall: first(httpSmall), localSmall: first(localSmall) },
      peakRssMb: { afterSetup, afterLoop, afterHttp, afterLocal },
    };
  } finally {
    child.kill();
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
  console.log(`CreateJob → first finished task: http ${ms(r.firstTaskMs.http)}, in-process ${ms(r.firstTaskMs.local)}; 10-line manifest: http ${ms(r.firstTaskMs.httpSmall)}, in-process ${ms(r.firstTaskMs.localSmall)}`);
  const p = r.peakRssMb;
  console.log(`server peak RSS: after setup ${p.afterSetup} MB, after (a) ${p.afterLoop} MB, after (b) ${p.afterHttp} MB, after (c) ${p.afterLocal} MB`);
}
process.exit(0);
