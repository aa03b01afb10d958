/**
 * What the HTTP S3Port puts on the wire for S3PutObjectCopy's encryption, redirect and Requester
 * Pays: a recording pass-through proxy between the client and a real server shows every header
 * of every request. The headers go out exactly when the job asks — a store or bucket policy that
 * decides encryption itself must see none it did not expect — and `x-amz-request-payer` rides on
 * every request of a Requester Pays task, the multipart path's reads and part copies included.
 * And the RestoreObject body of S3InitiateRestoreObject: the XML the AWS SDK sends for the same
 * request; likewise PutObjectRetention, PutObjectLegalHold and UpdateObjectEncryption, the last
 * with the two conditions that keep a store that takes it for a PutObject from overwriting.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  RestoreObjectCommand,
  UpdateObjectEncryptionCommand,
  type RestoreRequest,
  type S3Client,
} from '@aws-sdk/client-s3';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { S3CopyObjectOperation } from '../../src/domain/job-spec.js';
import type { ManifestTask } from '../../src/manifests/index.js';
import { copy } from '../../src/operations/copy.js';
import { initiateRestore } from '../../src/operations/restore.js';
import type { S3InitiateRestoreObjectOperation } from '../../src/domain/job-spec.js';
import { parseXml } from '../../src/lib/xml.js';
import { createHttpS3Client, type HttpS3Client } from '../../src/s3/http-s3-client.js';
import { bodyBytes, errorOf, s3Client } from '../object-store/helpers.js';
import { S3PortError } from '../../src/s3/s3-port.js';
import { ACCOUNT_A, REGION, startTestServer } from '../helpers/server.js';
import { TASK_CONTEXT } from '../../src/operations/test-support.js';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The request body, complete once the request was answered. */
  readonly body: Buffer[];
}

interface Recorder {
  readonly url: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** Forwards every request unchanged (the Host header too, so signatures hold) and records it. */
async function recordingProxy(target: string): Promise<Recorder> {
  const to = new URL(target);
  const seen: Seen[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    const upstream = http.request({ agent, host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const MiB = 1024 * 1024;
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/2222bbbb-2222-4222-8222-222222222222';
const WATCHED = /^x-amz-(server-side-encryption|request-payer|website-redirect-location)/;

/** The watched headers of a request, sorted by name. */
const watched = (s: Seen): Record<string, string> =>
  Object.fromEntries(
    Object.entries(s.headers)
      .filter(([name]) => WATCHED.test(name))
      .map(([name, value]) => [name, String(value)])
      .sort(([a], [b]) => (a ?? '').localeCompare(b ?? '')),
  );

const task = (bucket: string, key: string): ManifestTask => ({ index: 0, line: 1, bucket, key, rawKey: key }) as ManifestTask;

async function setup(): Promise<{ port: HttpS3Client; recorder: Recorder; sdk: S3Client }> {
  const server = await startTestServer({}, undefined, { maxCopySourceBytes: 6 * MiB });
  const sdk = s3Client(server);
  await sdk.send(new CreateBucketCommand({ Bucket: 'wire' }));
  await sdk.send(new PutObjectCommand({ Bucket: 'wire', Key: 'small', Body: 'data', WebsiteRedirectLocation: '/from-source' }));
  await sdk.send(new PutObjectCommand({ Bucket: 'wire', Key: 'big', Body: Buffer.alloc(11 * MiB, 1), WebsiteRedirectLocation: '/from-source' }));
  const recorder = await recordingProxy(server.url);
  const port = createHttpS3Client({ endpoint: recorder.url, accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey, region: REGION });
  cleanup.push(() => port.close(), () => recorder.close());
  return { port, recorder, sdk };
}

const op = (more: S3CopyObjectOperation): S3CopyObjectOperation => ({ TargetResource: 'arn:aws:s3:::wire', TargetKeyPrefix: 'out/', ...more });
const SMALL = { multipartThreshold: 6 * MiB, partSize: 5 * MiB };

describe('HTTP S3Port on the wire: SSE, redirect and Requester Pays headers of S3PutObjectCopy', () => {
  it('a job asking nothing sends none of them, on CopyObject and on every request of the multipart path', async () => {
    const { port, recorder } = await setup();
    await copy(op({ NewObjectMetadata: { ContentType: 'text/plain' } }))(task('wire', 'small'), port, TASK_CONTEXT);
    await copy(op({}), SMALL)(task('wire', 'big'), port, TASK_CONTEXT);
    expect(recorder.seen.length).toBeGreaterThan(5);
    for (const s of recorder.seen) expect(watched(s), `${s.method} ${s.path}`).toEqual({});
  });

  it('a job asking for them sends exactly them on CopyObject', async () => {
    const { port, recorder } = await setup();
    await copy(op({ NewObjectMetadata: { SSEAlgorithm: 'KMS' }, SSEAwsKmsKeyId: KEY, BucketKeyEnabled: false, RedirectLocation: '/r', RequesterPays: true }))(task('wire', 'small'), port, TASK_CONTEXT);
    expect(recorder.seen.map((s) => [s.method, watched(s)])).toEqual([
      [
        'PUT',
        {
          'x-amz-request-payer': 'requester',
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': KEY,
          'x-amz-server-side-encryption-bucket-key-enabled': 'false',
          'x-amz-website-redirect-location': '/r',
        },
      ],
    ]);
    recorder.seen.length = 0;
    await copy(op({ TargetKeyPrefix: 'aes/', NewObjectMetadata: { SSEAlgorithm: 'AES256' } }))(task('wire', 'small'), port, TASK_CONTEXT);
    expect(recorder.seen.map(watched)).toEqual([{ 'x-amz-server-side-encryption': 'AES256' }]);
  });

  it('the multipart path: the SSE and redirect headers on CreateMultipartUpload only, the request payer on every request', async () => {
    const { port, recorder } = await setup();
    await copy(op({ NewObjectMetadata: { SSEAlgorithm: 'KMS' }, SSEAwsKmsKeyId: KEY, BucketKeyEnabled: true, RedirectLocation: '/r', RequesterPays: true }), SMALL)(
      task('wire', 'big'),
      port,
      TASK_CONTEXT,
    );
    const calls = recorder.seen.map((s) => `${s.method} ${s.path.replace(/uploadId=[^&]+/, 'uploadId=…')}`);
    // The parts are copied concurrently: their order is free.
    expect([...calls.slice(0, 3), ...calls.slice(3, 6).sort(), ...calls.slice(6)]).toEqual([
      'HEAD /wire/big',
      'GET /wire/big?tagging=',
      'POST /wire/out/big?uploads=',
      'PUT /wire/out/big?partNumber=1&uploadId=…',
      'PUT /wire/out/big?partNumber=2&uploadId=…',
      'PUT /wire/out/big?partNumber=3&uploadId=…',
      'POST /wire/out/big?uploadId=…',
    ]);
    const payer = { 'x-amz-request-payer': 'requester' };
    for (const s of recorder.seen) {
      const expected =
        s.method === 'POST' && s.path.endsWith('?uploads=')
          ? {
              ...payer,
              'x-amz-server-side-encryption': 'aws:kms',
              'x-amz-server-side-encryption-aws-kms-key-id': KEY,
              'x-amz-server-side-encryption-bucket-key-enabled': 'true',
              'x-amz-website-redirect-location': '/r',
            }
          : payer;
      expect(watched(s), `${s.method} ${s.path}`).toEqual(expected);
    }
  });

  it('a failed multipart copy aborts its upload with the request payer too', async () => {
    const { port, recorder, sdk } = await setup();
    // The source changes between the two parts: part 2's if-match fails (412) and the upload is aborted.
    const racing = {
      ...port,
      async uploadPartCopy(request: Parameters<HttpS3Client['uploadPartCopy']>[0]) {
        if (request.partNumber === 2) await sdk.send(new PutObjectCommand({ Bucket: 'wire', Key: 'big', Body: Buffer.alloc(11 * MiB, 2) }));
        return port.uploadPartCopy(request);
      },
    };
    await expect(copy(op({ RequesterPays: true }), { ...SMALL, partConcurrency: 1 })(task('wire', 'big'), racing, TASK_CONTEXT)).rejects.toMatchObject({ code: 'PreconditionFailed' });
    const last = recorder.seen.at(-1);
    expect([last?.method, last && watched(last)]).toEqual(['DELETE', { 'x-amz-request-payer': 'requester' }]);
    expect(recorder.seen.every((s) => watched(s)['x-amz-request-payer'] === 'requester')).toBe(true);
  });
});

describe('HTTP S3Port on the wire: RestoreObject of S3InitiateRestoreObject', () => {
  it('sends POST ?restore (with the version named) and the RestoreRequest the AWS SDK sends for the same ExpirationInDays and GlacierJobTier', async () => {
    const server = await startTestServer({ S3BATCH_RESTORE_DELAY_MS: '3600000' });
    const direct = s3Client(server);
    await direct.send(new CreateBucketCommand({ Bucket: 'wire' }));
    await direct.send(new PutBucketVersioningCommand({ Bucket: 'wire', VersioningConfiguration: { Status: 'Enabled' } }));
    const recorder = await recordingProxy(server.url);
    const port = createHttpS3Client({ endpoint: recorder.url, accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey, region: REGION });
    const sdk = s3Client(recorder);
    cleanup.push(() => port.close(), () => recorder.close());

    const cases: Array<[S3InitiateRestoreObjectOperation, RestoreRequest]> = [
      [{ ExpirationInDays: 3, GlacierJobTier: 'BULK' }, { Days: 3, GlacierJobParameters: { Tier: 'Bulk' } }],
      [{ ExpirationInDays: 1, GlacierJobTier: 'STANDARD' }, { Days: 1, GlacierJobParameters: { Tier: 'Standard' } }],
      [{ ExpirationInDays: 7 }, { Days: 7 }],
      // Intelligent-Tiering archive tiers take no Days (and this store answers MalformedXML for GLACIER).
      [{ GlacierJobTier: 'BULK' }, { GlacierJobParameters: { Tier: 'Bulk' } }],
      [{}, {}],
    ];
    for (const [i, [operation, sdkRequest]] of cases.entries()) {
      const { VersionId } = await direct.send(new PutObjectCommand({ Bucket: 'wire', Key: `ours ${i}`, Body: 'x', StorageClass: 'GLACIER' }));
      await direct.send(new PutObjectCommand({ Bucket: 'wire', Key: `sdk ${i}`, Body: 'x', StorageClass: 'GLACIER' }));
      recorder.seen.length = 0;
      const ours = await initiateRestore(operation)({ ...task('wire', `ours ${i}`), versionId: VersionId! } as ManifestTask, port, TASK_CONTEXT).then(
        () => 'succeeded',
        (e: { code?: string }) => e.code,
      );
      const theirs = await sdk.send(new RestoreObjectCommand({ Bucket: 'wire', Key: `sdk ${i}`, RestoreRequest: sdkRequest })).then(
        () => 'succeeded',
        (e: { name?: string }) => e.name,
      );
      expect(ours, JSON.stringify(operation)).toBe(theirs);
      expect(ours, JSON.stringify(operation)).toBe(operation.ExpirationInDays === undefined ? 'MalformedXML' : 'succeeded');
      const [mine, sdks] = recorder.seen;
      expect([mine?.method, mine?.path]).toEqual(['POST', `/wire/ours%20${i}?restore=&versionId=${encodeURIComponent(VersionId!)}`]);
      expect(mine!.headers['content-type']).toBe('application/xml');
      expect(parseXml(Buffer.concat(mine!.body)), JSON.stringify(operation)).toEqual(parseXml(Buffer.concat(sdks!.body)));
    }
  });
});

describe('HTTP S3Port on the wire: PutObjectRetention, PutObjectLegalHold, UpdateObjectEncryption', () => {
  it('sends the paths, headers and bodies the AWS SDK sends for the same calls (Content-MD5 included)', async () => {
    const server = await startTestServer();
    const direct = s3Client(server);
    await direct.send(new CreateBucketCommand({ Bucket: 'wire', ObjectLockEnabledForBucket: true }));
    const { VersionId } = await direct.send(new PutObjectCommand({ Bucket: 'wire', Key: 'a b', Body: 'x' }));
    const recorder = await recordingProxy(server.url);
    const port = createHttpS3Client({ endpoint: recorder.url, accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey, region: REGION });
    const sdk = s3Client(recorder);
    cleanup.push(() => port.close(), () => recorder.close());
    const until = new Date(Date.now() + 3_600_000);
    const ref = { bucket: 'wire', key: 'a b', versionId: VersionId! };
    const pairs: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
      ['retention', () => port.putObjectRetention(ref, { mode: 'GOVERNANCE', retainUntil: until.getTime() }), () => sdk.send(new PutObjectRetentionCommand({ Bucket: 'wire', Key: 'a b', VersionId, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until } }))],
      [
        'retention',
        () => port.putObjectRetention(ref, {}, { bypassGovernanceRetention: true }),
        () => sdk.send(new PutObjectRetentionCommand({ Bucket: 'wire', Key: 'a b', VersionId, Retention: {}, BypassGovernanceRetention: true })),
      ],
      ['legal-hold', () => port.putObjectLegalHold(ref, true), () => sdk.send(new PutObjectLegalHoldCommand({ Bucket: 'wire', Key: 'a b', VersionId, LegalHold: { Status: 'ON' } }))],
      ['legal-hold', () => port.putObjectLegalHold(ref, false), () => sdk.send(new PutObjectLegalHoldCommand({ Bucket: 'wire', Key: 'a b', VersionId, LegalHold: { Status: 'OFF' } }))],
      [
        'encryption',
        () => port.updateObjectEncryption(ref, { kmsKeyArn: KEY.replace('111122223333', ACCOUNT_A.accountId), bucketKeyEnabled: true }),
        () => sdk.send(new UpdateObjectEncryptionCommand({ Bucket: 'wire', Key: 'a b', VersionId, ObjectEncryption: { SSEKMS: { KMSKeyArn: KEY.replace('111122223333', ACCOUNT_A.accountId), BucketKeyEnabled: true } } })),
      ],
    ];
    for (const [sub, ours, theirs] of pairs) {
      recorder.seen.length = 0;
      await ours();
      await theirs();
      const [mine, sdks] = recorder.seen;
      expect([mine?.method, mine?.path], sub).toEqual(['PUT', `/wire/a%20b?${sub}=&versionId=${encodeURIComponent(VersionId!)}`]);
      expect(sdks?.path.startsWith(`/wire/a%20b?${sub}`), sdks?.path).toBe(true);
      expect(parseXml(Buffer.concat(mine!.body)), sub).toEqual(parseXml(Buffer.concat(sdks!.body)));
      expect(mine!.headers['content-md5'], sub).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(mine!.headers['x-amz-bypass-governance-retention'], sub).toBe(sdks!.headers['x-amz-bypass-governance-retention']);
    }
  });

  it('UpdateObjectEncryption carries conditions no object meets: a store that takes it for a PutObject writes nothing, and the task fails NotImplemented', async () => {
    const server = await startTestServer();
    const direct = s3Client(server);
    await direct.send(new CreateBucketCommand({ Bucket: 'wire' }));
    await direct.send(new PutObjectCommand({ Bucket: 'wire', Key: 'k', Body: 'the data' }));
    const recorder = await recordingProxy(server.url);
    const port = createHttpS3Client({ endpoint: recorder.url, accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey, region: REGION });
    cleanup.push(() => port.close(), () => recorder.close());
    await port.updateObjectEncryption({ bucket: 'wire', key: 'k' }, { kmsKeyArn: KEY.replace('111122223333', ACCOUNT_A.accountId) });
    const conditions = { 'if-match': recorder.seen[0]!.headers['if-match'] as string, 'if-none-match': recorder.seen[0]!.headers['if-none-match'] as string };
    expect(conditions['if-none-match']).toBe('*');
    expect(conditions['if-match']).toMatch(/^"[^"]+"$/);

    // A store with conditional writes (this one) refuses those conditions as a PutObject, whether
    // the key exists (412) or not (404): nothing is written.
    const overwrite = await errorOf(direct.send(new PutObjectCommand({ Bucket: 'wire', Key: 'k', Body: '<xml/>', IfMatch: conditions['if-match'], IfNoneMatch: '*' })));
    const create = await errorOf(direct.send(new PutObjectCommand({ Bucket: 'wire', Key: 'new', Body: '<xml/>', IfMatch: conditions['if-match'], IfNoneMatch: '*' })));
    expect([overwrite.status, create.status]).toEqual([412, 404]);
    expect((await bodyBytes((await direct.send(new GetObjectCommand({ Bucket: 'wire', Key: 'k' }))).Body)).toString()).toBe('the data');

    // The 412 such a store answers is reported as what it means.
    const putObjectOnly = http.createServer((req, res) => {
      req.resume();
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end('<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
    });
    await new Promise<void>((resolve) => putObjectOnly.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => putObjectOnly.close(() => resolve())));
    const other = createHttpS3Client({ endpoint: `http://127.0.0.1:${(putObjectOnly.address() as AddressInfo).port}`, accessKeyId: 'k', secretAccessKey: 's', region: REGION });
    cleanup.push(() => other.close());
    const err = await other.updateObjectEncryption({ bucket: 'wire', key: 'k' }, { kmsKeyArn: KEY }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(S3PortError);
    expect([(err as S3PortError).code, (err as S3PortError).status, (err as S3PortError).storeMessage]).toEqual(['NotImplemented', 501, expect.stringContaining('does not implement UpdateObjectEncryption')]);
  });
});
