/**
 * `s3batch worker`: the engine alone, for the extra nodes of a PostgreSQL cluster — no jobs API,
 * no embedded store; its jobs run on S3BATCH_STORAGE_ENDPOINT (a remote store, or the serve node
 * that serves its embedded store). An optional port (S3BATCH_WORKER_PORT) answers
 * /_s3batch/health and /_s3batch/metrics. On SQLite it is refused: SQLite is one process, and
 * `s3batch serve` runs everything there.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import type { Logger } from 'pino';

import type { Config } from '../config/config.js';
import { createJobEvents } from '../domain/events.js';
import { createHttpServer, type SurfaceHandler } from '../http/server.js';
import { createServiceEndpoints } from '../service/service-endpoints.js';
import { joinCluster, remoteStoreRequired } from './cluster-node.js';
import { claimDataDir, type DataDirClaim } from './data-dir.js';
import { wireEngine, type WiredEngine } from './engine-wiring.js';
import { openJobStore } from './job-store.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { dataDirFailure, listenOn, StartupError } from './startup-error.js';
import { VERSION } from './version.js';

export interface RunningWorker {
  readonly nodeId: string;
  /** The health/metrics URL, when S3BATCH_WORKER_PORT is set. */
  readonly url: string | undefined;
  readonly logger: Logger;
  close(): Promise<void>;
}

export interface WorkerOptions {
  readonly logger?: Logger;
  readonly now?: () => number;
}

export async function startWorker(config: Config, options: WorkerOptions = {}): Promise<RunningWorker> {
  if (config.databaseUrl === undefined) {
    throw new StartupError(
      's3batch worker needs S3BATCH_DATABASE_URL=postgres://… (the job state the nodes share): with SQLite there is one process, and s3batch serve runs the engine',
    );
  }
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  let dataDir: DataDirClaim;
  try {
    mkdirSync(config.dataDir, { recursive: true });
    dataDir = claimDataDir(config.dataDir, config.engine.nodeId);
  } catch (err) {
    throw dataDirFailure(err, config.dataDir) ?? err;
  }
  const cleanups: Array<() => Promise<void> | void> = [() => dataDir.release()];
  const undo = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const { store, cluster } = await openJobStore(config, {
      onIdleError: (err) => logger.warn({ err: err.message }, 'a PostgreSQL connection broke while idle; it is replaced on next use'),
    });
    cleanups.push(() => store.close());
    if (!cluster) throw new Error('unreachable: a PostgreSQL store without its cluster');
    if (config.storage.endpoint === undefined) throw await remoteStoreRequired(cluster, now);

    const events = createJobEvents((err, event) => logger.error({ err, event }, 'job event listener failed'));
    const engineRef: { current?: WiredEngine } = {};
    const member = await joinCluster({ cluster, store, events, nodeId: dataDir.nodeId, role: 'worker', logger, now, liveChunks: () => engineRef.current?.liveChunks() ?? [] });
    cleanups.push(() => member.close());
    const engine = wireEngine({
      config,
      store,
      events,
      objects: undefined,
      logger,
      nodeId: dataDir.nodeId,
      selfUrl: () => config.storage.endpoint ?? '',
      now,
      exclusive: cluster.exclusive.bind(cluster),
      mayClaim: member.holdsIdentity,
    });
    engineRef.current = engine;
    cleanups.push(() => engine.close());

    let url: string | undefined;
    if (config.workerPort !== undefined) {
      const metrics = createMetrics();
      const notHere: SurfaceHandler = async (_req, res) => {
        res.statusCode = 404;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: 'a worker serves /_s3batch/health and /_s3batch/metrics only' }));
      };
      const server = createHttpServer({
        logger,
        limits: config.http,
        onRequestDone: metrics.observeRequest,
        surfaces: { service: createServiceEndpoints({ registry: metrics.registry, version: VERSION, startedMs: Date.now() }), control: notHere, sts: notHere, s3: notHere },
      });
      await listenOn(server, config.workerPort, config.host);
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      );
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      url = `http://${host}:${(server.address() as AddressInfo).port}`;
      await member.setUrl(url);
    }
    engine.start();
    logger.info({ nodeId: dataDir.nodeId, store: config.storage.endpoint, health: url }, 's3batch worker is running');
    let closing: Promise<void> | undefined;
    return {
      nodeId: dataDir.nodeId,
      url,
      logger,
      close() {
        closing ??= undo();
        return closing;
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
