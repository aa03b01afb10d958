/** Versioning, Object Lock, storage classes and restores through the AWS SDK v3 over real HTTP. */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { bodyBytes, errorOf, expectS3Error, s3Client } from './helpers.js';
import { codeOf, signedRequest } from './raw.js';

async function client(env: Record<string, string> = {}): Promise<S3Client> {
  return s3Client(await startTestServer(env));
}

const read = async (s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<string> =>
  (await bodyBytes((await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body)).toString();

describe('versioning', () => {
  it('keeps every version, answers versionId on every call, and lists versions and delete markers', async () => {
    const s3 = await client();
    await s3.send(new CreateBucketCommand({ Bucket: 'vbk' }));
    await s3.send(new PutObjectCommand({ Bucket: 'vbk', Key: 'k', Body: 'before' })); // the null version
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'vbk', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'vbk', Key: 'k', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'vbk', Key: 'k', Body: 'two' }));
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await read(s3, 'vbk', 'k')).toBe('two');
    expect(await read(s3, 'vbk', 'k', v1.VersionId)).toBe('one');
    expect(await read(s3, 'vbk', 'k', 'null')).toBe('before');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'vbk', Key: 'k', VersionId: v1.VersionId }));
    expect(head.VersionId).toBe(v1.VersionId);

    await s3.send(new PutObjectTaggingCommand({ Bucket: 'vbk', Key: 'k', VersionId: v1.VersionId, Tagging: { TagSet: [{ Key: 'v', Value: '1' }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'vbk', Key: 'k', VersionId: v1.VersionId }))).TagSet).toEqual([{ Key: 'v', Value: '1' }]);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'vbk', Key: 'k' }))).TagSet).toEqual([]);

    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'vbk', Key: 'k' }));
    expect(del.DeleteMarker).toBe(true);
    expect(del.VersionId).toBeDefined();
    const gone = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'vbk', Key: 'k' })));
    expect([gone.name, gone.status]).toEqual(['NoSuchKey', 404]);
    const onMarker = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'vbk', Key: 'k', VersionId: del.VersionId })));
    expect([onMarker.name, onMarker.status]).toEqual(['MethodNotAllowed', 405]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'vbk' }))).KeyCount).toBe(0);
    expect(await read(s3, 'vbk', 'k', v2.VersionId)).toBe('two');

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vbk' }));
    expect(versions.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.VersionId, true]]);
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, false],
      [v1.VersionId, false],
      ['null', false],
    ]);
    // paging one entry at a time walks the same sequence
    const walked: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vbk', MaxKeys: 1, KeyMarker, VersionIdMarker }));
      walked.push(...(page.Versions ?? []).map((v) => v.VersionId as string), ...(page.DeleteMarkers ?? []).map((m) => m.VersionId as string));
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(walked).toEqual([del.VersionId, v2.VersionId, v1.VersionId, 'null']);

    // deleting the delete marker brings the object back
    await s3.send(new DeleteObjectCommand({ Bucket: 'vbk', Key: 'k', VersionId: del.VersionId }));
    expect(await read(s3, 'vbk', 'k')).toBe('two');
    // deleting a specific version removes it for good
    await s3.send(new DeleteObjectCommand({ Bucket: 'vbk', Key: 'k', VersionId: v2.VersionId }));
    expect(await read(s3, 'vbk', 'k')).toBe('one');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'vbk', Key: 'k', VersionId: v2.VersionId })), 'NoSuchVersion', 404);

    // copy of a given version
    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'vbk', Key: 'copy', CopySource: `vbk/k?versionId=null` }));
    expect(copy.CopySourceVersionId).toBe('null');
    expect(await read(s3, 'vbk', 'copy')).toBe('before');
  });

  it('suspended versioning writes and deletes the null version', async () => {
    const s3 = await client();
    await s3.send(new CreateBucketCommand({ Bucket: 'sus' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'sus', VersioningConfiguration: { Status: 'Enabled' } }));
    const kept = await s3.send(new PutObjectCommand({ Bucket: 'sus', Key: 'k', Body: 'kept' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'sus', VersioningConfiguration: { Status: 'Suspended' } }));
    const n1 = await s3.send(new PutObjectCommand({ Bucket: 'sus', Key: 'k', Body: 'null-1' }));
    expect(n1.VersionId).toBe('null');
    await s3.send(new PutObjectCommand({ Bucket: 'sus', Key: 'k', Body: 'null-2' }));
    let versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'sus' }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual(['null', kept.VersionId]);
    expect(await read(s3, 'sus', 'k')).toBe('null-2');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'sus', Key: 'k' }));
    expect([del.DeleteMarker, del.VersionId]).toEqual([true, 'null']);
    versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'sus' }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([kept.VersionId]);
    expect(versions.DeleteMarkers?.map((v) => v.VersionId)).toEqual(['null']);
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: 'sus', Delete: { Objects: [{ Key: 'k', VersionId: kept.VersionId }, { Key: 'k', VersionId: 'null' }] } }));
    expect(many.Deleted?.length).toBe(2);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: 'sus' }))).Versions ?? []).toEqual([]);
  });
});

describe('object lock', () => {
  it('refuses to delete locked versions; GOVERNANCE yields to the bypass header, COMPLIANCE and legal holds do not', async () => {
    const s3 = await client();
    await s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
    const future = new Date(Date.now() + 3_600_000);
    const gov = await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'gov', Body: 'g', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: future }));
    const comp = await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'comp', Body: 'c', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: future }));
    const held = await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'held', Body: 'h' }));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: 'vault', Key: 'held', LegalHold: { Status: 'ON' } }));

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'vault', Key: 'gov' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe(future.toISOString());
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: 'vault', Key: 'comp' }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: 'vault', Key: 'held' }))).LegalHold?.Status).toBe('ON');

    const deny = (p: Promise<unknown>) => expectS3Error(p, 'AccessDenied', 403);
    await deny(s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'gov', VersionId: gov.VersionId })));
    await deny(s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'comp', VersionId: comp.VersionId })));
    await deny(s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'comp', VersionId: comp.VersionId, BypassGovernanceRetention: true })));
    await deny(s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'held', VersionId: held.VersionId, BypassGovernanceRetention: true })));
    // shortening retention: GOVERNANCE needs the bypass, COMPLIANCE never
    const sooner = new Date(Date.now() + 60_000);
    await deny(s3.send(new PutObjectRetentionCommand({ Bucket: 'vault', Key: 'gov', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: sooner } })));
    await deny(s3.send(new PutObjectRetentionCommand({ Bucket: 'vault', Key: 'comp', Retention: { Mode: 'COMPLIANCE', RetainUntilDate: sooner }, BypassGovernanceRetention: true })));
    await s3.send(new PutObjectRetentionCommand({ Bucket: 'vault', Key: 'comp', Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 7_200_000) } }));
    const delMany = await s3.send(new DeleteObjectsCommand({ Bucket: 'vault', Delete: { Objects: [{ Key: 'comp', VersionId: comp.VersionId }] } }));
    expect(delMany.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);

    // a delete without a version id only adds a delete marker: allowed
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'gov' }));
    expect(marker.DeleteMarker).toBe(true);
    // an overwrite makes a new version; the locked one stays
    await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'comp', Body: 'new' }));
    expect(await read(s3, 'vault', 'comp', comp.VersionId)).toBe('c');

    await s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'gov', VersionId: gov.VersionId, BypassGovernanceRetention: true }));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: 'vault', Key: 'held', LegalHold: { Status: 'OFF' } }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'held', VersionId: held.VersionId }));
  });

  it('applies the bucket default retention and refuses lock headers on a bucket without Object Lock', async () => {
    const s3 = await client();
    await s3.send(new CreateBucketCommand({ Bucket: 'defaults', ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'defaults',
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } } },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: 'defaults', Key: 'k', Body: 'x' }));
    const r = await s3.send(new GetObjectRetentionCommand({ Bucket: 'defaults', Key: 'k' }));
    expect(r.Retention?.Mode).toBe('COMPLIANCE');
    expect((r.Retention?.RetainUntilDate?.getTime() ?? 0) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: 'defaults', Key: 'k', VersionId: put.VersionId })), 'AccessDenied', 403);

    await s3.send(new CreateBucketCommand({ Bucket: 'nolock' }));
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: 'nolock', Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 60_000) })),
      'InvalidRequest',
      400,
    );
    await s3.send(new PutObjectCommand({ Bucket: 'nolock', Key: 'k', Body: 'x' }));
    await expectS3Error(
      s3.send(new PutObjectRetentionCommand({ Bucket: 'nolock', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 60_000) } })),
      'InvalidRequest',
      400,
    );
    await expectS3Error(
      s3.send(new PutObjectRetentionCommand({ Bucket: 'defaults', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() - 60_000) } })),
      'InvalidArgument',
      400,
    );
  });
});

describe('object lock: changing a retention or a legal hold', () => {
  /** S3's code, status and message of a refusal. */
  const refusal = async (p: Promise<unknown>) => {
    const e = await errorOf(p);
    return [e.name, e.status, e.message];
  };
  const retention = (s3: S3Client, Key: string, Mode: 'GOVERNANCE' | 'COMPLIANCE' | undefined, until: number | undefined, BypassGovernanceRetention?: boolean) =>
    s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'vault',
        Key,
        Retention: { ...(Mode ? { Mode } : {}), ...(until !== undefined ? { RetainUntilDate: new Date(until) } : {}) },
        ...(BypassGovernanceRetention !== undefined ? { BypassGovernanceRetention } : {}),
      }),
    );
  const retentionOf = async (s3: S3Client, Key: string) => {
    const r = (await s3.send(new GetObjectRetentionCommand({ Bucket: 'vault', Key }))).Retention;
    return [r?.Mode, r?.RetainUntilDate?.getTime()];
  };
  const DENIED = ['AccessDenied', 403, 'Access Denied'];

  it('COMPLIANCE: extended only — shortened, removed or made GOVERNANCE is 403 "Access Denied", bypass or not', async () => {
    const s3 = await client();
    await s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
    await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'c', Body: 'c' }));
    const until = Date.now() + 3_600_000;
    await retention(s3, 'c', 'COMPLIANCE', until);
    for (const bypass of [undefined, true]) {
      expect(await refusal(retention(s3, 'c', 'COMPLIANCE', until - 60_000, bypass))).toEqual(DENIED);
      expect(await refusal(retention(s3, 'c', undefined, undefined, bypass))).toEqual(DENIED);
      expect(await refusal(retention(s3, 'c', 'GOVERNANCE', until + 60_000, bypass))).toEqual(DENIED);
    }
    expect(await retentionOf(s3, 'c')).toEqual(['COMPLIANCE', until]);
    await retention(s3, 'c', 'COMPLIANCE', until + 60_000);
    expect(await retentionOf(s3, 'c')).toEqual(['COMPLIANCE', until + 60_000]);
  });

  it('GOVERNANCE: extended or made COMPLIANCE freely; shortened or removed only with the bypass (else 403 "Access Denied")', async () => {
    const s3 = await client();
    await s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
    for (const key of ['g1', 'g2']) await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: key, Body: key }));
    const until = Date.now() + 3_600_000;
    await retention(s3, 'g1', 'GOVERNANCE', until);
    expect(await refusal(retention(s3, 'g1', 'GOVERNANCE', until - 60_000))).toEqual(DENIED);
    expect(await refusal(retention(s3, 'g1', 'GOVERNANCE', until - 60_000, false))).toEqual(DENIED);
    expect(await refusal(retention(s3, 'g1', undefined, undefined))).toEqual(DENIED);
    expect(await retentionOf(s3, 'g1')).toEqual(['GOVERNANCE', until]);
    await retention(s3, 'g1', 'GOVERNANCE', until - 60_000, true);
    expect(await retentionOf(s3, 'g1')).toEqual(['GOVERNANCE', until - 60_000]);
    await retention(s3, 'g1', undefined, undefined, true);
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket: 'vault', Key: 'g1' })), 'NoSuchObjectLockConfiguration', 404);

    await retention(s3, 'g2', 'GOVERNANCE', until);
    await retention(s3, 'g2', 'GOVERNANCE', until + 60_000);
    await retention(s3, 'g2', 'COMPLIANCE', until + 60_000);
    expect(await retentionOf(s3, 'g2')).toEqual(['COMPLIANCE', until + 60_000]);
  });

  it('a bucket without Object Lock: retention and legal hold are 400 InvalidRequest "Bucket is missing Object Lock Configuration"', async () => {
    const s3 = await client();
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'k' }));
    const missing = ['InvalidRequest', 400, 'Bucket is missing Object Lock Configuration'];
    expect(await refusal(s3.send(new PutObjectRetentionCommand({ Bucket: 'plain', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 60_000) } })))).toEqual(missing);
    expect(await refusal(s3.send(new PutObjectLegalHoldCommand({ Bucket: 'plain', Key: 'k', LegalHold: { Status: 'ON' } })))).toEqual(missing);
    expect(await refusal(s3.send(new PutObjectLegalHoldCommand({ Bucket: 'plain', Key: 'k', LegalHold: { Status: 'OFF' } })))).toEqual(missing);
  });
});

describe('storage classes and restore', () => {
  it('GLACIER and DEEP_ARCHIVE objects are readable only after a restore has run its delay', async () => {
    const s3 = await client({ S3BATCH_RESTORE_DELAY_MS: '600' });
    await s3.send(new CreateBucketCommand({ Bucket: 'cold' }));
    for (const StorageClass of ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'] as const) {
      await s3.send(new PutObjectCommand({ Bucket: 'cold', Key: StorageClass, Body: StorageClass, StorageClass }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'cold', Key: StorageClass }));
      expect(head.StorageClass).toBe(StorageClass === 'STANDARD' ? undefined : StorageClass);
    }
    expect(await read(s3, 'cold', 'GLACIER_IR')).toBe('GLACIER_IR');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'cold', Key: 'GLACIER' })), 'InvalidObjectState', 403);
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: 'cold', Key: 'thawed', CopySource: 'cold/DEEP_ARCHIVE' })), 'InvalidObjectState', 403);
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'STANDARD', RestoreRequest: { Days: 1 } })), 'InvalidObjectState', 403);

    const started = Date.now();
    const restore = await s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'GLACIER', RestoreRequest: { Days: 2, GlacierJobParameters: { Tier: 'Standard' } } }));
    expect(restore.$metadata.httpStatusCode).toBe(202);
    await s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'DEEP_ARCHIVE', RestoreRequest: { Days: 1 } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'cold', Key: 'GLACIER' }))).Restore).toBe('ongoing-request="true"');
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'GLACIER', RestoreRequest: { Days: 2 } })), 'RestoreAlreadyInProgress', 409);
    if (Date.now() - started < 550) {
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'cold', Key: 'GLACIER' })), 'InvalidObjectState', 403);
    }
    await new Promise((resolve) => setTimeout(resolve, 700 - (Date.now() - started)));
    const restored = await s3.send(new HeadObjectCommand({ Bucket: 'cold', Key: 'GLACIER' }));
    expect(restored.Restore).toMatch(/^ongoing-request="false", expiry-date="\w{3}, \d{2} \w{3} \d{4} 00:00:00 GMT"$/);
    expect(await read(s3, 'cold', 'GLACIER')).toBe('GLACIER');
    expect(await read(s3, 'cold', 'DEEP_ARCHIVE')).toBe('DEEP_ARCHIVE');
    // a second restore of a restored copy extends it (200)
    const again = await s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'GLACIER', RestoreRequest: { Days: 5 } }));
    expect(again.$metadata.httpStatusCode).toBe(200);
  });

  it('Days: required for an archived object (400 MalformedXML without it), an integer from 1 to 999999 (else 400); a readable object is 403 InvalidObjectState first', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'cold' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cold', Key: 'g', Body: 'g', StorageClass: 'GLACIER' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cold', Key: 's', Body: 's' }));
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'g', RestoreRequest: {} })), 'MalformedXML', 400);
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'g', RestoreRequest: { GlacierJobParameters: { Tier: 'Bulk' } } })), 'MalformedXML', 400);
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'g' })), 'MalformedXML', 400);
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'g', RestoreRequest: { Days: 0 } })), 'InvalidArgument', 400);
    const tooMany = await errorOf(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'g', RestoreRequest: { Days: 2_147_483_647 } })));
    expect([tooMany.name, tooMany.status, tooMany.message]).toEqual(['InvalidArgument', 400, 'Days must be an integer from 1 to 999999']);
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 's', RestoreRequest: {} })), 'InvalidObjectState', 403);
    for (const days of ['-1', '1.5', 'two', '12345678901']) {
      const body = Buffer.from(`<RestoreRequest><Days>${days}</Days></RestoreRequest>`);
      const r = await signedRequest(server.url, 'POST', '/cold/g', { query: { restore: '' }, body, headers: { 'content-type': 'application/xml' } });
      expect([r.status, codeOf(r)], days).toEqual([400, 'MalformedXML']);
    }
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'cold', Key: 'g' }))).Restore).toBeUndefined();
    expect((await s3.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'g', RestoreRequest: { Days: 999_999 } }))).$metadata.httpStatusCode).toBe(202);
  });
});
