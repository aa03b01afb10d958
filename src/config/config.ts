/**
 * Configuration: defaults, then the JSON file named by S3BATCH_CONFIG, then environment variables
 * (environment wins). Everything is validated here, once, with messages that say what to set; the
 * rest of the code receives a frozen, typed `Config`.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

export interface Account {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly region: string;
  readonly accounts: readonly Account[];
  readonly logLevel: LogLevel;
  readonly databaseUrl: string | undefined;
  readonly storage: {
    readonly endpoint: string | undefined;
    readonly accessKeyId: string | undefined;
    readonly secretAccessKey: string | undefined;
    readonly region: string | undefined;
  };
  /** Largest request body the jobs API reads (CreateJob, PutJobTagging). */
  readonly maxControlBodyBytes: number;
  /** How long a RestoreObject of a GLACIER/DEEP_ARCHIVE object takes in the embedded store. */
  readonly restoreDelayMs: number;
  readonly http: HttpConfig;
  readonly engine: EngineConfig;
}

/**
 * How long the one HTTP server waits on a client (src/http/server.ts). There is no deadline on a
 * whole request: a large upload or download takes as long as it takes while bytes move.
 */
export interface HttpConfig {
  /** From a connection's first byte (or the end of its previous request) to the end of the request's headers. */
  readonly headersTimeoutMs: number;
  /** Silence allowed while a request body is due or a response is being written (S3: about 20 s, `400 RequestTimeout`). */
  readonly idleTimeoutMs: number;
  /** How long a keep-alive connection may wait, idle, for its next request. */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  readonly maxConnections: number;
}

/** Tuning of the job engine on this node. */
export interface EngineConfig {
  /** Names this node's chunk leases; unset = an id kept in the data dir (`node-id`). */
  readonly nodeId: string | undefined;
  /** Tasks in flight on this node, all jobs together. */
  readonly concurrency: number;
  /** Tasks in flight for one job (at most `concurrency`). */
  readonly jobConcurrency: number;
  /** Jobs this node runs at once, all accounts together. */
  readonly maxRunningJobs: number;
  /** Manifest lines per chunk: the unit that is leased, committed and redone after a crash. */
  readonly chunkSize: number;
  /** How long a chunk lease lasts without renewal (renewed at half-life). */
  readonly leaseMs: number;
  /** S3PutObjectCopy: sources larger than this are copied part by part. */
  readonly copyMultipartThresholdBytes: number;
  /** S3PutObjectCopy: bytes per part of a multipart copy. */
  readonly copyPartSizeBytes: number;
}

export const DEFAULT_CREDENTIALS = '123456789012:s3batch:s3batch-secret';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Keys of the config file; each maps to the variable of the same meaning. */
const FILE_KEYS = {
  host: 'S3BATCH_HOST',
  port: 'S3BATCH_PORT',
  dataDir: 'S3BATCH_DATA_DIR',
  credentials: 'S3BATCH_CREDENTIALS',
  region: 'S3BATCH_REGION',
  databaseUrl: 'S3BATCH_DATABASE_URL',
  storageEndpoint: 'S3BATCH_STORAGE_ENDPOINT',
  storageAccessKeyId: 'S3BATCH_STORAGE_ACCESS_KEY_ID',
  storageSecretAccessKey: 'S3BATCH_STORAGE_SECRET_ACCESS_KEY',
  storageRegion: 'S3BATCH_STORAGE_REGION',
  logLevel: 'S3BATCH_LOG_LEVEL',
  maxControlBodyBytes: 'S3BATCH_MAX_CONTROL_BODY_BYTES',
  restoreDelayMs: 'S3BATCH_RESTORE_DELAY_MS',
  headersTimeoutMs: 'S3BATCH_HEADERS_TIMEOUT_MS',
  idleTimeoutMs: 'S3BATCH_IDLE_TIMEOUT_MS',
  keepAliveTimeoutMs: 'S3BATCH_KEEP_ALIVE_TIMEOUT_MS',
  maxConnections: 'S3BATCH_MAX_CONNECTIONS',
  nodeId: 'S3BATCH_NODE_ID',
  concurrency: 'S3BATCH_CONCURRENCY',
  jobConcurrency: 'S3BATCH_JOB_CONCURRENCY',
  maxRunningJobs: 'S3BATCH_MAX_RUNNING_JOBS',
  chunkSize: 'S3BATCH_CHUNK_SIZE',
  leaseMs: 'S3BATCH_LEASE_MS',
  copyMultipartThresholdBytes: 'S3BATCH_COPY_MULTIPART_THRESHOLD_BYTES',
  copyPartSizeBytes: 'S3BATCH_COPY_PART_SIZE_BYTES',
} as const;

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const file = env.S3BATCH_CONFIG ? readConfigFile(env.S3BATCH_CONFIG) : {};
  const get = (key: keyof typeof FILE_KEYS): string | undefined => {
    const fromEnv = env[FILE_KEYS[key]];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const fromFile = file[key];
    return fromFile === undefined ? undefined : String(fromFile);
  };

  const host = get('host') ?? '127.0.0.1';
  const port = parseInteger(get('port') ?? '9090', 'S3BATCH_PORT', 0, 65535);
  const credentials = get('credentials');
  const accounts = parseCredentials(credentials ?? DEFAULT_CREDENTIALS);
  if (credentials === undefined && !isLoopback(host)) {
    throw new ConfigError(
      `Refusing to listen on ${host} with the built-in default credentials: set S3BATCH_CREDENTIALS ` +
        `(comma-separated accountId:accessKeyId:secretAccessKey triples) or listen on a loopback address.`,
    );
  }
  const logLevel = get('logLevel') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`S3BATCH_LOG_LEVEL must be one of debug, info, warn, error (got "${logLevel}")`);
  }
  const region = get('region') ?? 'us-east-1';
  const nodeId = get('nodeId');
  if (nodeId !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(nodeId)) {
    throw new ConfigError(`S3BATCH_NODE_ID must be 1-128 letters, digits or . _ : - (got "${nodeId}")`);
  }
  const concurrency = parseInteger(get('concurrency') ?? '64', 'S3BATCH_CONCURRENCY', 1, 10_000);
  if (!/^[a-z0-9-]{1,64}$/.test(region)) throw new ConfigError(`S3BATCH_REGION is not a region name: "${region}"`);

  return Object.freeze({
    host,
    port,
    dataDir: path.resolve(get('dataDir') ?? './data'),
    region,
    accounts,
    logLevel: logLevel as LogLevel,
    databaseUrl: get('databaseUrl'),
    storage: Object.freeze({
      endpoint: get('storageEndpoint'),
      accessKeyId: get('storageAccessKeyId'),
      secretAccessKey: get('storageSecretAccessKey'),
      region: get('storageRegion'),
    }),
    maxControlBodyBytes: parseInteger(get('maxControlBodyBytes') ?? String(1024 * 1024), 'maxControlBodyBytes', 1024, 64 * 1024 * 1024),
    restoreDelayMs: parseInteger(get('restoreDelayMs') ?? '5000', 'S3BATCH_RESTORE_DELAY_MS', 0, 7 * 24 * 3600 * 1000),
    // No 0 ("never") for the timeouts: a server without them is held open by any client that
    // stops halfway (issue 9). The floor of 100 ms is for tests.
    http: Object.freeze({
      headersTimeoutMs: parseInteger(get('headersTimeoutMs') ?? '20000', 'S3BATCH_HEADERS_TIMEOUT_MS', 100, 3600 * 1000),
      idleTimeoutMs: parseInteger(get('idleTimeoutMs') ?? '20000', 'S3BATCH_IDLE_TIMEOUT_MS', 100, 3600 * 1000),
      // Longer than the 60 s idle timeout of the load balancers put in front of servers (an AWS
      // ALB's default): the balancer, not this server, closes an idle pooled connection first.
      keepAliveTimeoutMs: parseInteger(get('keepAliveTimeoutMs') ?? '65000', 'S3BATCH_KEEP_ALIVE_TIMEOUT_MS', 100, 3600 * 1000),
      maxConnections: parseInteger(get('maxConnections') ?? '1024', 'S3BATCH_MAX_CONNECTIONS', 1, 1_000_000),
    }),
    engine: Object.freeze({
      nodeId,
      concurrency,
      jobConcurrency: parseInteger(get('jobConcurrency') ?? String(concurrency), 'S3BATCH_JOB_CONCURRENCY', 1, concurrency),
      maxRunningJobs: parseInteger(get('maxRunningJobs') ?? '16', 'S3BATCH_MAX_RUNNING_JOBS', 1, 10_000),
      chunkSize: parseInteger(get('chunkSize') ?? '1000', 'S3BATCH_CHUNK_SIZE', 1, 1_000_000),
      leaseMs: parseInteger(get('leaseMs') ?? '10000', 'S3BATCH_LEASE_MS', 1000, 3600 * 1000),
      // Above 5 GiB S3 refuses CopyObject; multipart copies of up to 5 TiB sources are s3batch's addition.
      copyMultipartThresholdBytes: parseInteger(get('copyMultipartThresholdBytes') ?? String(5 * GIB), 'S3BATCH_COPY_MULTIPART_THRESHOLD_BYTES', 5 * MIB, 5 * GIB),
      copyPartSizeBytes: parseInteger(get('copyPartSizeBytes') ?? String(512 * MIB), 'S3BATCH_COPY_PART_SIZE_BYTES', 5 * MIB, 5 * GIB),
    }),
  });
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read the config file ${file} (S3BATCH_CONFIG): ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`The config file ${file} must hold a JSON object`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(k in FILE_KEYS));
  if (unknown.length > 0) {
    throw new ConfigError(
      `Unknown key(s) in the config file ${file}: ${unknown.join(', ')}. Known keys: ${Object.keys(FILE_KEYS).join(', ')}`,
    );
  }
  return parsed as Record<string, unknown>;
}

export function parseCredentials(text: string): Account[] {
  const accounts: Account[] = [];
  const seenKeys = new Set<string>();
  for (const triple of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const first = triple.indexOf(':');
    const second = triple.indexOf(':', first + 1);
    const accountId = triple.slice(0, first);
    const accessKeyId = triple.slice(first + 1, second);
    const secretAccessKey = triple.slice(second + 1);
    if (first < 0 || second < 0 || !/^\d{12}$/.test(accountId) || !accessKeyId || !secretAccessKey) {
      throw new ConfigError(
        `S3BATCH_CREDENTIALS: "${triple.split(':')[0]}:…" is not an accountId:accessKeyId:secretAccessKey triple ` +
          `(the account id is 12 digits)`,
      );
    }
    if (seenKeys.has(accessKeyId)) throw new ConfigError(`S3BATCH_CREDENTIALS: access key ${accessKeyId} appears twice`);
    seenKeys.add(accessKeyId);
    accounts.push(Object.freeze({ accountId, accessKeyId, secretAccessKey }));
  }
  if (accounts.length === 0) throw new ConfigError('S3BATCH_CREDENTIALS holds no credentials');
  return accounts;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
}

function parseInteger(text: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new ConfigError(`${name} must be an integer (got "${text}")`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}
