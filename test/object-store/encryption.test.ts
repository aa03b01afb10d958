/**
 * Server-side encryption in the embedded store, through the AWS SDK v3 over real HTTP (and signed
 * raw requests for what the SDK will not send): the SSE headers a write takes and how they are
 * checked, what HEAD/GET/PUT/COPY and the multipart calls answer, a copy's encryption coming from
 * its request and never from its source, and SSE-C refused rather than pretended.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bodyBytes, errorOf, expectS3Error, s3Client } from './helpers.js';
import { codeOf, signedRequest } from './raw.js';

const KEY_1 = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-1111-4111-8111-111111111111';
const KEY_2 = 'arn:aws:kms:us-east-1:111122223333:key/2222bbbb-2222-4222-8222-222222222222';

async function setup(): Promise<{ server: TestServer; s3: S3Client; bucket: string }> {
  const server = await startTestServer();
  const s3 = s3Client(server);
  const bucket = 'sse';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { server, s3, bucket };
}

/** The encryption members of a HeadObject/GetObject/PutObject/CopyObject answer. */
const sseOf = (o: { ServerSideEncryption?: string; SSEKMSKeyId?: string; BucketKeyEnabled?: boolean }) => ({
  algorithm: o.ServerSideEncryption,
  keyId: o.SSEKMSKeyId,
  bucketKey: o.BucketKeyEnabled,
});

const head = async (s3: S3Client, Bucket: string, Key: string) => s3.send(new HeadObjectCommand({ Bucket, Key }));

/** The ArgumentName of an <Error> body. */
const argumentOf = (body: Buffer): string | undefined => /<ArgumentName>([^<]*)<\/ArgumentName>/.exec(body.toString())?.[1];

describe('server-side encryption of writes', () => {
  it('nothing asked: SSE-S3 (AES256), answered on PUT, HEAD and GET, with no KMS key and no bucket key', async () => {
    const { s3, bucket } = await setup();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'x' }));
    expect(sseOf(put)).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
    expect(sseOf(await head(s3, bucket, 'plain'))).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'plain' }));
    expect(sseOf(got)).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
    expect((await bodyBytes(got.Body)).toString()).toBe('x');
  });

  it('SSE-KMS with a key and an S3 Bucket Key, SSE-KMS with the default key, DSSE-KMS, explicit AES256: kept and answered', async () => {
    const { s3, bucket } = await setup();
    const kms = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'kms', Body: 'k', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_1, BucketKeyEnabled: true }),
    );
    expect(sseOf(kms)).toEqual({ algorithm: 'aws:kms', keyId: KEY_1, bucketKey: true });
    expect(sseOf(await head(s3, bucket, 'kms'))).toEqual({ algorithm: 'aws:kms', keyId: KEY_1, bucketKey: true });
    expect(sseOf(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'kms' })))).toEqual({ algorithm: 'aws:kms', keyId: KEY_1, bucketKey: true });

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kms-default', Body: 'k', ServerSideEncryption: 'aws:kms', BucketKeyEnabled: false }));
    expect(sseOf(await head(s3, bucket, 'kms-default'))).toEqual({ algorithm: 'aws:kms', keyId: undefined, bucketKey: undefined });

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dsse', Body: 'd', ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: KEY_2 }));
    expect(sseOf(await head(s3, bucket, 'dsse'))).toEqual({ algorithm: 'aws:kms:dsse', keyId: KEY_2, bucketKey: undefined });

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'aes', Body: 'a', ServerSideEncryption: 'AES256' }));
    expect(sseOf(await head(s3, bucket, 'aes'))).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
  });

  it('refuses what S3 refuses, 400 InvalidArgument naming the header: an unknown algorithm, a KMS key or a bucket key without SSE-KMS, a bucket key that is not a boolean', async () => {
    const { server, s3, bucket } = await setup();
    const refusals: Array<[string, Record<string, string>, string]> = [
      ['unknown algorithm', { 'x-amz-server-side-encryption': 'AES128' }, 'x-amz-server-side-encryption'],
      ['lower-case aes256', { 'x-amz-server-side-encryption': 'aes256' }, 'x-amz-server-side-encryption'],
      ['KMS key with AES256', { 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': KEY_1 }, 'x-amz-server-side-encryption-aws-kms-key-id'],
      ['KMS key alone', { 'x-amz-server-side-encryption-aws-kms-key-id': KEY_1 }, 'x-amz-server-side-encryption-aws-kms-key-id'],
      ['bucket key with AES256', { 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-bucket-key-enabled': 'true' }, 'x-amz-server-side-encryption-bucket-key-enabled'],
      ['bucket key alone (the default is SSE-S3)', { 'x-amz-server-side-encryption-bucket-key-enabled': 'true' }, 'x-amz-server-side-encryption-bucket-key-enabled'],
      ['bucket key with DSSE-KMS', { 'x-amz-server-side-encryption': 'aws:kms:dsse', 'x-amz-server-side-encryption-bucket-key-enabled': 'true' }, 'x-amz-server-side-encryption-bucket-key-enabled'],
      ['bucket key not a boolean', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-bucket-key-enabled': 'yes' }, 'x-amz-server-side-encryption-bucket-key-enabled'],
    ];
    for (const [what, headers, argument] of refusals) {
      const put = await signedRequest(server.url, 'PUT', `/${bucket}/refused`, { headers, body: Buffer.from('x') });
      expect([put.status, codeOf(put), argumentOf(put.body)], `PutObject: ${what}`).toEqual([400, 'InvalidArgument', argument]);
      const create = await signedRequest(server.url, 'POST', `/${bucket}/refused`, { headers, query: { uploads: '' } });
      expect([create.status, codeOf(create), argumentOf(create.body)], `CreateMultipartUpload: ${what}`).toEqual([400, 'InvalidArgument', argument]);
    }
    await expectS3Error(head(s3, bucket, 'refused'), 'NotFound', 404);
    // The same through the SDK: the error is S3's code and status.
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'refused', Body: 'x', ServerSideEncryption: 'AES256', SSEKMSKeyId: KEY_1 })),
      'InvalidArgument',
      400,
    );
  });
});

describe('server-side encryption of copies', () => {
  it("a copy's encryption is the request's, else the default — never the source's, under COPY and REPLACE alike", async () => {
    const { s3, bucket } = await setup();
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'data', ContentType: 'text/x-src', Metadata: { m: '1' }, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_1, BucketKeyEnabled: true }),
    );
    const CopySource = `${bucket}/src`;
    for (const MetadataDirective of ['COPY', 'REPLACE'] as const) {
      const plain = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: `plain-${MetadataDirective}`, CopySource, MetadataDirective }));
      expect(sseOf(plain), MetadataDirective).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
      expect(sseOf(await head(s3, bucket, `plain-${MetadataDirective}`)), MetadataDirective).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });

      const kms = await s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: `kms-${MetadataDirective}`, CopySource, MetadataDirective, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_2 }),
      );
      expect(sseOf(kms), MetadataDirective).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: undefined });
      expect(sseOf(await head(s3, bucket, `kms-${MetadataDirective}`)), MetadataDirective).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: undefined });
    }
    // COPY kept the metadata all the same
    expect(await head(s3, bucket, 'kms-COPY')).toMatchObject({ ContentType: 'text/x-src', Metadata: { m: '1' } });
    // and the source is untouched
    expect(sseOf(await head(s3, bucket, 'src'))).toEqual({ algorithm: 'aws:kms', keyId: KEY_1, bucketKey: true });
  });

  it('a copy onto itself that changes only the encryption is legal (S3: "…or encryption attributes"); one that changes nothing is not', async () => {
    const { s3, bucket } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'data', ContentType: 'text/x-k', Metadata: { m: '1' } }));
    const CopySource = `${bucket}/k`;
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource })), 'InvalidRequest', 400);
    const reencrypted = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_1, BucketKeyEnabled: true }));
    expect(sseOf(reencrypted)).toEqual({ algorithm: 'aws:kms', keyId: KEY_1, bucketKey: true });
    expect(await head(s3, bucket, 'k')).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_1, BucketKeyEnabled: true, ContentType: 'text/x-k', Metadata: { m: '1' } });
    // back to SSE-S3, in place again
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource, ServerSideEncryption: 'AES256' }));
    expect(sseOf(await head(s3, bucket, 'k'))).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
  });

  it('CopyObject checks the SSE headers like a write: 400 InvalidArgument, and nothing is written', async () => {
    const { s3, bucket } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'data' }));
    const e = await errorOf(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`, ServerSideEncryption: 'AES256', BucketKeyEnabled: true })));
    expect([e.name, e.status]).toEqual(['InvalidArgument', 400]);
    expect((e.error as { ArgumentName?: string }).ArgumentName).toBe('x-amz-server-side-encryption-bucket-key-enabled');
    await expectS3Error(head(s3, bucket, 'dst'), 'NotFound', 404);
  });

  it("website redirect on a copy: the request's whatever the directive, the source's never", async () => {
    const { s3, bucket } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'data', ContentType: 'text/x-src', WebsiteRedirectLocation: '/from-source' }));
    expect((await head(s3, bucket, 'src')).WebsiteRedirectLocation).toBe('/from-source');
    const CopySource = `${bucket}/src`;
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'kept-meta', CopySource }));
    const kept = await head(s3, bucket, 'kept-meta');
    expect([kept.ContentType, kept.WebsiteRedirectLocation]).toEqual(['text/x-src', undefined]);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy-dir', CopySource, MetadataDirective: 'COPY', WebsiteRedirectLocation: '/asked' }));
    expect(await head(s3, bucket, 'copy-dir')).toMatchObject({ ContentType: 'text/x-src', WebsiteRedirectLocation: '/asked' });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'replace-dir', CopySource, MetadataDirective: 'REPLACE', WebsiteRedirectLocation: 'https://example.com/x' }));
    expect(await head(s3, bucket, 'replace-dir')).toMatchObject({ ContentType: 'binary/octet-stream', WebsiteRedirectLocation: 'https://example.com/x' });
  });
});

describe('server-side encryption of multipart uploads', () => {
  it('CreateMultipartUpload keeps the encryption; every part and the completion answer it; the object has it', async () => {
    const { s3, bucket } = await setup();
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_2, BucketKeyEnabled: true }),
    );
    expect(sseOf(created)).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: true });
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: 'only part' }));
    expect(sseOf(part)).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: true });
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }),
    );
    expect(sseOf(done)).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: true });
    expect(sseOf(await head(s3, bucket, 'mp'))).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: true });

    const plain = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp-plain' }));
    expect(sseOf(plain)).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
  });
});

describe('SSE-C (customer-provided keys)', () => {
  const SSE_C = {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': Buffer.alloc(32, 7).toString('base64'),
    'x-amz-server-side-encryption-customer-key-md5': 'nf0+xBl3OpJ7Kb0/3f1xfg==',
  };

  it('writes answer 501 NotImplemented naming the header, and write nothing', async () => {
    const { server, s3, bucket } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'data' }));
    const put = await signedRequest(server.url, 'PUT', `/${bucket}/ssec`, { headers: SSE_C, body: Buffer.from('secret') });
    expect([put.status, codeOf(put)]).toEqual([501, 'NotImplemented']);
    expect(put.body.toString()).toContain('<Header>x-amz-server-side-encryption-customer-algorithm</Header>');
    const copy = await signedRequest(server.url, 'PUT', `/${bucket}/ssec`, { headers: { 'x-amz-copy-source': `/${bucket}/src`, 'x-amz-server-side-encryption-customer-key': SSE_C['x-amz-server-side-encryption-customer-key'] } });
    expect([copy.status, codeOf(copy)]).toEqual([501, 'NotImplemented']);
    const copySourceKey = await signedRequest(server.url, 'PUT', `/${bucket}/ssec`, {
      headers: { 'x-amz-copy-source': `/${bucket}/src`, 'x-amz-copy-source-server-side-encryption-customer-algorithm': 'AES256' },
    });
    expect([copySourceKey.status, codeOf(copySourceKey)]).toEqual([501, 'NotImplemented']);
    const create = await signedRequest(server.url, 'POST', `/${bucket}/ssec`, { headers: SSE_C, query: { uploads: '' } });
    expect([create.status, codeOf(create)]).toEqual([501, 'NotImplemented']);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'ssec' }));
    const part = await signedRequest(server.url, 'PUT', `/${bucket}/ssec`, { headers: SSE_C, body: Buffer.from('p'), query: { partNumber: '1', uploadId: UploadId! } });
    expect([part.status, codeOf(part)]).toEqual([501, 'NotImplemented']);
    await expectS3Error(head(s3, bucket, 'ssec'), 'NotFound', 404);
  });

  it('reads of an existing object answer 400 InvalidRequest (no object here is SSE-C encrypted); a missing one is still 404', async () => {
    const { server, s3, bucket } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'data' }));
    const get = await signedRequest(server.url, 'GET', `/${bucket}/k`, { headers: SSE_C });
    expect([get.status, codeOf(get)]).toEqual([400, 'InvalidRequest']);
    const headed = await signedRequest(server.url, 'HEAD', `/${bucket}/k`, { headers: SSE_C });
    expect(headed.status).toBe(400);
    const missing = await signedRequest(server.url, 'GET', `/${bucket}/nope`, { headers: SSE_C });
    expect([missing.status, codeOf(missing)]).toEqual([404, 'NoSuchKey']);
  });
});
