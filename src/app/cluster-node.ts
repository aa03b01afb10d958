/**
 * A node's membership of the cluster (PostgreSQL mode): it registers its node id — refused while
 * another live process holds it, since it would take that node's leases back — and keeps a
 * heartbeat; carries the job events across nodes (LISTEN/NOTIFY with ids only: receivers re-read
 * the job; the engine's polling covers a lost connection); writes this node's in-flight counts
 * about once a second and reads the other nodes' for DescribeJob/ListJobs.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import type { Logger } from 'pino';

import type { JobEventMap, JobEvents } from '../domain/events.js';
import { withLiveProgress, type LiveProgress } from '../domain/job.js';
import type { ClusterEvent, ClusterStore, LiveChunkProgress, NodeRole, StoreNode } from '../store/cluster-store.js';
import type { JobStore } from '../store/job-store.js';
import { StartupError } from './startup-error.js';

/** A node refreshes its heartbeat this often; one silent for NODE_STALE_MS is dead. */
export const HEARTBEAT_MS = 2_000;
export const NODE_STALE_MS = 10_000;
/** In-flight counts are written at most this often; older ones are ignored by readers. */
const LIVE_WRITE_MS = 1_000;
const LIVE_FRESH_MS = 5_000;

export interface ClusterNodeOptions {
  readonly cluster: ClusterStore;
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly nodeId: string;
  readonly role: NodeRole;
  readonly logger: Logger;
  readonly now: () => number;
  /** This node's in-flight counts per leased chunk (the engine's), if it runs one. */
  readonly liveChunks?: () => readonly LiveChunkProgress[];
}

export interface ClusterNode {
  readonly instance: string;
  /** Once the node listens: its URL in the registry. */
  setUrl(url: string): Promise<void>;
  /** The other nodes' in-flight counts of these jobs (JobServiceOptions.otherNodesProgress). */
  otherNodesProgress(jobIds: readonly string[]): Promise<ReadonlyMap<string, LiveProgress>>;
  /**
   * False once another process took this node's id after its heartbeat went stale (a node that
   * hung, then woke): from then on it claims no chunks, since its leases are the other's now.
   */
  holdsIdentity(): boolean;
  /** Stops the heartbeat, the event bridge and the progress writes, and deregisters. */
  close(): Promise<void>;
}

export class NodeIdInUseError extends StartupError {
  constructor(nodeId: string, holder: { host: string; pid: number; heartbeatMs: number }, nowMs: number) {
    const ago = Math.max(0, nowMs - holder.heartbeatMs);
    super(
      `the node id ${nodeId} belongs to a live node (host ${holder.host}, pid ${holder.pid}, heartbeat ${ago} ms ago): ` +
        `give this process its own S3BATCH_NODE_ID (or data dir), or, if that node is dead, start again in ${Math.ceil(Math.max(0, NODE_STALE_MS - ago) / 1000)} s`,
    );
    this.name = 'NodeIdInUseError';
  }
}

export async function joinCluster(options: ClusterNodeOptions): Promise<ClusterNode> {
  const { cluster, events, nodeId, logger, now } = options;
  const instance = randomUUID();
  const self = { id: nodeId, instance, role: options.role, host: hostname(), pid: process.pid, startedMs: now() };
  let url: string | undefined;
  const registered = await cluster.registerNode({ ...self, url }, now(), NODE_STALE_MS);
  if (!registered.registered) throw new NodeIdInUseError(nodeId, registered.holder, now());

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => Promise<void>): void => {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      fn().finally(() => (running = false));
    }, ms);
    t.unref();
    timers.push(t);
  };

  let identityHeld = true;
  every(HEARTBEAT_MS, async () => {
    try {
      if (!(await cluster.heartbeat(nodeId, instance, now()))) {
        if (identityHeld) {
          logger.error({ nodeId }, 'another process took this node id after its heartbeat went stale: this one claims no more work; restart it (with its own S3BATCH_NODE_ID)');
        }
        identityHeld = false;
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'heartbeat: the database did not answer');
    }
  });

  // Events: what happens here goes out (ids only); what comes in is re-read and emitted here.
  const fromElsewhere = new WeakSet<object>();
  const publish = (event: ClusterEvent['event'], payload: JobEventMap[ClusterEvent['event']], extra: Partial<ClusterEvent>): void => {
    if (fromElsewhere.has(payload)) return;
    cluster
      .publish({ event, jobId: payload.job.id, accountId: payload.job.accountId, node: nodeId, ...extra })
      .catch((err: unknown) => logger.warn({ err: (err as Error).message, event }, 'could not tell the other nodes of a job event; they find it by polling'));
  };
  const offs = [
    events.on('job:created', (p) => publish('job:created', p, {})),
    events.on('job:statusChanged', (p) => publish('job:statusChanged', p, { from: p.from })),
    events.on('job:priorityChanged', (p) => publish('job:priorityChanged', p, { fromPriority: p.from })),
    // Progress (at most about once a second per running job and node) and tag changes reach the
    // other nodes' dashboards too, so a page served by one node moves with tasks run on another.
    events.on('job:progress', (p) => publish('job:progress', p, {})),
    events.on('job:tagsChanged', (p) => publish('job:tagsChanged', p, {})),
  ];
  const receive = async (e: ClusterEvent): Promise<void> => {
    if (e.node === nodeId) return;
    const job = await options.store.getJob(e.accountId, e.jobId);
    if (!job) return;
    if (e.event === 'job:created') {
      const payload = { job };
      fromElsewhere.add(payload);
      events.emit('job:created', payload);
    } else if (e.event === 'job:statusChanged') {
      const payload = { job, from: (e.from ?? job.status) as JobEventMap['job:statusChanged']['from'], to: job.status };
      fromElsewhere.add(payload);
      events.emit('job:statusChanged', payload);
    } else if (e.event === 'job:priorityChanged') {
      const payload = { job, from: e.fromPriority ?? job.priority, to: job.priority };
      fromElsewhere.add(payload);
      events.emit('job:priorityChanged', payload);
    } else if (e.event === 'job:progress') {
      // The stored counts plus what every node has in flight (the sender's included), as DescribeJob adds them.
      const payload = { job: withLiveProgress(job, await inFlight(job.id)) };
      fromElsewhere.add(payload);
      events.emit('job:progress', payload);
    } else if (e.event === 'job:tagsChanged') {
      const payload = { job };
      fromElsewhere.add(payload);
      events.emit('job:tagsChanged', payload);
    }
  };
  /** Every node's in-flight counts of the job: the others' from the database, this one's from its engine. */
  const inFlight = async (jobId: string): Promise<LiveProgress | undefined> => {
    const others = (await cluster.readLiveProgress([jobId], nodeId, now() - LIVE_FRESH_MS)).get(jobId);
    const here = (options.liveChunks?.() ?? []).filter((c) => c.jobId === jobId);
    if (here.length === 0) return others;
    const sum = { succeeded: others?.succeeded ?? 0, failed: others?.failed ?? 0 };
    for (const c of here) {
      sum.succeeded += c.succeeded;
      sum.failed += c.failed;
    }
    return sum;
  };
  const unsubscribe = await cluster.subscribe(
    (e) => void receive(e).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'could not read the job of an event from another node')),
    (state, err) => {
      if (state === 'lost') logger.warn({ err: err?.message }, 'lost the event connection to the database; reconnecting (polling meanwhile)');
      else logger.debug('listening for job events of the other nodes');
    },
  );

  let wroteSome = false;
  if (options.liveChunks) {
    const liveChunks = options.liveChunks;
    every(LIVE_WRITE_MS, async () => {
      const chunks = liveChunks();
      if (chunks.length === 0 && !wroteSome) return;
      try {
        await cluster.writeLiveProgress(nodeId, chunks, now());
        wroteSome = chunks.length > 0;
      } catch (err) {
        logger.debug({ err: (err as Error).message }, 'could not write this node\'s live progress');
      }
    });
  }

  let closed = false;
  return {
    instance,
    async setUrl(u) {
      url = u;
      await cluster.registerNode({ ...self, url }, now(), NODE_STALE_MS);
    },
    holdsIdentity: () => identityHeld,
    otherNodesProgress: (jobIds) => cluster.readLiveProgress(jobIds, nodeId, now() - LIVE_FRESH_MS),
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers.splice(0)) clearInterval(t);
      for (const off of offs) off();
      await unsubscribe();
      if (wroteSome) await cluster.writeLiveProgress(nodeId, [], now()).catch(() => undefined);
      await cluster.deregisterNode(nodeId, instance).catch(() => undefined);
    },
  };
}

/** Why this node may not serve the embedded store: another live node does; the others must use it. */
function storeNodeTaken(holder: StoreNode): StartupError {
  return new StartupError(
    `the embedded object store of this cluster is served by node ${holder.nodeId} at ${holder.url}: every node must use the same store, ` +
      `so set S3BATCH_STORAGE_ENDPOINT=${holder.url} (with S3BATCH_STORAGE_ACCESS_KEY_ID and S3BATCH_STORAGE_SECRET_ACCESS_KEY of an account there) on this node`,
  );
}

/** A serve node without S3BATCH_STORAGE_ENDPOINT: refused before it listens if another live node serves the store. */
export async function assertStoreNodeFree(cluster: ClusterStore, nodeId: string, now: () => number): Promise<void> {
  const holder = await cluster.storeNode(now(), NODE_STALE_MS);
  if (holder && holder.nodeId !== nodeId) throw storeNodeTaken(holder);
}

/** Records this serve node as the embedded store's (once it listens at `url`). */
export async function claimStoreNode(cluster: ClusterStore, nodeId: string, url: string, now: () => number): Promise<void> {
  const claimed = await cluster.claimStoreNode(nodeId, url, now(), NODE_STALE_MS);
  if (!claimed.claimed) throw storeNodeTaken(claimed.holder);
}

/** A node that needs the store's URL (a worker without S3BATCH_STORAGE_ENDPOINT): the message naming it. */
export async function remoteStoreRequired(cluster: ClusterStore, now: () => number): Promise<StartupError> {
  const holder = await cluster.storeNode(now(), NODE_STALE_MS);
  return holder
    ? storeNodeTaken(holder)
    : new StartupError(
        'no node of this cluster serves the embedded object store, and S3BATCH_STORAGE_ENDPOINT is not set: start an s3batch serve node ' +
          'without S3BATCH_STORAGE_ENDPOINT first (it serves its store to the others), or point every node at one S3-compatible store',
      );
}
