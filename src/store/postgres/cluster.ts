/**
 * The ClusterStore on PostgreSQL: the node registry, the embedded-store node, cluster-wide locks
 * (session advisory locks on one dedicated connection), job events over LISTEN/NOTIFY, and live
 * progress rows. See src/store/cluster-store.ts for the contract.
 */
import { createHash } from 'node:crypto';

import type pg from 'pg';

import type { ClusterEvent, ClusterStore, LiveChunkProgress, NodeRecord, StoreNode } from '../cluster-store.js';
import { translateError, type Db } from './connection.js';

interface NodeRow {
  readonly id: string;
  readonly instance: string;
  readonly role: 'serve' | 'worker';
  readonly url: string | null;
  readonly host: string;
  readonly pid: number;
  readonly started_ms: number;
  readonly heartbeat_ms: number;
}

function toNode(row: NodeRow): NodeRecord {
  return {
    id: row.id,
    instance: row.instance,
    role: row.role,
    url: row.url ?? undefined,
    host: row.host,
    pid: row.pid,
    startedMs: row.started_ms,
    heartbeatMs: row.heartbeat_ms,
  };
}

const RECONNECT_MS = 1_000;

export interface ClusterOptions {
  readonly db: Db;
  /** A fresh connection of the store's pool settings, outside the pool (LISTEN, advisory locks). */
  readonly connect: () => pg.Client;
  readonly schema: string;
}

/** A channel name per schema: installations sharing a database do not hear each other. */
function channelOf(schema: string): string {
  return `s3batch_${createHash('sha256').update(schema).digest('hex').slice(0, 24)}`;
}

export function createPostgresCluster(options: ClusterOptions): ClusterStore & { close(): Promise<void> } {
  const { db, schema } = options;
  const channel = channelOf(schema);
  const lockSpace = createHash('sha256').update(`s3batch locks ${schema}`).digest().readInt32BE(0);

  // One connection holds every advisory lock of this process: locks then never wait for a pool
  // connection that their own work needs. If it breaks, its locks are gone with it (the work they
  // guard is idempotent) and the next call opens another.
  let lockClient: Promise<pg.Client> | undefined;
  function locks(): Promise<pg.Client> {
    lockClient ??= (async () => {
      const client = options.connect();
      client.on('error', () => {
        lockClient = undefined;
      });
      client.on('end', () => {
        lockClient = undefined;
      });
      try {
        await client.connect();
      } catch (err) {
        lockClient = undefined;
        throw translateError(err);
      }
      return client;
    })();
    return lockClient;
  }

  const listeners: pg.Client[] = [];
  let closed = false;

  return {
    async registerNode(node, nowMs, staleMs) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO nodes (id, instance, role, url, host, pid, started_ms, heartbeat_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, role = EXCLUDED.role, url = EXCLUDED.url,
           host = EXCLUDED.host, pid = EXCLUDED.pid, started_ms = EXCLUDED.started_ms, heartbeat_ms = EXCLUDED.heartbeat_ms
         WHERE nodes.instance = EXCLUDED.instance OR nodes.heartbeat_ms < $9
         RETURNING id`,
        [node.id, node.instance, node.role, node.url ?? null, node.host, node.pid, node.startedMs, nowMs, nowMs - staleMs],
      );
      if (rows.length > 0) return { registered: true };
      const held = await db.query<NodeRow>('SELECT * FROM nodes WHERE id = $1', [node.id]);
      const holder = held.rows[0];
      // Deregistered between the two statements: try again.
      if (!holder) return this.registerNode(node, nowMs, staleMs);
      return { registered: false, holder: toNode(holder) };
    },

    async heartbeat(id, instance, nowMs) {
      const { rowCount } = await db.query('UPDATE nodes SET heartbeat_ms = $3 WHERE id = $1 AND instance = $2', [id, instance, nowMs]);
      return rowCount === 1;
    },

    async deregisterNode(id, instance) {
      await db.query('DELETE FROM nodes WHERE id = $1 AND instance = $2', [id, instance]);
    },

    async liveNodes(nowMs, staleMs) {
      const { rows } = await db.query<NodeRow>('SELECT * FROM nodes WHERE heartbeat_ms >= $1 ORDER BY id', [nowMs - staleMs]);
      return rows.map(toNode);
    },

    async claimStoreNode(nodeId, url, nowMs, staleMs) {
      return db.tx(async (client) => {
        const { rows } = await client.query<{ node_id: string; url: string; alive: boolean }>(
          `SELECT s.node_id, s.url, (n.heartbeat_ms IS NOT NULL AND n.heartbeat_ms >= $1) AS alive
           FROM store_node s LEFT JOIN nodes n ON n.id = s.node_id FOR UPDATE OF s`,
          [nowMs - staleMs],
        );
        const current = rows[0];
        if (current && current.node_id !== nodeId && current.alive) {
          return { claimed: false as const, holder: { nodeId: current.node_id, url: current.url } };
        }
        await client.query(
          `INSERT INTO store_node (singleton, node_id, url, claimed_ms) VALUES (true, $1, $2, $3)
           ON CONFLICT (singleton) DO UPDATE SET node_id = EXCLUDED.node_id, url = EXCLUDED.url, claimed_ms = EXCLUDED.claimed_ms`,
          [nodeId, url, nowMs],
        );
        return { claimed: true as const };
      });
    },

    async storeNode(nowMs, staleMs): Promise<StoreNode | undefined> {
      const { rows } = await db.query<{ node_id: string; url: string }>(
        `SELECT s.node_id, s.url FROM store_node s JOIN nodes n ON n.id = s.node_id WHERE n.heartbeat_ms >= $1`,
        [nowMs - staleMs],
      );
      const row = rows[0];
      return row ? { nodeId: row.node_id, url: row.url } : undefined;
    },

    async exclusive(key, fn) {
      const client = await locks();
      const objectId = createHash('sha256').update(key).digest().readInt32BE(0);
      let got: boolean;
      try {
        got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [lockSpace, objectId])).rows[0]?.ok === true;
      } catch (err) {
        throw translateError(err);
      }
      if (!got) return { ran: false };
      try {
        return { ran: true, value: await fn() };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [lockSpace, objectId]).catch(() => undefined);
      }
    },

    async publish(event) {
      await db.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(event)]);
    },

    async subscribe(onEvent, onState) {
      let stopped = false;
      let current: pg.Client | undefined;
      let retry: NodeJS.Timeout | undefined;
      const open = async (): Promise<void> => {
        if (stopped || closed) return;
        const client = options.connect();
        current = client;
        listeners.push(client);
        const lost = (err?: Error): void => {
          if (current !== client) return;
          current = undefined;
          listeners.splice(listeners.indexOf(client), 1);
          client.end().catch(() => undefined);
          if (stopped || closed) return;
          onState?.('lost', err);
          retry = setTimeout(() => void open(), RECONNECT_MS);
          retry.unref();
        };
        client.on('error', (err) => lost(err));
        client.on('end', () => lost());
        client.on('notification', (msg) => {
          if (msg.channel !== channel || msg.payload === undefined) return;
          let event: ClusterEvent;
          try {
            event = JSON.parse(msg.payload) as ClusterEvent;
          } catch {
            return;
          }
          onEvent(event);
        });
        try {
          await client.connect();
          await client.query(`LISTEN ${channel}`);
          onState?.('listening');
        } catch (err) {
          lost(err as Error);
        }
      };
      await open();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        const client = current;
        current = undefined;
        if (client) {
          listeners.splice(listeners.indexOf(client), 1);
          await client.end().catch(() => undefined);
        }
      };
    },

    async writeLiveProgress(nodeId, chunks: readonly LiveChunkProgress[], nowMs) {
      await db.tx(async (client) => {
        await client.query('DELETE FROM job_live_progress WHERE node_id = $1', [nodeId]);
        if (chunks.length === 0) return;
        // Only rows whose job still exists: a job deleted meanwhile would fail the foreign key.
        await client.query(
          `INSERT INTO job_live_progress (node_id, job_id, chunk_index, lease_token, succeeded, failed, updated_ms)
           SELECT $1, l.job_id, l.chunk_index, l.token, l.succeeded, l.failed, $2
           FROM unnest($3::text[], $4::int[], $5::text[], $6::int[], $7::int[]) AS l(job_id, chunk_index, token, succeeded, failed)
           WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = l.job_id)
           ON CONFLICT DO NOTHING`,
          [
            nodeId,
            nowMs,
            chunks.map((c) => c.jobId),
            chunks.map((c) => c.index),
            chunks.map((c) => c.token),
            chunks.map((c) => c.succeeded),
            chunks.map((c) => c.failed),
          ],
        );
      });
    },

    async readLiveProgress(jobIds, exceptNode, freshSinceMs) {
      const out = new Map<string, { succeeded: number; failed: number }>();
      if (jobIds.length === 0) return out;
      const { rows } = await db.query<{ job_id: string; succeeded: number; failed: number }>(
        `SELECT l.job_id, sum(l.succeeded)::int8 AS succeeded, sum(l.failed)::int8 AS failed
         FROM job_live_progress l
         JOIN job_chunks c ON c.job_id = l.job_id AND c.chunk_index = l.chunk_index
                          AND c.state = 'leased' AND c.lease_token = l.lease_token
         WHERE l.job_id = ANY($1::text[]) AND l.node_id <> $2 AND l.updated_ms >= $3
         GROUP BY l.job_id`,
        [[...jobIds], exceptNode, freshSinceMs],
      );
      for (const r of rows) out.set(r.job_id, { succeeded: r.succeeded, failed: r.failed });
      return out;
    },

    async close() {
      closed = true;
      for (const client of listeners.splice(0)) await client.end().catch(() => undefined);
      const l = lockClient;
      lockClient = undefined;
      if (l) await (await l.catch(() => undefined))?.end().catch(() => undefined);
    },
  };
}
