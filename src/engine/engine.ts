/**
 * The job engine: finds work (on events, and by polling, which also covers a restart), prepares
 * new jobs, runs the highest-priority ready ones, pauses lower ones that are running, and
 * finalizes jobs that are ending. Crash resume is the same scan: Preparing is prepared again,
 * Active continues (expired leases come back), Completing/Failing/Cancelling are finalized again.
 */
import type { Logger } from 'pino';
import type { JobEvents } from '../domain/events.js';
import { jobFailure, type Job, type LiveProgress } from '../domain/job.js';
import type { JobStatus } from '../domain/job-status.js';
import type { OperationOptions } from '../operations/registry.js';
import type { S3Port } from '../s3/s3-port.js';
import type { JobStore } from '../store/job-store.js';
import { createClockSkewGuard } from './clock-skew.js';
import { moveJob, realSleep, type EngineContext } from './engine-context.js';
import { finalizeJob } from './finalize.js';
import { JobRun, type RunLimits } from './job-run.js';
import { FairPool } from '../lib/fair-pool.js';
import { EventLoopYield } from './limiter.js';
import { prepareJob, resumeListing } from './preparer.js';
import { planRuns } from './schedule-plan.js';

export interface EngineLimits {
  readonly globalConcurrency?: number;
  readonly perJobConcurrency?: number;
  readonly leaseMs?: number;
  readonly chunkClaimBatch?: number;
  /** Jobs this node runs at once, all accounts together (default 16); see schedule-plan.ts. */
  readonly maxRunningJobs?: number;
  /** At most one `job:progress` per running job this often while its tasks finish (default 1000). */
  readonly progressIntervalMs?: number;
}

export interface EngineOptions {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly s3For: (job: Job) => S3Port;
  readonly nodeId: string;
  readonly now?: () => number;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  readonly limits?: EngineLimits;
  /** Poll for work this often (default 1 s); events wake the engine sooner. */
  readonly pollMs?: number;
  /** Backoff sleeps (tests make them instant). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Tasks per chunk at preparation (default 1000). */
  readonly chunkSize?: number;
  /** Tuning of the operations (copy's multipart threshold and part size). */
  readonly operations?: OperationOptions;
  /** How often the clock-skew check runs (default every minute, every 5 s while claims are refused). */
  readonly clockCheckMs?: number;
  /**
   * Runs `fn` unless another node holds the cluster-wide lock `key` (ClusterStore.exclusive): with
   * several nodes, one prepares a job and one finalizes it (writes its report). Absent: one node.
   */
  readonly exclusive?: <T>(key: string, fn: () => Promise<T>) => Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }>;
  /**
   * Whether this node may claim chunks, besides the clock check: with several nodes, false once
   * another process took this node's id (its leases are that process's now). Absent: always.
   */
  readonly mayClaim?: () => boolean;
}

export interface Engine {
  start(): void;
  /** Stops starting tasks, waits for running ones, checkpoints what ran and gives the rest back. */
  stop(): Promise<void>;
  /**
   * Tasks of the job that finished on this node in chunks not yet committed; undefined when the
   * job does not run here. The job service adds them to the stored counts (see JobServiceOptions).
   */
  liveProgress(jobId: string): LiveProgress | undefined;
  /** Every running job's in-flight counts per leased chunk, for the other nodes (ClusterStore.writeLiveProgress). */
  liveChunks(): { jobId: string; index: number; token: string; succeeded: number; failed: number }[];
}

/** What may run next: Pausing is left out, it waits to become Paused (then it is a candidate again). */
const RUNNABLE = ['Ready', 'Active', 'Paused'] as const;
/** New jobs prepared at once on a node. */
const PREPARING_AT_ONCE = 16;
/** Candidates read per scheduling round, all accounts together (each account's best ones first). */
const CANDIDATES_SCANNED = 1000;

const DAY_MS = 24 * 3600 * 1000;
/** Reference §5.2: a job left unconfirmed in Suspended for more than 30 days fails. */
export const SUSPENDED_EXPIRY_MS = 30 * DAY_MS;
/** Reference §5.11: ended jobs are kept (DescribeJob, ListJobs) for 90 days, then deleted. */
export const ENDED_JOB_RETENTION_MS = 90 * DAY_MS;
const HOUSEKEEPING_MS = 60_000;
const ENDING = ['Completing', 'Failing', 'Cancelling'] as const;

export function createEngine(options: EngineOptions): Engine {
  const ctx: EngineContext = {
    store: options.store,
    events: options.events,
    s3For: options.s3For,
    now: options.now ?? Date.now,
    logger: options.logger,
    sleep: options.sleep ?? realSleep,
  };
  const pollMs = options.pollMs ?? 1000;
  const globalConcurrency = options.limits?.globalConcurrency ?? 64;
  const maxRunningJobs = options.limits?.maxRunningJobs ?? 16;
  // How long a dead node's chunks wait before another node takes them (a restarted node gives
  // its own back at start). Renewed at half-life.
  const leaseMs = options.limits?.leaseMs ?? 10_000;
  // Leases are stamped with this node's clock: refuse claims while it disagrees with the database's.
  const extraClaimGate = options.mayClaim;
  const skewGuard = createClockSkewGuard({
    store: ctx.store,
    now: ctx.now,
    leaseMs,
    logger: ctx.logger,
    ...(options.clockCheckMs !== undefined ? { intervalMs: options.clockCheckMs, retryMs: options.clockCheckMs } : {}),
  });
  const limits: RunLimits = {
    nodeId: options.nodeId,
    pool: new FairPool(globalConcurrency),
    fairness: new EventLoopYield(),
    perJobConcurrency: options.limits?.perJobConcurrency ?? globalConcurrency,
    leaseMs,
    mayClaim: extraClaimGate ? () => skewGuard.claimsAllowed() && extraClaimGate() : skewGuard.claimsAllowed,
    chunkClaimBatch: options.limits?.chunkClaimBatch ?? 2,
    idleMs: Math.min(pollMs, 200),
    wait: realSleep,
    operations: options.operations ?? {},
    ...(options.limits?.progressIntervalMs !== undefined ? { progressIntervalMs: options.limits.progressIntervalMs } : {}),
  };
  const runs = new Map<string, JobRun>();
  const busy = new Map<string, Promise<unknown>>();
  /** Generated manifests being listed on this node while their jobs run (listing.ts). */
  const listings = new Map<string, Promise<unknown>>();
  /** Generator jobs whose listing is known to have ended: not looked at again. */
  const listed = new Set<string>();
  let stopped = true;
  let ticking: Promise<void> | undefined;
  let again = false;
  let recovering: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe: Array<() => void> = [];

  /** One background piece of work per job at a time (prepare, finalize, run). */
  function track(job: Job, work: () => Promise<unknown>): void {
    if (busy.has(job.id)) return;
    const p = work()
      .catch((err: unknown) => ctx.logger.error({ jobId: job.id, err }, 'engine work failed'))
      .finally(() => {
        busy.delete(job.id);
        runs.delete(job.id);
        wake();
      });
    busy.set(job.id, p);
  }

  /**
   * `work` on the job as it is once this node holds the cluster lock `key` (re-read: another node
   * may have moved it meanwhile), if it is still in one of `statuses`; nothing when another node
   * holds the lock. Without a cluster, at once on the job as found.
   */
  async function alone(key: string, job: Job, statuses: readonly JobStatus[], work: (fresh: Job) => Promise<unknown>): Promise<void> {
    if (!options.exclusive) {
      await work(job);
      return;
    }
    await options.exclusive(key, async () => {
      const fresh = await ctx.store.getJob(job.accountId, job.id);
      if (fresh && statuses.includes(fresh.status)) await work(fresh);
    });
  }

  function startRun(job: Job): void {
    if (busy.has(job.id)) return;
    const run = new JobRun(ctx, job, limits);
    runs.set(job.id, run);
    track(job, () => run.done);
  }

  async function schedule(): Promise<void> {
    await housekeeping();
    // Accounts take turns in every scan (JobStore.findJobs): another account's job is among the
    // first seen however many jobs one account queues, and each scan reads a bounded number of rows.
    for (const job of await ctx.store.findJobs(['New', 'Preparing'], PREPARING_AT_ONCE)) {
      if (listings.has(job.id)) continue;
      track(job, () => alone(`prepare ${job.id}`, job, ['New', 'Preparing'], (fresh) => prepareJob(ctx, fresh, prepareOptions)));
    }
    for (const job of await ctx.store.findJobs(ENDING, 64)) {
      // One node writes the report: the others skip the job while it holds the lock, and find it
      // terminal afterwards (or, if that node died, take the lock and finalize again).
      if (!busy.has(job.id)) track(job, () => alone(`finalize ${job.id}`, job, ENDING, (fresh) => finalizeJob(ctx, fresh)));
    }
    // Every running job (few: what the nodes run), and each account's best jobs to run next.
    const running = await ctx.store.findJobs(['Active', 'Pausing'], 10_000);
    const candidates = await ctx.store.findJobs(RUNNABLE, CANDIDATES_SCANNED, maxRunningJobs);
    await resumeListings([...running, ...candidates]);
    const plan = planRuns({ running, candidates, here: (id) => busy.has(id), localRuns: [...runs.values()].map((r) => r.current), slots: maxRunningJobs - runs.size });
    for (const job of plan.pause) {
      if (stopped) return;
      const pausing = await moveJob(ctx, job, ['Active'], 'Pausing');
      if (pausing && !runs.has(job.id)) await moveJob(ctx, pausing, ['Pausing'], 'Paused');
    }
    for (const job of plan.settle) await moveJob(ctx, job, ['Pausing'], 'Paused');
    for (const job of plan.run) {
      if (stopped) return;
      if (job.status === 'Active') {
        startRun(job);
        continue;
      }
      const active = await moveJob(ctx, job, [job.status], 'Active');
      if (active) startRun(active);
    }
  }

  const prepareOptions = {
    ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
    operations: limits.operations,
    stopped: () => stopped,
    background: (job: Job, listing: Promise<unknown>) => keepListing(job, () => listing),
  };

  /**
   * Lists the job's generated manifest on this node, unless another node lists it: with a cluster,
   * under the lock `listing <id>`, held until the listing ends. Two listers of one job would cut
   * different chunks under the same indexes once the bucket changed between them (ChunkConflict,
   * failing the job). The preparer hands its listing over before anything is listed, so the
   * preparing node holds the lock before the job leaves Preparing and another node's scan
   * (resumeListings) finds it taken — and takes it once that node is gone.
   */
  function keepListing(job: Job, listing: () => Promise<unknown>): void {
    const run = options.exclusive ? options.exclusive(`listing ${job.id}`, listing) : listing().then((value) => ({ ran: true as const, value }));
    listings.set(
      job.id,
      run
        .then(
          (outcome) => outcome.ran,
          (err: unknown) => {
            ctx.logger.error({ jobId: job.id, err }, 'listing a generated manifest failed');
            return true;
          },
        )
        .then((ranHere) => {
          listings.delete(job.id);
          // Listed elsewhere: looked at again on a later round (a wake would spin on the lock).
          if (ranHere) wake();
        }),
    );
  }

  /**
   * A generator job that left Preparing while listed, whose listing stopped (a crash, a restart, the
   * job store failing): the listing goes on from its last committed position.
   */
  async function resumeListings(jobs: readonly Job[]): Promise<void> {
    for (const job of jobs) {
      if (stopped) return;
      if (job.spec.ManifestGenerator === undefined || listings.has(job.id) || listed.has(job.id)) continue;
      const checkpoint = await ctx.store.listingCheckpoint(job.id);
      const counts = checkpoint?.done ? undefined : await ctx.store.chunkCounts(job.id);
      if (checkpoint?.done || counts?.final) {
        listed.add(job.id);
        continue;
      }
      keepListing(job, () => {
        ctx.logger.info({ jobId: job.id, scanned: checkpoint?.scanned ?? 0 }, 'resuming the listing of a generated manifest');
        return resumeListing(ctx, job, prepareOptions);
      });
    }
  }

  let lastHousekeepingMs = -Infinity;

  /**
   * Once a minute: fails the jobs that waited for confirmation too long, and deletes the jobs
   * that ended more than 90 days ago (a batch per round, so that a backlog never blocks a tick).
   */
  async function housekeeping(): Promise<void> {
    const now = ctx.now();
    if (now - lastHousekeepingMs < HOUSEKEEPING_MS) return;
    lastHousekeepingMs = now;
    const deleted = await ctx.store.deleteJobsEndedBefore(now - ENDED_JOB_RETENTION_MS, 1000);
    if (deleted > 0) ctx.logger.info({ deleted }, 'deleted jobs that ended more than 90 days ago');
    for (const job of await ctx.store.findJobs(['Suspended'], 10_000)) {
      if (job.suspendedMs === null || now - job.suspendedMs <= SUSPENDED_EXPIRY_MS) continue;
      const failed = await moveJob(ctx, job, ['Suspended'], 'Failed', {
        failureReasons: [
          jobFailure(
            'SuspendedJobExpired',
            'The job waited in Suspended for more than 30 days without being confirmed (UpdateJobStatus to Ready), so it failed',
          ),
        ],
      });
      if (failed) dropChunksOf(failed);
    }
  }

  /**
   * A job cancelled before it ran (Preparing, Suspended, Ready) keeps the chunks its preparation
   * stored; nothing else would delete them. If the job is busy (its preparation is finishing), wait
   * for that first. Deleting twice is harmless: finalize already deletes a cancelled run's chunks.
   */
  function dropChunksOf(job: Job): void {
    const drop = (): Promise<unknown> =>
      ctx.store.deleteChunks(job.id).catch((err: unknown) => ctx.logger.warn({ jobId: job.id, err }, 'could not delete chunks'));
    const pending = Promise.all([busy.get(job.id), listings.get(job.id)]);
    void pending.then(drop);
  }

  function wake(): void {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = (async () => {
      do {
        again = false;
        try {
          await schedule();
        } catch (err) {
          ctx.logger.error({ err }, 'engine scheduling failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      ticking = undefined;
      // A wake that came after the loop's last check but before this callback (work ending on a
      // busy event loop, e.g. a preparation whose job just went Ready) would be lost: run again.
      if (again && !stopped) wake();
    });
  }

  return {
    liveProgress: (jobId) => runs.get(jobId)?.liveProgress(),
    liveChunks: () => [...runs.entries()].flatMap(([jobId, run]) => run.liveChunks().map((c) => ({ jobId, ...c }))),
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe.push(
        ctx.events.on('job:created', wake),
        ctx.events.on('job:priorityChanged', wake),
        ctx.events.on('job:statusChanged', ({ job, to }) => {
          runs.get(job.id)?.onStatus(to);
          if (to === 'Cancelled') dropChunksOf(job);
          wake();
        }),
      );
      skewGuard.start().catch((err: unknown) => ctx.logger.error({ err }, 'clock check failed'));
      // What this node leased in its previous life (same node id) is given back before anything
      // runs: a restart resumes at once instead of waiting for the old leases to expire.
      recovering = ctx.store
        .releaseLeasesOf(options.nodeId)
        .then((released) => {
          if (released > 0) ctx.logger.info({ released, nodeId: options.nodeId }, 'gave back the chunks this node held before its restart');
        })
        .catch((err: unknown) => ctx.logger.warn({ err }, 'could not give back the chunks this node held before its restart'))
        .finally(() => {
          recovering = undefined;
          if (stopped) return;
          timer = setInterval(wake, pollMs);
          timer.unref();
          wake();
        });
    },
    async stop() {
      stopped = true;
      skewGuard.stop();
      await recovering;
      if (timer) clearInterval(timer);
      for (const off of unsubscribe.splice(0)) off();
      for (const run of runs.values()) run.stop();
      await ticking;
      await Promise.all([...busy.values(), ...listings.values()]);
    },
  };
}
