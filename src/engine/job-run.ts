/**
 * One job running on this node: claims chunks, runs their tasks under the job's and the global
 * concurrency limits, commits each chunk (counts + report rows, once), renews leases at half-life
 * and watches the failure threshold. Tasks that finished in chunks not yet committed are counted
 * in memory (`liveProgress`) and published on `job:progress` about once a second; a chunk's counts
 * leave that tally in the same tick as its commit lands (or when its lease is lost or it is given
 * back), so nothing is counted twice. It stops claiming when the job is paused, cancelled, failing
 * or the engine stops; what happens to in-flight chunks depends on why (see `settle`).
 */
import { inflateRawSync } from 'node:zlib';
import { jobFailure, withLiveProgress, type Job, type JobFailure, type JobProgress, type LiveProgress } from '../domain/job.js';
import type { JobStatus } from '../domain/job-status.js';
import { createChunkReader, MISSING_VERSION_ID_FAILURE, parseChunkRecords, type ChunkReader, type ManifestTask } from '../manifests/index.js';
import { operationFor, type OperationOptions } from '../operations/registry.js';
import { TaskAbandoned, type TaskContext, type TaskOperation } from '../operations/types.js';
import { formatReportRow, SUCCESS_MESSAGE, type TaskResult } from '../reports/index.js';
import type { ClaimedChunk } from '../store/job-store.js';
import { moveJob, taskManifestOf, type EngineContext, type StoredLocator } from './engine-context.js';
import { finalizeJob } from './finalize.js';
import type { FairPool } from '../lib/fair-pool.js';
import { AdaptiveLimit, Semaphore, type EventLoopYield } from './limiter.js';
import { classifyFailure, INTERNAL_ERROR_CODE, internalErrorMessage, withRetries } from './retry.js';

export interface RunLimits {
  readonly nodeId: string;
  /** The node's task slots, shared fairly by accounts and their jobs. */
  readonly pool: FairPool;
  /** Shared by every run of the engine: lets API requests in between in-process tasks. */
  readonly fairness: EventLoopYield;
  readonly perJobConcurrency: number;
  readonly leaseMs: number;
  readonly chunkClaimBatch: number;
  /** How long to wait when nothing is claimable but chunks are still leased (by us or a dead node). */
  readonly idleMs: number;
  readonly wait: (ms: number) => Promise<void>;
  /** At most one throttled `job:progress` per job this often while tasks finish (default 1000 ms). */
  readonly progressIntervalMs?: number;
  readonly operations: OperationOptions;
  /** Whether this node may claim chunks now (the clock-skew guard, clock-skew.ts); absent: always. */
  readonly mayClaim?: () => boolean;
}

/** The row of a task whose S3 call succeeded. */
const SUCCEEDED: TaskResult = { status: 'succeeded', httpStatus: 200, message: SUCCESS_MESSAGE };

/** §5.5: once this many tasks ran, more than half of them failing fails the job. */
export const THRESHOLD_MIN_TASKS = 1000;

type Mode = 'running' | 'pausing' | 'cancelling' | 'failing' | 'stopping';

export class JobRun {
  private mode: Mode = 'running';
  private readonly leases = new Map<number, string>();
  private readonly lost = new Set<number>();
  private readonly limit: AdaptiveLimit;
  private readonly operation: TaskOperation;
  private readonly taskContext: TaskContext;
  private reader: ChunkReader | undefined;
  private failure: JobFailure | undefined;
  private failing: Promise<unknown> = Promise.resolve();
  /** Per claimed chunk: tasks finished but not yet committed (node-local; see JobServiceOptions.liveProgress). */
  private readonly inflight = new Map<number, { succeeded: number; failed: number }>();
  private progressTimer: NodeJS.Timeout | undefined;
  private lastPublishMs = 0;
  private publishing: Promise<void> = Promise.resolve();
  readonly done: Promise<void>;

  constructor(
    private readonly ctx: EngineContext,
    private job: Job,
    private readonly limits: RunLimits,
  ) {
    this.limit = new AdaptiveLimit(new Semaphore(limits.perJobConcurrency), limits.perJobConcurrency, ctx.now);
    this.operation = operationFor(job.spec.Operation, limits.operations, job.spec.Extensions?.s3batch);
    this.taskContext = { jobId: job.id, accountId: job.accountId, sleep: ctx.sleep };
    this.done = this.run().finally(() => this.reader?.close());
  }

  /** The job as this run last read it (the scheduler counts a node's runs per account). */
  get current(): Job {
    return this.job;
  }

  /** The job's status changed elsewhere (API, scheduler): react at once. */
  onStatus(status: JobStatus): void {
    if (status === 'Cancelling' || status === 'Cancelled') this.mode = 'cancelling';
    else if (status === 'Pausing' && this.mode === 'running') this.mode = 'pausing';
    // Failed from outside the run (a generated manifest's listing failed): finish what is claimed, then finalize.
    else if (status === 'Failing' && (this.mode === 'running' || this.mode === 'pausing')) this.mode = 'failing';
  }

  /** Tasks finished in this run's uncommitted chunks: what the API adds to the stored counts. */
  liveProgress(): LiveProgress {
    let succeeded = 0;
    let failed = 0;
    for (const c of this.inflight.values()) {
      succeeded += c.succeeded;
      failed += c.failed;
    }
    return { succeeded, failed };
  }

  /** The same counts per leased chunk, with its lease token: what other nodes add (ClusterStore live progress). */
  liveChunks(): { index: number; token: string; succeeded: number; failed: number }[] {
    const out: { index: number; token: string; succeeded: number; failed: number }[] = [];
    for (const [index, c] of this.inflight) {
      const token = this.leases.get(index);
      if (token !== undefined && c.succeeded + c.failed > 0) out.push({ index, token, succeeded: c.succeeded, failed: c.failed });
    }
    return out;
  }

  /** Engine shutdown: start no task; what ran of a chunk is checkpointed, the rest given back. */
  stop(): void {
    if (this.mode === 'running' || this.mode === 'pausing') this.mode = 'stopping';
  }

  private async run(): Promise<void> {
    const renewal = setInterval(() => void this.renew(), Math.max(10, this.limits.leaseMs / 2));
    renewal.unref();
    let finished = false;
    try {
      while (this.mode === 'running') {
        await this.refreshStatus();
        if (this.mode !== 'running') break;
        if (this.limits.mayClaim && !this.limits.mayClaim()) {
          await this.limits.wait(this.limits.idleMs);
          continue;
        }
        const claimed = await this.ctx.store.claimChunks(this.job.id, this.limits.nodeId, this.limits.chunkClaimBatch, this.limits.leaseMs, this.ctx.now());
        if (claimed.length === 0) {
          const counts = await this.ctx.store.chunkCounts(this.job.id);
          if (counts.final && counts.done === counts.total) {
            finished = true;
            break;
          }
          await this.limits.wait(this.limits.idleMs);
          continue;
        }
        await Promise.all(claimed.map((chunk) => this.runChunk(chunk)));
      }
    } finally {
      clearInterval(renewal);
      this.flushProgress();
    }
    await this.publishing;
    await this.failing;
    await this.settle(finished);
  }

  private async refreshStatus(): Promise<void> {
    const fresh = await this.ctx.store.getJob(this.job.accountId, this.job.id);
    if (!fresh) {
      this.mode = 'stopping';
      return;
    }
    this.job = fresh;
    this.onStatus(fresh.status);
  }

  /** Where the job goes once no chunk is in flight any more. */
  private async settle(finished: boolean): Promise<void> {
    const job = (await this.ctx.store.getJob(this.job.accountId, this.job.id)) ?? this.job;
    if (this.mode === 'stopping') return;
    if (this.mode === 'cancelling' || this.mode === 'failing') {
      await finalizeJob(this.ctx, job);
      return;
    }
    if (finished) {
      const completing = await moveJob(this.ctx, job, ['Active', 'Pausing'], 'Completing');
      if (completing) await finalizeJob(this.ctx, completing);
      return;
    }
    if (this.mode === 'pausing') await moveJob(this.ctx, job, ['Pausing'], 'Paused');
  }

  private async renew(): Promise<void> {
    if (this.leases.size === 0) return;
    const leases = [...this.leases].map(([index, token]) => ({ index, token }));
    try {
      const { lost } = await this.ctx.store.renewLeases(this.job.id, leases, this.limits.leaseMs, this.ctx.now());
      for (const index of lost) {
        this.lost.add(index);
        this.inflight.delete(index);
      }
    } catch (err) {
      this.ctx.logger.warn({ jobId: this.job.id, err }, 'lease renewal failed');
    }
  }

  /**
   * The chunk's tasks: from the records stored with it, or — for a chunk prepared before records
   * were stored (engine-context.ts StoredLocator) — re-read from the manifest on S3.
   */
  private async readTasks(claim: ClaimedChunk): Promise<ManifestTask[]> {
    const stored = claim.locator as StoredLocator;
    if ('records' in stored) {
      if (!claim.records) throw new Error(`chunk ${claim.index} of job ${this.job.id} was stored without its records`);
      // Synchronous, like the deflate in preparer.ts: ~0.1 ms for a chunk of 1,000 lines.
      return parseChunkRecords(taskManifestOf(this.job), stored.chunk, inflateRawSync(claim.records));
    }
    this.reader ??= createChunkReader(this.job.spec.Manifest!, stored.pin, this.ctx.s3For(this.job));
    const reader = this.reader;
    return withRetries(() => reader.read(stored.chunk), { sleep: this.ctx.sleep });
  }

  private async runChunk(claim: ClaimedChunk): Promise<void> {
    this.leases.set(claim.index, claim.token);
    this.inflight.set(claim.index, { succeeded: 0, failed: 0 });
    try {
      let tasks: ManifestTask[];
      try {
        const all = await this.readTasks(claim);
        // What earlier checkpoints committed is not run again.
        tasks = claim.doneTasks > 0 ? all.slice(claim.doneTasks) : all;
      } catch (err) {
        const f = classifyFailure(err);
        if (f.kind === 'internal') {
          this.ctx.logger.error({ jobId: this.job.id, chunk: claim.index, err }, 'reading a chunk failed with an internal error of s3batch (a bug)');
          this.failJob(INTERNAL_ERROR_CODE, internalErrorMessage(err, `the job while reading chunk ${claim.index}`));
        } else {
          this.failJob('ManifestReadFailed', `Chunk ${claim.index} of the manifest could not be read: ${f.message}`);
        }
        await this.ctx.store.releaseChunk(this.job.id, claim.index, claim.token);
        return;
      }
      const results = await Promise.all(
        tasks.map(async (task) => {
          const result = await this.runTask(task, claim.index);
          if (result) this.countLive(claim.index, result);
          return result;
        }),
      );
      await this.commit(claim, tasks, results);
    } finally {
      this.inflight.delete(claim.index);
      this.leases.delete(claim.index);
      this.lost.delete(claim.index);
    }
  }

  /** undefined: not run (cancel, shutdown, lost lease). */
  private async runTask(task: ManifestTask, chunk: number): Promise<TaskResult | undefined> {
    if (!this.mayStart(chunk)) return undefined;
    if (task.missingVersionId) return MISSING_VERSION_ID_FAILURE;
    await this.limit.semaphore.acquire();
    await this.limits.pool.acquire(this.job.accountId, this.job.id);
    try {
      await this.limits.fairness.maybeYield();
      if (!this.mayStart(chunk)) return undefined;
      const result = await withRetries(() => this.operation(task, this.ctx.s3For(this.job), this.taskContext), {
        sleep: this.ctx.sleep,
        onFailure: (f) => f.kind === 'throttled' && this.limit.throttled(),
        stopped: () => this.mode === 'cancelling',
      });
      this.limit.succeeded();
      return result ?? SUCCEEDED;
    } catch (err) {
      // Stopped by a shutdown before it finished: not run, as far as the job is concerned.
      if (err instanceof TaskAbandoned) return undefined;
      const f = classifyFailure(err);
      if (f.kind === 'internal') {
        // A bug, not the store's answer: tried once (withRetries), logged here once with its stack,
        // and the row says whose fault it is (retry.ts INTERNAL_ERROR_CODE, status 0: no S3 answer).
        this.ctx.logger.error(
          { jobId: this.job.id, bucket: task.bucket, key: task.key, ...(task.versionId !== undefined ? { versionId: task.versionId } : {}), err },
          'a task failed with an internal error of s3batch (a bug)',
        );
      }
      return { status: 'failed', httpStatus: f.status, errorCode: f.code, message: f.resultMessage };
    } finally {
      this.limits.pool.release(this.job.accountId, this.job.id);
      this.limit.semaphore.release();
    }
  }

  /**
   * A task starts only while the job runs (or fails, which finishes what it claimed): pausing and
   * shutdown start nothing more, so a higher-priority job gets the node at once instead of after
   * this job's claimed chunks; what ran is checkpointed (see `commit`).
   */
  private mayStart(chunk: number): boolean {
    return (this.mode === 'running' || this.mode === 'failing') && !this.lost.has(chunk);
  }

  /**
   * Commits what the chunk's tasks produced. Every task ran: completeChunk. Cut by a cancel: a
   * partial completeChunk (the tasks not started are never run). Cut by a pause or shutdown: the
   * leading tasks that ran are checkpointed and the rest goes back to pending, to run on resume.
   * Tasks that ran after the first one that did not (rare: the limiters start tasks in order) are
   * left out of the checkpoint and run again — a repeat the engine allows, never a double count.
   */
  private async commit(claim: ClaimedChunk, tasks: readonly ManifestTask[], results: ReadonlyArray<TaskResult | undefined>): Promise<void> {
    if (this.lost.has(claim.index)) return;
    const cut = results.findIndex((r) => r === undefined);
    if (cut !== -1 && this.mode !== 'cancelling') {
      if (cut === 0) await this.ctx.store.releaseChunk(this.job.id, claim.index, claim.token);
      else await this.checkpoint(claim, tasks.slice(0, cut), results.slice(0, cut));
      this.inflight.delete(claim.index);
      this.progressChanged();
      return;
    }
    const report = this.reportParts(tasks, results);
    // The counts leave the live tally right after the commit resolves: the SQLite store commits
    // synchronously inside the call, so no API read can see them both stored and in flight.
    const { progress } = await this.ctx.store.completeChunk(
      this.job.id,
      claim.index,
      claim.token,
      { ...report, ...(cut !== -1 ? { partial: true } : {}) },
      this.ctx.now(),
    );
    this.inflight.delete(claim.index);
    this.progressChanged();
    this.checkThreshold(progress);
  }

  private async checkpoint(claim: ClaimedChunk, tasks: readonly ManifestTask[], results: ReadonlyArray<TaskResult | undefined>): Promise<void> {
    try {
      await this.ctx.store.checkpointChunk(this.job.id, claim.index, claim.token, this.reportParts(tasks, results));
    } catch (err) {
      // The lease went elsewhere meanwhile: its new holder runs these tasks again; nothing counted.
      this.ctx.logger.warn({ jobId: this.job.id, chunk: claim.index, err }, 'could not checkpoint a chunk cut short');
    }
  }

  /** The counts and report rows of the tasks that ran, in task order. */
  private reportParts(
    tasks: readonly ManifestTask[],
    results: ReadonlyArray<TaskResult | undefined>,
  ): { succeeded: number; failed: number; reportSucceeded: Buffer; reportFailed: Buffer } {
    const failedOnly = this.job.spec.Report.ReportScope === 'FailedTasksOnly';
    const succeeded: string[] = [];
    const failed: string[] = [];
    tasks.forEach((task, i) => {
      const result = results[i];
      if (!result) return;
      const row = formatReportRow({ bucket: task.bucket, rawKey: task.rawKey, ...(task.versionId !== undefined ? { versionId: task.versionId } : {}) }, result);
      (result.status === 'succeeded' ? succeeded : failed).push(row);
    });
    return {
      succeeded: succeeded.length,
      failed: failed.length,
      reportSucceeded: Buffer.from(failedOnly ? '' : succeeded.join(''), 'utf8'),
      reportFailed: Buffer.from(failed.join(''), 'utf8'),
    };
  }

  private countLive(chunk: number, result: TaskResult): void {
    const counts = this.inflight.get(chunk);
    if (!counts || this.lost.has(chunk)) return;
    if (result.status === 'succeeded') counts.succeeded++;
    else counts.failed++;
    this.progressChanged();
  }

  /** Throttled `job:progress`: at most one per interval, the last change always published. */
  private progressChanged(): void {
    if (this.progressTimer) return;
    const interval = this.limits.progressIntervalMs ?? 1000;
    const wait = Math.max(0, this.lastPublishMs + interval - Date.now());
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      this.publishProgress();
    }, wait);
    this.progressTimer.unref();
  }

  /** The run is ending: publish a pending change now rather than after the store may be closed. */
  private flushProgress(): void {
    if (!this.progressTimer) return;
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.publishProgress();
  }

  private publishProgress(): void {
    this.lastPublishMs = Date.now();
    this.publishing = this.publishing
      .then(async () => {
        const job = await this.ctx.store.getJob(this.job.accountId, this.job.id);
        if (job) this.ctx.events.emit('job:progress', { job: withLiveProgress(job, this.liveProgress()) });
      })
      .catch((err: unknown) => this.ctx.logger.warn({ jobId: this.job.id, err }, 'could not publish job progress'));
  }

  private checkThreshold(progress: JobProgress): void {
    const ran = progress.succeededTasks + progress.failedTasks;
    if (ran < THRESHOLD_MIN_TASKS || progress.failedTasks / ran <= 0.5 || this.failure) return;
    this.failJob(
      'TaskFailureThresholdExceeded',
      `More than 50% of the tasks that ran failed (${progress.failedTasks} of ${ran}), after at least ${THRESHOLD_MIN_TASKS} tasks ran`,
    );
  }

  /** Stops claiming; in-flight chunks finish, then the report is written and the job fails. */
  private failJob(code: string, reason: string): void {
    if (this.failure || this.mode === 'cancelling' || this.mode === 'stopping') return;
    this.failure = jobFailure(code, reason);
    this.mode = 'failing';
    this.failing = moveJob(this.ctx, this.job, ['Active', 'Pausing', 'Paused'], 'Failing', { failureReasons: [this.failure] }).catch((err: unknown) =>
      this.ctx.logger.error({ jobId: this.job.id, err }, 'could not move the job to Failing'),
    );
  }
}
