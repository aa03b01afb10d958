/**
 * One behaviour for every S3Port: the in-process port over the embedded store and the HTTP client
 * must be indistinguishable to the engine. Each case sets up with the AWS SDK (the reference
 * client), acts through the port, and checks with the SDK.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { S3CopyObjectOperation } from '../../src/domain/job-spec.js';
import type { ManifestTask } from '../../src/manifests/index.js';
import { copy } from '../../src/operations/copy.js';
import { S3PortError, type PortGrantee, type S3Port } from '../../src/s3/s3-port.js';
import { decodeHeaderValue } from '../../src/lib/rfc2047.js';
import { errorOf } from '../object-store/helpers.js';
import { TASK_CONTEXT } from '../../src/operations/test-support.js';
import type { StoreClock } from '../helpers/server.js';

export interface PortFixture {
  readonly port: S3Port;
  readonly sdk: S3Client;
  /** The canonical user id of the port's account. */
  readonly ownerId: string;
  /** The port's account id. */
  readonly ownerAccount: string;
  /** The store's clock, and its restore delay (long: the restore cases move the clock past it). */
  readonly storeClock: StoreClock;
  readonly restoreDelayMs: number;
}

const DAY_MS = 86_400_000;
/** The x-amz-restore header of a restored copy expiring at `expiry` (a midnight UTC, as S3 rounds). */
const restoredHeader = (expiry: number): string => `ongoing-request="false", expiry-date="${new Date(expiry).toUTCString()}"`;
/** S3's expiry of a copy ready at `readyMs` and kept `days`: rounded up to the next midnight UTC. */
const expiryOf = (readyMs: number, days: number): number => Math.ceil((readyMs + days * DAY_MS) / DAY_MS) * DAY_MS;

async function portError(p: Promise<unknown>): Promise<{ code: string; status: number }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof S3PortError)) throw new Error(`expected an S3PortError, got ${String(err)}`);
  return { code: err.code, status: err.status };
}

let bucketSeq = 0;

const MiB = 1024 * 1024;
/** Small enough for tests: a 13 MiB source takes 3 parts of 5 MiB. */
const SMALL = { multipartThreshold: 6 * MiB, partSize: 5 * MiB } as const;

function bigBody(size: number, seed: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) body.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ seed) >>> 0, Math.min(i, size - 4));
  return body;
}

const md5 = (b: Buffer | Uint8Array): string => createHash('md5').update(b).digest('hex');

function copyTask(bucket: string, key: string, versionId?: string): ManifestTask {
  return { index: 0, line: 1, bucket, key, rawKey: encodeURIComponent(key), ...(versionId !== undefined ? { versionId } : {}) } as ManifestTask;
}

export function s3PortContract(name: string, setup: () => Promise<PortFixture>): void {
  describe(`S3Port contract: ${name}`, () => {
    async function bucketWith(keys: string[], versioned = false): Promise<{ f: PortFixture; bucket: string }> {
      const f = await setup();
      const bucket = `port-${process.pid}-${++bucketSeq}`;
      await f.sdk.send(new CreateBucketCommand({ Bucket: bucket }));
      if (versioned) await f.sdk.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      for (const key of keys) await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
      return { f, bucket };
    }
    const tagsOf = async (f: PortFixture, bucket: string, key: string, versionId?: string) =>
      (await f.sdk.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).TagSet ?? [];

    it('putObjectTagging replaces the whole tag set, on keys that need encoding too', async () => {
      const key = 'dir/ü ñ+%&?=#.txt';
      const { f, bucket } = await bucketWith([key]);
      await f.sdk.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: [{ Key: 'old', Value: '1' }] } }));
      await f.port.putObjectTagging({ bucket, key }, [
        { key: 'a', value: 'x y' },
        { key: 'b', value: 'é :/=+-@' },
      ]);
      expect(await tagsOf(f, bucket, key)).toEqual([
        { Key: 'a', Value: 'x y' },
        { Key: 'b', Value: 'é :/=+-@' },
      ]);
    });

    it('tags the version named, and says which version it acted on', async () => {
      const { f, bucket } = await bucketWith(['k', 'k'], true);
      const first = (await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).VersionId;
      await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'newer' }));
      const result = await f.port.putObjectTagging({ bucket, key: 'k', ...(first ? { versionId: first } : {}) }, [{ key: 't', value: 'v' }]);
      expect(result.versionId).toBe(first);
      expect(await tagsOf(f, bucket, 'k', first)).toEqual([{ Key: 't', Value: 'v' }]);
      expect(await tagsOf(f, bucket, 'k')).toEqual([]);
    });

    it('deleteObjectTagging removes every tag', async () => {
      const { f, bucket } = await bucketWith(['k']);
      await f.sdk.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'a', Value: '1' }] } }));
      await f.port.deleteObjectTagging({ bucket, key: 'k' });
      expect(await tagsOf(f, bucket, 'k')).toEqual([]);
    });

    it('fails with S3 code and status: NoSuchKey 404, NoSuchBucket 404, InvalidTag 400', async () => {
      const { f, bucket } = await bucketWith(['k']);
      expect(await portError(f.port.putObjectTagging({ bucket, key: 'missing' }, []))).toEqual({ code: 'NoSuchKey', status: 404 });
      expect(await portError(f.port.deleteObjectTagging({ bucket: `${bucket}-nope`, key: 'k' }))).toEqual({ code: 'NoSuchBucket', status: 404 });
      const tooLong = { key: 'k'.repeat(129), value: 'v' };
      expect(await portError(f.port.putObjectTagging({ bucket, key: 'k' }, [tooLong]))).toEqual({ code: 'InvalidTag', status: 400 });
    });

    describe('restoreObject', () => {
      const putIn = (f: PortFixture, Bucket: string, Key: string, StorageClass: StorageClass) =>
        f.sdk.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}`, StorageClass }));
      const restoreOf = async (f: PortFixture, Bucket: string, Key: string, VersionId?: string) =>
        (await f.sdk.send(new HeadObjectCommand({ Bucket, Key, VersionId }))).Restore;
      const readable = (f: PortFixture, Bucket: string, Key: string, VersionId?: string) =>
        f.sdk.send(new GetObjectCommand({ Bucket, Key, VersionId })).then(
          async (r) => (await r.Body!.transformToString()) === `body of ${Key}`,
          (e: { name?: string }) => (e.name === 'InvalidObjectState' ? false : Promise.reject(e)),
        );

      it('GLACIER and DEEP_ARCHIVE: accepted, 409 RestoreAlreadyInProgress while it runs, readable after the delay, extended (200) once restored, unreadable again after its days', async () => {
        const { f, bucket } = await bucketWith([]);
        await putIn(f, bucket, 'g', 'GLACIER');
        await putIn(f, bucket, 'd', 'DEEP_ARCHIVE');
        const started = f.storeClock.now();
        expect(await f.port.restoreObject({ bucket, key: 'g' }, { days: 2, tier: 'Bulk' })).toEqual({ status: 'accepted' });
        expect(await f.port.restoreObject({ bucket, key: 'd' }, { days: 1, tier: 'Standard' })).toEqual({ status: 'accepted' });
        const sent = f.storeClock.now();
        for (const key of ['g', 'd']) {
          expect(await restoreOf(f, bucket, key), key).toBe('ongoing-request="true"');
          expect(await readable(f, bucket, key), key).toBe(false);
          expect(await portError(f.port.restoreObject({ bucket, key }, { days: 3 })), key).toEqual({ code: 'RestoreAlreadyInProgress', status: 409 });
        }

        f.storeClock.advance(f.restoreDelayMs);
        const expiries = (days: number) => [expiryOf(started + f.restoreDelayMs, days), expiryOf(sent + f.restoreDelayMs, days)].map(restoredHeader);
        expect(expiries(2)).toContain(await restoreOf(f, bucket, 'g'));
        expect(expiries(1)).toContain(await restoreOf(f, bucket, 'd'));
        expect(await readable(f, bucket, 'g')).toBe(true);
        expect(await readable(f, bucket, 'd')).toBe(true);

        // Restored: another request moves the expiry to its days from now (200), and starts nothing.
        const before = f.storeClock.now();
        expect(await f.port.restoreObject({ bucket, key: 'g' }, { days: 5 })).toEqual({ status: 'extended' });
        expect([restoredHeader(expiryOf(before, 5)), restoredHeader(expiryOf(f.storeClock.now(), 5))]).toContain(await restoreOf(f, bucket, 'g'));
        expect(await readable(f, bucket, 'g')).toBe(true);

        // d (1 day) expires first; g (5 days from the extension) later. Then each restores anew.
        f.storeClock.advance(2 * DAY_MS);
        expect(await restoreOf(f, bucket, 'd')).toBeUndefined();
        expect(await readable(f, bucket, 'd')).toBe(false);
        expect(await readable(f, bucket, 'g')).toBe(true);
        f.storeClock.advance(4 * DAY_MS);
        expect(await restoreOf(f, bucket, 'g')).toBeUndefined();
        expect(await readable(f, bucket, 'g')).toBe(false);
        expect(await f.port.restoreObject({ bucket, key: 'g' }, { days: 1 })).toEqual({ status: 'accepted' });
        expect(await restoreOf(f, bucket, 'g')).toBe('ongoing-request="true"');
      });

      it('readable classes are 403 InvalidObjectState (with or without Days), a missing key 404 NoSuchKey, a missing bucket 404 NoSuchBucket', async () => {
        const { f, bucket } = await bucketWith([]);
        for (const cls of ['STANDARD', 'STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'] as const) {
          await putIn(f, bucket, cls, cls);
          expect(await portError(f.port.restoreObject({ bucket, key: cls }, { days: 1 })), cls).toEqual({ code: 'InvalidObjectState', status: 403 });
          expect(await portError(f.port.restoreObject({ bucket, key: cls }, {})), cls).toEqual({ code: 'InvalidObjectState', status: 403 });
          expect(await restoreOf(f, bucket, cls), cls).toBeUndefined();
        }
        expect(await portError(f.port.restoreObject({ bucket, key: 'missing' }, { days: 1 }))).toEqual({ code: 'NoSuchKey', status: 404 });
        expect(await portError(f.port.restoreObject({ bucket: `${bucket}-nope`, key: 'k' }, { days: 1 }))).toEqual({ code: 'NoSuchBucket', status: 404 });
      });

      it('an archived object without Days is 400 MalformedXML; Days 0 or over 999999 is 400 InvalidArgument; none starts a restore', async () => {
        const { f, bucket } = await bucketWith([]);
        await putIn(f, bucket, 'g', 'GLACIER');
        expect(await portError(f.port.restoreObject({ bucket, key: 'g' }, {}))).toEqual({ code: 'MalformedXML', status: 400 });
        expect(await portError(f.port.restoreObject({ bucket, key: 'g' }, { tier: 'Bulk' }))).toEqual({ code: 'MalformedXML', status: 400 });
        expect(await portError(f.port.restoreObject({ bucket, key: 'g' }, { days: 0 }))).toEqual({ code: 'InvalidArgument', status: 400 });
        expect(await portError(f.port.restoreObject({ bucket, key: 'g' }, { days: 1_000_000 }))).toEqual({ code: 'InvalidArgument', status: 400 });
        expect(await restoreOf(f, bucket, 'g')).toBeUndefined();
        expect(await f.port.restoreObject({ bucket, key: 'g' }, { days: 999_999 })).toEqual({ status: 'accepted' });
      });

      it('restores the version named, and says which', async () => {
        const { f, bucket } = await bucketWith([], true);
        const old = await putIn(f, bucket, 'k', 'GLACIER');
        await putIn(f, bucket, 'k', 'STANDARD');
        expect(await f.port.restoreObject({ bucket, key: 'k', versionId: old.VersionId! }, { days: 1 })).toEqual({ status: 'accepted', versionId: old.VersionId });
        expect(await restoreOf(f, bucket, 'k', old.VersionId)).toBe('ongoing-request="true"');
        expect(await portError(f.port.restoreObject({ bucket, key: 'k' }, { days: 1 }))).toEqual({ code: 'InvalidObjectState', status: 403 });
        f.storeClock.advance(f.restoreDelayMs);
        expect(await readable(f, bucket, 'k', old.VersionId)).toBe(true);
      });
    });

    describe('Object Lock: putObjectRetention and putObjectLegalHold', () => {
      async function lockBucket(keys: string[]): Promise<{ f: PortFixture; bucket: string }> {
        const f = await setup();
        const bucket = `lock-${process.pid}-${++bucketSeq}`;
        await f.sdk.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
        for (const key of keys) await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
        return { f, bucket };
      }
      const retentionOf = async (f: PortFixture, Bucket: string, Key: string, VersionId?: string) => {
        const r = (await f.sdk.send(new GetObjectRetentionCommand({ Bucket, Key, VersionId }))).Retention;
        return [r?.Mode, r?.RetainUntilDate?.getTime()];
      };
      const holdOf = async (f: PortFixture, Bucket: string, Key: string, VersionId?: string) =>
        (await f.sdk.send(new GetObjectLegalHoldCommand({ Bucket, Key, VersionId }))).LegalHold?.Status;

      it('sets, extends and strengthens a retention; shortening GOVERNANCE needs the bypass, COMPLIANCE never shortens (403 AccessDenied); removal', async () => {
        const { f, bucket } = await lockBucket(['g', 'c']);
        const until = Date.now() + 3_600_000;
        const result = await f.port.putObjectRetention({ bucket, key: 'g' }, { mode: 'GOVERNANCE', retainUntil: until });
        expect(result.versionId).toBe((await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'g' }))).VersionId);
        expect(await retentionOf(f, bucket, 'g')).toEqual(['GOVERNANCE', until]);
        expect(await portError(f.port.putObjectRetention({ bucket, key: 'g' }, { mode: 'GOVERNANCE', retainUntil: until - 60_000 }))).toEqual({ code: 'AccessDenied', status: 403 });
        expect(await portError(f.port.putObjectRetention({ bucket, key: 'g' }, {}))).toEqual({ code: 'AccessDenied', status: 403 });
        await f.port.putObjectRetention({ bucket, key: 'g' }, { mode: 'GOVERNANCE', retainUntil: until - 60_000 }, { bypassGovernanceRetention: true });
        expect(await retentionOf(f, bucket, 'g')).toEqual(['GOVERNANCE', until - 60_000]);
        await f.port.putObjectRetention({ bucket, key: 'g' }, {}, { bypassGovernanceRetention: true });
        await expect(f.sdk.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: 'g' }))).rejects.toMatchObject({ name: 'NoSuchObjectLockConfiguration' });

        await f.port.putObjectRetention({ bucket, key: 'c' }, { mode: 'GOVERNANCE', retainUntil: until });
        await f.port.putObjectRetention({ bucket, key: 'c' }, { mode: 'COMPLIANCE', retainUntil: until + 60_000 });
        for (const bypassGovernanceRetention of [false, true]) {
          expect(await portError(f.port.putObjectRetention({ bucket, key: 'c' }, { mode: 'COMPLIANCE', retainUntil: until }, { bypassGovernanceRetention }))).toEqual({ code: 'AccessDenied', status: 403 });
          expect(await portError(f.port.putObjectRetention({ bucket, key: 'c' }, {}, { bypassGovernanceRetention }))).toEqual({ code: 'AccessDenied', status: 403 });
        }
        expect(await retentionOf(f, bucket, 'c')).toEqual(['COMPLIANCE', until + 60_000]);
      });

      it('legal hold ON and OFF on the version named; a past date is 400 InvalidArgument; a missing key 404', async () => {
        const { f, bucket } = await lockBucket(['k']);
        const v1 = (await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).VersionId!;
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v2' }));
        expect(await f.port.putObjectLegalHold({ bucket, key: 'k', versionId: v1 }, true)).toEqual({ versionId: v1 });
        expect(await holdOf(f, bucket, 'k', v1)).toBe('ON');
        await expect(f.sdk.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({ name: 'NoSuchObjectLockConfiguration' });
        await f.port.putObjectLegalHold({ bucket, key: 'k', versionId: v1 }, false);
        expect(await holdOf(f, bucket, 'k', v1)).toBe('OFF');
        await f.port.putObjectRetention({ bucket, key: 'k', versionId: v1 }, { mode: 'GOVERNANCE', retainUntil: Date.now() + 60_000 });
        expect((await retentionOf(f, bucket, 'k', v1))[0]).toBe('GOVERNANCE');
        expect(await portError(f.port.putObjectRetention({ bucket, key: 'k' }, { mode: 'COMPLIANCE', retainUntil: Date.now() - 60_000 }))).toEqual({ code: 'InvalidArgument', status: 400 });
        expect(await portError(f.port.putObjectLegalHold({ bucket, key: 'missing' }, true))).toEqual({ code: 'NoSuchKey', status: 404 });
        expect(await portError(f.port.putObjectRetention({ bucket, key: 'missing' }, { mode: 'GOVERNANCE', retainUntil: Date.now() + 60_000 }))).toEqual({ code: 'NoSuchKey', status: 404 });
      });

      it('a bucket without Object Lock: both are 400 InvalidRequest', async () => {
        const { f, bucket } = await bucketWith(['k']);
        expect(await portError(f.port.putObjectRetention({ bucket, key: 'k' }, { mode: 'GOVERNANCE', retainUntil: Date.now() + 60_000 }))).toEqual({ code: 'InvalidRequest', status: 400 });
        expect(await portError(f.port.putObjectLegalHold({ bucket, key: 'k' }, true))).toEqual({ code: 'InvalidRequest', status: 400 });
      });
    });

    describe('listings (manifest generators)', () => {
      it('listObjects pages in key order from startAfter, under a prefix, keys that need encoding intact; the bucket owner checked', async () => {
        const keys = ['a/1', 'a/2 + ü%', 'a/3,"q"', 'b/1', 'a/4 +'];
        const { f, bucket } = await bucketWith(keys);
        const first = await f.port.listObjects(bucket, { prefix: 'a/', maxKeys: 2 });
        expect(first.objects.map((o) => o.key)).toEqual(['a/1', 'a/2 + ü%']);
        expect(first.isTruncated).toBe(true);
        expect(first.objects[0]).toMatchObject({ size: 'body of a/1'.length, storageClass: 'STANDARD' });
        expect(first.objects[0]?.etag).toMatch(/^"[0-9a-f]{32}"$/);
        expect(Math.abs(Date.now() - (first.objects[0]?.lastModified ?? 0))).toBeLessThan(60_000);
        const rest = await f.port.listObjects(bucket, { prefix: 'a/', startAfter: 'a/2 + ü%' });
        expect(rest.objects.map((o) => o.key)).toEqual(['a/3,"q"', 'a/4 +']);
        expect(rest.isTruncated).toBe(false);
        expect((await f.port.listObjects(bucket, { expectedBucketOwner: f.ownerAccount })).objects).toHaveLength(5);
        expect(await portError(f.port.listObjects(bucket, { expectedBucketOwner: '999988887777' }))).toEqual({ code: 'AccessDenied', status: 403 });
        expect(await portError(f.port.listObjects(`${bucket}-missing`))).toEqual({ code: 'NoSuchBucket', status: 404 });
      });

      it('listObjectVersions pages every version, newest first per key, from a key and version marker', async () => {
        const { f, bucket } = await bucketWith(['k 1', 'k 1', 'k2'], true);
        const all = await f.port.listObjectVersions(bucket);
        expect(all.versions.map((v) => [v.key, v.isLatest])).toEqual([
          ['k 1', true],
          ['k 1', false],
          ['k2', true],
        ]);
        const page = await f.port.listObjectVersions(bucket, { maxKeys: 1 });
        expect(page.isTruncated).toBe(true);
        const next = await f.port.listObjectVersions(bucket, { keyMarker: page.nextKeyMarker, versionIdMarker: page.nextVersionIdMarker });
        expect(next.versions.map((v) => v.versionId)).toEqual(all.versions.slice(1).map((v) => v.versionId));
      });

      it('headObject says the encryption', async () => {
        const { f, bucket } = await bucketWith(['k']);
        expect((await f.port.headObject({ bucket, key: 'k' })).encryption).toEqual({ algorithm: 'AES256' });
      });
    });

    describe('updateObjectEncryption', () => {
      const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-1111-4111-8111-111111111111';
      it('records SSE-KMS with the key (and a bucket key) in place: HeadObject shows it, the ETag and LastModified stay', async () => {
        const { f, bucket } = await bucketWith(['k']);
        const before = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
        await f.port.updateObjectEncryption({ bucket, key: 'k' }, { kmsKeyArn: KEY.replace('111122223333', f.ownerAccount), bucketKeyEnabled: true });
        const after = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
        expect([after.ServerSideEncryption, after.SSEKMSKeyId, after.BucketKeyEnabled]).toEqual(['aws:kms', KEY.replace('111122223333', f.ownerAccount), true]);
        expect([after.ETag, after.LastModified]).toEqual([before.ETag, before.LastModified]);
      });

      it('fails with S3 codes: NoSuchKey 404, a key of another account 403 AccessDenied, an object under a legal hold 403 AccessDenied', async () => {
        const { f, bucket } = await bucketWith(['k']);
        const mine = KEY.replace('111122223333', f.ownerAccount);
        expect(await portError(f.port.updateObjectEncryption({ bucket, key: 'missing' }, { kmsKeyArn: mine }))).toEqual({ code: 'NoSuchKey', status: 404 });
        expect(await portError(f.port.updateObjectEncryption({ bucket, key: 'k' }, { kmsKeyArn: KEY.replace('111122223333', '999988887777') }))).toEqual({ code: 'AccessDenied', status: 403 });
        const locked = `held-${bucket}`;
        await f.sdk.send(new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }));
        await f.sdk.send(new PutObjectCommand({ Bucket: locked, Key: 'k', Body: 'x', ObjectLockLegalHoldStatus: 'ON' }));
        expect(await portError(f.port.updateObjectEncryption({ bucket: locked, key: 'k' }, { kmsKeyArn: mine }))).toEqual({ code: 'AccessDenied', status: 403 });
        expect((await f.sdk.send(new HeadObjectCommand({ Bucket: locked, Key: 'k' }))).ServerSideEncryption).toBe('AES256');
      });
    });

    it('getObject with partNumber: each part of a multipart object with the part count; a single-part object is its own part 1', async () => {
      const { f, bucket } = await bucketWith(['single']);
      const parts = [bigBody(5 * MiB, 1), Buffer.from('the last part')];
      const { UploadId } = await f.sdk.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi' }));
      const etags: string[] = [];
      for (const [i, Body] of parts.entries()) etags.push((await f.sdk.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: i + 1, Body }))).ETag!);
      await f.sdk.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
      const bytes = async (r: { body: NodeJS.ReadableStream }) => {
        const chunks: Buffer[] = [];
        for await (const c of r.body) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      };
      for (const [i, part] of parts.entries()) {
        const got = await f.port.getObject({ bucket, key: 'multi' }, { partNumber: i + 1 });
        expect([got.partsCount, got.contentLength, got.etag]).toEqual([2, part.length, expect.stringMatching(/-2"$/)]);
        expect(md5(await bytes(got))).toBe(md5(part));
      }
      const single = await f.port.getObject({ bucket, key: 'single' }, { partNumber: 1 });
      expect([single.partsCount, (await bytes(single)).toString()]).toEqual([undefined, 'body of single']);
      const whole = await f.port.getObject({ bucket, key: 'multi' });
      expect(whole.partsCount).toBeUndefined();
      whole.body.destroy();
      expect(await portError(f.port.getObject({ bucket, key: 'multi' }, { partNumber: 3 }))).toEqual({ code: 'InvalidPartNumber', status: 416 });
    });

    it('putObjectAcl: a canned ACL, explicit grants, and a foreign owner refused', async () => {
      const { f, bucket } = await bucketWith(['k']);
      await f.port.putObjectAcl({ bucket, key: 'k' }, { canned: 'public-read' });
      let acl = await f.sdk.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'k' }));
      expect(acl.Grants?.map((g) => [g.Grantee?.URI ?? g.Grantee?.ID, g.Permission])).toContainEqual([
        'http://acs.amazonaws.com/groups/global/AllUsers',
        'READ',
      ]);
      await f.port.putObjectAcl({ bucket, key: 'k' }, { owner: { id: f.ownerId }, grants: [{ grantee: { type: 'CanonicalUser', id: f.ownerId }, permission: 'READ_ACP' }] });
      acl = await f.sdk.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'k' }));
      expect(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission])).toEqual([[f.ownerId, 'READ_ACP']]);
      const foreign = { owner: { id: 'f'.repeat(64) }, grants: [] };
      expect(await portError(f.port.putObjectAcl({ bucket, key: 'k' }, foreign))).toEqual({ code: 'AccessDenied', status: 403 });
    });

    it('putObject with expectedBucketOwner: the owner writes; another account is 403 AccessDenied, a malformed id 400, and nothing is written', async () => {
      const { f, bucket } = await bucketWith([]);
      const owner = f.ownerAccount;
      await f.port.putObject({ bucket, key: 'mine' }, Buffer.from('x'), { expectedBucketOwner: owner });
      expect(await portError(f.port.putObject({ bucket, key: 'theirs' }, Buffer.from('x'), { expectedBucketOwner: '999988887777' }))).toEqual({ code: 'AccessDenied', status: 403 });
      expect(await portError(f.port.putObject({ bucket, key: 'bad' }, Buffer.from('x'), { expectedBucketOwner: '12' }))).toEqual({
        code: 'InvalidBucketOwnerAWSAccountID',
        status: 400,
      });
      expect(await portError(f.port.putObject({ bucket: `${bucket}-nope`, key: 'k' }, Buffer.from('x'), { expectedBucketOwner: owner }))).toEqual({ code: 'NoSuchBucket', status: 404 });
      expect((await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mine' }))).ContentLength).toBe(1);
      for (const Key of ['theirs', 'bad']) {
        await expect(f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key })), Key).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      }
    });

    it('grantees S3 refuses (unknown group, malformed id, e-mail) fail putObjectAcl, copyObject and a multipart copy with 400, and change nothing', async () => {
      const { f, bucket } = await bucketWith(['k']);
      await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: bigBody(7 * MiB, 9) }));
      const before = (await f.sdk.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'k' }))).Grants;
      const refused: Array<[PortGrantee, string]> = [
        [{ type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/Nobody' }, 'InvalidArgument'],
        [{ type: 'CanonicalUser', id: 'not-an-id' }, 'InvalidArgument'],
        [{ type: 'AmazonCustomerByEmail', email: 'a@example.com' }, 'UnresolvableGrantByEmailAddress'],
      ];
      for (const [grantee, code] of refused) {
        const grants = [{ grantee: { type: 'CanonicalUser' as const, id: f.ownerId }, permission: 'FULL_CONTROL' as const }, { grantee, permission: 'READ' as const }];
        expect(await portError(f.port.putObjectAcl({ bucket, key: 'k' }, { grants })), grantee.type).toEqual({ code, status: 400 });
        expect(await portError(f.port.copyObject({ source: { bucket, key: 'k' }, bucket, key: 'copy', acl: { grants } })), grantee.type).toEqual({ code, status: 400 });
        const id = grantee.type === 'Group' ? grantee.uri : grantee.type === 'CanonicalUser' ? grantee.id : grantee.email;
        const typeIdentifier = grantee.type === 'Group' ? 'uri' : grantee.type === 'CanonicalUser' ? 'id' : 'emailAddress';
        const operation: S3CopyObjectOperation = {
          TargetResource: `arn:aws:s3:::${bucket}`,
          TargetKeyPrefix: 'out/',
          AccessControlGrants: [{ Grantee: { TypeIdentifier: typeIdentifier, Identifier: id }, Permission: 'READ' }],
        };
        expect(await portError(copy(operation, SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT)), grantee.type).toEqual({ code, status: 400 });
      }
      expect((await f.sdk.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'k' }))).Grants).toEqual(before);
      for (const Key of ['copy', 'out/big']) {
        await expect(f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key })), Key).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      }
      expect((await f.sdk.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
    });

    it('copyObject: COPY keeps metadata and tags, REPLACE sets them, [] tags means none', async () => {
      const { f, bucket } = await bucketWith([]);
      await f.sdk.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'data', ContentType: 'text/x-src', Metadata: { m: '1' }, Tagging: 't=1' }),
      );
      await f.port.copyObject({ source: { bucket, key: 'src' }, bucket, key: 'same' });
      const same = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'same' }));
      expect([same.ContentType, same.Metadata, await tagsOf(f, bucket, 'same')]).toEqual(['text/x-src', { m: '1' }, [{ Key: 't', Value: '1' }]]);

      await f.port.copyObject({
        source: { bucket, key: 'src' },
        bucket,
        key: 'dir/new ü',
        metadataDirective: 'REPLACE',
        metadata: { system: { contentType: 'application/x-new', cacheControl: 'no-cache' }, user: { n: '2' } },
        taggingDirective: 'REPLACE',
        tags: [],
        storageClass: 'STANDARD_IA',
      });
      const replaced = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/new ü' }));
      expect([replaced.ContentType, replaced.CacheControl, replaced.Metadata, replaced.StorageClass]).toEqual([
        'application/x-new',
        'no-cache',
        { n: '2' },
        'STANDARD_IA',
      ]);
      expect(await tagsOf(f, bucket, 'dir/new ü')).toEqual([]);

      await f.port.copyObject({ source: { bucket, key: 'src' }, bucket, key: 'retagged', taggingDirective: 'REPLACE', tags: [{ key: 'x', value: 'a b' }] });
      expect(await tagsOf(f, bucket, 'retagged')).toEqual([{ Key: 'x', Value: 'a b' }]);
    });

    it('copyObject: source conditions and a missing source fail with S3 codes', async () => {
      const { f, bucket } = await bucketWith(['src']);
      const past = Date.parse('2001-01-01T00:00:00Z');
      const request = { source: { bucket, key: 'src' }, bucket, key: 'dst' };
      expect(await portError(f.port.copyObject({ ...request, ifUnmodifiedSince: past }))).toEqual({ code: 'PreconditionFailed', status: 412 });
      expect(await portError(f.port.copyObject({ ...request, source: { bucket, key: 'nope' } }))).toEqual({ code: 'NoSuchKey', status: 404 });
      const copied = await f.port.copyObject({ ...request, ifModifiedSince: past });
      expect(copied.etag).toMatch(/^"[0-9a-f]{32}"$/);
    });

    it('copyObject from a version reports the source version', async () => {
      const { f, bucket } = await bucketWith(['src'], true);
      const v1 = (await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src' }))).VersionId!;
      await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'v2' }));
      const result = await f.port.copyObject({ source: { bucket, key: 'src', versionId: v1 }, bucket, key: 'dst' });
      expect(result.sourceVersionId).toBe(v1);
      expect(result.versionId).toBeTypeOf('string');
      const dst = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst' }));
      expect(dst.ContentLength).toBe('body of src'.length);
    });
    describe('encryption, website redirect and Requester Pays on copies', () => {
      const KEY_1 = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-1111-4111-8111-111111111111';
      const KEY_2 = 'arn:aws:kms:us-east-1:111122223333:key/2222bbbb-2222-4222-8222-222222222222';
      const sseOf = async (f: PortFixture, bucket: string, key: string) => {
        const h = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { algorithm: h.ServerSideEncryption, keyId: h.SSEKMSKeyId, bucketKey: h.BucketKeyEnabled };
      };
      const DEFAULT = { algorithm: 'AES256', keyId: undefined, bucketKey: undefined };
      const kmsSource = async (f: PortFixture, bucket: string, key = 'src', Body: string | Buffer = 'data') => {
        await f.sdk.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body,
            ContentType: 'text/x-src',
            Metadata: { m: '1' },
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: KEY_1,
            BucketKeyEnabled: true,
            WebsiteRedirectLocation: '/from-source',
          }),
        );
      };

      it('copyObject: SSE-KMS with a key and a bucket key, AES256, or nothing (the default) — never the source\'s', async () => {
        const { f, bucket } = await bucketWith([]);
        await kmsSource(f, bucket);
        const source = { bucket, key: 'src' };
        await f.port.copyObject({ source, bucket, key: 'kms', encryption: { algorithm: 'aws:kms', kmsKeyId: KEY_2, bucketKeyEnabled: true } });
        expect(await sseOf(f, bucket, 'kms')).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: true });
        await f.port.copyObject({ source, bucket, key: 'aes', encryption: { algorithm: 'AES256' } });
        expect(await sseOf(f, bucket, 'aes')).toEqual(DEFAULT);
        await f.port.copyObject({ source, bucket, key: 'plain' });
        expect(await sseOf(f, bucket, 'plain')).toEqual(DEFAULT);
        await f.port.copyObject({ source, bucket, key: 'replaced', metadataDirective: 'REPLACE', encryption: { algorithm: 'aws:kms' } });
        expect(await sseOf(f, bucket, 'replaced')).toEqual({ algorithm: 'aws:kms', keyId: undefined, bucketKey: undefined });
        // the metadata follows its directive, whatever the encryption
        expect(await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'kms' }))).toMatchObject({ ContentType: 'text/x-src', Metadata: { m: '1' } });
      });

      it('copyObject: a KMS key with AES256, or a bucket key without SSE-KMS, fails with 400 InvalidArgument and writes nothing', async () => {
        const { f, bucket } = await bucketWith(['src']);
        const request = { source: { bucket, key: 'src' }, bucket, key: 'dst' };
        expect(await portError(f.port.copyObject({ ...request, encryption: { algorithm: 'AES256', kmsKeyId: KEY_1 } }))).toEqual({ code: 'InvalidArgument', status: 400 });
        expect(await portError(f.port.copyObject({ ...request, encryption: { bucketKeyEnabled: true } }))).toEqual({ code: 'InvalidArgument', status: 400 });
        expect(await portError(f.port.headObject({ bucket, key: 'dst' }))).toMatchObject({ status: 404 });
        // a bucket key turned off asks for nothing S3 could refuse
        await f.port.copyObject({ ...request, encryption: { bucketKeyEnabled: false } });
        expect(await sseOf(f, bucket, 'dst')).toEqual(DEFAULT);
      });

      it("copyObject: the website redirect is the request's under COPY and REPLACE, and the source's is never copied", async () => {
        const { f, bucket } = await bucketWith([]);
        await kmsSource(f, bucket);
        const source = { bucket, key: 'src' };
        const redirectOf = async (key: string) => (await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).WebsiteRedirectLocation;
        await f.port.copyObject({ source, bucket, key: 'none' });
        expect(await redirectOf('none')).toBeUndefined();
        await f.port.copyObject({ source, bucket, key: 'copy', websiteRedirectLocation: '/asked' });
        expect(await redirectOf('copy')).toBe('/asked');
        expect((await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy' }))).ContentType).toBe('text/x-src');
        await f.port.copyObject({ source, bucket, key: 'replace', metadataDirective: 'REPLACE', metadata: { system: {}, user: {} }, websiteRedirectLocation: 'https://example.com/' });
        expect(await redirectOf('replace')).toBe('https://example.com/');
        // Requester Pays is accepted (no Requester Pays bucket here: nothing else changes)
        await f.port.copyObject({ source, bucket, key: 'payer', requestPayer: true });
        expect(await sseOf(f, bucket, 'payer')).toEqual(DEFAULT);
      });

      it('S3PutObjectCopy asking nothing sends nothing: a copy onto itself stays illegal (an SSE or redirect header would make it legal); SSEAlgorithm alone re-encrypts in place and keeps the metadata', async () => {
        const { f, bucket } = await bucketWith([]);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'data', ContentType: 'text/x-k', Metadata: { m: '1' }, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_1 }));
        const inPlace = (more: S3CopyObjectOperation = {}) => copy({ TargetResource: `arn:aws:s3:::${bucket}`, ...more })(copyTask(bucket, 'k'), f.port, TASK_CONTEXT);
        const illegal = { code: 'InvalidRequest', status: 400 };
        expect(await portError(inPlace())).toEqual(illegal);
        expect(await portError(inPlace({ RequesterPays: true }))).toEqual(illegal);
        expect(await sseOf(f, bucket, 'k')).toEqual({ algorithm: 'aws:kms', keyId: KEY_1, bucketKey: undefined });

        await inPlace({ NewObjectMetadata: { SSEAlgorithm: 'AES256' } });
        expect(await sseOf(f, bucket, 'k')).toEqual(DEFAULT);
        expect(await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).toMatchObject({ ContentType: 'text/x-k', Metadata: { m: '1' } });
        await inPlace({ RedirectLocation: '/moved' });
        expect((await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).WebsiteRedirectLocation).toBe('/moved');
      });

      it('S3PutObjectCopy maps SSEAlgorithm KMS / SSEAwsKmsKeyId / BucketKeyEnabled / RedirectLocation / RequesterPays; a key id alone means SSE-KMS', async () => {
        const { f, bucket } = await bucketWith([]);
        await kmsSource(f, bucket);
        const job = (more: S3CopyObjectOperation) => copy({ TargetResource: `arn:aws:s3:::${bucket}`, ...more })(copyTask(bucket, 'src'), f.port, TASK_CONTEXT);
        await job({ TargetKeyPrefix: 'all/', NewObjectMetadata: { SSEAlgorithm: 'KMS' }, SSEAwsKmsKeyId: KEY_2, BucketKeyEnabled: true, RedirectLocation: '/r', RequesterPays: true });
        expect(await sseOf(f, bucket, 'all/src')).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: true });
        const all = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'all/src' }));
        // SSEAlgorithm alone in NewObjectMetadata does not turn the copy into a REPLACE
        expect([all.WebsiteRedirectLocation, all.ContentType, all.Metadata]).toEqual(['/r', 'text/x-src', { m: '1' }]);
        await job({ TargetKeyPrefix: 'key-only/', SSEAwsKmsKeyId: KEY_2 });
        expect(await sseOf(f, bucket, 'key-only/src')).toEqual({ algorithm: 'aws:kms', keyId: KEY_2, bucketKey: undefined });
        await job({ TargetKeyPrefix: 'aes/', NewObjectMetadata: { SSEAlgorithm: 'AES256' } });
        expect(await sseOf(f, bucket, 'aes/src')).toEqual(DEFAULT);
        await job({ TargetKeyPrefix: 'plain/' });
        expect(await sseOf(f, bucket, 'plain/src')).toEqual(DEFAULT);
        expect((await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain/src' }))).WebsiteRedirectLocation).toBeUndefined();
        // AES256 with a KMS key: each task fails as S3 answers the request
        expect(await portError(job({ TargetKeyPrefix: 'bad/', NewObjectMetadata: { SSEAlgorithm: 'AES256' }, SSEAwsKmsKeyId: KEY_2 }))).toEqual({ code: 'InvalidArgument', status: 400 });
      });

      it('past the multipart threshold: CreateMultipartUpload gets the same encryption and redirect; the source\'s are not carried', async () => {
        const { f, bucket } = await bucketWith([]);
        const body = bigBody(13 * MiB + 7, 9);
        await kmsSource(f, bucket, 'big', body);
        const job = (more: S3CopyObjectOperation) => copy({ TargetResource: `arn:aws:s3:::${bucket}`, ...more }, SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT);
        await job({ TargetKeyPrefix: 'kms/', NewObjectMetadata: { SSEAlgorithm: 'KMS' }, SSEAwsKmsKeyId: KEY_2, BucketKeyEnabled: true, RedirectLocation: '/r', RequesterPays: true });
        const kms = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'kms/big' }));
        expect(kms.ETag).toMatch(/-3"$/);
        expect([kms.ServerSideEncryption, kms.SSEKMSKeyId, kms.BucketKeyEnabled, kms.WebsiteRedirectLocation, kms.ContentType, kms.Metadata]).toEqual([
          'aws:kms',
          KEY_2,
          true,
          '/r',
          'text/x-src',
          { m: '1' },
        ]);
        await job({ TargetKeyPrefix: 'plain/' });
        const plain = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain/big' }));
        expect(plain.ETag).toMatch(/-3"$/);
        expect([plain.ServerSideEncryption, plain.SSEKMSKeyId, plain.BucketKeyEnabled, plain.WebsiteRedirectLocation, plain.ContentType]).toEqual([
          'AES256',
          undefined,
          undefined,
          undefined,
          'text/x-src',
        ]);
        expect(md5(Buffer.from(await (await f.sdk.send(new GetObjectCommand({ Bucket: bucket, Key: 'plain/big' }))).Body!.transformToByteArray()))).toBe(md5(body));
        // refused at CreateMultipartUpload: no upload is left behind
        expect(await portError(job({ TargetKeyPrefix: 'bad/', BucketKeyEnabled: true }))).toEqual({ code: 'InvalidArgument', status: 400 });
        expect((await f.sdk.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
      });
    });

    describe('S3PutObjectCopy past the multipart threshold', () => {
      const BIG = 13 * MiB + 12345;
      const bodyOf = async (f: PortFixture, bucket: string, key: string): Promise<Buffer> =>
        Buffer.from(await (await f.sdk.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
      const uploadsIn = async (f: PortFixture, bucket: string) => (await f.sdk.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
      const op = (bucket: string, more: S3CopyObjectOperation = {}): S3CopyObjectOperation => ({ TargetResource: `arn:aws:s3:::${bucket}`, TargetKeyPrefix: 'out/', ...more });

      it('copies the pinned version part by part, keeping its metadata and tags (COPY)', async () => {
        const { f, bucket } = await bucketWith([], true);
        const body = bigBody(BIG, 1);
        const v1 = await f.sdk.send(
          new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: body, ContentType: 'video/mp4', Metadata: { origin: 'camera 1' }, Tagging: 'k=v%201' }),
        );
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: 'a newer, small version' }));
        await copy(op(bucket), SMALL)(copyTask(bucket, 'big', v1.VersionId), f.port, TASK_CONTEXT);

        const copied = await bodyOf(f, bucket, 'out/big');
        expect(copied.length).toBe(BIG);
        expect(md5(copied)).toBe(md5(body));
        const head = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'out/big' }));
        expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
        expect(head.ContentType).toBe('video/mp4');
        expect(head.Metadata).toEqual({ origin: 'camera 1' });
        expect(await tagsOf(f, bucket, 'out/big')).toEqual([{ Key: 'k', Value: 'v 1' }]);
        expect(await uploadsIn(f, bucket)).toEqual([]);
      });

      it('writes the given metadata, tags and storage class (REPLACE); small sources still take one CopyObject', async () => {
        const { f, bucket } = await bucketWith(['small']);
        const body = bigBody(BIG, 2);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: body, ContentType: 'video/mp4', Metadata: { origin: 'camera 1' }, Tagging: 'k=v' }));
        const replace = op(bucket, {
          NewObjectMetadata: { ContentType: 'application/x-test', CacheControl: 'no-cache', UserMetadata: { fresh: 'yes' } },
          NewObjectTagging: [{ Key: 'new', Value: 'tag' }],
          StorageClass: 'STANDARD_IA',
        });
        await copy(replace, SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT);
        const head = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'out/big' }));
        expect(head.ETag).toMatch(/-3"$/);
        expect(head.ContentType).toBe('application/x-test');
        expect(head.CacheControl).toBe('no-cache');
        expect(head.Metadata).toEqual({ fresh: 'yes' });
        expect(head.StorageClass).toBe('STANDARD_IA');
        expect(await tagsOf(f, bucket, 'out/big')).toEqual([{ Key: 'new', Value: 'tag' }]);
        expect(md5(await bodyOf(f, bucket, 'out/big'))).toBe(md5(body));

        await copy(op(bucket, { NewObjectTagging: [] }), SMALL)(copyTask(bucket, 'small'), f.port, TASK_CONTEXT);
        const small = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'out/small' }));
        expect(small.ETag).toMatch(/^"[0-9a-f]{32}"$/);
        expect(await tagsOf(f, bucket, 'out/small')).toEqual([]);
      });

      it('carries non-ASCII metadata (REPLACE, then COPY of a multipart source) as S3 does: RFC 2047 on the wire, the text itself stored', async () => {
        const { f, bucket } = await bucketWith(['small']);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: bigBody(BIG, 4) }));
        const text = 'café ☕ 東京 =?';
        const replace = op(bucket, { NewObjectMetadata: { ContentDisposition: `attachment; filename="${text}"`, UserMetadata: { note: text } } });
        await copy(replace, SMALL)(copyTask(bucket, 'small'), f.port, TASK_CONTEXT);
        const small = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'out/small' }));
        expect(decodeHeaderValue(small.Metadata?.note ?? '')).toBe(text);
        expect(small.Metadata?.note).toMatch(/^=\?UTF-8\?B\?/);
        expect(decodeHeaderValue(small.ContentDisposition ?? '')).toBe(`attachment; filename="${text}"`);
        // a multipart copy reads the metadata back (HeadObject) and writes it again: still the same text
        await copy(replace, SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT);
        await copy(op(bucket, { TargetKeyPrefix: 'again/' }), SMALL)(copyTask(bucket, 'out/big'), f.port, TASK_CONTEXT);
        const again = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'again/out/big' }));
        expect(again.ETag).toMatch(/-3"$/);
        expect(decodeHeaderValue(again.Metadata?.note ?? '')).toBe(text);
      });

      it('refuses metadata names no header can carry (400 InvalidArgument, never a transport error), by CopyObject and by the multipart path, writing nothing', async () => {
        const { f, bucket } = await bucketWith(['small']);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: bigBody(BIG, 5) }));
        const refused: Array<Record<string, string>> = [{ 'owner name': 'x' }, { ключ: 'y' }, { 'a:b': 'z' }, { Owner: '1', owner: '2' }];
        for (const UserMetadata of refused) {
          const replace = op(bucket, { NewObjectMetadata: { UserMetadata } });
          for (const key of ['small', 'big']) {
            expect(await portError(copy(replace, SMALL)(copyTask(bucket, key), f.port, TASK_CONTEXT)), `${key} ${JSON.stringify(UserMetadata)}`).toEqual({ code: 'InvalidArgument', status: 400 });
            expect((await errorOf(f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: `out/${key}` })))).status).toBe(404);
          }
        }
        expect(await uploadsIn(f, bucket)).toEqual([]);
        expect((await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'small' }))).$metadata.httpStatusCode).toBe(200);
      });

      it('carries tabs as they are and CR, LF and edge whitespace RFC 2047-encoded, by CopyObject and by the multipart path (REPLACE, then COPY)', async () => {
        const { f, bucket } = await bucketWith(['small']);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: bigBody(BIG, 6) }));
        const values = { tab: 'a\tb', crlf: 'a\r\nb', cr: 'a\rb', lead: ' x', trail: 'x\t' };
        const replace = op(bucket, { NewObjectMetadata: { UserMetadata: values } });
        for (const key of ['small', 'big']) {
          await copy(replace, SMALL)(copyTask(bucket, key), f.port, TASK_CONTEXT);
          await copy(op(bucket, { TargetKeyPrefix: 'again/' }), SMALL)(copyTask(bucket, `out/${key}`), f.port, TASK_CONTEXT);
          for (const copied of [`out/${key}`, `again/out/${key}`]) {
            const metadata = (await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: copied }))).Metadata ?? {};
            expect(metadata.tab, copied).toBe('a\tb');
            expect(Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, decodeHeaderValue(v)])), copied).toEqual(values);
          }
        }
      });

      it('at the default threshold: one CopyObject per object, and a multipart copy only when the store refuses the source as too large', async () => {
        // The fixtures' embedded store refuses CopyObject sources over 6 MiB (S3 does over 5 GiB).
        const { f, bucket } = await bucketWith(['small']);
        const body = bigBody(BIG, 3);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: body, Metadata: { origin: 'camera 2' } }));
        const calls: string[] = [];
        const counting = new Proxy(f.port, {
          get: (target, prop, receiver) => {
            const value = Reflect.get(target, prop, receiver) as unknown;
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              calls.push(String(prop));
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
        const defaults = { partSize: 5 * MiB };
        await copy(op(bucket), defaults)(copyTask(bucket, 'small'), counting, TASK_CONTEXT);
        expect(calls).toEqual(['copyObject']);
        calls.length = 0;
        await copy(op(bucket), defaults)(copyTask(bucket, 'big'), counting, TASK_CONTEXT);
        expect(calls.slice(0, 3)).toEqual(['copyObject', 'headObject', 'getObjectTagging']);
        expect(calls.filter((c) => c === 'uploadPartCopy')).toHaveLength(3);
        expect(md5(await bodyOf(f, bucket, 'out/big'))).toBe(md5(body));
        expect((await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'out/big' }))).Metadata).toEqual({ origin: 'camera 2' });
        // a copy refused for another reason is not retried as a multipart copy
        calls.length = 0;
        expect(await portError(copy(op(bucket), defaults)(copyTask(bucket, 'missing'), counting, TASK_CONTEXT))).toEqual({ code: 'NoSuchKey', status: 404 });
        expect(calls).toEqual(['copyObject']);
      });

      it('a source overwritten mid-copy fails with PreconditionFailed and leaves no upload behind', async () => {
        const { f, bucket } = await bucketWith([]);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: bigBody(BIG, 3) }));
        let overwritten = false;
        const racing: S3Port = {
          ...f.port,
          async uploadPartCopy(request) {
            if (request.partNumber === 2 && !overwritten) {
              overwritten = true;
              await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: bigBody(BIG, 4) }));
            }
            return f.port.uploadPartCopy(request);
          },
        };
        const err = await portError(copy(op(bucket), { ...SMALL, partConcurrency: 1 })(copyTask(bucket, 'big'), racing, TASK_CONTEXT));
        expect(err).toEqual({ code: 'PreconditionFailed', status: 412 });
        expect(overwritten).toBe(true);
        expect(await uploadsIn(f, bucket)).toEqual([]);
        expect(await portError(f.port.headObject({ bucket, key: 'out/big' }))).toMatchObject({ status: 404 });
      });

      it('a missing source or version fails with NoSuchKey / NoSuchVersion, and starts no upload', async () => {
        const { f, bucket } = await bucketWith(['present'], true);
        expect(await portError(copy(op(bucket), SMALL)(copyTask(bucket, 'missing'), f.port, TASK_CONTEXT))).toEqual({ code: 'NoSuchKey', status: 404 });
        const badVersion = copyTask(bucket, 'present', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
        expect(await portError(copy(op(bucket), SMALL)(badVersion, f.port, TASK_CONTEXT))).toEqual({ code: 'NoSuchVersion', status: 404 });
        expect(await uploadsIn(f, bucket)).toEqual([]);
      });

      it('a copy onto itself that changes nothing is refused as CopyObject refuses it, below and above the threshold (and at the default one); no upload, the object unchanged', async () => {
        const { f, bucket } = await bucketWith(['small'], true);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: bigBody(BIG, 6), Metadata: { m: '1' }, Tagging: 't=1' }));
        const before = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' }));
        const inPlace = (more: S3CopyObjectOperation = {}): S3CopyObjectOperation => ({ TargetResource: `arn:aws:s3:::${bucket}`, ...more });
        const failure = async (p: Promise<unknown>): Promise<{ code: string; status: number; message: string }> => {
          const err = await p.then(() => undefined, (e: unknown) => e);
          if (!(err instanceof S3PortError)) throw new Error(`expected an S3PortError, got ${String(err)}`);
          return { code: err.code, status: err.status, message: err.storeMessage };
        };
        const below = await failure(copy(inPlace(), SMALL)(copyTask(bucket, 'small'), f.port, TASK_CONTEXT));
        expect(below).toMatchObject({ code: 'InvalidRequest', status: 400, message: expect.stringMatching(/^This copy request is illegal/) });
        expect(await failure(copy(inPlace(), SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT))).toEqual(below);
        expect(await failure(copy(inPlace(), { partSize: 5 * MiB })(copyTask(bucket, 'big'), f.port, TASK_CONTEXT))).toEqual(below);
        // The latest version named explicitly is the object itself too.
        expect(await failure(copy(inPlace(), SMALL)(copyTask(bucket, 'big', before.VersionId), f.port, TASK_CONTEXT))).toEqual(below);
        // Requester Pays and tags change nothing S3 counts.
        expect(await failure(copy(inPlace({ RequesterPays: true, NewObjectTagging: [] }), SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT))).toEqual(below);
        const after = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' }));
        expect([after.ETag, after.VersionId]).toEqual([before.ETag, before.VersionId]);
        expect(await uploadsIn(f, bucket)).toEqual([]);
      });

      it('in place above the threshold: a storage class change or REPLACE metadata works, and an older version restores itself unchanged', async () => {
        const { f, bucket } = await bucketWith([], true);
        const body = bigBody(BIG, 7);
        const v1 = await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: body, ContentType: 'video/mp4', Metadata: { m: '1' }, Tagging: 't=1' }));
        const inPlace = (more: S3CopyObjectOperation = {}): S3CopyObjectOperation => ({ TargetResource: `arn:aws:s3:::${bucket}`, ...more });
        await copy(inPlace({ StorageClass: 'STANDARD_IA' }), SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT);
        let head = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' }));
        expect([head.StorageClass, head.ContentType, head.Metadata, head.ETag]).toEqual(['STANDARD_IA', 'video/mp4', { m: '1' }, expect.stringMatching(/-3"$/)]);
        expect(await tagsOf(f, bucket, 'big')).toEqual([{ Key: 't', Value: '1' }]);
        await copy(inPlace({ MetadataDirective: 'REPLACE', NewObjectMetadata: { UserMetadata: { m: '2' } } }), SMALL)(copyTask(bucket, 'big'), f.port, TASK_CONTEXT);
        head = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' }));
        expect(head.Metadata).toEqual({ m: '2' });
        // v1 is no longer the latest: copying it onto its key restores it, as S3 allows.
        await copy(inPlace(), SMALL)(copyTask(bucket, 'big', v1.VersionId), f.port, TASK_CONTEXT);
        head = await f.sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' }));
        expect([head.Metadata, head.StorageClass]).toEqual([{ m: '1' }, undefined]);
        expect(head.VersionId).not.toBe(v1.VersionId);
        expect(md5(await bodyOf(f, bucket, 'big'))).toBe(md5(body));
        expect(await uploadsIn(f, bucket)).toEqual([]);
      });

      it('port multipart calls: an if-match on another ETag fails with 412; abort removes the upload', async () => {
        const { f, bucket } = await bucketWith([]);
        await f.sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: bigBody(6 * MiB, 5) }));
        const { uploadId } = await f.port.createMultipartUpload({ bucket, key: 'dst', metadata: { system: { contentType: 'text/x' }, user: { a: 'b' } }, tags: [{ key: 't', value: 'u' }] });
        expect((await uploadsIn(f, bucket)).map((u) => u.UploadId)).toEqual([uploadId]);
        const part = { bucket, key: 'dst', uploadId, partNumber: 1, source: { bucket, key: 'src' }, range: { start: 0, end: 5 * MiB - 1 } };
        expect(await portError(f.port.uploadPartCopy({ ...part, ifMatch: '"0123456789abcdef0123456789abcdef"' }))).toEqual({ code: 'PreconditionFailed', status: 412 });
        const { etag } = await f.port.headObject({ bucket, key: 'src' });
        expect((await f.port.uploadPartCopy({ ...part, ifMatch: etag })).etag).toMatch(/^"[0-9a-f]{32}"$/);
        await f.port.abortMultipartUpload({ bucket, key: 'dst', uploadId });
        expect(await uploadsIn(f, bucket)).toEqual([]);
        expect(await f.port.getObjectTagging({ bucket, key: 'src' })).toEqual({ tags: [] });
      });
    });
  });
}
