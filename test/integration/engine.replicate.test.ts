/**
 * S3ReplicateObject end to end on the embedded store, through the AWS SDK v3 (and boto3): rules with prefix
 * and tag filters and priorities; replicas read back with data, metadata, tags, ACL, Object Lock
 * settings and the source's version id; COMPLETED on the source and REPLICA on the copy; an object
 * no rule matches, and a bucket without configuration, failing their tasks with a clear message;
 * a cross-account destination (granted, and not granted, in its bucket ACL).
 */
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketAclCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type ReplicationRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBuckets, manifestKey, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, ACCOUNT_B, REGION, controlClient, startTestServer } from '../helpers/server.js';
import { bodyBytes, s3Client } from '../object-store/helpers.js';

const ROLE = `arn:aws:iam::${ACCOUNT_A.accountId}:role/replication`;

async function versioned(s3: S3Client, Bucket: string, lock = false): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket, ...(lock ? { ObjectLockEnabledForBucket: true } : {}) }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

const rule = (ID: string, Priority: number, Filter: ReplicationRule['Filter'], Bucket: string, extra: Partial<ReplicationRule> = {}): ReplicationRule => ({
  ID,
  Priority,
  Status: 'Enabled',
  Filter,
  DeleteMarkerReplication: { Status: 'Disabled' },
  Destination: { Bucket: `arn:aws:s3:::${Bucket}` },
  ...extra,
});

const text = async (s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<string> =>
  (await bodyBytes((await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body)).toString();

describe('S3ReplicateObject on the embedded store', () => {
  it('copies each version to the destination of its highest-priority matching rule, with everything it has', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3 = s3Client(server);
    const control = controlClient(server);
    await createBuckets(s3, ['manifests', 'reports']);
    await versioned(s3, 'src', true);
    await versioned(s3, 'all');
    await versioned(s3, 'blue', true);
    await s3.send(
      new PutBucketReplicationCommand({
        Bucket: 'src',
        ReplicationConfiguration: {
          Role: ROLE,
          Rules: [
            rule('everything', 1, { Prefix: '' }, 'all', { Destination: { Bucket: 'arn:aws:s3:::all', StorageClass: 'STANDARD_IA' } }),
            rule('blue-docs', 5, { And: { Prefix: 'docs/', Tags: [{ Key: 'team', Value: 'blue' }] } }, 'blue'),
            rule('off', 9, { Prefix: 'docs/' }, 'all', { Status: 'Disabled' }),
          ],
        },
      }),
    );
    const until = new Date(Date.now() + 86_400_000);
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/a b.txt', Body: 'first' }));
    const v2 = await s3.send(
      new PutObjectCommand({
        Bucket: 'src',
        Key: 'docs/a b.txt',
        Body: 'second',
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
        Metadata: { colour: 'blue' },
        Tagging: 'team=blue&x=1',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: until,
        ObjectLockLegalHoldStatus: 'ON',
        ACL: 'public-read',
      }),
    );
    const other = await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'logs/1', Body: 'log', Tagging: 'team=blue' }));

    const job = await runCsvJob(
      s3,
      control,
      [`src,${manifestKey('docs/a b.txt')},${v1.VersionId}`, `src,${manifestKey('docs/a b.txt')},${v2.VersionId}`, `src,logs/1,${other.VersionId}`],
      { S3ReplicateObject: {} },
      { fields: ['Bucket', 'Key', 'VersionId'] },
    );
    expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 3, NumberOfTasksFailed: 0 });

    // v1 has no tags: only "everything" matches. v2 is tagged team=blue under docs/: "blue-docs" (priority 5) wins.
    expect(await text(s3, 'all', 'docs/a b.txt', v1.VersionId)).toBe('first');
    const replica = await s3.send(new HeadObjectCommand({ Bucket: 'blue', Key: 'docs/a b.txt', VersionId: v2.VersionId }));
    expect(replica).toMatchObject({
      VersionId: v2.VersionId,
      ReplicationStatus: 'REPLICA',
      ContentType: 'text/plain',
      CacheControl: 'max-age=60',
      Metadata: { colour: 'blue' },
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockLegalHoldStatus: 'ON',
      ETag: v2.ETag,
    });
    expect(replica.ObjectLockRetainUntilDate?.getTime()).toBe(until.getTime());
    expect(await text(s3, 'blue', 'docs/a b.txt', v2.VersionId)).toBe('second');
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'blue', Key: 'docs/a b.txt', VersionId: v2.VersionId }))).TagSet).toEqual([
      { Key: 'team', Value: 'blue' },
      { Key: 'x', Value: '1' },
    ]);
    const grants = (await s3.send(new GetObjectAclCommand({ Bucket: 'blue', Key: 'docs/a b.txt', VersionId: v2.VersionId }))).Grants ?? [];
    expect(grants.map((g) => g.Permission).sort()).toEqual(['FULL_CONTROL', 'READ']);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'all', Key: 'logs/1' }))).StorageClass).toBe('STANDARD_IA');

    for (const VersionId of [v1.VersionId, v2.VersionId]) {
      expect((await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'docs/a b.txt', VersionId }))).ReplicationStatus).toBe('COMPLETED');
    }
    if (hasBoto3) {
      // boto3 reads the same: the replica's version id, its status, its metadata; the source COMPLETED.
      const script = `
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="${REGION}", aws_access_key_id="${ACCOUNT_A.accessKeyId}", aws_secret_access_key="${ACCOUNT_A.secretAccessKey}")
r = s3.head_object(Bucket="blue", Key="docs/a b.txt", VersionId=sys.argv[2])
o = s3.head_object(Bucket="src", Key="docs/a b.txt", VersionId=sys.argv[2])
print(json.dumps([r["VersionId"], r["ReplicationStatus"], r["Metadata"], o["ReplicationStatus"]]))
`;
      expect(JSON.parse(await runPython(script, [server.url, v2.VersionId!]))).toEqual([v2.VersionId, 'REPLICA', { colour: 'blue' }, 'COMPLETED']);
    }

    // Run again: the replicas are replaced, not added (one version per source version).
    const again = await runCsvJob(s3, control, [`src,logs/1,${other.VersionId}`], { S3ReplicateObject: {} }, { fields: ['Bucket', 'Key', 'VersionId'] });
    expect(again.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 1 });
    expect(await text(s3, 'all', 'logs/1', other.VersionId)).toBe('log');
  });

  it('fails the task of an object no rule matches, and every task of a bucket without configuration, saying why', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3 = s3Client(server);
    const control = controlClient(server);
    await createBuckets(s3, ['manifests', 'reports']);
    await versioned(s3, 'src');
    await versioned(s3, 'bare');
    await versioned(s3, 'dst');
    await s3.send(
      new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: { Role: ROLE, Rules: [rule('docs', 1, { Prefix: 'docs/' }, 'dst')] } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/yes', Body: 'y' }));
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'other/no', Body: 'n' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bare', Key: 'k', Body: 'n' }));
    const job = await runCsvJob(s3, control, ['src,docs/yes', 'src,other/no', 'bare,k'], { S3ReplicateObject: {} });
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 2 });
    const rows = await reportRows(s3, job.JobId);
    expect(rows.find((r) => r.startsWith('src,other/no'))).toMatch(
      /,failed,400,NoMatchingReplicationRule,No enabled replication rule of bucket src matches the key other\/no \(no tags\)$/,
    );
    expect(rows.find((r) => r.startsWith('bare,k'))).toMatch(/,failed,404,ReplicationConfigurationNotFoundError,/);
    expect(await text(s3, 'dst', 'docs/yes')).toBe('y');
  });

  it('replicates to another account of the store only when its bucket ACL grants the job account WRITE', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3 = s3Client(server);
    const b = s3Client(server, ACCOUNT_B);
    const control = controlClient(server);
    await createBuckets(s3, ['manifests', 'reports']);
    await versioned(s3, 'src');
    await versioned(b, 'theirs');
    await s3.send(
      new PutBucketReplicationCommand({
        Bucket: 'src',
        ReplicationConfiguration: {
          Role: ROLE,
          Rules: [rule('b', 1, { Prefix: '' }, 'theirs', { Destination: { Bucket: 'arn:aws:s3:::theirs', Account: ACCOUNT_B.accountId } })],
        },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'cross' }));
    const refused = await runCsvJob(s3, control, ['src,k'], { S3ReplicateObject: {} });
    expect((await reportRows(s3, refused.JobId))[0]).toMatch(/,failed,403,AccessDenied,.*does not grant account 111122223333 WRITE/);

    // Canonical ids, as each owner's bucket ACL shows them.
    const ownerA = (await s3.send(new GetBucketAclCommand({ Bucket: 'src' }))).Owner?.ID;
    const ownerB = (await b.send(new GetBucketAclCommand({ Bucket: 'theirs' }))).Owner?.ID;
    await b.send(new PutBucketAclCommand({ Bucket: 'theirs', GrantFullControl: `id="${ownerB}"`, GrantWrite: `id="${ownerA}"` }));
    const granted = await runCsvJob(s3, control, ['src,k'], { S3ReplicateObject: {} });
    expect(granted.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 1 });
    const head = await b.send(new HeadObjectCommand({ Bucket: 'theirs', Key: 'k' }));
    expect([head.VersionId, head.ReplicationStatus]).toEqual([put.VersionId, 'REPLICA']);
    expect(await text(b, 'theirs', 'k')).toBe('cross');
  });
});
