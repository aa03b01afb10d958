/** ListJobs: order, filters, page sizes, and NextTokens that survive restarts but not forgery. */
import { CreateJobCommand, ListJobsCommand, type JobListDescriptor } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer } from '../helpers/server.js';
import { rawRequest, errorCode } from '../helpers/raw-request.js';
import { moveNewJobTo } from '../helpers/job-paths.js';

const AccountId = ACCOUNT_A.accountId;

async function createJobs(server: { url: string }, n: number): Promise<string[]> {
  const client = controlClient(server);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { JobId } = await client.send(new CreateJobCommand(jobInput({ Description: `job ${i}` })));
    ids.push(JobId as string);
  }
  return ids;
}

describe('ListJobs', () => {
  it('lists newest first with every descriptor member', async () => {
    const server = await startTestServer();
    const ids = await createJobs(server, 3);
    const out = await controlClient(server).send(new ListJobsCommand({ AccountId }));
    expect(out.NextToken).toBeUndefined();
    expect(out.Jobs?.map((j) => j.JobId)).toEqual([...ids].reverse());
    const first = out.Jobs?.[0] as JobListDescriptor;
    expect(first).toMatchObject({
      Description: 'job 2',
      Operation: 'S3PutObjectTagging',
      Priority: 10,
      Status: 'New',
      ProgressSummary: { TotalNumberOfTasks: 0, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 0, Timers: { ElapsedTimeInActiveSeconds: 0 } },
    });
    expect(first.CreationTime).toBeInstanceOf(Date);
  });

  it('filters by status', async () => {
    const server = await startTestServer();
    const ids = await createJobs(server, 4);
    await server.store.transition(ids[1] as string, ['New'], 'Cancelled', Date.now());
    await moveNewJobTo(server.store, ids[2] as string, 'Suspended', Date.now());
    const client = controlClient(server);
    const cancelled = await client.send(new ListJobsCommand({ AccountId, JobStatuses: ['Cancelled'] }));
    expect(cancelled.Jobs?.map((j) => j.JobId)).toEqual([ids[1]]);
    expect(cancelled.Jobs?.[0]?.TerminationDate).toBeInstanceOf(Date);
    const two = await client.send(new ListJobsCommand({ AccountId, JobStatuses: ['Cancelled', 'Suspended'] }));
    expect(two.Jobs?.map((j) => j.JobId)).toEqual([ids[2], ids[1]]);
    const none = await client.send(new ListJobsCommand({ AccountId, JobStatuses: ['Active'] }));
    expect(none.Jobs ?? []).toEqual([]);
  });

  it('answers maxResults=0 with an empty page and no NextToken', async () => {
    const server = await startTestServer();
    await createJobs(server, 2);
    const out = await controlClient(server).send(new ListJobsCommand({ AccountId, MaxResults: 0 }));
    expect(out.Jobs ?? []).toEqual([]);
    expect(out.NextToken).toBeUndefined();
  });

  it('defaults to pages of 1000', async () => {
    const server = await startTestServer();
    const now = Date.now();
    for (let i = 0; i < 1001; i++) {
      await server.store.createJob({
        id: `bulk-job-${String(i).padStart(5, '0')}`,
        accountId: AccountId,
        arn: `arn:aws:s3:us-east-1:${AccountId}:job/bulk-${i}`,
        spec: { Operation: { S3DeleteObjectTagging: {} }, Report: { Enabled: false }, Priority: 1, RoleArn: 'arn:aws:iam::111122223333:role/r', ConfirmationRequired: true },
        tags: [],
        clientRequestToken: `t${i}`,
        requestHash: `h${i}`,
        nowMs: now - i,
      });
    }
    const out = await controlClient(server).send(new ListJobsCommand({ AccountId }));
    expect(out.Jobs).toHaveLength(1000);
    expect(out.NextToken).toBeDefined();
    const rest = await controlClient(server).send(new ListJobsCommand({ AccountId, NextToken: out.NextToken }));
    expect(rest.Jobs?.map((j) => j.JobId)).toEqual(['bulk-job-01000']);
    expect(rest.NextToken).toBeUndefined();
  });

  it('pages through every job exactly once, across a restart', async () => {
    let server = await startTestServer();
    const ids = await createJobs(server, 7);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await controlClient(server).send(
        new ListJobsCommand({ AccountId, MaxResults: 2, NextToken: token, JobStatuses: ['New'] }),
      );
      seen.push(...(out.Jobs ?? []).map((j) => j.JobId as string));
      token = out.NextToken;
      pages++;
      if (pages === 2) server = await server.restart();
    } while (token);
    expect(pages).toBe(4);
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses forged, foreign and re-filtered NextTokens with InvalidNextTokenException', async () => {
    const server = await startTestServer();
    await createJobs(server, 3);
    await createJobs(server, 0);
    const client = controlClient(server);
    const { NextToken } = await client.send(new ListJobsCommand({ AccountId, MaxResults: 1 }));
    expect(NextToken).toBeDefined();
    const token = NextToken as string;
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    for (const [name, send] of [
      ['forged', () => client.send(new ListJobsCommand({ AccountId, NextToken: tampered }))],
      ['garbage', () => client.send(new ListJobsCommand({ AccountId, NextToken: 'abc' }))],
      ['other filter', () => client.send(new ListJobsCommand({ AccountId, NextToken: token, JobStatuses: ['New'] }))],
      [
        'other account',
        () => controlClient(server, ACCOUNT_B).send(new ListJobsCommand({ AccountId: ACCOUNT_B.accountId, NextToken: token })),
      ],
    ] as const) {
      const err = await send().catch((e: unknown) => e);
      expect((err as Error).name, name).toBe('InvalidNextTokenException');
    }
  });

  it('validates its query parameters with InvalidRequestException', async () => {
    const server = await startTestServer();
    for (const query of <Array<Record<string, string>>>[{ maxResults: '1001' }, { maxResults: '-1' }, { maxResults: 'ten' }, { jobStatuses: 'Running' }, { nextToken: 'bad token!' }]) {
      const res = await rawRequest(server.url, { method: 'GET', path: '/v20180820/jobs', query });
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(errorCode(res.body), JSON.stringify(query)).toBe('InvalidRequestException');
    }
  });
});
