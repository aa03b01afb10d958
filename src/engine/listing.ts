/**
 * A generated manifest's listing (S3JobManifestGenerator, issue 13), as the engine runs it: the
 * source bucket is listed and filtered by manifests/generator.ts, and every batch of chunks is
 * committed to the job store together with the listing position after it (addChunks `listing`),
 * so that a crash — of this node or the store — resumes from the last commit: no object is left
 * out or becomes two tasks. Chunks land on the job store the job runs against, never on one node's
 * disk, so any node may run them (and resume the listing).
 *
 * A job that needs no confirmation runs while it is listed: the first committed chunk moves it to
 * Ready (the scheduler then makes it Active), its TotalNumberOfTasks grows with every batch, and
 * the chunk set becomes final when the listing ends, which is when a run can complete. With
 * `EnableManifestOutput` the manifest is written out from the stored chunks before that final
 * mark, so a job never completes (and deletes its chunks) before its manifest is written.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Job } from '../domain/job.js';
import { isTerminal } from '../domain/job-status.js';
import { operationName } from '../domain/job-spec.js';
import {
  generateManifest,
  GENERATED_MANIFEST_FORMAT,
  listsVersions,
  ManifestError,
  writeGeneratedManifest,
  type GeneratedBatch,
  type GeneratorPosition,
} from '../manifests/index.js';
import type { NewChunk } from '../store/job-store.js';
import { RECORDS_ENCODING, type EngineContext, type StoredLocator } from './engine-context.js';
import { backoffMs } from './retry.js';

/** Listing attempts in a row that fail for a transient reason (a committed batch resets the count). */
const LISTING_ATTEMPTS = 6;

export interface ListingHooks {
  readonly chunkSize: number;
  /** The engine is stopping: stop after the current batch, leaving the position committed. */
  readonly stopped: () => boolean;
  /** Called once, right after the first batch holding chunks was committed. */
  readonly onFirstChunks?: () => Promise<void>;
}

/**
 * 'listed': the listing ended and the chunk set is final (`totalTasks` of them; 0: nothing
 * matched). 'stopped': the engine stops, or the job ended or is ending (cancel, failure).
 */
export type ListingOutcome = { readonly kind: 'listed'; readonly totalTasks: number } | { readonly kind: 'stopped' };

/** The listing or the job was stopped from outside: not a failure. */
class ListingStopped extends Error {
  constructor() {
    super('listing stopped');
    this.name = 'ListingStopped';
  }
}

/** What the job store threw inside a batch: the store's failure, neither the listing's nor a bug. */
export class ListingStoreFailure extends Error {
  constructor(cause: unknown) {
    super('the job store failed while a listing committed a batch', { cause });
    this.name = 'ListingStoreFailure';
  }
}

export function generatorOf(job: Job): NonNullable<NonNullable<Job['spec']['ManifestGenerator']>['S3JobManifestGenerator']> {
  const generator = job.spec.ManifestGenerator?.S3JobManifestGenerator;
  if (!generator) throw new ManifestError('InvalidManifestContent', 'The ManifestGenerator names no S3JobManifestGenerator');
  return generator;
}

/**
 * Lists (or resumes listing) the job's source bucket into chunks. Throws a ManifestError when the
 * listing cannot be done (after retrying transient failures), a ListingStoreFailure when the job
 * store failed, or any other error (a bug).
 */
export async function runListing(ctx: EngineContext, job: Job, hooks: ListingHooks): Promise<ListingOutcome> {
  const generator = generatorOf(job);
  const versions = listsVersions(generator, operationName(job.spec.Operation));
  const output = generator.EnableManifestOutput;
  let firstSent = false;
  for (let attempt = 1; ; attempt++) {
    const checkpoint = await fromStore(ctx.store.listingCheckpoint(job.id));
    if (checkpoint?.done) return { kind: 'listed', totalTasks: (await fromStore(ctx.store.getJob(job.accountId, job.id)))?.progress.totalTasks ?? 0 };
    if (!firstSent && checkpoint !== undefined && (checkpoint.cursor as GeneratorPosition['cursor']).chunk > 0) {
      // Resumed after a crash with chunks already committed: the job may run them now.
      firstSent = true;
      await hooks.onFirstChunks?.();
    }
    let committed = false;
    const onBatch = async (batch: GeneratedBatch): Promise<void> => {
      await checkRunning(ctx, job, hooks);
      const final = batch.done && !output;
      const chunks: NewChunk[] = batch.chunks.map((c) => {
        const locator: StoredLocator = { chunk: c.locator, records: RECORDS_ENCODING };
        // Synchronous deflate, as in preparer.ts ChunkSink: ~0.2 ms a chunk.
        return { index: c.locator.index, taskCount: c.locator.taskCount, locator, records: deflateRawSync(c.records, { level: 1 }) };
      });
      await fromStore(
        ctx.store.addChunks(job.id, chunks, { final, listing: { cursor: batch.position.cursor, scanned: batch.position.scanned, done: final } }),
      );
      committed = true;
      if (!firstSent && chunks.length > 0) {
        firstSent = true;
        await hooks.onFirstChunks?.();
      }
    };
    try {
      const from = checkpoint === undefined ? undefined : { cursor: checkpoint.cursor as GeneratorPosition['cursor'], scanned: checkpoint.scanned };
      const end = await generateManifest(generator, versions, ctx.s3For(job), { chunkSize: hooks.chunkSize, onBatch, ...(from ? { from } : {}) });
      const totalTasks = (await fromStore(ctx.store.getJob(job.accountId, job.id)))?.progress.totalTasks ?? 0;
      if (output) await writeOutput(ctx, job, versions, end, totalTasks);
      return { kind: 'listed', totalTasks };
    } catch (err) {
      if (err instanceof ListingStopped) return { kind: 'stopped' };
      if (!(err instanceof ManifestError) || !err.retryable) throw err;
      if (committed) attempt = 1;
      if (attempt >= LISTING_ATTEMPTS) throw err;
      ctx.logger.warn({ jobId: job.id, err }, 'listing the source bucket failed, resuming from the last committed position');
      await ctx.sleep(backoffMs(attempt, { baseMs: 200, capMs: 5_000, maxAttempts: LISTING_ATTEMPTS }));
    }
  }
}

/** Stops the listing when the engine stops or the job no longer wants one (cancelled, failed, gone). */
async function checkRunning(ctx: EngineContext, job: Job, hooks: ListingHooks): Promise<void> {
  if (hooks.stopped()) throw new ListingStopped();
  const fresh = await fromStore(ctx.store.getJob(job.accountId, job.id));
  if (!fresh || isTerminal(fresh.status) || fresh.status === 'Cancelling' || fresh.status === 'Failing') throw new ListingStopped();
}

/**
 * EnableManifestOutput: the stored chunks' records, in order, become the output's data files;
 * then the final mark and the descriptor are committed together. Nothing matched: no output.
 */
async function writeOutput(ctx: EngineContext, job: Job, versions: boolean, end: GeneratorPosition, totalTasks: number): Promise<void> {
  const generator = generatorOf(job);
  let generatedManifest;
  if (totalTasks > 0) {
    const written = await writeGeneratedManifest(ctx.s3For(job), {
      generator,
      jobId: job.id,
      versions,
      records: storedRecords(ctx, job.id),
      nowMs: ctx.now(),
    });
    generatedManifest = {
      Format: GENERATED_MANIFEST_FORMAT,
      Location: { ObjectArn: `arn:aws:s3:::${written.bucket}/${written.key}`, ETag: written.etag, ...(written.versionId !== undefined ? { ObjectVersionId: written.versionId } : {}) },
    } as const;
  }
  await fromStore(
    ctx.store.addChunks(job.id, [], {
      final: true,
      listing: { cursor: end.cursor, scanned: end.scanned, done: true },
      ...(generatedManifest ? { generatedManifest } : {}),
    }),
  );
}

async function* storedRecords(ctx: EngineContext, jobId: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of ctx.store.readChunkRecords(jobId)) {
      if (chunk.records) yield inflateRawSync(chunk.records);
    }
  } catch (err) {
    throw new ListingStoreFailure(err);
  }
}

async function fromStore<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw new ListingStoreFailure(err);
  }
}
