/**
 * The JobStore contract for the dashboard (issue 16): job search by id and description, and
 * sign-in sessions with idle and absolute expiry. Run by every backend next to the job and chunk
 * contracts; expectations are written out by hand, times passed explicitly.
 */
import { randomUUID } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { JobSpec } from '../../src/domain/job-spec.js';
import type { DashboardSession, JobStore, NewJob } from '../../src/store/job-store.js';
import type { JobStoreHarness } from './job-store.contract.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

function newJob(accountId: string, id: string, nowMs: number, description?: string): NewJob {
  const spec: JobSpec = {
    Operation: { S3DeleteObjectTagging: {} },
    Report: { Enabled: false },
    Priority: 10,
    RoleArn: `arn:aws:iam::${accountId}:role/batch`,
    ConfirmationRequired: false,
    ...(description !== undefined ? { Description: description } : {}),
  };
  const token = randomUUID();
  return { id, accountId, arn: `arn:aws:s3:us-east-1:${accountId}:job/${id}`, spec, tags: [], clientRequestToken: token, requestHash: token, nowMs };
}

function session(overrides: Partial<DashboardSession> = {}): DashboardSession {
  return {
    id: randomUUID(),
    accountId: ACCOUNT,
    accessKeyId: 'AKIDAAAA',
    csrfToken: 'csrf-1',
    createdMs: T0,
    lastSeenMs: T0,
    idleExpiresMs: T0 + 8 * HOUR,
    absoluteExpiresMs: T0 + 24 * HOUR,
    ...overrides,
  };
}

export function runDashboardStoreContract(name: string, makeStore: () => Promise<JobStoreHarness>): void {
  describe(`${name}: dashboard`, () => {
    let harness: JobStoreHarness;
    let store: JobStore;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    describe('searchJobs', () => {
      beforeEach(async () => {
        await store.createJob(newJob(ACCOUNT, 'aaaa-1111', T0 + 1, 'Nightly Tagging of logs'));
        await store.createJob(newJob(ACCOUNT, 'bbbb-2222', T0 + 2, 'copy 100% of photos_2024'));
        await store.createJob(newJob(ACCOUNT, 'cccc-3333', T0 + 3));
        await store.createJob(newJob(ACCOUNT, 'dddd-4444', T0 + 4, 'tagging again'));
        await store.createJob(newJob(OTHER, 'eeee-5555', T0 + 5, 'tagging in another account'));
        await store.transition('dddd-4444', ['New'], 'Preparing', T0 + 10);
      });
      const ids = async (text: string, extra: Partial<Parameters<JobStore['searchJobs']>[0]> = {}) =>
        (await store.searchJobs({ accountId: ACCOUNT, text, limit: 100, ...extra })).map((j) => j.id);

      it('matches the description case-insensitively, newest first, in the account only', async () => {
        expect(await ids('TAGGING')).toEqual(['dddd-4444', 'aaaa-1111']);
        expect(await store.searchJobs({ accountId: OTHER, text: 'tagging', limit: 10 })).toHaveLength(1);
      });

      it('matches any part of the job id', async () => {
        expect(await ids('CCC-33')).toEqual(['cccc-3333']);
        expect(await ids('-')).toEqual(['dddd-4444', 'cccc-3333', 'bbbb-2222', 'aaaa-1111']);
      });

      it('takes % and _ literally', async () => {
        expect(await ids('100%')).toEqual(['bbbb-2222']);
        expect(await ids('%')).toEqual(['bbbb-2222']);
        expect(await ids('s_2')).toEqual(['bbbb-2222']);
        expect(await ids('no such thing')).toEqual([]);
      });

      it('filters by status and pages with a cursor like listJobs', async () => {
        expect(await ids('tagging', { statuses: ['Preparing'] })).toEqual(['dddd-4444']);
        expect(await ids('tagging', { statuses: ['New'] })).toEqual(['aaaa-1111']);
        const [first] = await store.searchJobs({ accountId: ACCOUNT, text: '', limit: 1 });
        expect(first?.id).toBe('dddd-4444');
        if (!first) throw new Error('no first page');
        expect(await ids('', { limit: 2, after: { createdMs: first.createdMs, id: first.id } })).toEqual(['cccc-3333', 'bbbb-2222']);
        expect(await ids('', { limit: 0 })).toEqual([]);
        await expect(store.searchJobs({ accountId: ACCOUNT, text: '', limit: -1 })).rejects.toThrow(RangeError);
      });
    });

    describe('sessions', () => {
      it('keeps a session and moves its idle expiry on each use, capped by the absolute one', async () => {
        const s = session();
        await store.createSession(s);
        const used = await store.useSession(s.id, T0 + HOUR, 8 * HOUR);
        expect(used).toEqual({ ...s, lastSeenMs: T0 + HOUR, idleExpiresMs: T0 + 9 * HOUR });
        // 8 h after that use (not after sign-in) it has ended
        expect(await store.useSession(s.id, T0 + 9 * HOUR, 8 * HOUR)).toBeUndefined();
      });

      it('ends a session used every few hours 24 h after sign-in', async () => {
        const s = session();
        await store.createSession(s);
        expect(await store.useSession(s.id, T0 + 8 * HOUR - 1, 8 * HOUR)).toBeDefined();
        expect(await store.useSession(s.id, T0 + 16 * HOUR - 2, 8 * HOUR)).toBeDefined();
        expect(await store.useSession(s.id, T0 + 24 * HOUR - 3, 8 * HOUR)).toMatchObject({ idleExpiresMs: T0 + 24 * HOUR });
        // the absolute expiry: 24 h after sign-in, however recently it was used
        expect(await store.useSession(s.id, T0 + 24 * HOUR, 8 * HOUR)).toBeUndefined();
        // and it is gone for good, even asked about at an earlier time
        expect(await store.useSession(s.id, T0, 8 * HOUR)).toBeUndefined();
      });

      it('forgets an idle session at its idle expiry (exclusive)', async () => {
        const s = session();
        await store.createSession(s);
        expect(await store.useSession(s.id, T0 + 8 * HOUR, 8 * HOUR)).toBeUndefined();
        expect(await store.useSession(s.id, T0 + 1, 8 * HOUR)).toBeUndefined();
      });

      it('deletes on sign-out; an unknown id is no session', async () => {
        const s = session();
        await store.createSession(s);
        expect(await store.useSession('nope', T0, HOUR)).toBeUndefined();
        expect(await store.deleteSession(s.id)).toBe(true);
        expect(await store.deleteSession(s.id)).toBe(false);
        expect(await store.useSession(s.id, T0 + 1, HOUR)).toBeUndefined();
      });

      it('refuses a second session with the same id and an idle expiry past the absolute one', async () => {
        const s = session();
        await store.createSession(s);
        await expect(store.createSession(s)).rejects.toThrow();
        await expect(store.createSession(session({ idleExpiresMs: T0 + 25 * HOUR }))).rejects.toThrow(RangeError);
      });

      it('sweeps expired sessions only, up to the limit', async () => {
        const old1 = session({ idleExpiresMs: T0 + 1 });
        const old2 = session({ idleExpiresMs: T0 + 2 });
        const live = session();
        for (const s of [old1, old2, live]) await store.createSession(s);
        expect(await store.deleteExpiredSessions(T0 + 10, 1)).toBe(1);
        expect(await store.deleteExpiredSessions(T0 + 10, 10)).toBe(1);
        expect(await store.deleteExpiredSessions(T0 + 10, 10)).toBe(0);
        expect(await store.useSession(live.id, T0 + 10, HOUR)).toMatchObject({ accountId: ACCOUNT, csrfToken: 'csrf-1' });
      });

      it('keeps sessions across a restart', async (ctx) => {
        if (!harness.reopen) return ctx.skip();
        const s = session();
        await store.createSession(s);
        await store.close();
        store = await harness.reopen();
        expect(await store.useSession(s.id, T0 + 1, HOUR)).toMatchObject({ id: s.id, accessKeyId: 'AKIDAAAA' });
      });
    });
  });
}
