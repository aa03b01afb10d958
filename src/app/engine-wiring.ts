/**
 * Which S3 each job's engine work goes to, and as whom: the embedded store in-process, acting as
 * the job's account, or a remote S3-compatible store over HTTP with the credentials configured for
 * the job's account (config/config.ts `storageFor`: its `storage.accounts` entry, else the
 * defaults). The manifest read, the operations and the report all use that one port, so a job
 * can do on the remote store exactly what its account's credentials may do there.
 */
import type { Logger } from 'pino';
import { storageFor, type Config, type StoreConnection } from '../config/config.js';
import type { JobEvents } from '../domain/events.js';
import type { Job } from '../domain/job.js';
import { createEngine, type Engine, type EngineOptions } from '../engine/engine.js';
import type { ObjectStore } from '../object-store/object-store.js';
import { createHttpS3Client, type HttpS3Client } from '../s3/http-s3-client.js';
import { createLocalS3Port } from '../s3/local-s3-port.js';
import { createRefusingS3Port } from '../s3/refusing-s3-port.js';
import { NO_STORE_CREDENTIALS, S3PortError, type S3Port } from '../s3/s3-port.js';
import type { JobStore } from '../store/job-store.js';
import { createLambdaFunctions, type FunctionStore } from '../functions/index.js';
import { createReplicationDestinations, logReplicationWarnings } from './replication-destinations.js';

export interface WiredEngine extends Engine {
  /**
   * Stops the engine, the functions and the remote clients. Function invocations in flight may
   * finish for S3BATCH_SHUTDOWN_GRACE_MS (a function's own timeout may be 15 minutes); then they
   * are stopped, and their tasks run again after the restart.
   */
  close(): Promise<void>;
}

export interface EngineDeps {
  readonly config: Config;
  readonly store: JobStore;
  readonly events: JobEvents;
  /** The embedded store; undefined on a worker, whose jobs all run on S3BATCH_STORAGE_ENDPOINT. */
  readonly objects: ObjectStore | undefined;
  readonly logger: Logger;
  readonly nodeId: string;
  /** This server's own URL, once it listens: the embedded store's address for local functions. */
  readonly selfUrl: () => string;
  readonly now?: () => number;
  /** With several nodes: the cluster-wide lock (ClusterStore.exclusive) for preparing and finalizing. */
  readonly exclusive?: EngineOptions['exclusive'];
  /** With several nodes: false once another process took this node's id (ClusterNode.holdsIdentity). */
  readonly mayClaim?: EngineOptions['mayClaim'];
}

export function wireEngine(deps: EngineDeps): WiredEngine {
  const { config } = deps;
  logStorageWarnings(config, deps.logger);
  const ports = createStorePorts(config, deps.objects);
  logReplicationWarnings(config, deps.logger);
  const replication = createReplicationDestinations(config, deps.objects, ports);
  const functions = createLambdaFunctions({
    config: config.functions,
    region: config.region,
    storeFor: (accountId) => functionStoreFor(config, accountId, deps.selfUrl),
    logger: deps.logger.child({ component: 'function' }),
  });
  const engine = createEngine({
    store: deps.store,
    events: deps.events,
    s3For: (job: Job) => ports.forAccount(job.accountId),
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
      lambda: functions,
      replication,
    },
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.exclusive ? { exclusive: deps.exclusive } : {}),
    ...(deps.mayClaim ? { mayClaim: deps.mayClaim } : {}),
  });
  return {
    start: () => engine.start(),
    stop: () => engine.stop(),
    liveProgress: (jobId) => engine.liveProgress(jobId),
    liveChunks: () => engine.liveChunks(),
    async close() {
      const grace = setTimeout(() => functions.abort(), config.engine.shutdownGraceMs);
      await engine.stop();
      clearTimeout(grace);
      functions.close();
      ports.close();
      replication.close();
    },
  };
}

/**
 * Where an account's functions reach its objects, as whom: the store its jobs run on, with the
 * account's credentials there — on the embedded store this server (at an IP address: both SDKs
 * then address buckets path-style) with the account's own key pair.
 */
export function functionStoreFor(config: Pick<Config, 'storage' | 'region' | 'accounts'>, accountId: string, selfUrl: () => string): FunctionStore | { refusal: string } {
  const storage = storageFor(config, accountId);
  if (storage.kind === 'remote') return storage.connection;
  if (storage.kind === 'unconfigured') return { refusal: noCredentialsMessage(accountId) };
  const account = config.accounts.find((a) => a.accountId === accountId);
  if (!account) return { refusal: `Account ${accountId} is not an account of this server (S3BATCH_CREDENTIALS)` };
  return { endpoint: selfUrl(), region: config.region, accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
}

export interface StorePorts {
  /** The port of an account's jobs: one object per account, made on first use. */
  forAccount(accountId: string): S3Port;
  /** HTTP clients made so far: one per set of remote-store credentials, whatever the accounts and jobs. */
  readonly clientCount: number;
  /** Closes the HTTP clients (their keep-alive sockets). */
  close(): void;
}

export function createStorePorts(config: Pick<Config, 'storage' | 'region'>, objects: ObjectStore | undefined): StorePorts {
  // One client, and so one keep-alive agent, per credential set: accounts that share credentials
  // share the client, and a job never opens sockets of its own.
  const clients = new Map<string, HttpS3Client>();
  const ports = new Map<string, S3Port>();
  const clientFor = (connection: StoreConnection): HttpS3Client => {
    const key = JSON.stringify([connection.endpoint, connection.region, connection.accessKeyId, connection.secretAccessKey]);
    let client = clients.get(key);
    if (!client) clients.set(key, (client = createHttpS3Client(connection)));
    return client;
  };
  const portFor = (accountId: string): S3Port => {
    const storage = storageFor(config, accountId);
    switch (storage.kind) {
      case 'embedded': {
        if (objects) return createLocalS3Port(objects, accountId);
        const message = `this node has no embedded store: account ${accountId}'s jobs need S3BATCH_STORAGE_ENDPOINT or a storage.accounts endpoint`;
        return createRefusingS3Port(() => new S3PortError(NO_STORE_CREDENTIALS, 403, message, { storeMessage: message }));
      }
      case 'remote':
        return clientFor(storage.connection);
      case 'unconfigured': {
        const message = noCredentialsMessage(accountId);
        return createRefusingS3Port(() => new S3PortError(NO_STORE_CREDENTIALS, 403, message, { storeMessage: message }));
      }
    }
  };
  return {
    forAccount(accountId) {
      let port = ports.get(accountId);
      if (!port) ports.set(accountId, (port = portFor(accountId)));
      return port;
    },
    get clientCount() {
      return clients.size;
    },
    close() {
      for (const client of clients.values()) client.close();
    },
  };
}

/** What a job of an account with no remote-store credentials fails with (its FailureReasons, its report rows). */
function noCredentialsMessage(accountId: string): string {
  return (
    `s3batch has no credentials for account ${accountId} on its remote store: the operator maps the account in storage.accounts ` +
    'of the config file, or sets S3BATCH_STORAGE_ACCESS_KEY_ID and S3BATCH_STORAGE_SECRET_ACCESS_KEY'
  );
}

/**
 * Warns, once at start-up, of the configured accounts whose jobs are not walled off from each
 * other on the remote store (they share one set of credentials: the store cannot tell their
 * requests apart), and of those whose jobs will fail for want of credentials.
 */
export function logStorageWarnings(config: Pick<Config, 'storage' | 'region' | 'accounts'>, logger: Pick<Logger, 'warn'>): void {
  const groups = new Map<string, { endpoint: string; accessKeyId: string; accounts: string[] }>();
  const unconfigured: string[] = [];
  for (const { accountId } of config.accounts) {
    const storage = storageFor(config, accountId);
    if (storage.kind === 'unconfigured') unconfigured.push(accountId);
    if (storage.kind !== 'remote') continue;
    const { endpoint, accessKeyId } = storage.connection;
    const key = JSON.stringify([endpoint, accessKeyId]);
    const group = groups.get(key) ?? { endpoint, accessKeyId, accounts: [] };
    group.accounts.push(accountId);
    groups.set(key, group);
  }
  const shared = [...groups.values()].filter((g) => g.accounts.length > 1);
  if (shared.length > 0) {
    const which = shared.map((g) => `${g.accounts.join(', ')} (access key ${g.accessKeyId} at ${g.endpoint})`).join('; ');
    logger.warn(
      { shared },
      `remote store: accounts ${which} share one set of credentials, so on the remote store their jobs can act on each other's objects. ` +
        'Give each account its own credentials in storage.accounts of the config file',
    );
  }
  if (unconfigured.length > 0) {
    logger.warn(
      { accounts: unconfigured },
      `remote store: accounts ${unconfigured.join(', ')} have no credentials there (no storage.accounts entry, no S3BATCH_STORAGE_ACCESS_KEY_ID): ` +
        `their jobs fail with ${NO_STORE_CREDENTIALS} and send nothing`,
    );
  }
}
