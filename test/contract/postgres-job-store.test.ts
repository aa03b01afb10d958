/**
 * Runs the JobStore contract on PostgreSQL (one schema for this file, emptied before each test),
 * plus what only PostgreSQL has: migrations raced by several nodes under the advisory lock, the
 * ledger refusing a newer schema, int8 read as exact numbers, and SKIP LOCKED claims racing across
 * separate pools (as separate nodes would).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { JobStore } from '../../src/store/job-store.js';
import { openPostgresJobStore, POSTGRES_MIGRATIONS, PostgresStoreError } from '../../src/store/postgres/index.js';
import { parseInt8 } from '../../src/store/postgres/connection.js';
import { dropSchema, postgresUrl, testSchemaName } from '../helpers/postgres.js';
import { runChunkStoreContract } from './chunk-store.contract.js';
import { runDashboardStoreContract } from './dashboard-store.contract.js';
import { runJobStoreContract, type JobStoreHarness } from './job-store.contract.js';

const url = postgresUrl();
const schema = testSchemaName('contract');
const schemas = [schema];

afterAll(async () => {
  for (const s of schemas) await dropSchema(url, s);
});

async function raw<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], inSchema = schema): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${inSchema}` });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The contract harness: a store over the file's schema, emptied first; reopenable over the same data. */
async function makePostgresHarness(): Promise<JobStoreHarness> {
  const first = await openPostgresJobStore({ connectionString: url, schema, maxConnections: 4 });
  await raw('TRUNCATE jobs, secrets, dashboard_sessions CASCADE');
  const opened: JobStore[] = [first];
  return {
    store: first,
    reopen: async () => {
      const store = await openPostgresJobStore({ connectionString: url, schema, maxConnections: 4 });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
    },
  };
}

runJobStoreContract('PostgreSQL JobStore', makePostgresHarness);
runChunkStoreContract('PostgreSQL JobStore', makePostgresHarness);
runDashboardStoreContract('PostgreSQL JobStore', makePostgresHarness);

describe('PostgreSQL JobStore specifics', () => {
  const stores: JobStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  async function open(inSchema: string): Promise<JobStore> {
    const store = await openPostgresJobStore({ connectionString: url, schema: inSchema, maxConnections: 2 });
    stores.push(store);
    return store;
  }

  function freshSchema(): string {
    const s = testSchemaName('mig');
    schemas.push(s);
    return s;
  }

  beforeAll(async () => {
    await (await openPostgresJobStore({ connectionString: url, schema })).close();
  });

  it('numbers migrations 1..N', () => {
    expect(POSTGRES_MIGRATIONS.map((m) => m.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
  });

  it('migrates once when several nodes open an empty schema at the same moment', async () => {
    const s = freshSchema();
    await Promise.all([1, 2, 3, 4, 5].map(() => open(s)));
    const ledger = await raw<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version', [], s);
    expect(ledger.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
  });

  it('refuses a schema migrated by a newer version', async () => {
    const s = freshSchema();
    await (await open(s)).close();
    await raw('INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, 0)', [POSTGRES_MIGRATIONS.length + 41, 'from the future'], s);
    const err: unknown = await openPostgresJobStore({ connectionString: url, schema: s }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PostgresStoreError);
    expect((err as PostgresStoreError).code).toBe('NewerSchema');
    expect((err as Error).message).toContain(`migrations ${POSTGRES_MIGRATIONS.length + 41} are`);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openPostgresJobStore({ connectionString: url, schema: 'x; DROP TABLE jobs' })).rejects.toMatchObject({ code: 'BadConfig' });
  });

  it('reads int8 as exact numbers, and refuses one beyond 2^53 − 1 instead of rounding it', () => {
    expect(parseInt8('1700000000000')).toBe(1_700_000_000_000);
    expect(parseInt8(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseInt8('9007199254740993')).toThrow(/2\^53/);
  });

  it('reports an unreachable server as Unavailable', async () => {
    const err: unknown = await openPostgresJobStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', schema: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'JobStoreError', code: 'Unavailable' });
  });

  it('never hands one chunk to two nodes: claims race from separate pools', async () => {
    const nodes = await Promise.all([1, 2, 3].map(() => open(schema)));
    const [a] = nodes;
    if (!a) throw new Error('unreachable');
    const id = `race-${Date.now()}`;
    await a.createJob({
      id,
      accountId: '111122223333',
      arn: `arn:aws:s3:us-east-1:111122223333:job/${id}`,
      spec: { Operation: { S3DeleteObjectTagging: {} }, Report: { Enabled: false }, Priority: 1, RoleArn: 'arn:aws:iam::111122223333:role/r', ConfirmationRequired: false },
      tags: [],
      clientRequestToken: id,
      requestHash: 'h',
      nowMs: 1,
    });
    await a.addChunks(id, Array.from({ length: 200 }, (_, i) => ({ index: i, locator: { i }, taskCount: 1 })), { final: true });
    const claimed: number[] = [];
    await Promise.all(
      nodes.map(async (node, n) => {
        for (;;) {
          const got = await node.claimChunks(id, `node-${n}`, 7, 60_000, 10);
          if (got.length === 0) return;
          claimed.push(...got.map((c) => c.index));
        }
      }),
    );
    expect(claimed.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});
