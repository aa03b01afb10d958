/**
 * SigV4 and accounts on the jobs API: every failure answers in the <ErrorResponse> envelope with
 * AWS's code and status; one account never sees another's jobs.
 */
import {
  CreateJobCommand,
  DeleteJobTaggingCommand,
  DescribeJobCommand,
  GetJobTaggingCommand,
  ListJobsCommand,
  NotFoundException,
  PutJobTaggingCommand,
  UpdateJobPriorityCommand,
  UpdateJobStatusCommand,
} from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { jobInput } from '../helpers/jobs.js';
import { errorCode, rawRequest, type RawRequest } from '../helpers/raw-request.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer } from '../helpers/server.js';

const LIST: RawRequest = { method: 'GET', path: '/v20180820/jobs' };

describe('SigV4 on the jobs API', () => {
  it('accepts a correctly signed request, also in absolute form through a proxy-style target', async () => {
    const server = await startTestServer();
    expect((await rawRequest(server.url, LIST)).status).toBe(200);
    const proxied = await rawRequest(server.url, { ...LIST, absoluteForm: true });
    expect(proxied.status).toBe(200);
    expect(proxied.body).toContain('<ListJobsResult');
  });

  const failures: Array<[string, RawRequest, number, string]> = [
    ['unsigned', { ...LIST, unsigned: true }, 403, 'AccessDenied'],
    ['unknown key', { ...LIST, account: { ...ACCOUNT_A, accessKeyId: 'AKIDUNKNOWN' } }, 403, 'InvalidAccessKeyId'],
    ['wrong secret', { ...LIST, account: { ...ACCOUNT_A, secretAccessKey: 'wrong' } }, 403, 'SignatureDoesNotMatch'],
    [
      'tampered header (host)',
      { ...LIST, tamper: (r) => void (r.headers.host = r.headers.host?.replace(/^\d+/, '999999999999') ?? '') },
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'tampered query',
      { method: 'GET', path: '/v20180820/jobs', query: { maxResults: '1' }, tamper: (r) => void (r.rawQuery = 'maxResults=2') },
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'tampered path',
      { method: 'GET', path: '/v20180820/jobs/aaaaa', tamper: (r) => void (r.path = '/v20180820/jobs/bbbbb') },
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'tampered body',
      { method: 'PUT', path: '/v20180820/jobs/aaaaa/tagging', body: '<PutJobTaggingRequest><Tags><member><Key>a</Key><Value>b</Value></member></Tags></PutJobTaggingRequest>',
        // same length, so that the signed content-length still matches
        tamper: (r) => void (r.body = Buffer.from(r.body.toString().replace('<Value>b<', '<Value>c<'))) },
      400,
      'XAmzContentSHA256Mismatch',
    ],
    [
      'tampered body hash header',
      { ...LIST, tamper: (r) => void (r.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD') },
      403,
      'SignatureDoesNotMatch',
    ],
    ['clock 16 minutes behind', { ...LIST, signingDate: new Date(Date.now() - 16 * 60_000) }, 403, 'RequestTimeTooSkewed'],
    ['clock 16 minutes ahead', { ...LIST, signingDate: new Date(Date.now() + 16 * 60_000) }, 403, 'RequestTimeTooSkewed'],
    ['wrong region', { ...LIST, region: 'eu-west-1' }, 400, 'AuthorizationHeaderMalformed'],
    [
      'malformed Authorization',
      { ...LIST, tamper: (r) => void (r.headers.authorization = 'AWS4-HMAC-SHA256 Credential=garbage') },
      400,
      'AuthorizationHeaderMalformed',
    ],
    ['x-amz-account-id of another account', { ...LIST, accountHeader: ACCOUNT_B.accountId, host: '127.0.0.1' }, 403, 'AccessDenied'],
    ['no x-amz-account-id', { ...LIST, accountHeader: null }, 403, 'AccessDenied'],
    ['account in host differs from header', { ...LIST, host: `${ACCOUNT_B.accountId}.localhost` }, 403, 'AccessDenied'],
  ];
  for (const [name, request, status, code] of failures) {
    it(`${name} → ${status} ${code}`, async () => {
      const server = await startTestServer();
      const res = await rawRequest(server.url, request);
      expect(res.status).toBe(status);
      expect(res.body).toMatch(/^<\?xml[^>]*>\s*<ErrorResponse><Error><Code>/);
      expect(errorCode(res.body)).toBe(code);
      expect(res.body).toMatch(/<RequestId>[0-9A-F]{16}<\/RequestId>/);
      expect(res.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    });
  }

  it('accepts a 14-minute skew', async () => {
    const server = await startTestServer();
    expect((await rawRequest(server.url, { ...LIST, signingDate: new Date(Date.now() - 14 * 60_000) })).status).toBe(200);
  });

  it('serves /_s3batch/health unsigned', async () => {
    const server = await startTestServer();
    const res = await fetch(`${server.url}/_s3batch/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    const metrics = await fetch(`${server.url}/_s3batch/metrics`);
    expect(await metrics.text()).toContain('s3batch_http_requests_total');
  });
});

describe('accounts are walls', () => {
  it('hides one account’s job from another in all eight operations', async () => {
    const server = await startTestServer();
    const a = controlClient(server, ACCOUNT_A);
    const b = controlClient(server, ACCOUNT_B);
    const { JobId } = await a.send(new CreateJobCommand(jobInput({ ClientRequestToken: 'shared-token', Tags: [{ Key: 'a', Value: '1' }] })));
    const B = ACCOUNT_B.accountId;
    const attempts = [
      () => b.send(new DescribeJobCommand({ AccountId: B, JobId })),
      () => b.send(new UpdateJobPriorityCommand({ AccountId: B, JobId, Priority: 1 })),
      () => b.send(new UpdateJobStatusCommand({ AccountId: B, JobId, RequestedJobStatus: 'Cancelled' })),
      () => b.send(new GetJobTaggingCommand({ AccountId: B, JobId })),
      () => b.send(new PutJobTaggingCommand({ AccountId: B, JobId, Tags: [] })),
      () => b.send(new DeleteJobTaggingCommand({ AccountId: B, JobId })),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(NotFoundException);
    expect((await b.send(new ListJobsCommand({ AccountId: B }))).Jobs ?? []).toEqual([]);
    // The same token in another account is another job, not an idempotent replay.
    const other = await b.send(new CreateJobCommand(jobInput({ ClientRequestToken: 'shared-token' }, ACCOUNT_B)));
    expect(other.JobId).not.toBe(JobId);
    // Nothing B tried changed A's job.
    const { Job } = await a.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId }));
    expect(Job).toMatchObject({ Status: 'New', Priority: 10 });
    expect((await a.send(new GetJobTaggingCommand({ AccountId: ACCOUNT_A.accountId, JobId }))).Tags).toEqual([{ Key: 'a', Value: '1' }]);
  });
});
