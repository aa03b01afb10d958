/**
 * Which S3 each job's engine work goes to: the embedded store in-process, acting as the job's
 * account, or — when S3BATCH_STORAGE_ENDPOINT is set — that remote S3-compatible store over HTTP
 * with the configured credentials (the same code path either way: an S3Port).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { JobEvents } from '../domain/events.js';
import type { Job } from '../domain/job.js';
import { createEngine, type Engine } from '../engine/engine.js';
import type { ObjectStore } from '../object-store/object-store.js';
import { createHttpS3Client, type HttpS3Client } from '../s3/http-s3-client.js';
import { createLocalS3Port } from '../s3/local-s3-port.js';
import type { S3Port } from '../s3/s3-port.js';
import type { JobStore } from '../store/job-store.js';

export interface WiredEngine extends Engine {
  /** Stops the engine and closes the remote client, if any. */
  close(): Promise<void>;
}

export function wireEngine(deps: { config: Config; store: JobStore; events: JobEvents; objects: ObjectStore; logger: Logger; nodeId: string; now?: () => number }): WiredEngine {
  const { config } = deps;
  let remote: HttpS3Client | undefined;
  if (config.storage.endpoint !== undefined) {
    remote = createHttpS3Client({
      endpoint: config.storage.endpoint,
      accessKeyId: config.storage.accessKeyId ?? '',
      secretAccessKey: config.storage.secretAccessKey ?? '',
      region: config.storage.region ?? config.region,
    });
  }
  const local = new Map<string, S3Port>();
  const s3For = (job: Job): S3Port => {
    if (remote) return remote;
    let port = local.get(job.accountId);
    if (!port) local.set(job.accountId, (port = createLocalS3Port(deps.objects, job.accountId)));
    return port;
  };
  const engine = createEngine({
    store: deps.store,
    events: deps.events,
    s3For,
    nodeId: deps.nodeId,
    logger: deps.logger,
    chunkSize: config.engine.chunkSize,
    limits: {
      globalConcurrency: config.engine.concurrency,
      perJobConcurrency: config.engine.jobConcurrency,
      maxRunningJobs: config.engine.maxRunningJobs,
      leaseMs: config.engine.leaseMs,
    },
    operations: {
      copy: { multipartThreshold: config.engine.copyMultipartThresholdBytes, partSize: config.engine.copyPartSizeBytes },
    },
    ...(deps.now ? { now: deps.now } : {}),
  });
  return {
    start: () => engine.start(),
    stop: () => engine.stop(),
    liveProgress: (jobId) => engine.liveProgress(jobId),
    async close() {
      await engine.stop();
      remote?.close();
    },
  };
}
