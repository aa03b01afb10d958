/**
 * Which JobStore a node uses: PostgreSQL when S3BATCH_DATABASE_URL is set (many nodes share it),
 * else SQLite in the data dir (one process). A database that cannot be used stops the start-up
 * with a message naming it — never a silent fall-back to SQLite.
 */
import path from 'node:path';

import type { Config } from '../config/config.js';
import { JobStoreError, type JobStore } from '../store/job-store.js';
import type { ClusterStore } from '../store/cluster-store.js';
import { migratePostgresSchema, openPostgresStores, PostgresStoreError, redact } from '../store/postgres/index.js';
import { openSqliteJobStore } from '../store/sqlite/index.js';
import { StartupError } from './startup-error.js';

export type JobStoreKind = 'sqlite' | 'postgres';

export interface OpenedJobStore {
  readonly store: JobStore;
  readonly kind: JobStoreKind;
  /** PostgreSQL only: what nodes sharing the database need of each other. */
  readonly cluster: ClusterStore | undefined;
}

export interface OpenJobStoreOptions {
  /** Errors of idle database connections (a PostgreSQL restart), for the log. */
  readonly onIdleError?: (err: Error) => void;
  /** Only check the schema is migrated instead of migrating it. */
  readonly skipMigrations?: boolean;
}

export async function openJobStore(config: Config, options: OpenJobStoreOptions = {}): Promise<OpenedJobStore> {
  if (config.databaseUrl === undefined) {
    return { kind: 'sqlite', store: await openSqliteJobStore({ path: path.join(config.dataDir, 's3batch.db') }), cluster: undefined };
  }
  try {
    const { jobs, cluster } = await openPostgresStores({
      connectionString: config.databaseUrl,
      schema: config.databaseSchema,
      ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
      ...(options.skipMigrations ? { skipMigrations: true } : {}),
    });
    return { kind: 'postgres', store: jobs, cluster };
  } catch (err) {
    throw databaseFailure(err, config.databaseUrl, config.databaseSchema) ?? err;
  }
}

/** `s3batch migrate`: migrates the configured store and says what it did, in one line. */
export async function migrateJobStore(config: Config): Promise<string> {
  if (config.databaseUrl === undefined) {
    const file = path.join(config.dataDir, 's3batch.db');
    await (await openSqliteJobStore({ path: file })).close();
    return `the SQLite job store ${file} is up to date`;
  }
  try {
    const { applied, latest } = await migratePostgresSchema({ connectionString: config.databaseUrl, schema: config.databaseSchema });
    const where = `${redact(config.databaseUrl)} (schema ${config.databaseSchema})`;
    return applied.length === 0
      ? `the PostgreSQL job store ${where} is up to date (migration ${latest})`
      : `migrated the PostgreSQL job store ${where}: applied ${applied.join(', ')}; now at migration ${latest}`;
  } catch (err) {
    throw databaseFailure(err, config.databaseUrl, config.databaseSchema) ?? err;
  }
}

/** Why the PostgreSQL store could not be opened, in words that say what to change. */
export function databaseFailure(err: unknown, url: string, schema: string): StartupError | undefined {
  const where = `the PostgreSQL database ${redact(url)} (schema ${schema})`;
  if (err instanceof JobStoreError && err.code === 'Unavailable') {
    return new StartupError(`cannot reach ${where}: ${err.message}: start it or fix S3BATCH_DATABASE_URL`, { cause: err });
  }
  if (err instanceof PostgresStoreError) {
    return new StartupError(`cannot use ${where}: ${err.message}`, { cause: err });
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  // SQLSTATE 28xxx (authentication), 3D000 (no such database), 42501 (no privilege, e.g. CREATE SCHEMA)
  if (typeof code === 'string' && (code.startsWith('28') || code === '3D000' || code === '42501')) {
    return new StartupError(`cannot use ${where}: ${(err as Error).message}: fix S3BATCH_DATABASE_URL or the database's grants`, { cause: err });
  }
  return undefined;
}
