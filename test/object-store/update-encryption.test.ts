/**
 * UpdateObjectEncryption (`PUT /{key}?encryption`) in the embedded store, through the AWS SDK v3's
 * UpdateObjectEncryptionCommand over real HTTP (and signed raw requests for bodies the SDK will not
 * send): the recorded encryption changes in place — same ETag, LastModified, checksum, storage
 * class, metadata, tags and version — and every refusal S3's API Reference lists is answered with
 * its code and status.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  UpdateObjectEncryptionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { UPDATE_ENCRYPTION_MESSAGES } from '../../src/object-store/errors.js';
import { ACCOUNT_B, startTestServer, type TestServer } from '../helpers/server.js';
import { bodyBytes, errorOf, expectS3Error, s3Client } from './helpers.js';
import { codeOf, signedRequest } from './raw.js';

const KEY_1 = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-1111-4111-8111-111111111111';
const KEY_2 = 'arn:aws:kms:us-east-1:111122223333:key/2222bbbb-2222-4222-8222-222222222222';
const OTHER_ACCOUNTS_KEY = 'arn:aws:kms:us-east-1:444455556666:key/3333cccc-3333-4333-8333-333333333333';

async function setup(): Promise<{ server: TestServer; s3: S3Client }> {
  const server = await startTestServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
  return { server, s3 };
}

const update = (s3: S3Client, Bucket: string, Key: string, KMSKeyArn: string, more: { VersionId?: string; BucketKeyEnabled?: boolean } = {}) =>
  s3.send(
    new UpdateObjectEncryptionCommand({
      Bucket,
      Key,
      ...(more.VersionId !== undefined ? { VersionId: more.VersionId } : {}),
      ObjectEncryption: { SSEKMS: { KMSKeyArn, ...(more.BucketKeyEnabled !== undefined ? { BucketKeyEnabled: more.BucketKeyEnabled } : {}) } },
    }),
  );

/** What HeadObject says of an object, the encryption and everything that must not change. */
async function described(s3: S3Client, Bucket: string, Key: string, VersionId?: string) {
  const h = await s3.send(new HeadObjectCommand({ Bucket, Key, VersionId, ChecksumMode: 'ENABLED' }));
  return {
    sse: { algorithm: h.ServerSideEncryption, keyId: h.SSEKMSKeyId, bucketKey: h.BucketKeyEnabled },
    kept: { etag: h.ETag, lastModified: h.LastModified?.getTime(), crc32: h.ChecksumCRC32, storageClass: h.StorageClass, metadata: h.Metadata, type: h.ContentType, tags: h.TagCount, versionId: h.VersionId },
  };
}

describe('UpdateObjectEncryption', () => {
  it('SSE-S3 → SSE-KMS with a bucket key, then another key without: in place, keeping ETag, LastModified, checksum, storage class, metadata and tags', async () => {
    const { s3 } = await setup();
    await s3.send(
      new PutObjectCommand({ Bucket: 'plain', Key: 'a/b c', Body: 'data', ChecksumAlgorithm: 'CRC32', ContentType: 'text/x', Metadata: { m: '1' }, Tagging: 't=1', StorageClass: 'STANDARD_IA' }),
    );
    const before = await described(s3, 'plain', 'a/b c');
    expect(before.sse).toEqual({ algorithm: 'AES256', keyId: undefined, bucketKey: undefined });
    await new Promise((r) => setTimeout(r, 1100)); // LastModified has second precision: a rewrite would show

    const answer = await update(s3, 'plain', 'a/b c', KEY_1, { BucketKeyEnabled: true });
    expect(answer.$metadata.httpStatusCode).toBe(200);
    let after = await described(s3, 'plain', 'a/b c');
    expect(after.sse).toEqual({ algorithm: 'aws:kms', keyId: KEY_1, bucketKey: true });
    expect(after.kept).toEqual(before.kept);

    await update(s3, 'plain', 'a/b c', KEY_2);
    after = await described(s3, 'plain', 'a/b c');
    expect(after.sse).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: undefined });
    expect(after.kept).toEqual(before.kept);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'a/b c' }));
    expect([got.ServerSideEncryption, got.SSEKMSKeyId, (await bodyBytes(got.Body)).toString()]).toEqual(['aws:kms', KEY_2, 'data']);
  });

  it('acts on the version named (the latest by default), adds no version, and leaves an archived object archived', async () => {
    const { s3 } = await setup();
    const old = await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'k', Body: 'v1' }));
    const latest = await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'k', Body: 'v2' }));
    await update(s3, 'vault', 'k', KEY_1, { VersionId: old.VersionId! });
    expect((await described(s3, 'vault', 'k', old.VersionId)).sse.keyId).toBe(KEY_1);
    expect((await described(s3, 'vault', 'k', latest.VersionId)).sse.algorithm).toBe('AES256');
    await update(s3, 'vault', 'k', KEY_2);
    expect((await described(s3, 'vault', 'k')).kept.versionId).toBe(latest.VersionId);
    expect((await described(s3, 'vault', 'k')).sse.keyId).toBe(KEY_2);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: 'vault' }))).Versions?.map((v) => v.VersionId)).toEqual([latest.VersionId, old.VersionId]);

    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'cold', Body: 'c', StorageClass: 'GLACIER' }));
    await update(s3, 'plain', 'cold', KEY_1);
    const cold = await s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'cold' }));
    expect([cold.StorageClass, cold.Restore, cold.SSEKMSKeyId]).toEqual(['GLACIER', undefined, KEY_1]);
  });

  it('refuses as S3 does: no SSE-KMS, no key, a malformed key, a bucket key that is no boolean (400 InvalidRequest); and changes nothing', async () => {
    const { server, s3 } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x' }));
    const raw = (xml: string) => signedRequest(server.url, 'PUT', '/plain/k', { query: { encryption: '' }, body: Buffer.from(xml), headers: { 'content-type': 'application/xml' } });
    const cases: Array<[string, string]> = [
      ['<ObjectEncryption xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>', UPDATE_ENCRYPTION_MESSAGES.noType],
      ['<ObjectEncryption><SSE-KMS><BucketKeyEnabled>true</BucketKeyEnabled></SSE-KMS></ObjectEncryption>', UPDATE_ENCRYPTION_MESSAGES.noKey],
      ['<ObjectEncryption><SSE-KMS><KMSKeyArn>alias/my-key</KMSKeyArn></SSE-KMS></ObjectEncryption>', UPDATE_ENCRYPTION_MESSAGES.badKey],
      [`<ObjectEncryption><SSE-KMS><KMSKeyArn>${KEY_1}</KMSKeyArn><BucketKeyEnabled>yes</BucketKeyEnabled></SSE-KMS></ObjectEncryption>`, UPDATE_ENCRYPTION_MESSAGES.badBucketKey],
    ];
    for (const [xml, message] of cases) {
      const reply = await raw(xml);
      expect([reply.status, codeOf(reply)], xml).toEqual([400, 'InvalidRequest']);
      expect(reply.body.toString(), xml).toContain(message.replaceAll("'", '&apos;'));
    }
    await expectS3Error(update(s3, 'plain', 'k', 'arn:aws:kms:us-east-1:111122223333:alias/mine'), 'InvalidRequest', 400);
    expect((await described(s3, 'plain', 'k')).sse.algorithm).toBe('AES256');
  });

  it('refuses a DSSE-KMS object (400 InvalidRequest), a key of another account and an object under Object Lock (403 AccessDenied)', async () => {
    const { s3 } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'dsse', Body: 'x', ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: KEY_1 }));
    const dsse = await errorOf(update(s3, 'plain', 'dsse', KEY_2));
    expect([dsse.name, dsse.status, dsse.message]).toEqual(['InvalidRequest', 400, UPDATE_ENCRYPTION_MESSAGES.dsse]);
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x' }));
    const foreign = await errorOf(update(s3, 'plain', 'k', OTHER_ACCOUNTS_KEY));
    expect([foreign.name, foreign.status, foreign.message]).toEqual(['AccessDenied', 403, UPDATE_ENCRYPTION_MESSAGES.otherAccount]);

    const future = new Date(Date.now() + 3_600_000);
    await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'gov', Body: 'g', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: future }));
    await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'comp', Body: 'c', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: future }));
    await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'held', Body: 'h', ObjectLockLegalHoldStatus: 'ON' }));
    for (const key of ['gov', 'comp', 'held']) {
      const locked = await errorOf(update(s3, 'vault', key, KEY_1));
      expect([locked.name, locked.status, locked.message], key).toEqual(['AccessDenied', 403, UPDATE_ENCRYPTION_MESSAGES.locked]);
      expect((await described(s3, 'vault', key)).sse.algorithm, key).toBe('AES256');
    }
    // Once the hold is off (and for an expired retention), the update goes through.
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: 'vault', Key: 'held', LegalHold: { Status: 'OFF' } }));
    await update(s3, 'vault', 'held', KEY_1);
    await s3.send(new PutObjectRetentionCommand({ Bucket: 'vault', Key: 'gov', BypassGovernanceRetention: true, Retention: {} }));
    await update(s3, 'vault', 'gov', KEY_1);
    expect([(await described(s3, 'vault', 'held')).sse.keyId, (await described(s3, 'vault', 'gov')).sse.keyId]).toEqual([KEY_1, KEY_1]);
  });

  it('a missing key or version is 404, another account’s bucket 403, a delete marker 404 (latest) / 405 (named)', async () => {
    const { server, s3 } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'k', Body: 'x' }));
    await expectS3Error(update(s3, 'plain', 'missing', KEY_1), 'NoSuchKey', 404);
    await expectS3Error(update(s3, 'vault', 'k', KEY_1, { VersionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'NoSuchVersion', 404);
    await expectS3Error(update(s3Client(server, ACCOUNT_B), 'vault', 'k', KEY_1), 'AccessDenied', 403);
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'k' }));
    await expectS3Error(update(s3, 'vault', 'k', KEY_1), 'NoSuchKey', 404);
    await expectS3Error(update(s3, 'vault', 'k', KEY_1, { VersionId: marker.VersionId! }), 'MethodNotAllowed', 405);
  });
});
