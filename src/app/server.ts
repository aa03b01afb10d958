/**
 * The composition root: config → job store → engine facade → HTTP surfaces → one server. The only
 * place that knows every concrete implementation.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { fileURLToPath } from 'node:url';
import { storageFor, type Config } from '../config/config.js';
import { createControlApi } from '../control-api/control-api.js';
import { createDashboard, isBrowserOpeningRoot } from '../dashboard/dashboard.js';
import { createJobEvents, type JobEvents } from '../domain/events.js';
import { createJobService, type JobService } from '../engine/job-service.js';
import { createAuthenticator } from '../http/auth.js';
import { createHttpServer } from '../http/server.js';
import { createS3Api } from '../object-store/http/s3-api.js';
import { openLocalObjectStore } from '../object-store/local/local-object-store.js';
import type { ObjectStore } from '../object-store/object-store.js';
import { createServiceEndpoints } from '../service/service-endpoints.js';
import type { JobStore } from '../store/job-store.js';
import { createStsApi } from '../sts/sts-api.js';
import { claimDataDir, type DataDirClaim } from './data-dir.js';
import { dataDirFailure, listenOn } from './startup-error.js';
import { assertStoreNodeFree, claimStoreNode, joinCluster, type ClusterNode } from './cluster-node.js';
import { wireEngine, type WiredEngine } from './engine-wiring.js';
import { openJobStore, type JobStoreKind } from './job-store.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { VERSION } from './version.js';

export interface RunningServer {
  /** `http://host:port` as it listens (port resolved when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  readonly jobs: JobService;
  readonly events: JobEvents;
  readonly store: JobStore;
  /** Where the job state lives: SQLite in the data dir, or PostgreSQL (S3BATCH_DATABASE_URL). */
  readonly storeKind: JobStoreKind;
  /** The embedded S3 store, for in-process callers (the engine). */
  readonly objects: ObjectStore;
  readonly logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Run the job engine (default true); tests of the API alone turn it off so that jobs stay where they put them. */
  readonly engine?: boolean;
  /** The embedded store's largest CopyObject source (tests lower S3's 5 GiB). */
  readonly maxCopySourceBytes?: number;
  /**
   * The embedded store's clock (restores, their expiry, Last-Modified). Apart from `now`, so that
   * a test can move it days ahead, to a restored copy's expiry, while the engine's leases and
   * request signatures keep real time.
   */
  readonly objectStoreNow?: () => number;
  /** The dashboard sessions' clock (default `now`): tests move it to see a session expire. */
  readonly dashboardNow?: () => number;
  /** Where the dashboard's built pages are (default dist/ui of this package). */
  readonly uiDir?: string;
  /** Bytes per part of a dashboard upload (multipart above one part): tests make it small. */
  readonly dashboardUploadPartBytes?: number;
}

/** dist/ui of this package, from src/app/ (tests) and dist/app/ (the build) alike. */
const DEFAULT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'ui');

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  let dataDir: DataDirClaim;
  try {
    mkdirSync(config.dataDir, { recursive: true });
    dataDir = claimDataDir(config.dataDir, config.engine.nodeId);
  } catch (err) {
    throw dataDirFailure(err, config.dataDir) ?? err;
  }
  const { store, kind: storeKind, cluster } = await openJobStore(config, {
    onIdleError: (err) => logger.warn({ err: err.message }, 'a PostgreSQL connection broke while idle; it is replaced on next use'),
  }).catch((err: unknown) => {
    dataDir.release();
    throw err;
  });
  const events = createJobEvents((err, event) => logger.error({ err, event }, 'job event listener failed'));
  // PostgreSQL: register in the cluster (refused while a live node has this id), then make sure
  // this node may serve the embedded store, or uses the configured remote one.
  // The engine is made below; the cluster asks it for its in-flight counts once it runs.
  const engineRef: { current?: WiredEngine } = {};
  let member: ClusterNode | undefined;
  if (cluster) {
    try {
      member = await joinCluster({ cluster, store, events, nodeId: dataDir.nodeId, role: 'serve', logger, now: options.now ?? Date.now, liveChunks: () => engineRef.current?.liveChunks() ?? [] });
      if (config.storage.endpoint === undefined) await assertStoreNodeFree(cluster, dataDir.nodeId, options.now ?? Date.now);
    } catch (err) {
      await member?.close();
      await store.close();
      dataDir.release();
      throw err;
    }
  }
  const metrics = createMetrics();
  const auth = createAuthenticator(config.accounts, config.region);
  const objects = await openLocalObjectStore({
    dataDir: config.dataDir,
    region: config.region,
    restoreDelayMs: config.restoreDelayMs,
    ...(options.maxCopySourceBytes !== undefined ? { maxCopySourceBytes: options.maxCopySourceBytes } : {}),
    ...(options.objectStoreNow ? { now: options.objectStoreNow } : {}),
    isRemoteDestination: (bucketArn) => config.replication.destinations.has(bucketArn),
    onSweep: (removed) => {
      if (removed.temp + removed.orphans > 0) logger.info(removed, 'object store: removed leftovers of an interrupted write');
    },
    onSkippedMetadata: (skipped) => {
      logger.warn(skipped, 'object store: stored metadata names that no HTTP header can carry were left out of a read');
    },
  }).catch(async (err: unknown) => {
    await store.close();
    dataDir.release();
    throw err;
  });
  // Created here (started only once listening) so that the job service can add the engine's
  // in-flight task counts to what DescribeJob/ListJobs show.
  let selfUrl = '';
  const engine = wireEngine({
    config,
    store,
    events,
    objects,
    logger,
    nodeId: dataDir.nodeId,
    selfUrl: () => selfUrl,
    ...(options.now ? { now: options.now } : {}),
    ...(cluster ? { exclusive: cluster.exclusive.bind(cluster) } : {}),
    ...(member ? { mayClaim: member.holdsIdentity } : {}),
  });
  engineRef.current = engine;
  const jobs = createJobService({
    store,
    events,
    region: config.region,
    now: options.now,
    liveProgress: (jobId) => engine.liveProgress(jobId),
    ...(member ? { otherNodesProgress: member.otherNodesProgress } : {}),
  });

  const dashboard = createDashboard({
    jobs,
    events,
    sessions: store,
    accounts: config.accounts,
    region: config.region,
    uiDir: options.uiDir ?? DEFAULT_UI_DIR,
    selfUrl: () => selfUrl,
    remoteStorage: (accountId) => {
      const where = storageFor(config, accountId);
      return where.kind === 'remote' ? where.connection : undefined;
    },
    logger,
    now: options.dashboardNow ?? options.now ?? Date.now,
    ...(options.dashboardUploadPartBytes !== undefined ? { uploadPartBytes: options.dashboardUploadPartBytes } : {}),
  });

  const server = createHttpServer({
    logger,
    limits: config.http,
    onRequestDone: metrics.observeRequest,
    toService: isBrowserOpeningRoot,
    surfaces: {
      service: createServiceEndpoints({ registry: metrics.registry, version: VERSION, startedMs: Date.now(), dashboard }),
      control: createControlApi({ jobs, auth, maxBodyBytes: config.maxControlBodyBytes, logger }),
      sts: createStsApi({ auth, now: options.now ?? Date.now, logger }),
      s3: createS3Api({ store: objects, auth, region: config.region, logger }),
    },
  });

  try {
    await listenOn(server, config.port, config.host);
  } catch (err) {
    // Nothing has started yet: give back what was opened, so that the caller (a test, or a
    // supervisor retrying) can start again on the same data dir.
    dashboard.close();
    await engine.close();
    await member?.close();
    await store.close();
    await objects.close();
    dataDir.release();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  selfUrl = `http://${ipOf(config.host)}:${port}`;
  if (cluster && member) {
    // What the other nodes are told to reach: a node listening on every address is named by its
    // host name (127.0.0.1 would name the reader's own machine); else the address it listens on.
    const clusterUrl = isWildcard(config.host) ? `http://${os.hostname()}:${port}` : selfUrl;
    try {
      await member.setUrl(clusterUrl);
      if (config.storage.endpoint === undefined) await claimStoreNode(cluster, dataDir.nodeId, clusterUrl, options.now ?? Date.now);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
      await member.close();
      await store.close();
      await objects.close();
      dataDir.release();
      throw err;
    }
  }
  if (options.engine ?? true) engine.start();
  logger.info({ url, dataDir: config.dataDir, region: config.region, jobStore: storeKind }, 's3batch is listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    jobs,
    events,
    store,
    storeKind,
    objects,
    logger,
    close() {
      closing ??= (async () => {
        dashboard.close();
        await engine.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await member?.close();
        await store.close();
        await objects.close();
        dataDir.release();
      })();
      return closing;
    },
  };
}

/** An address of this server to connect to (a wildcard listen address is reached on loopback). */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

function ipOf(host: string): string {
  if (host === '0.0.0.0' || host === 'localhost' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
