/**
 * What the HTTP S3Port puts on the wire for S3PutObjectCopy's encryption, redirect and Requester
 * Pays: a recording pass-through proxy between the client and a real server shows every header
 * of every request. The headers go out exactly when the job asks — a store or bucket policy that
 * decides encryption itself must see none it did not expect — and `x-amz-request-payer` rides on
 * every request of a Requester Pays task, the multipart path's reads and part copies included.
 * And the RestoreObject body of S3InitiateRestoreObject: the XML the AWS SDK sends for the same
 * request.
 */
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, RestoreObjectCommand, type RestoreRequest, type S3Client } from '@aws-sdk/client-s3';
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
import { s3Client } from '../object-store/helpers.js';
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
