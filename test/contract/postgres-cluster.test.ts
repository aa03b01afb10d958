/**
 * The ClusterStore on PostgreSQL, with two stores over one schema standing for two nodes: the node
 * registry refuses a live node's id and replaces a dead one, one serve node holds the embedded
 * store, cluster-wide locks exclude each other, events cross stores by LISTEN/NOTIFY, and live
 * progress counts only chunks still leased under the token it was written with.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import type { ClusterEvent, ClusterStore, NewNode } from '../../src/store/cluster-store.js';
import type { JobStore } from '../../src/store/job-store.js';
import { openPostgresStores } from '../../src/store/postgres/index.js';
import { dropSchema, postgresUrl, testSchemaName } from '../helpers/postgres.js';

const url = postgresUrl();
const schema = testSchemaName('cluster');
afterAll(() => dropSchema(url, schema));

const opened: JobStore[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function node(): Promise<{ jobs: JobStore; cluster: ClusterStore }> {
  const stores = await openPostgresStores({ connectionString: url, schema, maxConnections: 3 });
  opened.push(stores.jobs);
  return stores;
}

const T0 = 1_700_000_000_000;
const STALE = 15_000;
let seq = 0;
function newNode(over: Partial<NewNode> = {}): NewNode {
  seq += 1;
  return { id: `node-${seq}-${Date.now()}`, instance: `inst-${seq}`, role: 'serve', url: 'http://10.0.0.1:9090', host: 'h', pid: 1, startedMs: T0, ...over };
}

describe('PostgreSQL ClusterStore', () => {
  it('refuses a live node’s id to another process, lets the same process re-register, and replaces a dead node', async () => {
    const { cluster } = await node();
    const first = newNode();
    expect(await cluster.registerNode(first, T0, STALE)).toEqual({ registered: true });
    expect(await cluster.registerNode(first, T0 + 1, STALE)).toEqual({ registered: true });
    const intruder = { ...first, instance: 'other', pid: 2 };
    const refused = await cluster.registerNode(intruder, T0 + 5_000, STALE);
    expect(refused).toMatchObject({ registered: false, holder: { id: first.id, instance: first.instance, heartbeatMs: T0 + 1 } });
    expect(await cluster.heartbeat(first.id, first.instance, T0 + 10_000)).toBe(true);
    // no heartbeat for longer than STALE: the node is dead, its id free
    expect(await cluster.registerNode(intruder, T0 + 10_000 + STALE + 1, STALE)).toEqual({ registered: true });
    expect(await cluster.heartbeat(first.id, first.instance, T0 + 30_000)).toBe(false);
    expect((await cluster.liveNodes(T0 + 30_000, STALE)).map((n) => [n.id, n.instance])).toContainEqual([first.id, 'other']);
    await cluster.deregisterNode(first.id, 'other');
    expect(await cluster.registerNode(first, T0 + 30_001, STALE)).toEqual({ registered: true });
  });

  it('records one live serve node as the embedded store’s; another takes over only once it is dead', async () => {
    const { cluster } = await node();
    const a = newNode({ url: 'http://a:9090' });
    const b = newNode({ url: 'http://b:9090' });
    await cluster.registerNode(a, T0, STALE);
    await cluster.registerNode(b, T0, STALE);
    expect(await cluster.claimStoreNode(a.id, 'http://a:9090', T0, STALE)).toEqual({ claimed: true });
    expect(await cluster.claimStoreNode(b.id, 'http://b:9090', T0 + 1, STALE)).toEqual({ claimed: false, holder: { nodeId: a.id, url: 'http://a:9090' } });
    expect(await cluster.claimStoreNode(a.id, 'http://a:9191', T0 + 2, STALE)).toEqual({ claimed: true });
    expect(await cluster.storeNode(T0 + 3, STALE)).toEqual({ nodeId: a.id, url: 'http://a:9191' });
    await cluster.heartbeat(b.id, b.instance, T0 + STALE + 10);
    expect(await cluster.storeNode(T0 + STALE + 10, STALE)).toBeUndefined();
    expect(await cluster.claimStoreNode(b.id, 'http://b:9090', T0 + STALE + 10, STALE)).toEqual({ claimed: true });
  });

  it('runs exclusive work on one node at a time, and frees the lock after', async () => {
    const [x, y] = [await node(), await node()];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = x.cluster.exclusive('report job-1', async () => {
      await held;
      return 'x';
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(await y.cluster.exclusive('report job-1', async () => 'y')).toEqual({ ran: false });
    expect(await y.cluster.exclusive('report job-2', async () => 'y2')).toEqual({ ran: true, value: 'y2' });
    release();
    expect(await first).toEqual({ ran: true, value: 'x' });
    expect(await y.cluster.exclusive('report job-1', async () => 'y')).toEqual({ ran: true, value: 'y' });
  });

  it('frees a lock when its holder’s process dies (its session ends)', async () => {
    const x = await node();
    const y = await node();
    let started!: () => void;
    const inside = new Promise<void>((r) => (started = r));
    void x.cluster.exclusive('finalize job-9', async () => {
      started();
      await new Promise(() => {}); // never ends: the node "dies" holding it
    });
    await inside;
    expect(await y.cluster.exclusive('finalize job-9', async () => 1)).toEqual({ ran: false });
    await x.jobs.close();
    opened.splice(opened.indexOf(x.jobs), 1);
    expect(await y.cluster.exclusive('finalize job-9', async () => 1)).toEqual({ ran: true, value: 1 });
  });

  it('carries events between nodes by LISTEN/NOTIFY', async () => {
    const x = await node();
    const y = await node();
    const got: ClusterEvent[] = [];
    const stop = await y.cluster.subscribe((e) => got.push(e));
    const event: ClusterEvent = { event: 'job:statusChanged', jobId: 'j1', accountId: '111122223333', node: 'x', from: 'Active' };
    await x.cluster.publish(event);
    const end = Date.now() + 5_000;
    while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([event]);
    await stop();
    await x.cluster.publish({ ...event, jobId: 'j2' });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toHaveLength(1);
  });

  it('counts another node’s live progress only while the chunk stays leased under that token', async () => {
    const { jobs, cluster } = await node();
    const id = `live-${Date.now()}`;
    await jobs.createJob({
      id,
      accountId: '111122223333',
      arn: `arn:aws:s3:us-east-1:111122223333:job/${id}`,
      spec: { Operation: { S3DeleteObjectTagging: {} }, Report: { Enabled: false }, Priority: 1, RoleArn: 'arn:aws:iam::111122223333:role/r', ConfirmationRequired: false },
      tags: [],
      clientRequestToken: id,
      requestHash: 'h',
      nowMs: T0,
    });
    await jobs.addChunks(id, [0, 1].map((i) => ({ index: i, locator: { i }, taskCount: 10 })), { final: true });
    const [c0, c1] = await jobs.claimChunks(id, 'node-b', 2, 60_000, T0);
    if (!c0 || !c1) throw new Error('claim');
    await cluster.writeLiveProgress('node-b', [
      { jobId: id, index: 0, token: c0.token, succeeded: 4, failed: 1 },
      { jobId: id, index: 1, token: c1.token, succeeded: 2, failed: 0 },
      { jobId: 'no-such-job', index: 0, token: 't', succeeded: 9, failed: 9 },
    ], T0 + 100);
    expect(await cluster.readLiveProgress([id], 'node-a', T0)).toEqual(new Map([[id, { succeeded: 6, failed: 1 }]]));
    // its own rows are not added (a node adds its in-memory counts), nor stale ones
    expect(await cluster.readLiveProgress([id], 'node-b', T0)).toEqual(new Map());
    expect(await cluster.readLiveProgress([id], 'node-a', T0 + 101)).toEqual(new Map());
    // chunk 0 committed: its 10 tasks are in the job's counters, and no longer live
    await jobs.completeChunk(id, 0, c0.token, { succeeded: 9, failed: 1, reportSucceeded: Buffer.alloc(0), reportFailed: Buffer.alloc(0) }, T0 + 200);
    expect(await cluster.readLiveProgress([id], 'node-a', T0)).toEqual(new Map([[id, { succeeded: 2, failed: 0 }]]));
    await cluster.writeLiveProgress('node-b', [], T0 + 300);
    expect(await cluster.readLiveProgress([id], 'node-a', T0)).toEqual(new Map());
  });
});
