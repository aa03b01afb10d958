/**
 * The cluster's event bridge (src/app/cluster-node.ts) between two nodes on one PostgreSQL schema,
 * each with its own in-process event channel: what one node emits — status, priority, progress,
 * tags — reaches the other's channel (which feeds its dashboard's live views) with the job re-read
 * from the store, and is not sent back. And a node whose id another process took (after its
 * heartbeat went stale) stops claiming work.
 */
import { randomUUID } from 'node:crypto';

import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

import { HEARTBEAT_MS, joinCluster, NODE_STALE_MS, type ClusterNode } from '../../src/app/cluster-node.js';
import { createJobEvents, type JobEventName, type JobEvents } from '../../src/domain/events.js';
import type { Job } from '../../src/domain/job.js';
import { openPostgresStores } from '../../src/store/postgres/index.js';
import { dropSchema, postgresUrl, testSchemaName } from '../helpers/postgres.js';

const url = postgresUrl();
const schema = testSchemaName('cluster_events');
afterAll(() => dropSchema(url, schema));

const ACCOUNT = '111122223333';

describe('the cluster event bridge', () => {
  it('carries status, priority, progress and tag events to the other node, once each', async () => {
    const closers: Array<() => Promise<void>> = [];
    const start = async (name: string): Promise<{ events: JobEvents; member: ClusterNode; store: Awaited<ReturnType<typeof openPostgresStores>>['jobs'] }> => {
      const { jobs, cluster } = await openPostgresStores({ connectionString: url, schema, maxConnections: 3 });
      const events = createJobEvents(() => undefined);
      const member = await joinCluster({ cluster, store: jobs, events, nodeId: `${name}-${randomUUID()}`, role: 'serve', logger: pino({ level: 'silent' }), now: Date.now });
      closers.push(async () => {
        await member.close();
        await jobs.close();
      });
      return { events, member, store: jobs };
    };
    try {
      const x = await start('x');
      const y = await start('y');
      const id = randomUUID();
      const { job } = await x.store.createJob({
        id,
        accountId: ACCOUNT,
        arn: `arn:aws:s3:us-east-1:${ACCOUNT}:job/${id}`,
        spec: {
          Operation: { S3PutObjectTagging: { TagSet: [] } },
          Report: { Enabled: false },
          Priority: 10,
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/batch`,
          ConfirmationRequired: false,
          Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::m/m.csv', ETag: '"e"' } },
          Description: 'crosses nodes',
        },
        tags: [],
        clientRequestToken: randomUUID(),
        requestHash: 'h',
        nowMs: Date.now(),
      });

      const seen = (events: JobEvents): Array<[JobEventName, Job]> => {
        const got: Array<[JobEventName, Job]> = [];
        for (const name of ['job:statusChanged', 'job:priorityChanged', 'job:progress', 'job:tagsChanged'] as const) {
          events.on(name, (p) => got.push([name, p.job]));
        }
        return got;
      };
      const atY = seen(y.events);
      const atX = seen(x.events);
      x.events.emit('job:statusChanged', { job, from: 'New', to: 'New' });
      x.events.emit('job:priorityChanged', { job, from: 10, to: 10 });
      x.events.emit('job:progress', { job });
      x.events.emit('job:tagsChanged', { job });
      const end = Date.now() + 5_000;
      while (atY.length < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      // (in any order: a progress event reads the nodes' in-flight counts before it is emitted)
      expect(atY.map(([name, j]) => [name, j.id, j.spec.Description]).sort()).toEqual([
        ['job:priorityChanged', id, 'crosses nodes'],
        ['job:progress', id, 'crosses nodes'],
        ['job:statusChanged', id, 'crosses nodes'],
        ['job:tagsChanged', id, 'crosses nodes'],
      ]);
      // nothing echoed back to the sender (it saw only its own four)
      await new Promise((r) => setTimeout(r, 300));
      expect(atX).toHaveLength(4);
      expect(atY).toHaveLength(4);
    } finally {
      for (const close of closers.reverse()) await close();
    }
  });
});

describe('node identity', () => {
  it('a node whose id another process took after its heartbeat went stale holds it no more (the engine’s claim gate, wired in server.ts and worker.ts)', async () => {
    const { jobs, cluster } = await openPostgresStores({ connectionString: url, schema, maxConnections: 3 });
    const nodeId = `taken-${randomUUID()}`;
    const member = await joinCluster({ cluster, store: jobs, events: createJobEvents(() => undefined), nodeId, role: 'worker', logger: pino({ level: 'silent' }), now: Date.now });
    try {
      expect(member.holdsIdentity()).toBe(true);
      // Another process, 20 s later by its clock: this node's heartbeat is stale there, so it takes the id.
      const later = Date.now() + 20_000;
      const taken = await cluster.registerNode({ id: nodeId, instance: 'intruder', role: 'worker', url: undefined, host: 'elsewhere', pid: 1, startedMs: later }, later, NODE_STALE_MS);
      expect(taken).toEqual({ registered: true });
      const end = Date.now() + 3 * HEARTBEAT_MS;
      while (member.holdsIdentity() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(member.holdsIdentity()).toBe(false);
    } finally {
      await member.close();
      await jobs.close();
    }
  });
});
