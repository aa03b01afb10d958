/**
 * Preparation (reference §5.1): New → Preparing → Suspended or Ready. Reads the whole manifest
 * once (streaming), cuts it into chunks and stores them with their records, so that the job never
 * reads the manifest again: as on AWS, the user may overwrite or delete it once the job is
 * prepared. A manifest that cannot be used fails the job with a FailureReason telling the user
 * what to fix. Safe to run again on a job found in Preparing after a crash: each attempt starts
 * by deleting what an earlier one stored.
 */
import { deflateRawSync } from 'node:zlib';
import { jobFailure, type Job } from '../domain/job.js';
import { operationName, type OperationName } from '../domain/job-spec.js';
import { ManifestError, prepareManifest, type ChunkWithRecords, type PreparedManifest } from '../manifests/index.js';
import type { NewChunk } from '../store/job-store.js';
import { isImplementedOperation, refusalOf, type OperationOptions } from '../operations/registry.js';
import { moveJob, RECORDS_ENCODING, type EngineContext, type StoredLocator } from './engine-context.js';
import { ListingStoreFailure, runListing, type ListingOutcome } from './listing.js';
import { backoffMs, INTERNAL_ERROR_CODE, internalErrorMessage } from './retry.js';

export const CHUNK_SIZE = 1000;
const ADD_BATCH = 1000;
const MANIFEST_ATTEMPTS = 4;
export const WAITING_FOR_CONFIRMATION = 'Waiting for confirmation';

export interface PrepareOptions {
  readonly chunkSize?: number;
  /**
   * A generated manifest's listing that goes on after the job left Preparing (it runs while it is
   * listed): the engine keeps it, stops it on shutdown and waits for it. Without it, preparation
   * waits for the whole listing.
   */
  readonly background?: (job: Job, listing: Promise<unknown>) => void;
  /** The engine is stopping (a listing stops at its next batch). */
  readonly stopped?: () => boolean;
  /** The operations' dependencies (a LambdaInvoke job's function is checked before the manifest is read). */
  readonly operations?: OperationOptions;
}

/** Prepares the job (New or Preparing); returns the job as it left preparation (undefined: moved by someone else). */
export async function prepareJob(ctx: EngineContext, job: Job, options: PrepareOptions = {}): Promise<Job | undefined> {
  let current: Job | undefined = job;
  if (job.status === 'New') current = await moveJob(ctx, job, ['New'], 'Preparing');
  if (!current || current.status !== 'Preparing') return current;

  const refusal = refuse(current) ?? (await refusalOf(current.spec.Operation, current.accountId, options.operations));
  if (refusal) return fail(ctx, current, refusal.code, refusal.reason);
  if (current.spec.ManifestGenerator !== undefined) return prepareGenerated(ctx, current, options);
  try {
    await readManifest(ctx, current, options.chunkSize ?? CHUNK_SIZE);
  } catch (err) {
    if (err instanceof ManifestError) {
      await ctx.store.deleteChunks(current.id);
      return fail(ctx, current, err.failureCode, err.message);
    }
    if (err instanceof InternalFailure) {
      ctx.logger.error({ jobId: current.id, err: err.cause }, 'preparation failed with an internal error of s3batch (a bug)');
      await ctx.store.deleteChunks(current.id);
      return fail(ctx, current, INTERNAL_ERROR_CODE, internalErrorMessage(err.cause, 'the job while preparing it'));
    }
    // The job store failed: the job stays Preparing, and the engine prepares it again on a later round.
    throw err;
  }
  return finish(ctx, current);
}

function refuse(job: Job): { code: string; reason: string } | undefined {
  if (job.spec.ManifestGenerator === undefined && job.spec.Manifest === undefined) {
    return { code: 'InvalidManifestContent', reason: 'The job has neither a Manifest nor a ManifestGenerator' };
  }
  const name: OperationName = operationName(job.spec.Operation);
  if (!isImplementedOperation(name)) {
    return { code: 'UnsupportedOperation', reason: `The operation ${name} is not supported by this s3batch version yet` };
  }
  return undefined;
}

/** An error of preparation that is no ManifestError and not the job store's: a bug of s3batch. */
class InternalFailure extends Error {
  constructor(cause: unknown) {
    super('internal error while preparing a job', { cause });
    this.name = 'InternalFailure';
  }
}

/**
 * Reads the manifest and stores its chunks, records included, as they are cut. Each attempt
 * starts from no chunks (what a crashed or failed attempt stored is deleted first), so a retry
 * never mixes two reads. Retries only reads that failed for a transient reason; a bad manifest
 * fails at once. Throws the ManifestError, the job store's error (which surfaces through the
 * read when `onChunk` fails: ChunkSink.storeFailure tells it apart), or an InternalFailure.
 */
async function readManifest(ctx: EngineContext, job: Job, chunkSize: number): Promise<void> {
  const manifest = job.spec.Manifest!;
  for (let attempt = 1; ; attempt++) {
    await ctx.store.deleteChunks(job.id);
    const sink = new ChunkSink(ctx, job.id);
    try {
      const prepared = await prepareManifest(manifest, ctx.s3For(job), { chunkSize, onChunk: (chunk) => sink.add(chunk) });
      await sink.close(prepared);
      return;
    } catch (err) {
      await sink.abandon();
      if (sink.storeFailure !== undefined) throw sink.storeFailure;
      // Neither the manifest's fault nor the store's: a bug, not a read to try again.
      if (!(err instanceof ManifestError)) throw new InternalFailure(err);
      if (!err.retryable || attempt >= MANIFEST_ATTEMPTS) throw err;
      ctx.logger.warn({ jobId: job.id, err }, 'manifest read failed, retrying');
      await ctx.sleep(backoffMs(attempt, { baseMs: 200, capMs: 5_000, maxAttempts: MANIFEST_ATTEMPTS }));
    }
  }
}

/** A batch of chunks is stored once it holds this many bytes of (deflated) records, or ADD_BATCH chunks. */
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Where preparation's chunks go: each chunk's records are deflated (level 1: the bench's manifest
 * lines shrink ~8×, at ~240 MB/s on one core here) and stored in batches, the last one marked
 * final. Synchronous deflate on purpose: a ~50 KB chunk takes ~0.2 ms, and zlib's asynchronous
 * calls were both slower (bench/prepare.ts, job, 1M lines, two runs each: 1.2–1.6M vs
 * 1.7–2.6M lines/s) and kept ~200 MB more resident (native buffers freed late, in the thread
 * pool's malloc arenas). While a batch is
 * being stored the read waits for it: one batch in memory at most.
 */
class ChunkSink {
  private batch: NewChunk[] = [];
  private batchBytes = 0;
  private storing: Promise<void> | undefined;
  /** What the job store threw, if it did: no fault of the manifest, nor a bug of the read. */
  storeFailure: unknown;

  constructor(
    private readonly ctx: EngineContext,
    private readonly jobId: string,
  ) {}

  /** Takes a chunk; a promise when the read must wait for a batch being stored. */
  add(chunk: ChunkWithRecords): Promise<void> | undefined {
    const records = deflateRawSync(chunk.records, { level: 1 });
    const locator: StoredLocator = { chunk: chunk.locator, records: RECORDS_ENCODING };
    this.batch.push({ index: chunk.locator.index, taskCount: chunk.locator.taskCount, locator, records });
    this.batchBytes += records.length;
    if (this.batch.length < ADD_BATCH && this.batchBytes < BATCH_BYTES) return undefined;
    return this.flush(false);
  }

  /** Every chunk was handed over: store the rest as the final batch, and check the count. */
  async close(prepared: PreparedManifest): Promise<void> {
    await this.flush(true);
    const { total, final } = await this.fromStore(this.ctx.store.chunkCounts(this.jobId));
    if (!final || total !== prepared.chunks.length) {
      throw new Error(`preparation stored ${total} chunks (final: ${final}) of the ${prepared.chunks.length} it cut`);
    }
  }

  /** The read failed: let a store under way settle (the caller deletes what was stored). */
  async abandon(): Promise<void> {
    await this.storing?.catch(() => undefined);
  }

  /**
   * Takes the batch at once — several chunks may be cut from one buffer before the read waits, and
   * each must not flush a batch of its own — and stores it after the batch before it.
   */
  private flush(final: boolean): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const previous = this.storing ?? Promise.resolve();
    this.storing = previous.then(() => this.fromStore(this.ctx.store.addChunks(this.jobId, batch, { final }))).then(() => undefined);
    return this.storing;
  }

  private async fromStore<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (err) {
      this.storeFailure ??= err;
      throw err;
    }
  }
}

/**
 * A ManifestGenerator job (listing.ts). With confirmation, the whole bucket is listed while
 * Preparing and the job waits in Suspended with its final TotalNumberOfTasks, as on AWS. Without,
 * the job moves to Ready as soon as its first chunk is committed and the listing goes on in the
 * background (`options.background`), the job's total growing until it ends.
 */
async function prepareGenerated(ctx: EngineContext, job: Job, options: PrepareOptions): Promise<Job | undefined> {
  const streaming = !job.spec.ConfirmationRequired || job.confirmedEarly;
  let moved: Job | undefined;
  let signalFirst: () => void = () => undefined;
  const first = new Promise<'first'>((resolve) => (signalFirst = () => resolve('first')));
  const listing = runListing(ctx, job, {
    chunkSize: options.chunkSize ?? CHUNK_SIZE,
    stopped: options.stopped ?? (() => false),
    ...(streaming
      ? {
          onFirstChunks: async () => {
            moved = await finish(ctx, job);
            signalFirst();
          },
        }
      : {}),
  }).then((outcome) => afterListing(ctx, job, outcome), (err: unknown) => listingFailed(ctx, job, err));
  if (streaming && options.background) {
    // Handed over before anything is listed: the engine knows at once that this job is being listed
    // (its scan for stopped listings must not start a second one when the job becomes Ready).
    options.background(job, listing);
    const winner = await Promise.race([first, listing.then(() => 'ended' as const, () => 'ended' as const)]);
    if (winner === 'first') return moved;
  }
  return listing;
}

/** The listing of a generator job that already left Preparing, resumed (engine.ts resumeListings). */
export function resumeListing(ctx: EngineContext, job: Job, options: PrepareOptions): Promise<Job | undefined> {
  return runListing(ctx, job, { chunkSize: options.chunkSize ?? CHUNK_SIZE, stopped: options.stopped ?? (() => false) }).then(
    (outcome) => afterListing(ctx, job, outcome),
    (err: unknown) => listingFailed(ctx, job, err),
  );
}

/** The listing ended: a job still Preparing moves on (or fails: nothing matched). */
async function afterListing(ctx: EngineContext, job: Job, outcome: ListingOutcome): Promise<Job | undefined> {
  const fresh = await ctx.store.getJob(job.accountId, job.id);
  if (!fresh || outcome.kind === 'stopped') return fresh;
  if (outcome.totalTasks === 0) {
    await ctx.store.deleteChunks(job.id);
    return fail(ctx, fresh, 'ManifestEmpty', 'Manifest generation found no keys matching the filter criteria');
  }
  return fresh.status === 'Preparing' ? finish(ctx, fresh) : fresh;
}

/** The listing failed: the job fails, while Preparing at once, else through Failing (what ran is reported). */
async function listingFailed(ctx: EngineContext, job: Job, err: unknown): Promise<Job | undefined> {
  if (err instanceof ListingStoreFailure) throw err.cause;
  let code: string;
  let reason: string;
  if (err instanceof ManifestError) {
    code = err.failureCode;
    reason = err.message;
  } else {
    ctx.logger.error({ jobId: job.id, err }, 'listing a generated manifest failed with an internal error of s3batch (a bug)');
    code = INTERNAL_ERROR_CODE;
    reason = internalErrorMessage(err, 'the job while listing its source bucket');
  }
  const fresh = await ctx.store.getJob(job.accountId, job.id);
  if (!fresh) return undefined;
  if (fresh.status === 'Preparing') {
    await ctx.store.deleteChunks(job.id);
    return fail(ctx, fresh, code, reason);
  }
  return moveJob(ctx, fresh, ['Ready', 'Active', 'Pausing', 'Paused', 'Suspended'], 'Failing', { failureReasons: [jobFailure(code, reason)] });
}

/** Suspended unless confirmation is not required or arrived early; a late early-confirmation is honoured too. */
async function finish(ctx: EngineContext, job: Job): Promise<Job | undefined> {
  const fresh = (await ctx.store.getJob(job.accountId, job.id)) ?? job;
  if (!fresh.spec.ConfirmationRequired || fresh.confirmedEarly) return moveJob(ctx, fresh, ['Preparing'], 'Ready');
  const suspended = await moveJob(ctx, fresh, ['Preparing'], 'Suspended', { suspendedCause: WAITING_FOR_CONFIRMATION });
  // A confirmation that landed between the read and the move was remembered, not applied.
  if (suspended?.confirmedEarly) return moveJob(ctx, suspended, ['Suspended'], 'Ready', { suspendedCause: null });
  return suspended;
}

async function fail(ctx: EngineContext, job: Job, code: string, reason: string): Promise<Job | undefined> {
  ctx.logger.info({ jobId: job.id, code, reason }, 'job failed in preparation');
  return moveJob(ctx, job, ['New', 'Preparing'], 'Failed', { failureReasons: [jobFailure(code, reason)] });
}
