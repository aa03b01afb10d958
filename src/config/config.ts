/**
 * Configuration: defaults, then the JSON file named by S3BATCH_CONFIG, then environment variables
 * (environment wins). Everything is validated here, once, with messages that say what to set; the
 * rest of the code receives a frozen, typed `Config`.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseFunctionsSection, type FunctionEntry } from './functions.js';

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
  /** `postgres://…`: the job state lives in PostgreSQL (many nodes); unset: SQLite in the data dir. */
  readonly databaseUrl: string | undefined;
  /** The PostgreSQL schema holding s3batch's tables (several installations may share a database). */
  readonly databaseSchema: string;
  /** `s3batch worker`: the port of its health and metrics endpoints; undefined: none. */
  readonly workerPort: number | undefined;
  readonly storage: StorageConfig;
  readonly functions: FunctionsConfig;
  readonly replication: ReplicationConfig;
  /** Largest request body the jobs API reads (CreateJob, PutJobTagging). */
  readonly maxControlBodyBytes: number;
  /** How long a RestoreObject of a GLACIER/DEEP_ARCHIVE object takes in the embedded store. */
  readonly restoreDelayMs: number;
  readonly http: HttpConfig;
  readonly engine: EngineConfig;
}

/**
 * The remote S3-compatible store (S3BATCH_STORAGE_*, the config file's `storage` section). Unset
 * `endpoint` and no account entry with one: every job runs on the embedded store, as its account.
 */
export interface StorageConfig {
  /** The default remote store; undefined = the embedded store, for accounts whose entry names none. */
  readonly endpoint: string | undefined;
  /** The default credentials on it, for accounts `accounts` does not map. */
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
  /** SigV4 region of the default store; undefined = S3BATCH_REGION. */
  readonly region: string | undefined;
  /** `storage.accounts`: the credentials each mapped account's jobs use, by account id. */
  readonly accounts: ReadonlyMap<string, StorageAccount>;
}

/** One entry of `storage.accounts`. A field left out is the default store's (StorageConfig). */
export interface StorageAccount {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
}

/**
 * How the engine reaches S3 for one account's jobs (storageFor): in-process on the embedded store,
 * over HTTP to a remote store with these credentials, or not at all (a remote store but no
 * credentials for the account: its jobs fail, saying what to configure).
 */
export type AccountStorage =
  | { readonly kind: 'embedded' }
  | { readonly kind: 'remote'; readonly connection: StoreConnection }
  | { readonly kind: 'unconfigured'; readonly endpoint: string };

/** The config file's connection shape, resolved: everything needed to sign requests to one store. */
export interface StoreConnection {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The config file's `replication` section: `destinations` maps a destination bucket ARN
 * (`arn:aws:s3:::bucket`) to the S3-compatible endpoint that holds it, with the credentials its
 * replicas are written with (S3ReplicateObject; region defaults to S3BATCH_REGION).
 */
export interface ReplicationConfig {
  readonly destinations: ReadonlyMap<string, StoreConnection>;
}

/** Where LambdaInvoke jobs find their functions (src/functions/). */
export interface FunctionsConfig {
  /** S3BATCH_FUNCTIONS_DIR, absolute: functions found by name, with no configuration. */
  readonly dir: string;
  /** S3BATCH_PYTHON: the interpreter of Python functions. */
  readonly python: string;
  /** The config file's `functions` section, by the key it was given under (a name or a function ARN). */
  readonly entries: ReadonlyMap<string, FunctionEntry>;
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
  /** How long a shutdown lets function invocations in flight finish before it stops them. */
  readonly shutdownGraceMs: number;
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
  databaseSchema: 'S3BATCH_DATABASE_SCHEMA',
  workerPort: 'S3BATCH_WORKER_PORT',
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
  shutdownGraceMs: 'S3BATCH_SHUTDOWN_GRACE_MS',
  chunkSize: 'S3BATCH_CHUNK_SIZE',
  leaseMs: 'S3BATCH_LEASE_MS',
  copyMultipartThresholdBytes: 'S3BATCH_COPY_MULTIPART_THRESHOLD_BYTES',
  copyPartSizeBytes: 'S3BATCH_COPY_PART_SIZE_BYTES',
  functionsDir: 'S3BATCH_FUNCTIONS_DIR',
  python: 'S3BATCH_PYTHON',
} as const;

/** Keys of the config file that hold a section (an object), not one variable's value. */
const FILE_SECTIONS = ['storage', 'functions', 'replication'] as const;

/** The connection shape's keys (the file's `storage` section and each of its `accounts`). */
const CONNECTION_KEYS = ['endpoint', 'region', 'accessKeyId', 'secretAccessKey'] as const;
type ConnectionKey = (typeof CONNECTION_KEYS)[number];

/** The storage variables and the flat file keys that predate the `storage` section, by section key. */
const STORAGE_KEYS: Record<ConnectionKey, 'storageEndpoint' | 'storageRegion' | 'storageAccessKeyId' | 'storageSecretAccessKey'> = {
  endpoint: 'storageEndpoint',
  region: 'storageRegion',
  accessKeyId: 'storageAccessKeyId',
  secretAccessKey: 'storageSecretAccessKey',
};

const REGION_NAME = /^[a-z0-9-]{1,64}$/;

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * S3BATCH_DATABASE_URL: only PostgreSQL URLs. Anything else stops the start-up, so that a value
 * meant for a database is never silently ignored (the job state would land in SQLite instead).
 */
function parseDatabaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('S3BATCH_DATABASE_URL is not a URL: set it to postgres://user[:password]@host[:port]/database, or unset it for SQLite in the data dir');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      `S3BATCH_DATABASE_URL must be a postgres:// URL (got a ${url.protocol}// URL): s3batch keeps job state in PostgreSQL, or in SQLite in the data dir when the variable is unset`,
    );
  }
  return value;
}

function parseDatabaseSchema(value: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new ConfigError(`S3BATCH_DATABASE_SCHEMA must be a lower-case SQL identifier (letters, digits, _; got "${value}")`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const file = env.S3BATCH_CONFIG ? readConfigFile(env.S3BATCH_CONFIG) : {};
  const get = (key: keyof typeof FILE_KEYS): string | undefined => {
    const fromEnv = env[FILE_KEYS[key]];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const fromFile = file[key];
    return fromFile === undefined ? undefined : String(fromFile);
  };
  const section = file.storage === undefined ? undefined : parseStorageSection(file.storage, env.S3BATCH_CONFIG ?? '');

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
  if (!REGION_NAME.test(region)) throw new ConfigError(`S3BATCH_REGION is not a region name: "${region}"`);
  const storage = storageConfig(env, file, section, accounts);
  const functionProblems: string[] = [];
  const configFile = env.S3BATCH_CONFIG;
  const entries = parseFunctionsSection(file.functions, configFile ? path.dirname(path.resolve(configFile)) : process.cwd(), functionProblems);
  if (functionProblems.length > 0) throw new ConfigError(`The config file ${configFile ?? ''}: ${functionProblems.join('; ')}`);
  const replication = parseReplicationSection(file.replication, region, configFile ?? '');

  return Object.freeze({
    host,
    port,
    dataDir: path.resolve(get('dataDir') ?? './data'),
    region,
    accounts,
    logLevel: logLevel as LogLevel,
    databaseUrl: parseDatabaseUrl(get('databaseUrl')),
    databaseSchema: parseDatabaseSchema(get('databaseSchema') ?? 's3batch'),
    workerPort: get('workerPort') === undefined ? undefined : parseInteger(get('workerPort') ?? '', 'S3BATCH_WORKER_PORT', 0, 65535),
    storage,
    functions: Object.freeze({
      dir: path.resolve(get('functionsDir') ?? './functions'),
      python: get('python') ?? 'python3',
      entries,
    }),
    replication,
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
      shutdownGraceMs: parseInteger(get('shutdownGraceMs') ?? '10000', 'S3BATCH_SHUTDOWN_GRACE_MS', 0, 900_000),
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
  const known = [...Object.keys(FILE_KEYS), ...FILE_SECTIONS];
  const unknown = Object.keys(parsed).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(`Unknown key(s) in the config file ${file}: ${unknown.join(', ')}. Known keys: ${known.join(', ')}`);
  }
  return parsed as Record<string, unknown>;
}

const DESTINATION_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The `replication` section, every problem reported at once by its path (secrets never quoted). */
function parseReplicationSection(value: unknown, region: string, file: string): ReplicationConfig {
  if (value === undefined) return Object.freeze({ destinations: new Map() });
  const problems: string[] = [];
  const destinations = new Map<string, StoreConnection>();
  if (!isObject(value)) problems.push('replication must be a JSON object');
  else {
    for (const key of Object.keys(value)) if (key !== 'destinations') problems.push(`replication.${clipName(key)} is not a known key (known: destinations)`);
    const raw = value.destinations;
    if (raw !== undefined && !isObject(raw)) problems.push('replication.destinations must be a JSON object whose keys are bucket ARNs');
    for (const [arn, entry] of isObject(raw) ? Object.entries(raw) : []) {
      const at = `replication.destinations.${clipName(arn)}`;
      if (!DESTINATION_ARN.test(arn)) {
        problems.push(`${at}: not a bucket ARN (arn:aws:s3:::bucket)`);
        continue;
      }
      const shape = connectionShape(entry, at, [], problems);
      if (!shape) continue;
      const missing = (['endpoint', 'accessKeyId', 'secretAccessKey'] as const).filter((key) => shape[key] === undefined && isObject(entry) && !(key in entry));
      for (const key of missing) problems.push(`${at}.${key} is missing`);
      if (shape.endpoint === undefined || shape.accessKeyId === undefined || shape.secretAccessKey === undefined) continue;
      destinations.set(
        arn,
        Object.freeze({ endpoint: shape.endpoint, region: shape.region ?? region, accessKeyId: shape.accessKeyId, secretAccessKey: shape.secretAccessKey }),
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(`The config file ${file}: ${problems.join('; ')}`);
  return Object.freeze({ destinations });
}

/** What the file's `storage` section holds, each value checked (storageConfig merges it). */
interface StorageSection {
  readonly values: Partial<Record<ConnectionKey, string>>;
  readonly accounts: ReadonlyMap<string, StorageAccount>;
}

/**
 * Checks the whole `storage` section and reports every problem at once, each by its path
 * (`storage.accounts.111122223333.secretKey is not a known key`), so that one fix-and-restart
 * round is enough. Secrets are never quoted.
 */
function parseStorageSection(value: unknown, file: string): StorageSection {
  const problems: string[] = [];
  const values = connectionShape(value, 'storage', ['accounts'], problems) ?? {};
  const accounts = new Map<string, StorageAccount>();
  const raw = isObject(value) ? value.accounts : undefined;
  if (raw !== undefined && !isObject(raw)) problems.push('storage.accounts must be a JSON object whose keys are account ids');
  for (const [accountId, entry] of isObject(raw) ? Object.entries(raw) : []) {
    const at = `storage.accounts.${accountId}`;
    if (!/^\d{12}$/.test(accountId)) {
      problems.push(`${at}: "${clipName(accountId)}" is not an account id (12 digits)`);
      continue;
    }
    const shape = connectionShape(entry, at, [], problems);
    if (!shape || !isObject(entry)) continue;
    // An entry is credentials first: the default ones are never sent to an endpoint an entry names.
    const missing = (['accessKeyId', 'secretAccessKey'] as const).filter((key) => !(key in entry));
    for (const key of missing) problems.push(`${at}.${key} is missing`);
    if (shape.accessKeyId === undefined || shape.secretAccessKey === undefined) continue;
    accounts.set(
      accountId,
      Object.freeze({ accessKeyId: shape.accessKeyId, secretAccessKey: shape.secretAccessKey, endpoint: shape.endpoint, region: shape.region }),
    );
  }
  if (problems.length > 0) throw new ConfigError(`The config file ${file}: ${problems.join('; ')}`);
  return { values, accounts };
}

/** The connection shape's keys of `value` (plus `extraKeys`, read by the caller), checked. */
function connectionShape(value: unknown, at: string, extraKeys: readonly string[], problems: string[]): Partial<Record<ConnectionKey, string>> | undefined {
  if (!isObject(value)) {
    problems.push(`${at} must be a JSON object`);
    return undefined;
  }
  const known: readonly string[] = [...CONNECTION_KEYS, ...extraKeys];
  const out: Partial<Record<ConnectionKey, string>> = {};
  for (const [key, v] of Object.entries(value)) {
    if (extraKeys.includes(key)) continue;
    if (!isConnectionKey(key)) {
      problems.push(`${at}.${clipName(key)} is not a known key (known: ${known.join(', ')})`);
      continue;
    }
    if (typeof v !== 'string' || v === '') {
      problems.push(`${at}.${key} must be a non-empty string`);
      continue;
    }
    const problem = valueProblem(key, v);
    if (problem !== undefined) problems.push(`${at}.${key} ${problem}`);
    else out[key] = v;
  }
  return out;
}

/**
 * The remote store's defaults (environment, then the file's flat keys or its `storage` section)
 * and the account entries, checked against each other and against the configured accounts.
 */
function storageConfig(env: Env, file: Record<string, unknown>, section: StorageSection | undefined, accounts: readonly Account[]): StorageConfig {
  const fileName = env.S3BATCH_CONFIG ?? '';
  const value = (key: ConnectionKey): string | undefined => {
    const flat = STORAGE_KEYS[key];
    const variable = FILE_KEYS[flat];
    // Two spellings of one setting in one file: which one was meant is a guess, so neither is taken.
    if (file[flat] !== undefined && section?.values[key] !== undefined) {
      throw new ConfigError(`The config file ${fileName} sets both ${flat} and storage.${key}: keep one`);
    }
    const fromEnv = env[variable];
    const [text, name] =
      fromEnv !== undefined && fromEnv !== '' ? [fromEnv, variable] : file[flat] !== undefined ? [String(file[flat]), `${flat} (config file)`] : [section?.values[key], `storage.${key}`];
    const problem = text === undefined ? undefined : valueProblem(key, text);
    if (problem !== undefined) throw new ConfigError(`${name} ${problem}`);
    return text;
  };
  const endpoint = value('endpoint');
  const accessKeyId = value('accessKeyId');
  const secretAccessKey = value('secretAccessKey');
  const region = value('region');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      'S3BATCH_STORAGE_ACCESS_KEY_ID and S3BATCH_STORAGE_SECRET_ACCESS_KEY (storage.accessKeyId, storage.secretAccessKey) go together: one is set without the other',
    );
  }
  if (accessKeyId !== undefined && endpoint === undefined) {
    throw new ConfigError(
      'S3BATCH_STORAGE_ACCESS_KEY_ID is set but S3BATCH_STORAGE_ENDPOINT (storage.endpoint) is not: they are credentials for a remote store, and without one every job runs on the embedded store',
    );
  }
  const entries = section?.accounts ?? new Map<string, StorageAccount>();
  const configured = new Set(accounts.map((a) => a.accountId));
  const problems: string[] = [];
  for (const [accountId, entry] of entries) {
    // An error, not a warning: a mistyped id would leave the account meant on the default
    // credentials, shared with every other unmapped account, which is what the entry was for.
    if (!configured.has(accountId)) problems.push(`storage.accounts.${accountId} is not an account of S3BATCH_CREDENTIALS`);
    if (entry.endpoint === undefined && endpoint === undefined) {
      problems.push(`storage.accounts.${accountId} gives credentials for a remote store, but neither it (endpoint) nor S3BATCH_STORAGE_ENDPOINT (storage.endpoint) names one`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`The config file ${fileName}: ${problems.join('; ')}`);
  return Object.freeze({ endpoint, accessKeyId, secretAccessKey, region, accounts: entries });
}

/**
 * Where and as whom the jobs of `accountId` reach S3: its `storage.accounts` entry (fields it
 * leaves out are the defaults'), else the default remote store and credentials, else the embedded
 * store. A remote store with no credentials for the account is `unconfigured`: nothing is sent.
 */
export function storageFor(config: Pick<Config, 'storage' | 'region'>, accountId: string): AccountStorage {
  const { storage } = config;
  const entry = storage.accounts.get(accountId);
  const endpoint = entry?.endpoint ?? storage.endpoint;
  // (loadConfig refuses an entry that leaves no endpoint: such an entry cannot reach this.)
  if (endpoint === undefined) return { kind: 'embedded' };
  const region = entry?.region ?? storage.region ?? config.region;
  if (entry) return { kind: 'remote', connection: { endpoint, region, accessKeyId: entry.accessKeyId, secretAccessKey: entry.secretAccessKey } };
  if (storage.accessKeyId === undefined || storage.secretAccessKey === undefined) return { kind: 'unconfigured', endpoint };
  return { kind: 'remote', connection: { endpoint, region, accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey } };
}

function valueProblem(key: ConnectionKey, value: string): string | undefined {
  if (key === 'endpoint') return endpointProblem(value);
  if (key === 'region') return REGION_NAME.test(value) ? undefined : `is not a region name: "${clipName(value)}"`;
  return undefined;
}

/** The value is not quoted: a URL may carry a password. */
function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL (http://host:port or https://host)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http:// or https:// URL, not ${url.protocol}`;
  if (url.username !== '' || url.password !== '') return 'must not hold credentials: give them as the access key id and secret';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or a fragment';
  return undefined;
}

function isConnectionKey(key: string): key is ConnectionKey {
  return (CONNECTION_KEYS as readonly string[]).includes(key);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A name from the file, shortened for a message. */
function clipName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name;
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
