/**
 * S3ReplicateObject to destinations on other stores (the config file's replication.destinations):
 * a second s3batch server, which keeps the source's version id and the REPLICA status through
 * s3batch's replica extension (a 17 MiB object goes as a multipart upload); s3rver, a store that
 * is no s3batch, which gets the data, metadata and tags and nothing of the extension; and a
 * destination that answers 503 at first, whose tasks are retried. And a source on a remote store
 * (its rules, versions and tags read over S3's own calls; its status left as it was).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBuckets, reportRowsAt, runCsvJob } from '../helpers/engine-jobs.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { capturingLogger } from '../helpers/logs.js';
import { S3RVER_CREDENTIALS, startS3rver } from '../helpers/s3rver.js';
import { ACCOUNT_A, REGION, controlClient, remoteStoreEnv, startTestServer, type TestServer } from '../helpers/server.js';
import { bodyBytes, s3Client } from '../object-store/helpers.js';

const ROLE = `arn:aws:iam::${ACCOUNT_A.accountId}:role/replication`;

async function versioned(s3: S3Client, Bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** A source server (engine on) whose config file maps arn:aws:s3:::far to `endpoint`. */
async function sourceServer(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  logger = capturingLogger().logger,
): Promise<TestServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-repl-config-'));
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ replication: { destinations: { 'arn:aws:s3:::far': { endpoint, region: REGION, ...credentials } } } }));
  const server = await startTestServer({ S3BATCH_CONFIG: file }, undefined, { engine: true, logger });
  const s3 = s3Client(server);
  await createBuckets(s3, ['manifests', 'reports']);
  await versioned(s3, 'src');
  await s3.send(
    new PutBucketReplicationCommand({
      Bucket: 'src',
      ReplicationConfiguration: {
        Role: ROLE,
        Rules: [{ ID: 'far', Priority: 1, Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::far' } }],
      },
    }),
  );
  return server;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const bytes = async (s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<Buffer> =>
  bodyBytes((await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body);

describe('S3ReplicateObject to other stores', () => {
  it('to a second s3batch: data, metadata, tags, ACL, the version id and the REPLICA status (multipart above 16 MiB)', async () => {
    const far = await startTestServer();
    const farS3 = s3Client(far);
    await versioned(farS3, 'far');
    const log = capturingLogger();
    const server = await sourceServer(far.url, { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey }, log.logger);
    // Two accounts on the source server: both can replicate into the mapped bucket, and the log says so.
    expect(log.lines.map((l) => l.msg)).toContainEqual(expect.stringMatching(/arn:aws:s3:::far are written with the credentials .* every account of this server \(111122223333, 444455556666\)/));
    const s3 = s3Client(server);
    const big = Buffer.alloc(17 * 1024 * 1024, 7);
    big.write('the start', 0);
    const small = await s3.send(
      new PutObjectCommand({ Bucket: 'src', Key: 'a/small', Body: 'small one', ContentType: 'text/plain', Metadata: { m: '1' }, Tagging: 't=1', ACL: 'public-read' }),
    );
    const large = await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'a/big', Body: big, Metadata: { size: 'big' } }));
    const job = await runCsvJob(s3, controlClient(server), ['src,a/small', 'src,a/big'], { S3ReplicateObject: {} });
    expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 });

    const head = await farS3.send(new HeadObjectCommand({ Bucket: 'far', Key: 'a/small', VersionId: small.VersionId }));
    expect(head).toMatchObject({ VersionId: small.VersionId, ReplicationStatus: 'REPLICA', ContentType: 'text/plain', Metadata: { m: '1' }, ETag: small.ETag });
    expect((await farS3.send(new GetObjectTaggingCommand({ Bucket: 'far', Key: 'a/small' }))).TagSet).toEqual([{ Key: 't', Value: '1' }]);
    const grants = (await farS3.send(new GetObjectAclCommand({ Bucket: 'far', Key: 'a/small' }))).Grants ?? [];
    expect(grants.map((g) => g.Permission).sort()).toEqual(['FULL_CONTROL', 'READ']);
    const bigHead = await farS3.send(new HeadObjectCommand({ Bucket: 'far', Key: 'a/big' }));
    expect([bigHead.VersionId, bigHead.ReplicationStatus, bigHead.ContentLength, bigHead.Metadata]).toEqual([large.VersionId, 'REPLICA', big.length, { size: 'big' }]);
    expect(bigHead.ETag).toMatch(/-2"$/); // two parts: 16 MiB and 1 MiB
    expect(md5(await bytes(farS3, 'far', 'a/big'))).toBe(md5(big));
    for (const Key of ['a/small', 'a/big']) expect((await s3.send(new HeadObjectCommand({ Bucket: 'src', Key }))).ReplicationStatus).toBe('COMPLETED');
  });

  it('to s3rver, a store that is no s3batch: data, metadata and tags; a version id and status of its own', async () => {
    const plain = await startS3rver(['far']);
    const server = await sourceServer(plain.url, S3RVER_CREDENTIALS);
    const s3 = s3Client(server);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'src', Key: 'doc one', Body: 'plain copy', ContentType: 'text/plain', CacheControl: 'no-cache', Metadata: { who: 'me' }, Tagging: 'k=v' }),
    );
    const job = await runCsvJob(s3, controlClient(server), ['src,doc+one'], { S3ReplicateObject: {} });
    expect(job.ProgressSummary, JSON.stringify(job.FailureReasons)).toMatchObject({ NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 0 });
    const other = s3Client(plain, { ...ACCOUNT_A, ...S3RVER_CREDENTIALS });
    const head = await other.send(new HeadObjectCommand({ Bucket: 'far', Key: 'doc one' }));
    expect(head).toMatchObject({ ContentType: 'text/plain', CacheControl: 'no-cache', Metadata: { who: 'me' }, ETag: put.ETag });
    expect(head.ReplicationStatus).toBeUndefined();
    expect(head.VersionId).not.toBe(put.VersionId);
    expect((await bytes(other, 'far', 'doc one')).toString()).toBe('plain copy');
    expect((await other.send(new GetObjectTaggingCommand({ Bucket: 'far', Key: 'doc one' }))).TagSet).toEqual([{ Key: 'k', Value: 'v' }]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'doc one' }))).ReplicationStatus).toBe('COMPLETED');
  });

  it('retries a destination that answers 503 ServiceUnavailable', async () => {
    const far = await startTestServer();
    const farS3 = s3Client(far);
    await versioned(farS3, 'far');
    let refused = 0;
    const proxy = await startFaultProxy({
      target: far.url,
      answer: (r) =>
        r.method === 'PUT' && refused < 2
          ? (refused++, { status: 503, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>down for now</Message></Error>' })
          : undefined,
    });
    const server = await sourceServer(proxy.url, { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey });
    const s3 = s3Client(server);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'eventually' }));
    const job = await runCsvJob(s3, controlClient(server), ['src,k'], { S3ReplicateObject: {} });
    expect(job.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 0 });
    expect(refused).toBe(2);
    const head = await farS3.send(new HeadObjectCommand({ Bucket: 'far', Key: 'k' }));
    expect([head.VersionId, head.ReplicationStatus]).toEqual([put.VersionId, 'REPLICA']);
  });

  it('from a remote store: the rules, the version and its tags read over HTTP; a bucket without rules fails its tasks', async () => {
    // `store` stands for MinIO or Ceph: the job server's account runs on it (S3BATCH_STORAGE_ENDPOINT).
    const store = await startTestServer();
    const storeS3 = s3Client(store);
    await createBuckets(storeS3, ['manifests', 'reports', 'plain']);
    await versioned(storeS3, 'src');
    await versioned(storeS3, 'copies');
    await storeS3.send(
      new PutBucketReplicationCommand({
        Bucket: 'src',
        ReplicationConfiguration: {
          Role: ROLE,
          Rules: [
            { ID: 'docs', Priority: 2, Status: 'Enabled', Filter: { And: { Prefix: 'docs/', Tags: [{ Key: 'keep', Value: 'yes' }] } }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::copies', StorageClass: 'STANDARD_IA' } },
            { ID: 'off', Priority: 1, Status: 'Disabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::copies' } },
          ],
        },
      }),
    );
    const doc = await storeS3.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/a.txt', Body: 'a document', Metadata: { origin: 'scanner' }, Tagging: 'keep=yes' }));
    await storeS3.send(new PutObjectCommand({ Bucket: 'src', Key: 'docs/b.txt', Body: 'untagged' }));
    await storeS3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'p.txt', Body: 'no rules here' }));

    const server = await startTestServer(remoteStoreEnv(store.url), undefined, { engine: true });
    const job = await runCsvJob(storeS3, controlClient(server), ['src,docs/a.txt', 'src,docs/b.txt', 'plain,p.txt'], { S3ReplicateObject: {} });
    expect([job.Status, job.ProgressSummary?.NumberOfTasksSucceeded, job.ProgressSummary?.NumberOfTasksFailed]).toEqual(['Complete', 1, 2]);
    const rows = await reportRowsAt(storeS3, job.JobId, 'out');
    expect(rows.find((r) => r.includes('docs/b.txt'))).toMatch(/failed,400,NoMatchingReplicationRule,No enabled replication rule of bucket src matches the key docs\/b\.txt \(no tags\)/);
    expect(rows.find((r) => r.includes('p.txt'))).toMatch(/failed,404,ReplicationConfigurationNotFoundError,/);

    // The replica on the same remote store (another s3batch: the replica extension keeps the version id and REPLICA).
    const replica = await storeS3.send(new HeadObjectCommand({ Bucket: 'copies', Key: 'docs/a.txt' }));
    expect([replica.VersionId, replica.ReplicationStatus, replica.StorageClass, replica.Metadata]).toEqual([doc.VersionId, 'REPLICA', 'STANDARD_IA', { origin: 'scanner' }]);
    expect((await bytes(storeS3, 'copies', 'docs/a.txt')).toString()).toBe('a document');
    expect((await storeS3.send(new GetObjectTaggingCommand({ Bucket: 'copies', Key: 'docs/a.txt' }))).TagSet).toEqual([{ Key: 'keep', Value: 'yes' }]);
    // S3 has no call that sets a replication status: the remote source keeps none.
    expect((await storeS3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'docs/a.txt' }))).ReplicationStatus).toBeUndefined();
  });
});
