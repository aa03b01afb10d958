/**
 * The engine's facade: every read and change of a job goes through here — the S3 Control API,
 * and later the CLI and the dashboard. It owns ids, ARNs, the idempotency hash and the events;
 * the store owns atomicity. Refusals surface as JobStoreError (mapped per protocol elsewhere).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { JobEvents } from '../domain/events.js';
import { jobArn, withLiveProgress, type Job, type LiveProgress } from '../domain/job.js';
import type { RequestedJobStatus } from '../domain/job-status.js';
import type { CreateJobInput, S3Tag } from '../domain/job-spec.js';
import type { JobCursor, JobStore, ListJobsQuery, SearchJobsQuery } from '../store/job-store.js';

/**
 * What the facade's callers need of the store's vocabulary: its refusals (JobStoreError, which the
 * protocols map by code, each in one place) and the listing cursor. The API imports them from here,
 * never from store/.
 */
export { JobStoreError } from '../store/job-store.js';
export type { JobCursor };

export interface JobServiceOptions {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly region: string;
  readonly now?: () => number;
  /**
   * Counts of tasks that finished on this node in chunks not yet committed (the engine's
   * `liveProgress`), added to the stored counts by describeJob/listJobs so that progress moves
   * within about a second, not per 1,000-task chunk.
   */
  readonly liveProgress?: (jobId: string) => LiveProgress | undefined;
  /**
   * The same counts of the other nodes sharing the store (ClusterStore.readLiveProgress: written
   * by each node about once a second, counted only for chunks still leased, so never twice).
   */
  readonly otherNodesProgress?: (jobIds: readonly string[]) => Promise<ReadonlyMap<string, LiveProgress>>;
}

export interface JobService {
  createJob(input: CreateJobInput): Promise<{ job: Job; created: boolean }>;
  describeJob(accountId: string, jobId: string): Promise<Job | undefined>;
  listJobs(query: ListJobsQuery): Promise<Job[]>;
  /** listJobs narrowed to jobs whose id or description holds a text (the dashboard's search). */
  searchJobs(query: SearchJobsQuery): Promise<Job[]>;
  requestStatus(accountId: string, jobId: string, requested: RequestedJobStatus, reason?: string): Promise<Job>;
  updatePriority(accountId: string, jobId: string, priority: number): Promise<Job>;
  getTags(accountId: string, jobId: string): Promise<S3Tag[]>;
  putTags(accountId: string, jobId: string, tags: readonly S3Tag[]): Promise<void>;
  deleteTags(accountId: string, jobId: string): Promise<void>;
  secret(name: string): Promise<Buffer>;
  readonly now: () => number;
}

/**
 * The idempotency comparison: two CreateJob requests are "identical" when their canonical specs
 * (fixed key order, effective defaults) and their tag sets are equal. Tag order does not matter.
 */
export function requestHash(input: Pick<CreateJobInput, 'spec' | 'tags'>): string {
  const tags = [...input.tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  return createHash('sha256').update(JSON.stringify({ spec: input.spec, tags })).digest('hex');
}

export function createJobService(options: JobServiceOptions): JobService {
  const { store, events, region } = options;
  const now = options.now ?? Date.now;
  const live = options.liveProgress;
  const others = options.otherNodesProgress;
  const current = (job: Job, remote?: LiveProgress): Job => {
    const here = live?.(job.id);
    const sum = here && remote ? { succeeded: here.succeeded + remote.succeeded, failed: here.failed + remote.failed } : (here ?? remote);
    return withLiveProgress(job, sum);
  };
  /** The jobs with every node's in-flight counts; the stored counts alone if the other nodes' cannot be read. */
  async function withEveryNode(jobs: Job[]): Promise<Job[]> {
    const running = jobs.filter((j) => j.status === 'Active' || j.status === 'Pausing').map((j) => j.id);
    const remote = others && running.length > 0 ? await others(running).catch(() => undefined) : undefined;
    return jobs.map((j) => current(j, remote?.get(j.id)));
  }
  const secrets = new Map<string, Promise<Buffer>>();

  return {
    now,
    async createJob(input) {
      const id = randomUUID();
      const result = await store.createJob({
        id,
        accountId: input.accountId,
        arn: jobArn(region, input.accountId, id),
        spec: input.spec,
        tags: input.tags,
        clientRequestToken: input.clientRequestToken,
        requestHash: requestHash(input),
        nowMs: now(),
      });
      if (result.created) events.emit('job:created', { job: result.job });
      return result;
    },
    async describeJob(accountId, jobId) {
      const job = await store.getJob(accountId, jobId);
      return job && (await withEveryNode([job]))[0];
    },
    async listJobs(query) {
      return withEveryNode(await store.listJobs(query));
    },
    async searchJobs(query) {
      return withEveryNode(await store.searchJobs(query));
    },
    async requestStatus(accountId, jobId, requested, reason) {
      const { job, from } = await store.requestStatus(accountId, jobId, requested, reason, now());
      if (job.status !== from) events.emit('job:statusChanged', { job, from, to: job.status });
      return job;
    },
    async updatePriority(accountId, jobId, priority) {
      const { job, from } = await store.updatePriority(accountId, jobId, priority, now());
      if (from !== priority) events.emit('job:priorityChanged', { job, from, to: priority });
      return job;
    },
    getTags: (accountId, jobId) => store.getTags(accountId, jobId),
    async putTags(accountId, jobId, tags) {
      const job = await store.putTags(accountId, jobId, tags, now());
      events.emit('job:tagsChanged', { job });
    },
    async deleteTags(accountId, jobId) {
      const job = await store.deleteTags(accountId, jobId, now());
      events.emit('job:tagsChanged', { job });
    },
    secret(name) {
      let s = secrets.get(name);
      if (!s) {
        s = store.getSecret(name);
        secrets.set(name, s);
        s.catch(() => secrets.delete(name));
      }
      return s;
    },
  };
}

