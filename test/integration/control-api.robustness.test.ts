/** Hostile and broken input: always a 4xx with a clear error, never a 5xx, never a crash. */
import { describe, expect, it } from 'vitest';
import { errorCode, rawRequest } from '../helpers/raw-request.js';
import { startTestServer } from '../helpers/server.js';

const VALID = `<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><ConfirmationRequired>false</ConfirmationRequired><Operation><S3PutObjectTagging><TagSet><member><Key>k</Key><Value>v</Value></member></TagSet></S3PutObjectTagging></Operation><Report><Enabled>false</Enabled></Report><Manifest><Spec><Format>S3BatchOperations_CSV_20180820</Format><Fields><member>Bucket</member><member>Key</member></Fields></Spec><Location><ObjectArn>arn:aws:s3:::m/m.csv</ObjectArn><ETag>e</ETag></Location></Manifest><Priority>10</Priority><RoleArn>arn:aws:iam::111122223333:role/r</RoleArn><ClientRequestToken>TOKEN</ClientRequestToken></CreateJobRequest>`;

const BILLION_LAUGHS = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><CreateJobRequest><Description>&lol3;</Description></CreateJobRequest>`;
const XXE = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><CreateJobRequest><Description>&xxe;</Description></CreateJobRequest>`;

const BODIES: Array<[string, string | Buffer, string]> = [
  ['empty body', '', 'BadRequestException'],
  ['truncated XML', VALID.slice(0, 200), 'BadRequestException'],
  ['not XML', 'hello world', 'BadRequestException'],
  ['binary garbage', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x3c, 0x3e]), 'BadRequestException'],
  ['entity bomb', BILLION_LAUGHS, 'BadRequestException'],
  ['external entity', XXE, 'BadRequestException'],
  ['undeclared entity', VALID.replace('<ETag>e</ETag>', '<ETag>&foo;</ETag>'), 'BadRequestException'],
  ['wrong root', VALID.replace(/CreateJobRequest/g, 'PutJobTaggingRequest'), 'BadRequestException'],
  ['invalid enum', VALID.replace('S3BatchOperations_CSV_20180820', 'CSV'), 'BadRequestException'],
  ['priority out of range', VALID.replace('<Priority>10</Priority>', '<Priority>2147483648</Priority>'), 'BadRequestException'],
  ['priority huge', VALID.replace('<Priority>10</Priority>', `<Priority>${'9'.repeat(400)}</Priority>`), 'BadRequestException'],
  ['priority not a number', VALID.replace('<Priority>10</Priority>', '<Priority>ten</Priority>'), 'BadRequestException'],
  ['boolean not a boolean', VALID.replace('<Enabled>false</Enabled>', '<Enabled>no</Enabled>'), 'BadRequestException'],
  ['prototype pollution', VALID.replace('<Report>', '<__proto__><polluted>yes</polluted></__proto__><Report>'), 'BadRequestException'],
  ['constructor element', VALID.replace('<Report>', '<constructor><prototype>x</prototype></constructor><Report>'), 'BadRequestException'],
  ['deep nesting', `<CreateJobRequest>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</CreateJobRequest>`, 'BadRequestException'],
];

describe('CreateJob with hostile bodies', () => {
  for (const [name, body, code] of BODIES) {
    it(`${name} → ${code}`, async () => {
      const server = await startTestServer();
      const res = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body });
      expect(res.status, res.body).toBe(400);
      expect(errorCode(res.body)).toBe(code);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // The server is still healthy.
      expect((await rawRequest(server.url, { method: 'GET', path: '/v20180820/jobs' })).status).toBe(200);
    });
  }

  it('refuses a body over 1 MiB without reading it all', async () => {
    const server = await startTestServer();
    const body = VALID.replace('</CreateJobRequest>', `<Pad>${'x'.repeat(1024 * 1024)}</Pad></CreateJobRequest>`);
    const res = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body });
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('MaxMessageLengthExceeded');
  });

  it('accepts a body without declaration or Content-Type (botocore style)', async () => {
    const server = await startTestServer();
    const res = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body: VALID });
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/<CreateJobResult xmlns="http:\/\/awss3control.amazonaws.com\/doc\/2018-08-20\/"><JobId>[0-9a-f-]{36}<\/JobId>/);
  });
});

describe('unknown routes and methods', () => {
  const cases: Array<[string, string, number, string]> = [
    ['GET', '/v20180820/accesspoint', 501, 'NotImplemented'],
    ['GET', '/v20180820/jobs/abcde/unknown', 501, 'NotImplemented'],
    ['DELETE', '/v20180820/jobs/abcde', 405, 'MethodNotAllowed'],
    ['PATCH', '/v20180820/jobs', 405, 'MethodNotAllowed'],
    ['GET', '/v20180820/jobs/a', 400, 'BadRequestException'],
    ['GET', '/v20180820/jobs/bad%20job%20id', 400, 'BadRequestException'],
    ['GET', '/v20180820/jobs/no-such-job', 400, 'NotFoundException'],
    ['POST', '/v20180820/jobs/no-such-job/priority', 400, 'BadRequestException'],
  ];
  for (const [method, path, status, code] of cases) {
    it(`${method} ${path} → ${status} ${code}`, async () => {
      const server = await startTestServer();
      const res = await rawRequest(server.url, { method, path });
      expect(res.status).toBe(status);
      expect(errorCode(res.body)).toBe(code);
    });
  }
});

describe('failures inside the server', () => {
  it('answer 500 InternalServiceException (a server fault) without leaking details', async () => {
    const { ListJobsCommand, InternalServiceException } = await import('@aws-sdk/client-s3-control');
    const { controlClient, ACCOUNT_A } = await import('../helpers/server.js');
    const server = await startTestServer();
    await server.store.close(); // the job database is gone from under the API
    const err = await controlClient(server)
      .send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServiceException);
    expect((err as InstanceType<typeof InternalServiceException>).$fault).toBe('server');
    expect((err as InstanceType<typeof InternalServiceException>).$metadata.httpStatusCode).toBe(500);
    expect((err as Error).message).not.toMatch(/sqlite|closed/i);
  });
});
