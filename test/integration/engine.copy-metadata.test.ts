/**
 * S3PutObjectCopy and user metadata, end to end with the real SDKs: CreateJob refuses metadata S3
 * would refuse (lib/user-metadata.ts, the rule the store applies too); values come back exactly as
 * the job gave them — CR, LF and tabs included — through a copy job into the embedded store (in
 * process) and into a remote store (over HTTP), by CopyObject and by the multipart path; and a
 * source that already holds a name no header can carry is copied without it.
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { decodeHeaderValue } from '../../src/lib/rfc2047.js';
import { reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, controlClient, remoteStoreEnv, startTestServer, type TestServer } from '../helpers/server.js';
import { bodyBytes, errorOf, s3Client } from '../object-store/helpers.js';
import { READABLE, SKIPPED, SKIPPED_MESSAGE, serverWithLegacyMetadata } from '../object-store/legacy-metadata.js';

const M = 'Operation.S3PutObjectCopy.NewObjectMetadata.UserMetadata';
const MiB = 1024 * 1024;
/** Past this the engine copies part by part (the lowest threshold the config takes). */
const MULTIPART = { S3BATCH_COPY_MULTIPART_THRESHOLD_BYTES: String(5 * MiB), S3BATCH_COPY_PART_SIZE_BYTES: String(5 * MiB) };

const copyWith = (UserMetadata: Record<string, string>) => ({
  S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', MetadataDirective: 'REPLACE' as const, NewObjectMetadata: { UserMetadata } },
});

async function createCopyJob(control: S3ControlClient, UserMetadata: Record<string, string>): Promise<unknown> {
  return control.send(new CreateJobCommand(jobInput({ Operation: copyWith(UserMetadata) })));
}

describe('CreateJob refuses S3PutObjectCopy user metadata that S3 would refuse', () => {
  it('a name no HTTP header can carry: the issue\'s three and their neighbours, BadRequestException naming the key', async () => {
    const server = await startTestServer();
    const control = controlClient(server);
    const cases: Array<[string, string]> = [
      ['owner name', '" " (U+0020)'],
      ['ключ', '"к" (U+043A)'],
      ['a:b', '":" (U+003A)'],
      ['a\tb', 'U+0009'],
      ['a\r\nb', 'U+000D'],
      ['a(b)', '"(" (U+0028)'],
      ['a/b', '"/" (U+002F)'],
      ['a@b', '"@" (U+0040)'],
      ['x=y', '"=" (U+003D)'],
      ['a,b', '"," (U+002C)'],
      ['q?', '"?" (U+003F)'],
      ['emoji😀', '"😀" (U+1F600)'],
    ];
    for (const [name, char] of cases) {
      const e = await errorOf(createCopyJob(control, { good: '1', [name]: 'v' }));
      expect({ name, code: e.name, status: e.status }).toEqual({ name, code: 'BadRequestException', status: 400 });
      expect(e.message).toBe(
        `${M}[${JSON.stringify(name)}] key holds ${char}, which an HTTP header name (x-amz-meta-<name>) cannot hold: a metadata name may contain only letters, digits and ! # $ % & ' * + - . ^ _ \` | ~`,
      );
    }
  });

  it('two names that are one header, and more than 2 KB in all; every token character, upper case and exactly 2 KB are accepted', async () => {
    const server = await startTestServer();
    const control = controlClient(server);
    const twice = await errorOf(createCopyJob(control, { Owner: '1', owner: '2' }));
    expect([twice.name, twice.status, twice.message]).toEqual([
      'BadRequestException',
      400,
      `${M}["owner"] key is the same metadata header as "Owner" (x-amz-meta-owner): S3 stores metadata names in lower case`,
    ]);
    const big = await errorOf(createCopyJob(control, { a: 'v'.repeat(1024), b: 'é'.repeat(512) }));
    expect([big.name, big.status, big.message]).toEqual([
      'BadRequestException',
      400,
      `${M} must be at most 2048 bytes in all (the UTF-8 bytes of every key and value, S3's limit for user metadata); it is 2050 bytes`,
    ]);
    const exact: Record<string, string> = { "!#$%&'*+-.^_`|~09AZaz": '1', 'Owner-Name': 'x', k: 'v'.repeat(1000) };
    exact.l = 'w'.repeat(2048 - 1 - Object.entries(exact).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0));
    const accepted = await createCopyJob(control, exact);
    expect((accepted as { JobId?: string }).JobId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

/** Values that are not plain text, and names in upper case: all must come back as given. */
const VALUES: Record<string, string> = {
  crlf: 'line 1\r\nline 2',
  cr: 'a\rb',
  lf: 'a\nb',
  tab: 'a\tb',
  'lead-space': ' x',
  'trail-tab': 'x\t',
  unicode: 'ключ ☕ 東京',
  word: '=?UTF-8?B?w6k=?=',
  empty: '',
  plain: 'plain text',
  'Upper-Name': 'U',
};
/** What a client reads back: names lower-cased, values as given. */
const READ_BACK = Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [k.toLowerCase(), v]));

async function expectRoundTrip(s3: S3Client, Bucket: string, Key: string, body: Buffer): Promise<void> {
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
  const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
  expect((await bodyBytes(got.Body)).equals(body)).toBe(true);
  for (const metadata of [head.Metadata ?? {}, got.Metadata ?? {}]) {
    expect(Object.keys(metadata).sort()).toEqual(Object.keys(READ_BACK).sort());
    // As S3 answers: US-ASCII text a header holds as it is (a tab inside a value included) ...
    expect([metadata.tab, metadata.plain, metadata.empty, metadata['upper-name']]).toEqual(['a\tb', 'plain text', '', 'U']);
    // ... and the rest RFC 2047-encoded, decoding to exactly the value given.
    for (const name of ['crlf', 'cr', 'lf', 'lead-space', 'trail-tab', 'unicode', 'word']) expect(metadata[name], name).toMatch(/^=\?UTF-8\?B\?/);
    expect(Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, decodeHeaderValue(v)]))).toEqual(READ_BACK);
  }
}

async function copyJobRoundTrip(store: TestServer, engine: TestServer, size: number): Promise<void> {
  const s3 = s3Client(store);
  const control = controlClient(engine);
  for (const Bucket of ['data', 'dest', 'manifests', 'reports']) await s3.send(new CreateBucketCommand({ Bucket }));
  const body = Buffer.alloc(size, 7);
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'src', Body: body, Metadata: { old: 'gone' } }));
  const job = await runCsvJob(s3, control, ['data,src'], copyWith(VALUES));
  expect([job.Status, job.ProgressSummary?.NumberOfTasksSucceeded, job.ProgressSummary?.NumberOfTasksFailed]).toEqual(['Complete', 1, 0]);
  await expectRoundTrip(s3, 'dest', 'src', body);
  // DescribeJob gives the job's values back exactly, CRs included (written as &#13;).
  const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: job.JobId }));
  expect(Job?.Operation?.S3PutObjectCopy?.NewObjectMetadata?.UserMetadata).toEqual(VALUES);
}

const remoteEnv = (store: TestServer): Record<string, string> => remoteStoreEnv(store.url);

describe('S3PutObjectCopy user metadata values round-trip: CreateJob → copy job → HeadObject/GetObject', () => {
  it('embedded store, in process, CopyObject', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    await copyJobRoundTrip(server, server, 64);
  });

  it('embedded store, in process, multipart copy', async () => {
    const server = await startTestServer(MULTIPART, undefined, { engine: true });
    await copyJobRoundTrip(server, server, 6 * MiB);
  });

  it('remote store over HTTP, CopyObject', async () => {
    const store = await startTestServer();
    await copyJobRoundTrip(store, await startTestServer(remoteEnv(store), undefined, { engine: true }), 64);
  });

  it('remote store over HTTP, multipart copy', async () => {
    const store = await startTestServer();
    await copyJobRoundTrip(store, await startTestServer({ ...remoteEnv(store), ...MULTIPART }, undefined, { engine: true }), 6 * MiB);
  });
});

describe('a copy job whose source already holds a name no header can carry', () => {
  async function copyLegacy(s3: S3Client, control: S3ControlClient): Promise<void> {
    for (const Bucket of ['dest', 'manifests', 'reports']) await s3.send(new CreateBucketCommand({ Bucket }));
    const job = await runCsvJob(s3, control, ['meta,legacy'], { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest' } });
    expect(await reportRows(s3, job.JobId)).toEqual(['meta,legacy,,succeeded,200,,Successful']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: 'legacy' }));
    expect([head.$metadata.httpStatusCode, head.Metadata, head.ContentType]).toEqual([200, READABLE, 'text/x-legacy']);
  }

  for (const [what, size] of [
    ['CopyObject', 11],
    ['multipart copy', 6 * MiB],
  ] as const) {
    it(`in process (${what}): copies it without those names, and logs them`, async () => {
      const { server, lines } = await serverWithLegacyMetadata({ engine: true, env: MULTIPART, body: Buffer.alloc(size, 1) });
      await copyLegacy(s3Client(server), controlClient(server));
      expect(lines.filter((l) => l.msg === SKIPPED_MESSAGE)[0]).toMatchObject({ bucket: 'meta', key: 'legacy', names: SKIPPED });
    });

    it(`in a remote store (${what}): copies it without those names`, async () => {
      const { server: store } = await serverWithLegacyMetadata({ body: Buffer.alloc(size, 1) });
      const engine = await startTestServer({ ...remoteEnv(store), ...MULTIPART }, undefined, { engine: true });
      await copyLegacy(s3Client(store), controlClient(engine));
    });
  }
});
