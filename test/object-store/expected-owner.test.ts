/**
 * x-amz-expected-bucket-owner on every bucket and object call (and
 * x-amz-source-expected-bucket-owner on copies), as S3 answers it: 403 AccessDenied when another
 * account owns the bucket, 400 InvalidBucketOwnerAWSAccountID for a value that is not an account
 * id, the call itself when it names the owner. Every route of the route table is tried (raw signed
 * requests), then the SDK's ExpectedBucketOwner / ExpectedSourceBucketOwner members.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/object-store/http/routes.js';
import { ACCOUNT_A, ACCOUNT_B, startTestServer } from '../helpers/server.js';
import { errorOf, expectS3Error, s3Client } from './helpers.js';
import { codeOf, signedRequest } from './raw.js';

const BUCKET = 'owned';
const COPIES = new Set(['CopyObject', 'UploadPartCopy']);
// Calls that name no existing bucket: S3 has no ExpectedBucketOwner for them.
const EXEMPT = new Set(['ListBuckets', 'CreateBucket']);

describe('x-amz-expected-bucket-owner on every route', () => {
  it('another account: 403 AccessDenied; not an account id: 400 InvalidBucketOwnerAWSAccountID; the owner: the call answers as usual; nothing changes', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const put = () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x', Tagging: 't=1' }));
    const { ETag } = await put();
    const unchanged = async (what: string) => {
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }))).ETag, what).toBe(ETag);
      expect((await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'k' }))).TagSet, what).toEqual([{ Key: 't', Value: '1' }]);
    };
    const routes = ROUTES.filter((r) => !EXEMPT.has(r.operation));
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const path = route.scope === 'object' ? `/${BUCKET}/k` : `/${BUCKET}`;
      const query: Record<string, string> = route.sub === '' ? {} : { [route.sub]: '' };
      if (route.sub === 'uploadId') Object.assign(query, { uploadId: 'no-such-upload', partNumber: '1' });
      const copy: Record<string, string> = COPIES.has(route.operation) ? { 'x-amz-copy-source': `/${BUCKET}/k` } : {};
      const send = (headers: Record<string, string>) => signedRequest(server.url, route.method, path, { query, headers: { ...copy, ...headers } });
      const what = `${route.operation} (${route.method} ${path}?${Object.keys(query).join('&')})`;

      const other = await send({ 'x-amz-expected-bucket-owner': ACCOUNT_B.accountId });
      expect(other.status, what).toBe(403);
      if (route.method !== 'HEAD') expect(codeOf(other), what).toBe('AccessDenied');

      const malformed = await send({ 'x-amz-expected-bucket-owner': '1234' });
      expect(malformed.status, what).toBe(400);
      if (route.method !== 'HEAD') expect(codeOf(malformed), what).toBe('InvalidBucketOwnerAWSAccountID');

      if (COPIES.has(route.operation)) {
        const source = await send({ 'x-amz-source-expected-bucket-owner': ACCOUNT_B.accountId });
        expect([source.status, codeOf(source)], `${what}, source owner`).toEqual([403, 'AccessDenied']);
      }
      await unchanged(what);

      // Whatever the call answers without the header (an error for a request this loop leaves
      // incomplete, a deletion), it answers with the owner's id; the object is put back after.
      const mine = await send({ 'x-amz-expected-bucket-owner': ACCOUNT_A.accountId });
      await put();
      const plain = await send({});
      await put();
      expect([mine.status, codeOf(mine)], what).toEqual([plain.status, codeOf(plain)]);
    }
  });

  it('a bucket that does not exist is NoSuchBucket first, as the call would answer', async () => {
    const server = await startTestServer();
    const r = await signedRequest(server.url, 'GET', '/nowhere/k', { headers: { 'x-amz-expected-bucket-owner': ACCOUNT_A.accountId } });
    expect([r.status, codeOf(r)]).toEqual([404, 'NoSuchBucket']);
  });
});

describe('ExpectedBucketOwner through the SDK', () => {
  it('objects, buckets, copies (destination and source owner), multipart copies; ListBuckets and CreateBucket have none', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: 'other-dest' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));
    const A = ACCOUNT_A.accountId;
    const B = ACCOUNT_B.accountId;

    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k', ExpectedBucketOwner: B })), 'AccessDenied', 403);
    expect((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k', ExpectedBucketOwner: A }))).ContentLength).toBe(1);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'new', Body: 'y', ExpectedBucketOwner: B })), 'AccessDenied', 403);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'new' })))).status).toBe(404);
    expect((await errorOf(s3.send(new HeadBucketCommand({ Bucket: BUCKET, ExpectedBucketOwner: B })))).status).toBe(403);
    await s3.send(new HeadBucketCommand({ Bucket: BUCKET, ExpectedBucketOwner: A }));
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ExpectedBucketOwner: '0' })), 'InvalidBucketOwnerAWSAccountID', 400);
    await expectS3Error(s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'k', ExpectedBucketOwner: B })), 'AccessDenied', 403);

    const copy = { Bucket: 'other-dest', Key: 'c', CopySource: `${BUCKET}/k` };
    await expectS3Error(s3.send(new CopyObjectCommand({ ...copy, ExpectedBucketOwner: B })), 'AccessDenied', 403);
    await expectS3Error(s3.send(new CopyObjectCommand({ ...copy, ExpectedSourceBucketOwner: B })), 'AccessDenied', 403);
    await expectS3Error(s3.send(new CopyObjectCommand({ ...copy, ExpectedSourceBucketOwner: 'abc' })), 'InvalidBucketOwnerAWSAccountID', 400);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'other-dest', Key: 'c' })))).status).toBe(404);
    await s3.send(new CopyObjectCommand({ ...copy, ExpectedBucketOwner: A, ExpectedSourceBucketOwner: A }));

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'other-dest', Key: 'm', ExpectedBucketOwner: A }));
    const part = { Bucket: 'other-dest', Key: 'm', UploadId, PartNumber: 1, CopySource: `${BUCKET}/k` };
    await expectS3Error(s3.send(new UploadPartCopyCommand({ ...part, ExpectedSourceBucketOwner: B })), 'AccessDenied', 403);
    await s3.send(new UploadPartCopyCommand({ ...part, ExpectedSourceBucketOwner: A, ExpectedBucketOwner: A }));

    // Another account's bucket stays another's, whoever the header names.
    await s3Client(server, ACCOUNT_B).send(new CreateBucketCommand({ Bucket: 'b-bucket' }));
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: 'b-bucket', ExpectedBucketOwner: B })), 'AccessDenied', 403);

    // No ExpectedBucketOwner on these: the header is not looked at.
    const listed = await signedRequest(server.url, 'GET', '/', { headers: { 'x-amz-expected-bucket-owner': B } });
    expect(listed.status).toBe(200);
    const created = await signedRequest(server.url, 'PUT', '/created-anyway', { headers: { 'x-amz-expected-bucket-owner': B } });
    expect(created.status).toBe(200);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain('created-anyway');
  });
});
