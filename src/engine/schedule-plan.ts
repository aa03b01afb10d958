/**
 * Which jobs a node runs, decided from two bounded scans of the job store (engine.ts schedule):
 *
 * - Priorities order the jobs of one account only (reference §5.4): an account's running job whose
 *   priority is below the account's best runnable one is paused (Active → Pausing → Paused); a
 *   Pausing job that no longer runs here settles in Paused.
 * - A node runs at most `maxRunningJobs` jobs at once (S3BATCH_MAX_RUNNING_JOBS). Free places go
 *   to the accounts with the fewest jobs running here, each account's best job first (highest
 *   priority, then oldest; a job already Active before a Ready or Paused one): an account that
 *   queues a thousand jobs gets one place, like an account that queues one, until places are
 *   left over. Jobs of equal priority in one account run side by side as places allow; the rest
 *   stay Ready until a place frees.
 *
 * Pure: the decisions only, so that they can be tested without a store.
 */
import type { Job } from '../domain/job.js';

export interface PlanInput {
  /** Every job Active or Pausing (any node's). */
  readonly running: readonly Job[];
  /** JobStore.findJobs over Ready/Active/Paused: each account's best first, accounts taking turns. */
  readonly candidates: readonly Job[];
  /** Whether the job has work in flight on this node (a run, a preparation or a finalization). */
  readonly here: (jobId: string) => boolean;
  /** The jobs this node runs now. */
  readonly localRuns: readonly Job[];
  /** How many more jobs this node may run. */
  readonly slots: number;
}

export interface Plan {
  /** Active jobs below their account's best: to Pausing (then Paused, if they do not run here). */
  readonly pause: Job[];
  /** Pausing jobs with nothing in flight here: to Paused. */
  readonly settle: Job[];
  /** To run here, in order: Active ones join, Ready and Paused ones become Active first. */
  readonly run: Job[];
}

export function planRuns(input: PlanInput): Plan {
  // Each account's best priority: its first candidate (the scan returns each account's best first).
  const best = new Map<string, number>();
  for (const job of input.candidates) if (!best.has(job.accountId)) best.set(job.accountId, job.priority);

  const pause: Job[] = [];
  const settle: Job[] = [];
  for (const job of input.running) {
    const top = best.get(job.accountId);
    if (job.status === 'Active' && top !== undefined && job.priority < top) pause.push(job);
    else if (job.status === 'Pausing' && !input.here(job.id)) settle.push(job);
  }

  // Per account, the jobs it could run here, in order: Active first (they run already), then the
  // rest as the scan gave them.
  const queues = new Map<string, Job[]>();
  for (const job of input.candidates) {
    if (job.priority !== best.get(job.accountId) || input.here(job.id)) continue;
    let queue = queues.get(job.accountId);
    if (!queue) queues.set(job.accountId, (queue = []));
    queue.push(job);
  }
  for (const queue of queues.values()) queue.sort((a, b) => Number(b.status === 'Active') - Number(a.status === 'Active'));

  const runningHere = new Map<string, number>();
  for (const job of input.localRuns) runningHere.set(job.accountId, (runningHere.get(job.accountId) ?? 0) + 1);
  const run: Job[] = [];
  for (let slots = input.slots; slots > 0 && queues.size > 0; slots--) {
    let account: string | undefined;
    for (const a of queues.keys()) if (account === undefined || (runningHere.get(a) ?? 0) < (runningHere.get(account) ?? 0)) account = a;
    const queue = queues.get(account!)!;
    run.push(queue.shift()!);
    runningHere.set(account!, (runningHere.get(account!) ?? 0) + 1);
    if (queue.length === 0) queues.delete(account!);
  }
  return { pause, settle, run };
}
