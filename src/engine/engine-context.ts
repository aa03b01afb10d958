/**
 * What the preparer and the runner share: the store, the event bus, the clock, and the one way
 * they move a job (a guarded transition that also announces itself on the event channel).
 */
import type { Logger } from 'pino';
import type { JobEvents } from '../domain/events.js';
import type { Job } from '../domain/job.js';
import type { JobStatus } from '../domain/job-status.js';
import { operationName, type JobManifest } from '../domain/job-spec.js';
import { generatedTaskManifest, listsVersions, type ChunkLocator, type PreparedManifestPin } from '../manifests/index.js';
import type { S3Port } from '../s3/s3-port.js';
import { JobStoreError, type JobStore, type TransitionPatch } from '../store/job-store.js';

export interface EngineContext {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly s3For: (job: Job) => S3Port;
  readonly now: () => number;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  readonly sleep: (ms: number) => Promise<void>;
}

/** How the preparer encodes a chunk's records for the store (NewChunk.records): raw deflate. */
export const RECORDS_ENCODING = 'deflate-raw';

/**
 * A stored chunk locator: the reader's locator, and how its records are kept — with the chunk in
 * the job store (`records`), or, for chunks prepared before records were stored, as a manifest
 * range to re-read from S3 under the pin (ETag, version) seen at preparation.
 */
export type StoredLocator =
  | { readonly chunk: ChunkLocator; readonly records: typeof RECORDS_ENCODING }
  | { readonly chunk: ChunkLocator; readonly pin: PreparedManifestPin };

/**
 * Moves the job if it is in one of `from`, announcing the change. Returns undefined (and changes
 * nothing) when the job is elsewhere: someone else moved it first (a cancel), which is not an error.
 */
export async function moveJob(
  ctx: EngineContext,
  job: Job,
  from: readonly JobStatus[],
  to: JobStatus,
  patch?: TransitionPatch,
): Promise<Job | undefined> {
  try {
    const moved = await ctx.store.transition(job.id, from, to, ctx.now(), patch);
    ctx.events.emit('job:statusChanged', { job: moved, from: job.status, to });
    return moved;
  } catch (err) {
    if (err instanceof JobStoreError && (err.code === 'StatusConflict' || err.code === 'NotFound')) return undefined;
    throw err;
  }
}

/**
 * The manifest a job's chunk records are parsed with: its own, or for a generated manifest the
 * CSV layout the generator writes (manifests/generator.ts).
 */
export function taskManifestOf(job: Job): JobManifest {
  if (job.spec.Manifest) return job.spec.Manifest;
  const generator = job.spec.ManifestGenerator?.S3JobManifestGenerator;
  if (!generator) throw new Error(`job ${job.id} has neither a Manifest nor an S3JobManifestGenerator`);
  return generatedTaskManifest(generator, listsVersions(generator, operationName(job.spec.Operation)));
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
