/**
 * The chunk contract of the JobStore: chunks, leases, completion (counted once) and report parts.
 * Every backend runs this one file through `runChunkStoreContract`, with the same harness as
 * `runJobStoreContract`, so the tests use the JobStore interface only.
 *
 * Time is passed explicitly (`nowMs`): a lease expires because the test moves the clock, never
 * because it sleeps.
 */
import { randomUUID } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Job } from '../../src/domain/job.js';
import {
  JobStoreError,
  type ChunkOutcome,
  type ClaimedChunk,
  type JobStore,
  type JobStoreErrorCode,
  type NewChunk,
  type ReportPartStatus,
} from '../../src/store/job-store.js';
import type { JobStoreHarness } from './job-store.contract.js';

const ACCOUNT = '111122223333';
const T0 = 1_700_000_000_000;
const LEASE = 30_000;

/** A locator shaped like the manifest reader's (nested, unicode), so that JSON round trips are tested. */
function locator(index: number, taskCount: number): Record<string, unknown> {
  return {
    kind: 'csv',
    index,
    firstTask: index * 1000,
    taskCount,
    firstLine: index * 1000 + 1,
    start: index * 50_000,
    end: (index + 1) * 50_000,
    file: { bucket: 'manifests', key: `m/é 🚀 ${index}.csv`, etag: '"abc"' },
  };
}

/** Chunks `from`..`to - 1`; chunk i holds `tasks(i)` tasks (default 10 + i). */
function makeChunks(from: number, to: number, tasks: (i: number) => number = (i) => 10 + i): NewChunk[] {
  const chunks: NewChunk[] = [];
  for (let i = from; i < to; i++) chunks.push({ index: i, locator: locator(i, tasks(i)), taskCount: tasks(i) });
  return chunks;
}

function csv(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** An outcome whose report rows name the chunk, so that order and identity are visible. */
function outcomeFor(index: number, succeeded: number, failed: number): ChunkOutcome {
  const rows = (status: string, n: number): Buffer =>
    csv(
      Array.from(
        { length: n },
        (_, i) => `bucket,"key ${index}/${i} é",,${status},${status === 'succeeded' ? 200 : 404},,\r\n`,
      ).join(''),
    );
  return {
    succeeded,
    failed,
    reportSucceeded: rows('succeeded', succeeded),
    reportFailed: rows('failed', failed),
  };
}

async function expectStoreError(promise: Promise<unknown>, code: JobStoreErrorCode): Promise<JobStoreError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected JobStoreError ${code}, got a result: ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(JobStoreError);
  const err = outcome.error as JobStoreError;
  expect(err.code).toBe(code);
  return err;
}

async function collect(parts: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

export function runChunkStoreContract(name: string, makeStore: () => Promise<JobStoreHarness>): void {
  describe(`${name}: chunks and leases`, () => {
    let harness: JobStoreHarness;
    let store: JobStore;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    async function createJob(): Promise<Job> {
      const id = randomUUID();
      const token = randomUUID();
      const { job } = await store.createJob({
        id,
        accountId: ACCOUNT,
        arn: `arn:aws:s3:us-east-1:${ACCOUNT}:job/${id}`,
        spec: {
          Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'done', Value: 'yes' }] } },
          Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
          Priority: 10,
          RoleArn: 'arn:aws:iam::111122223333:role/batch',
          ConfirmationRequired: false,
          Manifest: {
            Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
            Location: { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: '"0123456789abcdef"' },
          },
        },
        tags: [],
        clientRequestToken: token,
        requestHash: `hash-of-${token}`,
        nowMs: T0,
      });
      return job;
    }

    /** A job with chunks 0..n-1 (final), chunk i holding 10 + i tasks. */
    async function jobWithChunks(n: number): Promise<Job> {
      const job = await createJob();
      await store.addChunks(job.id, makeChunks(0, n), { final: true });
      return job;
    }

    async function progressOf(jobId: string): Promise<Job['progress']> {
      const job = await store.getJob(ACCOUNT, jobId);
      if (!job) throw new Error(`no job ${jobId}`);
      return job.progress;
    }

    async function claimOne(jobId: string, owner: string, nowMs: number): Promise<ClaimedChunk> {
      const [claimed, ...rest] = await store.claimChunks(jobId, owner, 1, LEASE, nowMs);
      expect(rest).toEqual([]);
      if (!claimed) throw new Error(`nothing claimable in job ${jobId} at ${nowMs}`);
      return claimed;
    }

    describe('addChunks', () => {
      it('stores chunks, sets totalTasks, and re-adding the same batch changes nothing', async () => {
        const job = await createJob();
        const first = await store.addChunks(job.id, makeChunks(0, 3), { final: false });
        expect(first).toEqual({ added: 3, chunks: 3, totalTasks: 10 + 11 + 12 });
        expect((await progressOf(job.id)).totalTasks).toBe(33);
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 3, leased: 0, done: 0, total: 3, final: false });

        // a crash during preparation, then a retry from the start: same batches again
        expect(await store.addChunks(job.id, makeChunks(0, 3), { final: false })).toEqual({
          added: 0,
          chunks: 3,
          totalTasks: 33,
        });
        const second = await store.addChunks(job.id, makeChunks(2, 5), { final: true });
        expect(second).toEqual({ added: 2, chunks: 5, totalTasks: 33 + 13 + 14 });
        expect((await progressOf(job.id)).totalTasks).toBe(60);
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 5, leased: 0, done: 0, total: 5, final: true });

        // and again after the final batch (the retry did not know it had committed)
        expect(await store.addChunks(job.id, makeChunks(0, 5), { final: true })).toEqual({
          added: 0,
          chunks: 5,
          totalTasks: 60,
        });
      });

      it('hands back the locator as given (a JSON round trip)', async () => {
        const job = await createJob();
        const odd: NewChunk = {
          index: 0,
          taskCount: 1,
          locator: { nested: { list: [1, 'two', null, true], text: 'ü\u0000"\\' }, n: -0.5 },
        };
        await store.addChunks(job.id, [odd], { final: true });
        const claimed = await claimOne(job.id, 'node-a', T0);
        expect(claimed.locator).toEqual(odd.locator);
      });

      it('keeps each chunk’s records byte for byte and hands them to every claim; a chunk added without has none', async () => {
        const job = await createJob();
        const bytes = (i: number): Buffer => Buffer.concat([Buffer.from(`chunk ${i} é\r\n`), Buffer.from([0, 0xff, 0xfe, i])]);
        const given = [0, 1, 2].map((i) => bytes(i));
        await store.addChunks(job.id, [0, 1, 2].map((i) => ({ ...makeChunks(i, i + 1)[0]!, records: given[i]! })), { final: false });
        await store.addChunks(job.id, makeChunks(3, 4), { final: true });
        given[0]!.fill(0x41); // the store kept its own copy
        const claimed = await store.claimChunks(job.id, 'node-a', 4, LEASE, T0);
        expect(claimed.map((c) => c.records?.toString('hex'))).toEqual([...[0, 1, 2].map((i) => bytes(i).toString('hex')), undefined]);
        // a reclaim after expiry (another node) gets the same bytes
        const again = await store.claimChunks(job.id, 'node-b', 1, LEASE, T0 + LEASE);
        expect(again[0]?.records).toEqual(bytes(0));
        // re-adding the same records is a no-op; other records are a conflict
        expect(await store.addChunks(job.id, [{ ...makeChunks(1, 2)[0]!, records: bytes(1) }], { final: true })).toMatchObject({ added: 0 });
        await expectStoreError(store.addChunks(job.id, [{ ...makeChunks(1, 2)[0]!, records: bytes(9) }], { final: true }), 'ChunkConflict');
        await expectStoreError(store.addChunks(job.id, [makeChunks(2, 3)[0]!], { final: true }), 'ChunkConflict');
        await expectStoreError(store.addChunks(job.id, [{ ...makeChunks(3, 4)[0]!, records: bytes(3) }], { final: true }), 'ChunkConflict');
        // deleted with the chunks
        expect(await store.deleteChunks(job.id)).toBe(4);
        await store.addChunks(job.id, makeChunks(0, 1), { final: true });
        expect((await store.claimChunks(job.id, 'node-a', 1, LEASE, T0))[0]?.records).toBeUndefined();
      });

      it('refuses a stored index with another locator or taskCount, and stores nothing of that batch', async () => {
        const job = await createJob();
        await store.addChunks(job.id, makeChunks(0, 2), { final: false });
        const changedLocator: NewChunk = { index: 1, taskCount: 11, locator: { other: true } };
        await expectStoreError(store.addChunks(job.id, [...makeChunks(2, 4), changedLocator], { final: false }), 'ChunkConflict');
        const changedCount: NewChunk = { index: 0, taskCount: 99, locator: locator(0, 10) };
        await expectStoreError(store.addChunks(job.id, [changedCount], { final: false }), 'ChunkConflict');
        expect(await store.chunkCounts(job.id)).toMatchObject({ total: 2 });
        expect((await progressOf(job.id)).totalTasks).toBe(21);
      });

      it('refuses a final batch that leaves a gap, and a new index after the final batch', async () => {
        const job = await createJob();
        await store.addChunks(job.id, makeChunks(0, 2), { final: false });
        await expectStoreError(store.addChunks(job.id, makeChunks(3, 4), { final: true }), 'ChunkConflict');
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 2, leased: 0, done: 0, total: 2, final: false });

        await store.addChunks(job.id, makeChunks(2, 4), { final: true });
        await expectStoreError(store.addChunks(job.id, makeChunks(4, 5), { final: false }), 'ChunkConflict');
        expect(await store.chunkCounts(job.id)).toMatchObject({ total: 4, final: true });
      });

      it('accepts an empty final batch (zero chunks) and checks its arguments', async () => {
        const job = await createJob();
        expect(await store.addChunks(job.id, [], { final: true })).toEqual({ added: 0, chunks: 0, totalTasks: 0 });
        const other = await createJob();
        await expect(store.addChunks(other.id, [{ index: -1, taskCount: 1, locator: {} }], { final: false })).rejects.toThrow(
          RangeError,
        );
        await expect(store.addChunks(other.id, [{ index: 0, taskCount: 0, locator: {} }], { final: false })).rejects.toThrow(
          RangeError,
        );
        await expect(
          store.addChunks(other.id, [{ index: 0, taskCount: 1, locator: undefined }], { final: false }),
        ).rejects.toThrow(RangeError);
        expect(await store.chunkCounts(other.id)).toMatchObject({ total: 0 });
      });

      it('stores 10,000 chunks in batches of 1,000', async () => {
        const job = await createJob();
        const n = 10_000;
        for (let from = 0; from < n; from += 1000) {
          const result = await store.addChunks(job.id, makeChunks(from, from + 1000, () => 1000), {
            final: from + 1000 === n,
          });
          expect(result.added).toBe(1000);
        }
        expect(await store.chunkCounts(job.id)).toEqual({ pending: n, leased: 0, done: 0, total: n, final: true });
        expect((await progressOf(job.id)).totalTasks).toBe(10_000_000);
        const claimed = await store.claimChunks(job.id, 'node-a', 3, LEASE, T0);
        expect(claimed.map((c) => c.index)).toEqual([0, 1, 2]);
      });
    });

    describe('claimChunks', () => {
      it('leases the lowest pending indexes, at most max, with fresh tokens', async () => {
        const job = await jobWithChunks(5);
        const first = await store.claimChunks(job.id, 'node-a', 3, LEASE, T0);
        expect(first.map((c) => c.index)).toEqual([0, 1, 2]);
        for (const c of first) {
          expect(c).toMatchObject({
            jobId: job.id,
            owner: 'node-a',
            attempt: 1,
            leaseExpiresMs: T0 + LEASE,
            taskCount: 10 + c.index,
            locator: locator(c.index, 10 + c.index),
          });
          expect(typeof c.token).toBe('string');
          expect(c.token.length).toBeGreaterThanOrEqual(16);
        }
        expect(new Set(first.map((c) => c.token)).size).toBe(3);

        const second = await store.claimChunks(job.id, 'node-b', 3, LEASE, T0 + 1);
        expect(second.map((c) => c.index)).toEqual([3, 4]);
        expect(second.every((c) => c.owner === 'node-b')).toBe(true);
        expect(await store.claimChunks(job.id, 'node-c', 3, LEASE, T0 + 2)).toEqual([]);
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 0, leased: 5, done: 0, total: 5, final: true });
      });

      it('never hands the same chunk to two concurrent claims', async () => {
        const job = await jobWithChunks(40);
        const owners = ['node-a', 'node-b', 'node-c', 'node-d'];
        const rounds = await Promise.all(
          owners.flatMap((owner) => [1, 2, 3].map(() => store.claimChunks(job.id, owner, 4, LEASE, T0))),
        );
        const indexes = rounds.flat().map((c) => c.index);
        expect(indexes).toHaveLength(40);
        expect(new Set(indexes).size).toBe(40);
        expect(await store.claimChunks(job.id, 'node-e', 10, LEASE, T0)).toEqual([]);
      });

      it('makes a chunk claimable again when its lease expires: attempt + 1, a new token', async () => {
        const job = await jobWithChunks(2);
        const a = await claimOne(job.id, 'node-a', T0);
        expect(a.index).toBe(0);
        // still held one millisecond before expiry: node-b gets the next chunk instead
        const b1 = await claimOne(job.id, 'node-b', T0 + LEASE - 1);
        expect(b1.index).toBe(1);
        expect(await store.claimChunks(job.id, 'node-b', 5, LEASE, T0 + LEASE - 1)).toEqual([]);

        const b0 = await claimOne(job.id, 'node-b', T0 + LEASE);
        expect(b0).toMatchObject({ index: 0, owner: 'node-b', attempt: 2, leaseExpiresMs: T0 + 2 * LEASE });
        expect(b0.token).not.toBe(a.token);

        // node-a's token is worthless now
        expect(await store.renewLeases(job.id, [{ index: 0, token: a.token }], LEASE, T0 + LEASE + 1)).toEqual({
          renewed: [],
          lost: [0],
        });
        expect(await store.releaseChunk(job.id, 0, a.token)).toBe(false);
        await expectStoreError(store.completeChunk(job.id, 0, a.token, outcomeFor(0, 10, 0), T0 + LEASE + 2), 'LeaseLost');
        expect(await store.chunkCounts(job.id)).toMatchObject({ leased: 2, done: 0 });
      });

      it('takes expired leases and pending chunks together, lowest index first', async () => {
        const job = await jobWithChunks(6);
        const a = await store.claimChunks(job.id, 'node-a', 3, LEASE, T0); // 0, 1, 2 (expire at T0 + LEASE)
        await store.claimChunks(job.id, 'node-b', 1, 10 * LEASE, T0); // 3 (held long)
        const a1 = a.find((c) => c.index === 1);
        if (!a1) throw new Error('claim');
        await store.releaseChunk(job.id, 1, a1.token); // pending: 1, 4, 5; expired at T0 + LEASE: 0, 2
        const later = await store.claimChunks(job.id, 'node-c', 4, LEASE, T0 + LEASE);
        expect(later.map((c) => [c.index, c.attempt])).toEqual([
          [0, 2],
          [1, 2],
          [2, 2],
          [4, 1],
        ]);
        expect((await store.claimChunks(job.id, 'node-c', 4, LEASE, T0 + LEASE)).map((c) => c.index)).toEqual([5]);
      });

      it('checks its arguments', async () => {
        const job = await jobWithChunks(1);
        await expect(store.claimChunks(job.id, 'node-a', 0, LEASE, T0)).rejects.toThrow(RangeError);
        await expect(store.claimChunks(job.id, 'node-a', 1, 0, T0)).rejects.toThrow(RangeError);
        await expect(store.claimChunks(job.id, '', 1, LEASE, T0)).rejects.toThrow(RangeError);
        expect(await store.chunkCounts(job.id)).toMatchObject({ pending: 1 });
      });
    });

    describe('renewLeases and releaseChunk', () => {
      it('extends held leases so that expiry does not take them, and reports the lost ones', async () => {
        const job = await jobWithChunks(3);
        const [c0, c1] = await store.claimChunks(job.id, 'node-a', 2, LEASE, T0);
        if (!c0 || !c1) throw new Error('claim');
        const renewed = await store.renewLeases(
          job.id,
          [
            { index: c0.index, token: c0.token },
            { index: c1.index, token: 'not-the-token' },
            { index: 2, token: c0.token },
          ],
          LEASE,
          T0 + LEASE / 2,
        );
        expect(renewed).toEqual({ renewed: [{ index: 0, leaseExpiresMs: T0 + LEASE / 2 + LEASE }], lost: [1, 2] });

        // at the first expiry only chunk 1 (not renewed) and chunk 2 (pending) are claimable
        const b = await store.claimChunks(job.id, 'node-b', 5, LEASE, T0 + LEASE);
        expect(b.map((c) => c.index)).toEqual([1, 2]);
        await store.completeChunk(job.id, 0, c0.token, outcomeFor(0, 10, 0), T0 + LEASE + 1);
        expect((await progressOf(job.id)).succeededTasks).toBe(10);
      });

      it('releaseLeasesOf gives back one owner’s leases in every job, and nothing else', async () => {
        const j1 = await jobWithChunks(3);
        const j2 = await jobWithChunks(2);
        const [a0] = await store.claimChunks(j1.id, 'node-a', 1, LEASE, T0); // j1 #0 → a
        const [b1] = await store.claimChunks(j1.id, 'node-b', 1, LEASE, T0); // j1 #1 → b
        const [a2] = await store.claimChunks(j2.id, 'node-a', 1, LEASE, T0); // j2 #0 → a
        const [done] = await store.claimChunks(j2.id, 'node-a', 1, LEASE, T0); // j2 #1 → a, then completed
        if (!a0 || !b1 || !a2 || !done) throw new Error('claim');
        await store.completeChunk(j2.id, done.index, done.token, outcomeFor(done.index, 10 + done.index, 0), T0 + 1);

        expect(await store.releaseLeasesOf('node-a')).toBe(2);
        expect(await store.chunkCounts(j1.id)).toMatchObject({ pending: 2, leased: 1, done: 0 });
        expect(await store.chunkCounts(j2.id)).toMatchObject({ pending: 1, leased: 0, done: 1 });
        // the old tokens hold nothing any more; b's lease is untouched
        await expectStoreError(store.completeChunk(j1.id, a0.index, a0.token, outcomeFor(0, 10, 0), T0 + 2), 'LeaseLost');
        expect((await store.renewLeases(j1.id, [{ index: b1.index, token: b1.token }], LEASE, T0 + 2)).lost).toEqual([]);
        // released chunks are claimable at once, before any expiry, with their attempt counted
        expect((await store.claimChunks(j1.id, 'node-a', 5, LEASE, T0 + 3)).map((c) => [c.index, c.attempt])).toEqual([
          [0, 2],
          [2, 1],
        ]);
        expect(await store.releaseLeasesOf('node-z')).toBe(0);
        await expect(store.releaseLeasesOf('')).rejects.toThrow(RangeError);
      });

      it('renews an expired lease nobody has claimed yet (the token still holds it)', async () => {
        const job = await jobWithChunks(1);
        const c = await claimOne(job.id, 'node-a', T0);
        const late = await store.renewLeases(job.id, [{ index: 0, token: c.token }], LEASE, T0 + 5 * LEASE);
        expect(late).toEqual({ renewed: [{ index: 0, leaseExpiresMs: T0 + 6 * LEASE }], lost: [] });
        expect(await store.claimChunks(job.id, 'node-b', 1, LEASE, T0 + 6 * LEASE - 1)).toEqual([]);
      });

      it('releases a held chunk: pending and claimable at once, attempts kept', async () => {
        const job = await jobWithChunks(2);
        const c = await claimOne(job.id, 'node-a', T0);
        expect(await store.releaseChunk(job.id, c.index, 'stale')).toBe(false);
        expect(await store.chunkCounts(job.id)).toMatchObject({ pending: 1, leased: 1 });
        expect(await store.releaseChunk(job.id, c.index, c.token)).toBe(true);
        expect(await store.releaseChunk(job.id, c.index, c.token)).toBe(false);
        expect(await store.chunkCounts(job.id)).toMatchObject({ pending: 2, leased: 0 });
        await expectStoreError(store.completeChunk(job.id, c.index, c.token, outcomeFor(0, 10, 0), T0 + 1), 'LeaseLost');
        expect(await store.renewLeases(job.id, [{ index: c.index, token: c.token }], LEASE, T0 + 1)).toEqual({
          renewed: [],
          lost: [0],
        });
        const again = await claimOne(job.id, 'node-b', T0 + 2);
        expect(again).toMatchObject({ index: 0, attempt: 2, owner: 'node-b' });
        expect(again.token).not.toBe(c.token);
      });
    });

    describe('completeChunk: counted once', () => {
      it('adds the counts once, shows them on getJob at once, and answers a repeat with alreadyDone', async () => {
        const job = await jobWithChunks(3);
        const c = await claimOne(job.id, 'node-a', T0);
        const first = await store.completeChunk(job.id, 0, c.token, outcomeFor(0, 7, 3), T0 + 10);
        expect(first.outcome).toBe('completed');
        expect(first.progress).toMatchObject({ totalTasks: 33, succeededTasks: 7, failedTasks: 3 });
        expect(await progressOf(job.id)).toEqual(first.progress);

        // the reply was lost; the engine retries with the same token (and even a different outcome)
        const again = await store.completeChunk(job.id, 0, c.token, outcomeFor(0, 10, 0), T0 + 11);
        expect(again).toEqual({ outcome: 'alreadyDone', progress: first.progress });
        expect(await progressOf(job.id)).toEqual(first.progress);
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 2, leased: 0, done: 1, total: 3, final: true });

        // a done chunk is never claimed again, even long after its lease would have expired
        const next = await store.claimChunks(job.id, 'node-b', 5, LEASE, T0 + 100 * LEASE);
        expect(next.map((x) => x.index)).toEqual([1, 2]);
        expect(await store.renewLeases(job.id, [{ index: 0, token: c.token }], LEASE, T0 + 12)).toEqual({
          renewed: [],
          lost: [0],
        });
        expect(await store.releaseChunk(job.id, 0, c.token)).toBe(false);
        expect(await collect(store.readReportParts(job.id, 'succeeded'))).toEqual([outcomeFor(0, 7, 3).reportSucceeded]);
      });

      it('refuses a stale token with LeaseLost and counts nothing, also after the new holder completed', async () => {
        const job = await jobWithChunks(1);
        const a = await claimOne(job.id, 'node-a', T0);
        const b = await claimOne(job.id, 'node-b', T0 + LEASE);
        const before = await progressOf(job.id);
        await expectStoreError(store.completeChunk(job.id, 0, a.token, outcomeFor(0, 10, 0), T0 + LEASE + 1), 'LeaseLost');
        expect(await progressOf(job.id)).toEqual(before);

        await store.completeChunk(job.id, 0, b.token, outcomeFor(0, 4, 6), T0 + LEASE + 2);
        await expectStoreError(store.completeChunk(job.id, 0, a.token, outcomeFor(0, 10, 0), T0 + LEASE + 3), 'LeaseLost');
        expect(await progressOf(job.id)).toMatchObject({ succeededTasks: 4, failedTasks: 6 });
        expect(await collect(store.readReportParts(job.id, 'failed'))).toEqual([outcomeFor(0, 4, 6).reportFailed]);
      });

      it('refuses to complete a chunk that was never claimed, or does not exist', async () => {
        const job = await jobWithChunks(1);
        await expectStoreError(store.completeChunk(job.id, 0, 'made-up', outcomeFor(0, 1, 0), T0), 'LeaseLost');
        await expectStoreError(store.completeChunk(job.id, 7, 'made-up', outcomeFor(7, 1, 0), T0), 'LeaseLost');
        expect(await progressOf(job.id)).toMatchObject({ succeededTasks: 0, failedTasks: 0 });
      });

      it('counts each chunk once when many completions race (same token, and two holders)', async () => {
        const job = await jobWithChunks(2);
        const c0 = await claimOne(job.id, 'node-a', T0);
        const results = await Promise.all(
          Array.from({ length: 8 }, () => store.completeChunk(job.id, 0, c0.token, outcomeFor(0, 10, 0), T0 + 1)),
        );
        expect(results.filter((r) => r.outcome === 'completed')).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'alreadyDone')).toHaveLength(7);

        // chunk 1: node-a's lease expires, node-b takes it, both finish at the same time
        const a1 = await claimOne(job.id, 'node-a', T0);
        const b1 = await claimOne(job.id, 'node-b', T0 + LEASE);
        const settled = await Promise.allSettled([
          store.completeChunk(job.id, 1, a1.token, outcomeFor(1, 11, 0), T0 + LEASE + 1),
          store.completeChunk(job.id, 1, b1.token, outcomeFor(1, 0, 11), T0 + LEASE + 1),
        ]);
        expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled']);
        expect(await progressOf(job.id)).toMatchObject({ totalTasks: 21, succeededTasks: 10, failedTasks: 11 });
      });

      it('accepts a partial chunk (cancel) and refuses counts above taskCount without changing anything', async () => {
        const job = await jobWithChunks(2);
        const [c0, c1] = await store.claimChunks(job.id, 'node-a', 2, LEASE, T0);
        if (!c0 || !c1) throw new Error('claim');
        await expect(store.completeChunk(job.id, 0, c0.token, outcomeFor(0, 8, 3), T0 + 1)).rejects.toThrow(RangeError);
        const negative: ChunkOutcome = { ...outcomeFor(0, 0, 0), succeeded: -1 };
        await expect(store.completeChunk(job.id, 0, c0.token, negative, T0 + 1)).rejects.toThrow(RangeError);
        const fractional: ChunkOutcome = { ...outcomeFor(0, 0, 0), failed: 0.5 };
        await expect(store.completeChunk(job.id, 0, c0.token, fractional, T0 + 1)).rejects.toThrow(RangeError);
        expect(await store.chunkCounts(job.id)).toMatchObject({ leased: 2, done: 0 });
        expect(await progressOf(job.id)).toMatchObject({ succeededTasks: 0, failedTasks: 0 });

        // short without `partial`: refused, so that no manifest record goes uncounted by mistake
        await expect(store.completeChunk(job.id, 1, c1.token, outcomeFor(1, 3, 0), T0 + 1)).rejects.toThrow(RangeError);
        expect(await store.chunkCounts(job.id)).toMatchObject({ leased: 2, done: 0 });

        await store.completeChunk(job.id, 0, c0.token, outcomeFor(0, 8, 2), T0 + 2);
        await store.completeChunk(job.id, 1, c1.token, { ...outcomeFor(1, 3, 0), partial: true }, T0 + 2);
        expect(await progressOf(job.id)).toMatchObject({ totalTasks: 21, succeededTasks: 11, failedTasks: 2 });
      });

      it('makes getJob equal the sum of the completed chunks', async () => {
        const n = 25;
        const job = await jobWithChunks(n);
        const expected = { succeeded: 0, failed: 0 };
        let clock = T0;
        for (;;) {
          const claimed = await store.claimChunks(job.id, 'node-a', 4, LEASE, clock);
          if (claimed.length === 0) break;
          for (const c of claimed) {
            const failed = c.index % 4;
            const succeeded = c.taskCount - failed;
            expected.succeeded += succeeded;
            expected.failed += failed;
            const { progress } = await store.completeChunk(job.id, c.index, c.token, outcomeFor(c.index, succeeded, failed), ++clock);
            expect(progress).toMatchObject({ succeededTasks: expected.succeeded, failedTasks: expected.failed });
          }
        }
        const progress = await progressOf(job.id);
        expect(progress).toMatchObject({ succeededTasks: expected.succeeded, failedTasks: expected.failed });
        expect(progress.succeededTasks + progress.failedTasks).toBe(progress.totalTasks);
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 0, leased: 0, done: n, total: n, final: true });
      });
    });

    describe('checkpointChunk: a chunk cut short (pause, shutdown)', () => {
      /** Rows naming the chunk and the task positions first..first+n-1, so that order is visible. */
      function checkpointFor(index: number, first: number, succeeded: number, failed: number): ChunkOutcome {
        const rows = (status: string, from: number, n: number): Buffer =>
          csv(Array.from({ length: n }, (_, i) => `bucket,"key ${index}/${from + i}",,${status},200,,\r\n`).join(''));
        return {
          succeeded,
          failed,
          reportSucceeded: rows('succeeded', first, succeeded),
          reportFailed: rows('failed', first + succeeded, failed),
        };
      }

      it('commits the leading tasks, gives the rest back, and the next claim resumes after them; counted once', async () => {
        const job = await jobWithChunks(2); // chunk 0: 10 tasks, chunk 1: 11
        const a = await claimOne(job.id, 'node-a', T0);
        expect(a.doneTasks).toBe(0);
        const first = checkpointFor(0, 0, 3, 1);
        const { progress } = await store.checkpointChunk(job.id, 0, a.token, first);
        expect(progress).toMatchObject({ totalTasks: 21, succeededTasks: 3, failedTasks: 1 });
        expect(await progressOf(job.id)).toEqual(progress);
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 2, leased: 0, done: 0, total: 2, final: true });

        // the checkpoint took the lease with it: the old token can do nothing more
        await expectStoreError(store.checkpointChunk(job.id, 0, a.token, checkpointFor(0, 4, 1, 0)), 'LeaseLost');
        await expectStoreError(store.completeChunk(job.id, 0, a.token, checkpointFor(0, 4, 6, 0), T0 + 1), 'LeaseLost');
        expect(await store.renewLeases(job.id, [{ index: 0, token: a.token }], LEASE, T0 + 1)).toEqual({ renewed: [], lost: [0] });

        // claimable at once, lowest index first, with what is done; attempts go on
        const b = await claimOne(job.id, 'node-b', T0 + 2);
        expect(b).toMatchObject({ index: 0, doneTasks: 4, attempt: 2, taskCount: 10 });
        const second = checkpointFor(0, 4, 2, 0);
        await store.checkpointChunk(job.id, 0, b.token, second);
        const c = await claimOne(job.id, 'node-b', T0 + 3);
        expect(c).toMatchObject({ index: 0, doneTasks: 6, attempt: 3 });

        // completion counts what is left (4), not the whole chunk
        await expect(store.completeChunk(job.id, 0, c.token, checkpointFor(0, 6, 10, 0), T0 + 4)).rejects.toThrow(RangeError);
        await expect(store.completeChunk(job.id, 0, c.token, checkpointFor(0, 6, 3, 0), T0 + 4)).rejects.toThrow(RangeError);
        const last = checkpointFor(0, 6, 2, 2);
        const done = await store.completeChunk(job.id, 0, c.token, last, T0 + 4);
        expect(done.progress).toMatchObject({ succeededTasks: 3 + 2 + 2, failedTasks: 1 + 0 + 2 });
        expect(await store.completeChunk(job.id, 0, c.token, last, T0 + 5)).toMatchObject({ outcome: 'alreadyDone' });

        // chunk 1 completes whole; parts come back by chunk, then in task order within it
        const d = await claimOne(job.id, 'node-a', T0 + 6);
        expect(d).toMatchObject({ index: 1, doneTasks: 0 });
        const whole = outcomeFor(1, 11, 0);
        await store.completeChunk(job.id, 1, d.token, whole, T0 + 7);
        expect(await collect(store.readReportParts(job.id, 'succeeded'))).toEqual([
          first.reportSucceeded,
          second.reportSucceeded,
          last.reportSucceeded,
          whole.reportSucceeded,
        ]);
        expect(await collect(store.readReportParts(job.id, 'failed'))).toEqual([first.reportFailed, last.reportFailed]);
        const length = (parts: Buffer[]): number => Buffer.concat(parts).length;
        expect(await store.reportLength(job.id)).toEqual({
          succeeded: length([first.reportSucceeded, second.reportSucceeded, last.reportSucceeded, whole.reportSucceeded]),
          failed: length([first.reportFailed, last.reportFailed]),
        });
        expect(await progressOf(job.id)).toMatchObject({ totalTasks: 21, succeededTasks: 18, failedTasks: 3 });
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 0, leased: 0, done: 2, total: 2, final: true });
      });

      it('refuses nothing (0 tasks) or everything left (that is completeChunk), and changes nothing', async () => {
        const job = await jobWithChunks(1);
        const a = await claimOne(job.id, 'node-a', T0);
        await expect(store.checkpointChunk(job.id, 0, a.token, checkpointFor(0, 0, 0, 0))).rejects.toThrow(RangeError);
        await expect(store.checkpointChunk(job.id, 0, a.token, checkpointFor(0, 0, 10, 0))).rejects.toThrow(RangeError);
        await expect(store.checkpointChunk(job.id, 0, a.token, { ...checkpointFor(0, 0, 1, 0), failed: -1 })).rejects.toThrow(RangeError);
        expect(await store.chunkCounts(job.id)).toMatchObject({ leased: 1, pending: 0 });
        expect(await progressOf(job.id)).toMatchObject({ succeededTasks: 0, failedTasks: 0 });
        expect(await collect(store.readReportParts(job.id, 'succeeded'))).toEqual([]);
      });

      it('refuses a stale token (the lease expired and was claimed again), a chunk not leased, an unknown chunk or job', async () => {
        const job = await jobWithChunks(2);
        const a = await claimOne(job.id, 'node-a', T0);
        await claimOne(job.id, 'node-b', T0 + LEASE);
        await expectStoreError(store.checkpointChunk(job.id, 0, a.token, checkpointFor(0, 0, 2, 0)), 'LeaseLost');
        await expectStoreError(store.checkpointChunk(job.id, 1, 'made-up', checkpointFor(1, 0, 2, 0)), 'LeaseLost');
        await expectStoreError(store.checkpointChunk(job.id, 9, 'made-up', checkpointFor(9, 0, 2, 0)), 'LeaseLost');
        await expectStoreError(store.checkpointChunk(randomUUID(), 0, 'made-up', checkpointFor(0, 0, 2, 0)), 'NotFound');
        // a done chunk keeps its token: a checkpoint with it is refused too
        const c = await claimOne(job.id, 'node-c', T0 + LEASE + 1);
        await store.completeChunk(job.id, c.index, c.token, outcomeFor(c.index, 11, 0), T0 + LEASE + 2);
        await expectStoreError(store.checkpointChunk(job.id, c.index, c.token, checkpointFor(c.index, 0, 2, 0)), 'LeaseLost');
        expect(await progressOf(job.id)).toMatchObject({ succeededTasks: 11, failedTasks: 0 });
      });

      it('survives deleteChunks: the parts of checkpoints go with their chunk', async () => {
        const job = await jobWithChunks(1);
        const a = await claimOne(job.id, 'node-a', T0);
        await store.checkpointChunk(job.id, 0, a.token, checkpointFor(0, 0, 5, 0));
        expect(await store.deleteChunks(job.id)).toBe(1);
        expect(await collect(store.readReportParts(job.id, 'succeeded'))).toEqual([]);
        expect(await store.reportLength(job.id)).toEqual({ succeeded: 0, failed: 0 });
      });
    });

    describe('report parts', () => {
      it('come back in index order, byte for byte, whatever the completion order; lengths match', async () => {
        const n = 21; // more than a page of parts
        const job = await jobWithChunks(n);
        const claimed = await store.claimChunks(job.id, 'node-a', n, LEASE, T0);
        const outcomes = new Map<number, ChunkOutcome>();
        // complete in a scrambled order; every third chunk has no failures (an empty part)
        const order = claimed.map((c) => c.index).sort((a, b) => ((a * 7) % n) - ((b * 7) % n));
        for (const index of order) {
          const c = claimed.find((x) => x.index === index);
          if (!c) throw new Error('claim');
          const failed = index % 3 === 0 ? 0 : 2;
          const outcome = outcomeFor(index, c.taskCount - failed, failed);
          outcomes.set(index, outcome);
          await store.completeChunk(job.id, index, c.token, outcome, T0 + 1);
        }
        const inOrder = [...outcomes.entries()].sort(([a], [b]) => a - b).map(([, o]) => o);
        const expectParts = (status: ReportPartStatus): Buffer[] =>
          inOrder.map((o) => (status === 'succeeded' ? o.reportSucceeded : o.reportFailed)).filter((b) => b.length > 0);

        const succeeded = await collect(store.readReportParts(job.id, 'succeeded'));
        const failed = await collect(store.readReportParts(job.id, 'failed'));
        expect(succeeded).toEqual(expectParts('succeeded'));
        expect(failed).toEqual(expectParts('failed'));
        expect(failed).toHaveLength(n - Math.ceil(n / 3));
        expect(Buffer.concat(succeeded).equals(Buffer.concat(expectParts('succeeded')))).toBe(true);
        expect(await store.reportLength(job.id)).toEqual({
          succeeded: Buffer.concat(succeeded).length,
          failed: Buffer.concat(failed).length,
        });
      });

      it('keeps arbitrary bytes (not only UTF-8) and skips empty parts', async () => {
        const job = await jobWithChunks(2);
        const [c0, c1] = await store.claimChunks(job.id, 'node-a', 2, LEASE, T0);
        if (!c0 || !c1) throw new Error('claim');
        const binary = Buffer.from([0, 255, 13, 10, 0xc3, 0x28, 34, 44]);
        await store.completeChunk(
          job.id,
          0,
          c0.token,
          { succeeded: 10, failed: 0, reportSucceeded: binary, reportFailed: Buffer.alloc(0) },
          T0 + 1,
        );
        await store.completeChunk(
          job.id,
          1,
          c1.token,
          { succeeded: 0, failed: 0, reportSucceeded: Buffer.alloc(0), reportFailed: Buffer.alloc(0), partial: true },
          T0 + 1,
        );
        const parts = await collect(store.readReportParts(job.id, 'succeeded'));
        expect(parts).toHaveLength(1);
        expect(parts[0]?.equals(binary)).toBe(true);
        expect(await collect(store.readReportParts(job.id, 'failed'))).toEqual([]);
        expect(await store.reportLength(job.id)).toEqual({ succeeded: binary.length, failed: 0 });
      });

      it('a stored part does not change when the caller mutates its buffers', async () => {
        const job = await jobWithChunks(1);
        const c = await claimOne(job.id, 'node-a', T0);
        const outcome = outcomeFor(0, 10, 0);
        const copy = Buffer.from(outcome.reportSucceeded);
        await store.completeChunk(job.id, 0, c.token, outcome, T0 + 1);
        outcome.reportSucceeded.fill(0);
        const [part] = await collect(store.readReportParts(job.id, 'succeeded'));
        expect(part?.equals(copy)).toBe(true);
        part?.fill(1);
        const [reread] = await collect(store.readReportParts(job.id, 'succeeded'));
        expect(reread?.equals(copy)).toBe(true);
      });

      it('is empty for a job without chunks', async () => {
        const job = await createJob();
        expect(await collect(store.readReportParts(job.id, 'succeeded'))).toEqual([]);
        expect(await store.reportLength(job.id)).toEqual({ succeeded: 0, failed: 0 });
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 0, leased: 0, done: 0, total: 0, final: false });
      });
    });

    describe('isolation, deletion and errors', () => {
      it('keeps each job’s chunks, leases, counts and parts to itself', async () => {
        const a = await jobWithChunks(3);
        const b = await createJob();
        await store.addChunks(b.id, makeChunks(0, 2, () => 5), { final: true });
        const claimedA = await store.claimChunks(a.id, 'node-a', 10, LEASE, T0);
        expect(claimedA.map((c) => [c.jobId, c.index])).toEqual([
          [a.id, 0],
          [a.id, 1],
          [a.id, 2],
        ]);
        expect(await store.chunkCounts(b.id)).toEqual({ pending: 2, leased: 0, done: 0, total: 2, final: true });
        const a0 = claimedA[0];
        if (!a0) throw new Error('claim');
        // a's token means nothing for b's chunk 0
        await expectStoreError(store.completeChunk(b.id, 0, a0.token, outcomeFor(0, 5, 0), T0 + 1), 'LeaseLost');
        await store.completeChunk(a.id, 0, a0.token, outcomeFor(0, 10, 0), T0 + 1);
        expect(await progressOf(b.id)).toMatchObject({ totalTasks: 10, succeededTasks: 0 });
        expect(await collect(store.readReportParts(b.id, 'succeeded'))).toEqual([]);

        expect(await store.deleteChunks(a.id)).toBe(3);
        expect(await store.chunkCounts(b.id)).toMatchObject({ total: 2 });
        expect((await store.claimChunks(b.id, 'node-b', 10, LEASE, T0)).map((c) => c.index)).toEqual([0, 1]);
      });

      it('deletes chunks and parts in batches, keeps the job’s progress, and allows adding again', async () => {
        const n = 150;
        const job = await jobWithChunks(n);
        let done = 0;
        for (const c of await store.claimChunks(job.id, 'node-a', n, LEASE, T0)) {
          await store.completeChunk(job.id, c.index, c.token, outcomeFor(c.index, c.taskCount - 1, 1), T0 + 1);
          done += c.taskCount;
        }
        const before = await progressOf(job.id);
        expect(before.succeededTasks + before.failedTasks).toBe(done);

        expect(await store.deleteChunks(job.id)).toBe(n);
        expect(await store.chunkCounts(job.id)).toEqual({ pending: 0, leased: 0, done: 0, total: 0, final: false });
        expect(await collect(store.readReportParts(job.id, 'failed'))).toEqual([]);
        expect(await store.reportLength(job.id)).toEqual({ succeeded: 0, failed: 0 });
        expect(await progressOf(job.id)).toEqual(before);
        expect(await store.deleteChunks(job.id)).toBe(0);

        // preparation from scratch, e.g. with another chunk size
        await store.addChunks(job.id, makeChunks(0, 2, () => 3), { final: true });
        expect(await store.chunkCounts(job.id)).toMatchObject({ total: 2, final: true });
      });

      it('answers NotFound for an unknown job', async () => {
        const id = randomUUID();
        await expectStoreError(store.addChunks(id, makeChunks(0, 1), { final: true }), 'NotFound');
        await expectStoreError(store.claimChunks(id, 'node-a', 1, LEASE, T0), 'NotFound');
        await expectStoreError(store.renewLeases(id, [{ index: 0, token: 't' }], LEASE, T0), 'NotFound');
        await expectStoreError(store.releaseChunk(id, 0, 't'), 'NotFound');
        await expectStoreError(store.completeChunk(id, 0, 't', outcomeFor(0, 1, 0), T0), 'NotFound');
        await expectStoreError(store.chunkCounts(id), 'NotFound');
        await expectStoreError(collect(store.readReportParts(id, 'succeeded')), 'NotFound');
        await expectStoreError(store.reportLength(id), 'NotFound');
        await expectStoreError(store.deleteChunks(id), 'NotFound');
      });

      it('rejects chunk calls after close', async () => {
        const job = await jobWithChunks(1);
        await store.close();
        await expect(store.addChunks(job.id, makeChunks(0, 1), { final: true })).rejects.toThrow();
        await expect(store.claimChunks(job.id, 'node-a', 1, LEASE, T0)).rejects.toThrow();
        await expect(store.completeChunk(job.id, 0, 't', outcomeFor(0, 1, 0), T0)).rejects.toThrow();
        await expect(store.chunkCounts(job.id)).rejects.toThrow();
        await expect(collect(store.readReportParts(job.id, 'failed'))).rejects.toThrow();
      });
    });

    describe('generator listings: chunks and position in one commit (issue 13)', () => {
      const at = (key: string, scanned: number, done = false) => ({ cursor: { after: key, note: 'é 🚀' }, scanned, done });

      it('keeps the position committed with each batch, and hands chunks back with their records in order', async () => {
        const job = await createJob();
        expect(await store.listingCheckpoint(job.id)).toBeUndefined();
        const batch = (from: number, to: number): NewChunk[] =>
          makeChunks(from, to).map((c) => ({ ...c, records: csv(`"b","k${c.index}"\n`) }));
        await store.addChunks(job.id, batch(0, 2), { final: false, listing: at('k1', 50) });
        expect(await store.listingCheckpoint(job.id)).toMatchObject(at('k1', 50));
        await store.addChunks(job.id, batch(2, 3), { final: false, listing: at('k2', 80) });
        const checkpoint = await store.listingCheckpoint(job.id);
        expect(checkpoint).toMatchObject(at('k2', 80));
        expect(Number.isSafeInteger(checkpoint?.updatedMs)).toBe(true);
        // not final yet: the job's total grows with every batch
        expect(await store.chunkCounts(job.id)).toMatchObject({ total: 3, final: false });
        expect(await progressOf(job.id)).toMatchObject({ totalTasks: 10 + 11 + 12 });

        const read: Array<{ index: number; records: string | undefined; locator: unknown }> = [];
        for await (const c of store.readChunkRecords(job.id)) read.push({ index: c.index, records: c.records?.toString('utf8'), locator: c.locator });
        expect(read).toEqual([0, 1, 2].map((i) => ({ index: i, records: `"b","k${i}"\n`, locator: locator(i, 10 + i) })));

        await store.addChunks(job.id, [], { final: true, listing: at('k2', 90, true) });
        expect(await store.listingCheckpoint(job.id)).toMatchObject(at('k2', 90, true));
        expect(await store.chunkCounts(job.id)).toMatchObject({ total: 3, final: true });
      });

      it('a batch that fails stores neither its chunks nor its position', async () => {
        const job = await createJob();
        await store.addChunks(job.id, makeChunks(0, 2), { final: false, listing: at('k1', 20) });
        // chunk 1 again with another task count: ChunkConflict, and the position stays where it was
        await expectStoreError(store.addChunks(job.id, makeChunks(1, 3, () => 99), { final: false, listing: at('k9', 99) }), 'ChunkConflict');
        expect(await store.listingCheckpoint(job.id)).toMatchObject(at('k1', 20));
        expect(await store.chunkCounts(job.id)).toMatchObject({ total: 2 });
      });

      it('a stale lister cannot move the position back; re-adding the committed batch is a no-op', async () => {
        const job = await createJob();
        await store.addChunks(job.id, makeChunks(0, 2), { final: false, listing: at('k1', 20) });
        await store.addChunks(job.id, makeChunks(2, 4), { final: false, listing: at('k3', 40) });
        // a lister that resumed from the first position re-cuts chunks 2..3 identically
        expect(await store.addChunks(job.id, makeChunks(2, 3), { final: false, listing: at('k2', 30) })).toMatchObject({ added: 0, chunks: 4 });
        expect(await store.listingCheckpoint(job.id)).toMatchObject(at('k3', 40));
      });

      it('the final batch sets the generated manifest descriptor; deleteChunks deletes the position', async () => {
        const job = await createJob();
        const descriptor = {
          Format: 'S3InventoryReport_CSV_20211130' as const,
          Location: { ObjectArn: 'arn:aws:s3:::out/gen/manifest.json', ETag: '"0123"' },
        };
        await expect(store.addChunks(job.id, makeChunks(0, 1), { final: false, generatedManifest: descriptor })).rejects.toThrow(RangeError);
        await expect(store.addChunks(job.id, makeChunks(0, 1), { final: false, listing: at('k', 1, true) })).rejects.toThrow(RangeError);
        await expect(store.addChunks(job.id, makeChunks(0, 1), { final: false, listing: { cursor: undefined, scanned: 1, done: false } })).rejects.toThrow(RangeError);
        await store.addChunks(job.id, makeChunks(0, 1), { final: true, listing: at('k0', 5, true), generatedManifest: descriptor });
        expect((await store.getJob(ACCOUNT, job.id))?.generatedManifest).toEqual(descriptor);
        expect(await store.deleteChunks(job.id)).toBe(1);
        expect(await store.listingCheckpoint(job.id)).toBeUndefined();
        expect((await store.getJob(ACCOUNT, job.id))?.generatedManifest).toEqual(descriptor);
      });

      it('a listing that found nothing is final with no chunk', async () => {
        const job = await createJob();
        expect(await store.addChunks(job.id, [], { final: true, listing: at('', 7, true) })).toEqual({ added: 0, chunks: 0, totalTasks: 0 });
        expect(await store.listingCheckpoint(job.id)).toMatchObject(at('', 7, true));
        await expectStoreError(store.listingCheckpoint(randomUUID()), 'NotFound');
      });

      it('survives close and reopen: the listing resumes from the committed position', async (ctx) => {
        if (!harness.reopen) {
          ctx.skip();
          return;
        }
        const job = await createJob();
        await store.addChunks(job.id, makeChunks(0, 3), { final: false, listing: at('k2', 33) });
        await store.close();
        store = await harness.reopen();
        expect(await store.listingCheckpoint(job.id)).toMatchObject(at('k2', 33));
        expect(await store.chunkCounts(job.id)).toMatchObject({ total: 3, final: false });
      });
    });

    describe('restart', () => {
      it('keeps chunks, leases, tokens, counts and report parts across close and reopen', async (ctx) => {
        if (!harness.reopen) {
          ctx.skip();
          return;
        }
        const job = await jobWithChunks(4);
        const [c0, c1, c2] = await store.claimChunks(job.id, 'node-a', 3, LEASE, T0);
        if (!c0 || !c1 || !c2) throw new Error('claim');
        await store.completeChunk(job.id, 0, c0.token, outcomeFor(0, 9, 1), T0 + 1);
        await store.releaseChunk(job.id, 2, c2.token);
        const counts = await store.chunkCounts(job.id);
        const progress = await progressOf(job.id);

        await store.close();
        store = await harness.reopen();

        expect(await store.chunkCounts(job.id)).toEqual(counts);
        expect(counts).toEqual({ pending: 2, leased: 1, done: 1, total: 4, final: true });
        expect(await progressOf(job.id)).toEqual(progress);
        expect(await collect(store.readReportParts(job.id, 'succeeded'))).toEqual([outcomeFor(0, 9, 1).reportSucceeded]);
        expect(await store.reportLength(job.id)).toEqual({
          succeeded: outcomeFor(0, 9, 1).reportSucceeded.length,
          failed: outcomeFor(0, 9, 1).reportFailed.length,
        });
        // the lease and its token survived: renew and complete still work, the re-add is a no-op
        expect(await store.renewLeases(job.id, [{ index: 1, token: c1.token }], LEASE, T0 + 2)).toMatchObject({ lost: [] });
        expect(await store.addChunks(job.id, makeChunks(0, 4), { final: true })).toMatchObject({ added: 0 });
        const next = await store.claimChunks(job.id, 'node-b', 5, LEASE, T0 + 3);
        expect(next.map((c) => [c.index, c.attempt])).toEqual([
          [2, 2],
          [3, 1],
        ]);
        await store.completeChunk(job.id, 1, c1.token, outcomeFor(1, 11, 0), T0 + 4);
        expect(await progressOf(job.id)).toMatchObject({ succeededTasks: 20, failedTasks: 1 });
      });

      it('after a crash mid-chunk: the lease runs out, another claim redoes it, and it is counted once', async (ctx) => {
        if (!harness.reopen) {
          ctx.skip();
          return;
        }
        const job = await jobWithChunks(2);
        const crashed = await claimOne(job.id, 'node-a', T0);
        // the process dies while running chunk 0: no completion, no release
        await store.close();
        store = await harness.reopen();

        // until the lease runs out nobody may take chunk 0
        expect((await store.claimChunks(job.id, 'node-a2', 5, LEASE, T0 + 1)).map((c) => c.index)).toEqual([1]);
        const redo = await claimOne(job.id, 'node-a2', T0 + LEASE);
        expect(redo).toMatchObject({ index: 0, attempt: 2 });
        expect(redo.token).not.toBe(crashed.token);
        await store.completeChunk(job.id, 0, redo.token, outcomeFor(0, 10, 0), T0 + LEASE + 1);
        // the "dead" node was only slow and now finishes too: refused
        await expectStoreError(store.completeChunk(job.id, 0, crashed.token, outcomeFor(0, 10, 0), T0 + LEASE + 2), 'LeaseLost');

        // a crash right after the commit (reply lost), then the retried completion: a no-op
        await store.close();
        store = await harness.reopen();
        const retried = await store.completeChunk(job.id, 0, redo.token, outcomeFor(0, 10, 0), T0 + LEASE + 3);
        expect(retried.outcome).toBe('alreadyDone');
        expect(await progressOf(job.id)).toMatchObject({ totalTasks: 21, succeededTasks: 10, failedTasks: 0 });
        expect(await collect(store.readReportParts(job.id, 'succeeded'))).toEqual([outcomeFor(0, 10, 0).reportSucceeded]);
      });
    });
  });
}
