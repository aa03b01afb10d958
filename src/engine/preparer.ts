/**
 * Preparation (reference §5.1): New → Preparing → Suspended or Ready. Reads the whole manifest
 * once (streaming), cuts it into chunks and stores them; a manifest that cannot be used fails the
 * job with a FailureReason telling the user what to fix. Safe to run again on a job found in
 * Preparing after a crash: addChunks is idempotent, and a conflicting leftover is wiped first.
 */
import { jobFailure, type Job } from '../domain/job.js';
import { operationName, type OperationName } from '../domain/job-spec.js';
import { ManifestError, prepareManifest, type PreparedManifest } from '../manifests/index.js';
import { JobStoreError, type NewChunk } from '../store/job-store.js';
import { isImplementedOperation } from '../operations/registry.js';
import { moveJob, type EngineContext, type StoredLocator } from './engine-context.js';
import { backoffMs } from './retry.js';

export const CHUNK_SIZE = 1000;
const ADD_BATCH = 1000;
const MANIFEST_ATTEMPTS = 4;
export const WAITING_FOR_CONFIRMATION = 'Waiting for confirmation';

export interface PrepareOptions {
  readonly chunkSize?: number;
}

/** Prepares the job (New or Preparing); returns the job as it left preparation (undefined: moved by someone else). */
export async function prepareJob(ctx: EngineContext, job: Job, options: PrepareOptions = {}): Promise<Job | undefined> {
  let current: Job | undefined = job;
  if (job.status === 'New') current = await moveJob(ctx, job, ['New'], 'Preparing');
  if (!current || current.status !== 'Preparing') return current;

  const refusal = refuse(current);
  if (refusal) return fail(ctx, current, refusal.code, refusal.reason);
  let prepared: PreparedManifest;
  try {
    prepared = await readManifest(ctx, current, options.chunkSize ?? CHUNK_SIZE);
  } catch (err) {
    if (err instanceof ManifestError) return fail(ctx, current, err.failureCode, err.message);
    throw err;
  }
  await storeChunks(ctx, current, prepared);
  return finish(ctx, current);
}

function refuse(job: Job): { code: string; reason: string } | undefined {
  if (job.spec.ManifestGenerator !== undefined || job.spec.Manifest === undefined) {
    return { code: 'UnsupportedManifestGenerator', reason: 'Jobs with a ManifestGenerator are not supported by this s3batch version yet' };
  }
  const name: OperationName = operationName(job.spec.Operation);
  if (!isImplementedOperation(name)) {
    return { code: 'UnsupportedOperation', reason: `The operation ${name} is not supported by this s3batch version yet` };
  }
  return undefined;
}

/** Retries only reads that failed for a transient reason; a bad manifest fails at once. */
async function readManifest(ctx: EngineContext, job: Job, chunkSize: number): Promise<PreparedManifest> {
  const manifest = job.spec.Manifest!;
  for (let attempt = 1; ; attempt++) {
    try {
      return await prepareManifest(manifest, ctx.s3For(job), { chunkSize });
    } catch (err) {
      if (!(err instanceof ManifestError) || !err.retryable || attempt >= MANIFEST_ATTEMPTS) throw err;
      ctx.logger.warn({ jobId: job.id, err }, 'manifest read failed, retrying');
      await ctx.sleep(backoffMs(attempt, { baseMs: 200, capMs: 5_000, maxAttempts: MANIFEST_ATTEMPTS }));
    }
  }
}

async function storeChunks(ctx: EngineContext, job: Job, prepared: PreparedManifest): Promise<void> {
  const pin = {
    manifestEtag: prepared.manifestEtag,
    ...(prepared.manifestVersionId !== undefined ? { manifestVersionId: prepared.manifestVersionId } : {}),
  };
  const chunks: NewChunk[] = prepared.chunks.map((chunk) => ({
    index: chunk.index,
    taskCount: chunk.taskCount,
    locator: { chunk, pin } satisfies StoredLocator,
  }));
  try {
    await addAll(ctx, job.id, chunks);
  } catch (err) {
    // A leftover of an earlier preparation that read a different manifest: start over.
    if (!(err instanceof JobStoreError) || err.code !== 'ChunkConflict') throw err;
    await ctx.store.deleteChunks(job.id);
    await addAll(ctx, job.id, chunks);
  }
}

async function addAll(ctx: EngineContext, jobId: string, chunks: readonly NewChunk[]): Promise<void> {
  for (let i = 0; i < chunks.length; i += ADD_BATCH) {
    await ctx.store.addChunks(jobId, chunks.slice(i, i + ADD_BATCH), { final: i + ADD_BATCH >= chunks.length });
  }
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
