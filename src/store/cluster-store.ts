/**
 * What nodes sharing one database need of each other, beyond the JobStore: who is alive (a node
 * registry with heartbeats, so that a second process cannot take a live node's name and leases),
 * which node serves the embedded object store to the others, work only one node may do at a time
 * (writing a job's report, preparing it), and job events carried across nodes. PostgreSQL
 * implements it (src/store/postgres/cluster.ts); SQLite is one process and has none.
 */

export const NODE_ROLES = ['serve', 'worker'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export interface NodeRecord {
  readonly id: string;
  /** Random per process: tells a restart of the same node from another process using its name. */
  readonly instance: string;
  readonly role: NodeRole;
  /** Where its HTTP port answers (undefined for a worker without a health port). */
  readonly url: string | undefined;
  readonly host: string;
  readonly pid: number;
  readonly startedMs: number;
  readonly heartbeatMs: number;
}

export type NewNode = Omit<NodeRecord, 'heartbeatMs'>;

export type RegisterResult =
  | { readonly registered: true }
  /** another process holds the name and its heartbeat is fresh */
  | { readonly registered: false; readonly holder: NodeRecord };

/** The node serving the embedded object store to the cluster. */
export interface StoreNode {
  readonly nodeId: string;
  readonly url: string;
}

/**
 * A job event as it crosses nodes: ids only (a NOTIFY payload is limited to 8,000 bytes); the
 * receiver re-reads the job.
 */
export interface ClusterEvent {
  readonly event: 'job:created' | 'job:statusChanged' | 'job:priorityChanged' | 'job:progress' | 'job:tagsChanged';
  readonly jobId: string;
  readonly accountId: string;
  /** the node that emitted it (receivers ignore their own) */
  readonly node: string;
  /** job:statusChanged: the status it left */
  readonly from?: string;
  /** job:priorityChanged: the priority before */
  readonly fromPriority?: number;
}

/** Tasks a node finished in chunks it has not committed yet, per leased chunk. */
export interface LiveChunkProgress {
  readonly jobId: string;
  readonly index: number;
  /** the lease token: the counts stop counting the moment the chunk is committed or lost */
  readonly token: string;
  readonly succeeded: number;
  readonly failed: number;
}

export interface ClusterStore {
  /**
   * Registers this process as node `node.id`, unless another process (another `instance`) holds
   * the id with a heartbeat newer than `nowMs - staleMs`: then returns that holder. A stale holder
   * (a node that died) is replaced.
   */
  registerNode(node: NewNode, nowMs: number, staleMs: number): Promise<RegisterResult>;
  /** Refreshes the heartbeat; false when another instance took the id meanwhile (stop at once). */
  heartbeat(id: string, instance: string, nowMs: number): Promise<boolean>;
  /** A clean shutdown: the id is free at once. */
  deregisterNode(id: string, instance: string): Promise<void>;
  /** Nodes whose heartbeat is newer than `nowMs - staleMs`. */
  liveNodes(nowMs: number, staleMs: number): Promise<NodeRecord[]>;

  /**
   * Records `nodeId` as the node serving the embedded object store at `url`, unless a live node
   * (heartbeat newer than `nowMs - staleMs`) other than it already is: then returns that one.
   */
  claimStoreNode(nodeId: string, url: string, nowMs: number, staleMs: number): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly holder: StoreNode }>;
  /** The node recorded as serving the embedded store, if it is alive. */
  storeNode(nowMs: number, staleMs: number): Promise<StoreNode | undefined>;

  /**
   * Runs `fn` while holding the cluster-wide lock `key`, or returns `{ ran: false }` at once when
   * another node holds it. The lock goes with the holder's database session: a node that dies
   * mid-way frees it.
   */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }>;

  /** Sends an event to every node listening (this one included; receivers skip their own). */
  publish(event: ClusterEvent): Promise<void>;
  /**
   * Calls `onEvent` for every event published by any node, until the returned stop is called. The
   * listening connection reconnects by itself after the database went away (`onState` tells).
   */
  subscribe(onEvent: (event: ClusterEvent) => void, onState?: (state: 'listening' | 'lost', err?: Error) => void): Promise<() => Promise<void>>;

  /**
   * Replaces what node `nodeId` has in flight (counts in chunks it has not committed yet), at
   * most about once a second.
   */
  writeLiveProgress(nodeId: string, chunks: readonly LiveChunkProgress[], nowMs: number): Promise<void>;
  /**
   * The in-flight counts of other nodes than `exceptNode`, per job, written since `freshSinceMs`
   * and only for chunks still leased under the token they were written with: a committed chunk's
   * tasks are in the job's counts and no longer here, so no task is counted twice.
   */
  readLiveProgress(jobIds: readonly string[], exceptNode: string, freshSinceMs: number): Promise<Map<string, { succeeded: number; failed: number }>>;
}
