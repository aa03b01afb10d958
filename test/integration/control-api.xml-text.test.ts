/**
 * Text XML 1.0 cannot carry (issue: one control character in one job's Description made every
 * ListJobs of the account unreadable for boto3). Both ends are checked: the API refuses such text
 * wherever it arrives (XML body, character references, query parameters, bytes that are not UTF-8),
 * and whatever a data dir already holds, every response still parses in boto3 and the SDK.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  DescribeJobCommand,
  ListJobsCommand,
  PutJobTaggingCommand,
  UpdateJobStatusCommand,
  type CreateJobCommandInput,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBuckets, until } from '../helpers/engine-jobs.js';
import { jobInput, OPERATIONS } from '../helpers/jobs.js';
import { errorCode, rawRequest, type RawRequest } from '../helpers/raw-request.js';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, controlClient, startTestServer, type TestServer } from '../helpers/server.js';
import { errorOf, s3Client } from '../object-store/helpers.js';


/** boto3 lists every job of the account (all pages) and describes each: what it parsed, as JSON. */
const BOTO3_READ_ALL = `
import json, re, sys, boto3
c = boto3.client("s3control", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
c.meta.events.register("before-sign.s3-control",
    lambda request, **_: setattr(request, "url", re.sub(r"//\\d{12}\\.", "//", request.url, count=1)))
acct = sys.argv[4]
listed, token = [], None
while True:
    page = c.list_jobs(AccountId=acct, MaxResults=100, **({"NextToken": token} if token else {}))
    listed += page.get("Jobs", [])
    token = page.get("NextToken")
    if not token: break
out = {}
for j in listed:
    d = c.describe_job(AccountId=acct, JobId=j["JobId"])["Job"]
    out[j["JobId"]] = {"listed": j.get("Description"), "description": d.get("Description"),
        "reason": d.get("StatusUpdateReason"), "failures": d.get("FailureReasons", []),
        "tags": c.get_job_tagging(AccountId=acct, JobId=j["JobId"]).get("Tags", [])}
print(json.dumps(out))
`;

interface Boto3View {
  listed?: string;
  description?: string;
  reason?: string;
  failures: Array<{ FailureCode: string; FailureReason: string }>;
  tags: Array<{ Key: string; Value: string }>;
}

async function readAllWithBoto3(server: TestServer): Promise<Record<string, Boto3View>> {
  const stdout = await runPython(BOTO3_READ_ALL, [server.url.replace('127.0.0.1', 'localhost'), ACCOUNT_A.accessKeyId, ACCOUNT_A.secretAccessKey, ACCOUNT_A.accountId]);
  return JSON.parse(stdout) as Record<string, Boto3View>;
}

/** Every job of the account, listed and described through the SDK. */
async function readAllWithSdk(control: S3ControlClient): Promise<Map<string, { listed?: string; description?: string }>> {
  const out = new Map<string, { listed?: string; description?: string }>();
  let NextToken: string | undefined;
  do {
    const page = await control.send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId, MaxResults: 100, NextToken }));
    for (const j of page.Jobs ?? []) {
      const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: j.JobId! }));
      out.set(j.JobId!, { listed: j.Description, description: Job!.Description });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

const XML_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

async function expectRefused(p: Promise<unknown>, code: string): Promise<void> {
  const e = await errorOf(p);
  expect(e.status, e.message).toBe(400);
  expect(e.name).toBe(code);
}

describe('text XML 1.0 does not allow, on the way in', () => {
  const sdkCases: Array<[string, Partial<CreateJobCommandInput>]> = [
    ['a C0 control in Description', { Description: 'bad\x01desc' }],
    ['NUL in Description', { Description: 'a\x00b' }],
    ['U+FFFE in Description', { Description: 'a\uFFFEb' }],
    ['U+FFFF in a job tag value', { Tags: [{ Key: 'k', Value: 'v\uFFFF' }] }],
    ['ESC in ClientRequestToken', { ClientRequestToken: 'token\x1b' }],
    [
      'NUL in a NewObjectMetadata.UserMetadata value',
      { Operation: { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', MetadataDirective: 'REPLACE', NewObjectMetadata: { UserMetadata: { owner: 'x\x00y' } } } } },
    ],
    [
      'a control in a LambdaInvoke UserArguments value',
      { Operation: { LambdaInvoke: { FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f', InvocationSchemaVersion: '2.0', UserArguments: { k: 'v\x02' } } } },
    ],
  ];
  for (const [name, over] of sdkCases) {
    it(`CreateJob (SDK) refuses ${name}; the account's jobs stay listable`, async () => {
      const server = await startTestServer();
      const control = controlClient(server);
      const good = await control.send(new CreateJobCommand(jobInput({ Description: 'fine' })));
      await expectRefused(control.send(new CreateJobCommand(jobInput(over))), 'BadRequestException');
      const { Jobs } = await control.send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId }));
      expect(Jobs?.map((j) => j.JobId)).toEqual([good.JobId]);
    });
  }

  const raw = (body: string | Buffer): Promise<{ status: number; body: string }> => {
    return startTestServer().then((server) => rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body }));
  };
  const base = (description: string): string =>
    `<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><ConfirmationRequired>false</ConfirmationRequired><Operation><S3PutObjectTagging><TagSet/></S3PutObjectTagging></Operation><Report><Enabled>false</Enabled></Report><Manifest><Spec><Format>S3BatchOperations_CSV_20180820</Format><Fields><member>Bucket</member><member>Key</member></Fields></Spec><Location><ObjectArn>arn:aws:s3:::m/m.csv</ObjectArn><ETag>e</ETag></Location></Manifest><Priority>10</Priority><RoleArn>arn:aws:iam::111122223333:role/r</RoleArn><ClientRequestToken>t</ClientRequestToken><Description>${description}</Description></CreateJobRequest>`;

  for (const ref of ['&#1;', '&#x0;', '&#x1F;', '&#xFFFE;', '&#65535;', '&#xD800;', '&#x110000;']) {
    it(`CreateJob refuses the character reference ${ref} (400 BadRequestException, the character named)`, async () => {
      const res = await raw(base(`bad${ref}desc`));
      expect(res.status, res.body).toBe(400);
      expect(errorCode(res.body)).toBe('BadRequestException');
      expect(res.body).toMatch(/not well-formed/);
    });
  }

  it('CreateJob accepts references to characters XML allows (tab, LF, CR, U+FFFD, astral)', async () => {
    const server = await startTestServer();
    const res = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body: base('a&#9;b&#xA;c&#13;d&#xFFFD;&#x1F600;') });
    expect(res.status, res.body).toBe(200);
    const jobId = /<JobId>([^<]+)</.exec(res.body)![1]!;
    const { Job } = await controlClient(server).send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId }));
    expect(Job!.Description).toBe('a\tb\nc\rd\uFFFD\u{1F600}');
  });

  it('CreateJob refuses a body that is not UTF-8', async () => {
    const body = Buffer.concat([Buffer.from(base('x').split('x</Description>')[0]!), Buffer.from([0xc3, 0x28]), Buffer.from('</Description></CreateJobRequest>')]);
    const res = await raw(body);
    expect(res.status, res.body).toBe(400);
    expect(res.body).toMatch(/not valid UTF-8/);
  });

  it('PutJobTagging (SDK) refuses a control character in a tag', async () => {
    const server = await startTestServer();
    const control = controlClient(server);
    const { JobId } = await control.send(new CreateJobCommand(jobInput()));
    await expectRefused(control.send(new PutJobTaggingCommand({ AccountId: ACCOUNT_A.accountId, JobId, Tags: [{ Key: 'k', Value: '\x07' }] })), 'BadRequestException');
  });

  it('UpdateJobStatus (SDK) refuses a control character in statusUpdateReason with 400 InvalidRequest; the job is unchanged', async () => {
    const server = await startTestServer();
    const control = controlClient(server);
    const { JobId } = await control.send(new CreateJobCommand(jobInput()));
    for (const reason of ['bad\x01reason', '\x00', 'a\uFFFF']) {
      const e = await errorOf(control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId, RequestedJobStatus: 'Cancelled', StatusUpdateReason: reason })));
      expect(e.status).toBe(400);
      expect(e.name).toBe('InvalidRequest');
      expect(e.message).toMatch(/statusUpdateReason.*U\+/);
    }
    const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId }));
    expect(Job!.Status).toBe('New');
    expect(Job!.StatusUpdateReason).toBeUndefined();
  });

  it('every query parameter is checked: ListJobs jobStatuses and nextToken, UpdateJobPriority priority', async () => {
    const server = await startTestServer();
    const { JobId } = await controlClient(server).send(new CreateJobCommand(jobInput()));
    const requests: RawRequest[] = [
      { method: 'GET', path: '/v20180820/jobs', query: { jobStatuses: 'Active\x01' } },
      { method: 'GET', path: '/v20180820/jobs', query: { nextToken: 'a\x1fb' } },
      { method: 'POST', path: `/v20180820/jobs/${JobId}/priority`, query: { priority: '1\x00' } },
      { method: 'GET', path: '/v20180820/jobs', query: { 'unknown\x01': 'x' } },
    ];
    for (const r of requests) {
      const res = await rawRequest(server.url, r);
      expect(res.status, res.body).toBe(400);
      expect(errorCode(res.body)).toBe('InvalidRequest');
    }
  });
});

describe('text XML 1.0 does not allow, on the way out', () => {
  /** Jobs as a data dir written before the API refused such text may hold them: straight into the store. */
  async function legacyJobs(server: TestServer): Promise<{ described: string; failed: string }> {
    const { jobs, store } = server;
    const control = controlClient(server);
    const { JobId: template } = await control.send(new CreateJobCommand(jobInput({ Description: 'template', Tags: [{ Key: 'k', Value: 'v' }] })));
    const spec = (await jobs.describeJob(ACCOUNT_A.accountId, template!))!.spec;
    const { job: described } = await jobs.createJob({
      accountId: ACCOUNT_A.accountId,
      spec: { ...spec, Description: 'bad\x01desc\x00\uFFFE\uD800' },
      tags: [{ Key: 'k\x02', Value: 'v\x1f' }],
      clientRequestToken: 'legacy-1',
    });
    await jobs.requestStatus(ACCOUNT_A.accountId, described.id, 'Cancelled', 'why\x00not\x1b');
    const { job: failed } = await jobs.createJob({ accountId: ACCOUNT_A.accountId, spec, tags: [], clientRequestToken: 'legacy-2' });
    await store.transition(failed.id, ['New'], 'Failed', Date.now(), {
      failureReasons: [{ FailureCode: 'Code\x01', FailureReason: 'Line 1 of s3://m/m.csv has an invalid URL escape "%\x01x" \uDC00' }],
    });
    return { described: described.id, failed: failed.id };
  }

  it('jobs holding such characters are listed and described by the SDK, with U+FFFD in their place', async () => {
    const server = await startTestServer();
    const ids = await legacyJobs(server);
    const control = controlClient(server);
    const { Jobs } = await control.send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId }));
    expect(Jobs).toHaveLength(3);
    const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: ids.described }));
    expect(Job!.Description).toBe('bad\uFFFDdesc\uFFFD\uFFFD\uFFFD');
    expect(Job!.StatusUpdateReason).toBe('why\uFFFDnot\uFFFD');
    const failed = (await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: ids.failed }))).Job!;
    expect(failed.FailureReasons).toEqual([{ FailureCode: 'Code\uFFFD', FailureReason: 'Line 1 of s3://m/m.csv has an invalid URL escape "%\uFFFDx" \uFFFD' }]);
  });

  it.skipIf(!hasBoto3)('… and by boto3', async () => {
    const server = await startTestServer();
    const ids = await legacyJobs(server);
    const seen = await readAllWithBoto3(server);
    expect(Object.keys(seen)).toHaveLength(3);
    expect(seen[ids.described]).toMatchObject({
      listed: 'bad\uFFFDdesc\uFFFD\uFFFD\uFFFD',
      description: 'bad\uFFFDdesc\uFFFD\uFFFD\uFFFD',
      reason: 'why\uFFFDnot\uFFFD',
      tags: [{ Key: 'k\uFFFD', Value: 'v\uFFFD' }],
    });
    expect(seen[ids.failed]!.failures).toEqual([{ FailureCode: 'Code\uFFFD', FailureReason: 'Line 1 of s3://m/m.csv has an invalid URL escape "%\uFFFDx" \uFFFD' }]);
  });

  it('an error message that echoes a bad path value still parses', async () => {
    const server = await startTestServer();
    const res = await rawRequest(server.url, { method: 'GET', path: `/v20180820/jobs/${encodeURIComponent('ab\x01cd')}` });
    expect(res.status).toBe(400);
    expect(XML_FORBIDDEN.test(res.body)).toBe(false);
    const e = await errorOf(controlClient(server).send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: 'ab\x01cd' })));
    expect(e.name).toBe('BadRequestException');
  });
});

describe('a manifest line quoted in FailureReasons', () => {
  it('a bad percent-escape with a control character fails the job with a readable reason; DescribeJob parses in the SDK and boto3', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3: S3Client = s3Client(server);
    await createBuckets(s3);
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'manifests', Key: 'm.csv', Body: 'data,ok\ndata,bad%\x01x\n' }));
    const control = controlClient(server);
    const { JobId } = await control.send(
      new CreateJobCommand(
        jobInput({ Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: 'arn:aws:s3:::manifests/m.csv', ETag: ETag! } } }),
      ),
    );
    const job = await until(control, JobId!, ['Failed']);
    expect(job.FailureReasons).toEqual([{ FailureCode: 'InvalidManifestContent', FailureReason: 'Line 2 of s3://manifests/m.csv has an invalid URL escape "%\\x01x" (a literal % is written %25) in its Key' }]);
    if (hasBoto3) {
      const seen = await readAllWithBoto3(server);
      expect(seen[JobId!]!.failures).toEqual(job.FailureReasons);
    }
  });
});

const ALLOWED_UNITS = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '-', '_') },
  { weight: 2, arbitrary: fc.constantFrom('\t', '\n', '\r', '&', '<', '>', '"', "'", ']]>', '\u2028', '\u0085', '\uFFFD', '\u{1F600}', 'é', 'ключ') },
);
const FORBIDDEN_UNITS = fc.oneof(
  fc.constantFrom('\x00', '\x01', '\x08', '\x0b', '\x1f', '\uFFFE', '\uFFFF'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/** Text for the property: mostly text XML can carry (with its special characters), sometimes not. */
const troubled = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.string({ minLength, maxLength, unit: ALLOWED_UNITS }) },
    { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: fc.oneof({ weight: 4, arbitrary: ALLOWED_UNITS }, { weight: 1, arbitrary: FORBIDDEN_UNITS }) }) },
  );

/** Tag text: what the tag pattern allows (letters, spaces, digits, _.:/=+-@), sometimes with a character XML refuses. */
const tagText = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.string({
    minLength,
    maxLength,
    unit: fc.oneof({ weight: 30, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '.', '@', 'é', 'ключ', '\u3000') }, { weight: 1, arbitrary: FORBIDDEN_UNITS }),
  });

describe('property: any job the API accepted can be listed and described by boto3 and the SDK', () => {
  it('CreateJob, PutJobTagging and UpdateJobStatus with troubled text, then every job read back', async () => {
    const server = await startTestServer();
    const control = controlClient(server);
    const accepted = new Map<string, { description: string | undefined; tags: Array<{ Key: string; Value: string }>; reason?: string }>();
    await fc.assert(
      fc.asyncProperty(
        troubled(256, 1),
        fc.array(fc.record({ Key: tagText(20, 1), Value: tagText(20) }), { maxLength: 3 }),
        troubled(64, 1),
        fc.option(troubled(40, 1), { nil: undefined }),
        fc.option(troubled(40, 1), { nil: undefined }),
        async (Description, Tags, ClientRequestToken, metadataValue, reason) => {
          const Operation = metadataValue === undefined ? OPERATIONS.S3PutObjectTagging! : { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', MetadataDirective: 'REPLACE' as const, NewObjectMetadata: { UserMetadata: { m: metadataValue } } } };
          const texts = [Description, ClientRequestToken, ...Tags.flatMap((t) => [t.Key, t.Value]), ...(metadataValue === undefined ? [] : [metadataValue])];
          const created = await control.send(new CreateJobCommand(jobInput({ Description, Tags, ClientRequestToken, Operation }))).then(
            (r) => r.JobId!,
            (e: { $metadata?: { httpStatusCode?: number }; name?: string }) => {
              expect(e.$metadata?.httpStatusCode, String(e.name)).toBe(400);
              return undefined;
            },
          );
          // Never accepted with a character XML refuses (the API may refuse for other reasons: tag patterns, idempotency).
          if (created !== undefined) expect(texts.some((t) => XML_FORBIDDEN.test(t))).toBe(false);
          if (created === undefined) return;
          const record: { description: string; tags: typeof Tags; reason?: string } = { description: Description, tags: Tags };
          if (reason !== undefined) {
            const ok = await control
              .send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: created, RequestedJobStatus: 'Cancelled', StatusUpdateReason: reason }))
              .then(
                () => true,
                (e: { $metadata?: { httpStatusCode?: number } }) => {
                  expect(e.$metadata?.httpStatusCode).toBe(400);
                  return false;
                },
              );
            expect(ok).toBe(!XML_FORBIDDEN.test(reason));
            if (ok) record.reason = reason;
          }
          accepted.set(created, record);
        },
      ),
      { numRuns: 120, seed: 20261202 },
    );
    expect(accepted.size).toBeGreaterThan(30);

    const sdk = await readAllWithSdk(control);
    expect(new Set(sdk.keys())).toEqual(new Set(accepted.keys()));
    for (const [id, want] of accepted) expect(sdk.get(id)).toEqual({ listed: want.description, description: want.description });

    if (hasBoto3) {
      const seen = await readAllWithBoto3(server);
      expect(new Set(Object.keys(seen))).toEqual(new Set(accepted.keys()));
      for (const [id, want] of accepted) {
        expect(seen[id]).toMatchObject({ listed: want.description, description: want.description, tags: want.tags });
        expect(seen[id]!.reason ?? undefined).toBe(want.reason);
      }
    }
  }, 180_000);
});
