/**
 * User metadata (`x-amz-meta-*`) in the embedded store: one rule (lib/user-metadata.ts) on every
 * write path, in process and over HTTP — names no header can carry, two names that are one header,
 * more than 2 KB — and objects that already hold such a name (a data dir written before the rule)
 * stay readable and copyable: 200 on GET and HEAD, the name left out and logged, never a 500.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3Error } from '../../src/object-store/errors.js';
import type { ObjectMetadata } from '../../src/object-store/object-store.js';
import { ACCOUNT_A, startTestServer } from '../helpers/server.js';
import { bodyBytes, errorOf, expectS3Error, s3Client } from './helpers.js';
import { READABLE, SKIPPED, SKIPPED_MESSAGE, serverWithLegacyMetadata } from './legacy-metadata.js';
import { sendOverSocket, signedRequest } from './raw.js';

const A = ACCOUNT_A.accountId;
const user = (u: Record<string, string>): ObjectMetadata => ({ system: {}, user: u });

async function storeError(p: Promise<unknown>): Promise<S3Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof S3Error)) throw new Error(`expected an S3Error, got ${String(err)}`);
  return err;
}

/** Names S3 could never receive (the three and their neighbours). */
const BAD_NAMES = ['owner name', 'ключ', 'a:b', 'a\tb', 'a\r\nb', 'a(b)', 'a/b', 'a@b', 'a=b', 'a"b', 'a,b', 'a;b', 'a?b', 'a{b}', 'é', 'nul\u0000'];

describe('user metadata the store refuses, on every write path', () => {
  it('in process: PutObject, CopyObject REPLACE and CreateMultipartUpload refuse every bad name (400 InvalidArgument naming the header) and store nothing', async () => {
    const server = await startTestServer();
    const store = server.objects;
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'meta' }));
    await s3.send(new PutObjectCommand({ Bucket: 'meta', Key: 'src', Body: 'x', Metadata: { keep: '1' } }));
    for (const name of BAD_NAMES) {
      const metadata = user({ good: '1', [name]: 'v' });
      const header = `x-amz-meta-${JSON.stringify(name).slice(1, -1)}`;
      // Thunks: each request is made only when it is awaited (no rejection is left unhandled).
      const writes: Array<[string, () => Promise<unknown>]> = [
        ['PutObject', () => store.putObject(A, { bucket: 'meta', key: 'put', metadata }, Buffer.from('x'))],
        ['CopyObject', () => store.copyObject(A, { source: { bucket: 'meta', key: 'src' }, bucket: 'meta', key: 'copy', metadataDirective: 'REPLACE', metadata })],
        ['CopyObject onto itself', () => store.copyObject(A, { source: { bucket: 'meta', key: 'src' }, bucket: 'meta', key: 'src', metadataDirective: 'REPLACE', metadata })],
        ['CreateMultipartUpload', () => store.createMultipartUpload(A, { bucket: 'meta', key: 'mpu', metadata })],
      ];
      for (const [what, write] of writes) {
        const err = await storeError(write());
        expect({ what, name, code: err.code, status: err.status, header: err.fields.ArgumentName }).toEqual({ what, name, code: 'InvalidArgument', status: 400, header });
        expect(err.message).toContain(`The metadata name ${JSON.stringify(name)} holds`);
      }
    }
    for (const key of ['put', 'copy']) await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: key })), 'NotFound', 404);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'meta' }))).Uploads ?? []).toEqual([]);
    // The source the refused copies named is as it was, and readable.
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: 'src' }))).Metadata).toEqual({ keep: '1' });
  });

  it('in process: two names that are one header are refused, names are stored lower-cased, and 2 KB is the limit on every path', async () => {
    const server = await startTestServer();
    const store = server.objects;
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'meta' }));
    await s3.send(new PutObjectCommand({ Bucket: 'meta', Key: 'src', Body: 'x' }));
    const paths = (metadata: ObjectMetadata): Array<() => Promise<unknown>> => [
      () => store.putObject(A, { bucket: 'meta', key: 'put', metadata }, Buffer.from('x')),
      () => store.copyObject(A, { source: { bucket: 'meta', key: 'src' }, bucket: 'meta', key: 'copy', metadataDirective: 'REPLACE', metadata }),
      () => store.createMultipartUpload(A, { bucket: 'meta', key: 'mpu', metadata }),
    ];
    for (const write of paths(user({ Owner: '1', owner: '2' }))) {
      const err = await storeError(write());
      expect([err.code, err.status, err.fields.ArgumentName]).toEqual(['InvalidArgument', 400, 'x-amz-meta-owner']);
      expect(err.message).toContain('"Owner" and "owner" are the same header');
    }
    for (const write of paths(user({ k: 'é'.repeat(1024) }))) {
      const err = await storeError(write());
      expect([err.code, err.status, err.fields.Size, err.fields.MaxSizeAllowed]).toEqual(['MetadataTooLarge', 400, 2049, 2048]);
    }
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'meta' }))).Uploads ?? []).toEqual([]);

    // Exactly 2 KB passes; upper-case names are stored (and answered) in lower case, as S3 does.
    const exact = user({ 'Owner-Name': 'x', big: 'v'.repeat(2048 - 'Owner-Name'.length - 1 - 'big'.length) });
    for (const write of paths(exact)) await write();
    const { info } = await store.headObject(A, { bucket: 'meta', key: 'put' });
    expect(Object.keys(info.metadata.user)).toEqual(['owner-name', 'big']);
    for (const key of ['put', 'copy']) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: key }));
      expect(head.Metadata?.['owner-name']).toBe('x');
    }
    const raw = await signedRequest(server.url, 'HEAD', '/meta/put');
    expect(Object.keys(raw.headers).filter((h) => h.startsWith('x-amz-meta-'))).toEqual(['x-amz-meta-owner-name', 'x-amz-meta-big']);
  });

  it('over HTTP: MetadataTooLarge on PutObject, CopyObject REPLACE and CreateMultipartUpload through the SDK; a header name the HTTP parser refuses is 400 and stores nothing', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'meta' }));
    await s3.send(new PutObjectCommand({ Bucket: 'meta', Key: 'src', Body: 'x' }));
    const Metadata = { a: 'v'.repeat(1500), b: 'w'.repeat(600) };
    for (const write of [
      () => s3.send(new PutObjectCommand({ Bucket: 'meta', Key: 'put', Body: 'x', Metadata })),
      () => s3.send(new CopyObjectCommand({ Bucket: 'meta', Key: 'copy', CopySource: 'meta/src', MetadataDirective: 'REPLACE', Metadata })),
      () => s3.send(new CreateMultipartUploadCommand({ Bucket: 'meta', Key: 'mpu', Metadata })),
    ]) {
      await expectS3Error(write(), 'MetadataTooLarge', 400);
    }
    // A client that sends the header anyway: the request never reaches the store.
    for (const name of ['owner name', 'ключ', 'a(b)']) {
      const reply = await sendOverSocket(server.url, 'PUT', '/meta/raw', { host: new URL(server.url).host, 'content-length': '0', [`x-amz-meta-${name}`]: 'x' });
      expect(reply.status, name).toBe(400);
    }
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: 'raw' })), 'NotFound', 404);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'meta' }))).Uploads ?? []).toEqual([]);
  });

  it('over HTTP: a name "__proto__" is an ordinary name, stored and answered', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'meta' }));
    const put = await signedRequest(server.url, 'PUT', '/meta/k', { headers: { 'x-amz-meta-__proto__': 'p', 'x-amz-meta-constructor': 'c' }, body: Buffer.from('x') });
    expect(put.status).toBe(200);
    const head = await signedRequest(server.url, 'HEAD', '/meta/k');
    expect([head.headers['x-amz-meta-__proto__'], head.headers['x-amz-meta-constructor']]).toEqual(['p', 'c']);
  });
});

describe('objects that already hold a name no header can carry', () => {
  it('GET and HEAD answer 200 with the readable names (lower-cased, the first of two same-header names), and each read logs what it left out', async () => {
    const { server, lines } = await serverWithLegacyMetadata();
    const s3 = s3Client(server);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: 'legacy' }));
    expect([head.$metadata.httpStatusCode, head.Metadata, head.ContentType]).toEqual([200, READABLE, 'text/x-legacy']);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'meta', Key: 'legacy' }));
    expect([got.$metadata.httpStatusCode, got.Metadata]).toEqual([200, READABLE]);
    expect((await bodyBytes(got.Body)).toString()).toBe('legacy body');
    const ranged = await s3.send(new GetObjectCommand({ Bucket: 'meta', Key: 'legacy', Range: 'bytes=0-5' }));
    expect([ranged.$metadata.httpStatusCode, ranged.Metadata]).toEqual([206, READABLE]);
    // On the wire: only token names, each once.
    const signed = await signedRequest(server.url, 'HEAD', '/meta/legacy');
    expect(signed.status).toBe(200);
    expect(Object.keys(signed.headers).filter((h) => h.startsWith('x-amz-meta-')).sort()).toEqual(['x-amz-meta-keep', 'x-amz-meta-mixed-case', 'x-amz-meta-owner']);

    const warnings = lines.filter((l) => l.msg === SKIPPED_MESSAGE);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatchObject({ level: 40, bucket: 'meta', key: 'legacy', versionId: 'null', names: SKIPPED });
  });

  it('a CopyObject with the COPY directive does not carry the names on; the copy reads 200 and copies cleanly again', async () => {
    const { server } = await serverWithLegacyMetadata();
    const s3 = s3Client(server);
    await s3.send(new CopyObjectCommand({ Bucket: 'meta', Key: 'copy', CopySource: 'meta/legacy' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'meta', Key: 'copy of copy', CopySource: 'meta/copy', MetadataDirective: 'COPY' }));
    for (const key of ['copy', 'copy of copy']) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: key }));
      expect([key, head.Metadata, head.ContentType]).toEqual([key, READABLE, 'text/x-legacy']);
    }
    // In process too (the engine's way in), and the copy's stored row holds only readable names.
    await server.objects.copyObject(A, { source: { bucket: 'meta', key: 'legacy' }, bucket: 'meta', key: 'in-process' });
    expect((await server.objects.headObject(A, { bucket: 'meta', key: 'in-process' })).info.metadata.user).toEqual(READABLE);
    // Copying onto itself with REPLACE gives the object good metadata for good.
    await s3.send(new CopyObjectCommand({ Bucket: 'meta', Key: 'legacy', CopySource: 'meta/legacy', MetadataDirective: 'REPLACE', Metadata: { fresh: '1' } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: 'legacy' }))).Metadata).toEqual({ fresh: '1' });
  });

  it('a multipart upload created with such names completes into an object that reads 200', async () => {
    const { server, uploadId } = await serverWithLegacyMetadata();
    const s3 = s3Client(server);
    const part = await s3.send(new UploadPartCommand({ Bucket: 'meta', Key: 'pending', UploadId: uploadId, PartNumber: 1, Body: 'part one' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'meta', Key: 'pending', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'meta', Key: 'pending' }));
    expect([got.$metadata.httpStatusCode, got.Metadata]).toEqual([200, READABLE]);
    expect((await bodyBytes(got.Body)).toString()).toBe('part one');
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'meta', Key: 'nope' })))).status).toBe(404);
  });
});
