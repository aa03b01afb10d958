/**
 * The PostgreSQL connection pool of the store: how a URL and a schema become a `pg.Pool`, how int8
 * is read, how a transaction runs, and which failures mean "the database is away" (JobStoreError
 * 'Unavailable', answered 503 by the API) rather than a bug.
 */
import pg from 'pg';

import { JobStoreError } from '../job-store.js';
import { PostgresStoreError } from './postgres-store-error.js';

const INT8_OID = 20;

/**
 * int8 (BIGINT, count(*)) is read as a JS number, not a bigint or the driver's default string:
 * what the store keeps in int8 are task counts (at most a few billion per job) and epoch
 * milliseconds (≈1.7e12 today), far below 2^53, so a number holds them exactly and the rows keep
 * the same shape as SQLite's. A value above Number.MAX_SAFE_INTEGER would silently lose digits,
 * so the parser refuses it instead.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new PostgresStoreError('CorruptRow', `an int8 column holds ${text}, beyond the 2^53 − 1 a JS number keeps exactly`);
  }
  return value;
}

/** Per pool, never global: another pg user in the same process keeps the driver's defaults. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Schema names are plain identifiers: they go into search_path and CREATE SCHEMA. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PoolOptions {
  readonly connectionString: string;
  /** The schema holding the store's tables (created by the migrations if missing). */
  readonly schema: string;
  /** Connections at most (default 10). */
  readonly max?: number;
  /** How long a new connection may take before the call fails as Unavailable (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** Called with errors of idle connections (a server restart): they are dropped from the pool. */
  readonly onIdleError?: (err: Error) => void;
}

/** The settings of every connection of a store, pooled or not. */
export function clientConfig(options: PoolOptions): pg.ClientConfig {
  if (!SCHEMA_NAME.test(options.schema)) {
    throw new PostgresStoreError('BadConfig', `The PostgreSQL schema name ${JSON.stringify(options.schema)} must match ${SCHEMA_NAME.source}`);
  }
  return {
    connectionString: options.connectionString,
    // A startup parameter rather than a SET after connecting: every connection has it before its
    // first query, with no window where a query could run against the default schema.
    options: `-c search_path=${options.schema}`,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    types: TYPES,
  };
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(options), max: options.max ?? 10, idleTimeoutMillis: 30_000 });
  // Without a listener an idle connection's error (the server restarting) would crash the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}

/** SQLSTATE classes and codes that mean the server is away or shedding load. */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08')) return true; // connection exception
    if (['57P01', '57P02', '57P03', '53300', '53400'].includes(code)) return true; // shutdown, starting, too many connections
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  }
  // The driver's own messages for a connection that broke or never came.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message);
}

/** Errors a transaction may simply be run again for (PostgreSQL aborted it, nothing was kept). */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === '40001' || code === '40P01'; // serialization failure, deadlock detected
}

/** A failure as the store reports it: the database being away becomes JobStoreError('Unavailable'). */
export function translateError(err: unknown): unknown {
  if (err instanceof JobStoreError || err instanceof PostgresStoreError || err instanceof RangeError) return err;
  if (isUnavailable(err)) {
    return new JobStoreError('Unavailable', `The PostgreSQL database is unavailable: ${(err as Error).message}`);
  }
  return err;
}

export interface Db {
  /** One statement on any pooled connection. */
  query<R extends pg.QueryResultRow>(text: string, params?: readonly unknown[]): Promise<pg.QueryResult<R>>;
  /**
   * `fn` in one READ COMMITTED transaction on one connection; rows it must decide on are read
   * FOR UPDATE. Run again (up to 3 times) when PostgreSQL aborts it for a deadlock.
   */
  tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** `fn` on one connection, outside any transaction (it runs its own: the migrations). */
  session<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createDb(pool: pg.Pool, name: string): Db {
  let closed = false;
  const checkOpen = (): void => {
    if (closed) throw new PostgresStoreError('Closed', `The PostgreSQL job store ${name} is closed`);
  };
  return {
    async query<R extends pg.QueryResultRow>(text: string, params?: readonly unknown[]) {
      checkOpen();
      try {
        return await pool.query<R>(text, params as unknown[] | undefined);
      } catch (err) {
        throw translateError(err);
      }
    },
    async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        checkOpen();
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (err) {
          throw translateError(err);
        }
        let broken = false;
        // A checked-out connection that breaks between two queries emits 'error' on itself: without
        // a listener that would be an uncaught exception (a database restart must never crash the
        // node). The next query fails, and the connection is not given back.
        const onError = (): void => {
          broken = true;
        };
        client.on('error', onError);
        try {
          await client.query('BEGIN');
          const result = await fn(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
          if (attempt < 3 && isRetryable(err)) continue;
          throw translateError(err);
        } finally {
          // A connection whose ROLLBACK failed is not given back to other callers.
          client.off('error', onError);
          client.release(broken || undefined);
        }
      }
    },
    async session<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      checkOpen();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw translateError(err);
      }
      let broken = false;
      const onError = (): void => {
        broken = true;
      };
      client.on('error', onError);
      try {
        return await fn(client);
      } catch (err) {
        broken = true;
        throw translateError(err);
      } finally {
        client.off('error', onError);
        client.release(broken || undefined);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
