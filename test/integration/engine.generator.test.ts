/**
 * Generated manifests end to end (S3JobManifestGenerator, issue 13): objects put over S3 (or, for
 * the bigger buckets, into the embedded store in process), a tagging job created over S3 Control
 * with a ManifestGenerator and one filter at a time, and the tagged objects, counts and report
 * read back with the AWS SDK. Also: confirmation (the whole listing first, then Suspended with the
 * final total), cancel while listing (the listing stops), no match (Failed with a FailureReasons
 * entry), the expected bucket owner, and the generated manifest written out and run again as an
 * S3 Inventory manifest.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, UpdateJobStatusCommand, type JobManifestGeneratorFilter, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { s3Client } from '../object-store/helpers.js';
import { createBuckets, describe as describeJob, objectText, reportRows, reportTo, until } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer, type TestServer } from '../helpers/server.js';

const KMS_KEY = `arn:aws:kms:us-east-1:${ACCOUNT_A.accountId}:key/1111aaaa-1111-4111-8111-111111111111`;

async function setup(env: Record<string, string> = {}): Promise<{ server: TestServer; s3: S3Client; control: S3ControlClient }> {
  // Chunks of 2 tasks: every listing here cuts several chunks.
  const server = await startTestServer({ S3BATCH_CHUNK_SIZE: '2', ...env }, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3, ['data', 'reports', 'out']);
  return { server, s3, control: controlClient(server) };
}

interface Put {
  readonly key: string;
  readonly body?: string;
  readonly storageClass?: 'STANDARD' | 'STANDARD_IA' | 'GLACIER';
  readonly kms?: boolean;
}

async function putObjects(s3: S3Client, objects: readonly Put[]): Promise<void> {
  for (const o of objects) {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: o.key,
        Body: o.body ?? 'x',
        ...(o.storageClass ? { StorageClass: o.storageClass } : {}),
        ...(o.kms ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY } : {}),
      }),
    );
  }
}

function generatorJob(filter: JobManifestGeneratorFilter | undefined, over: Parameters<typeof jobInput>[0] = {}) {
  return jobInput({
    Manifest: undefined,
    ManifestGenerator: {
      S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::data', EnableManifestOutput: false, ...(filter ? { Filter: filter } : {}) },
    },
    Report: reportTo(),
    ...over,
  });
}

async function tagged(s3: S3Client, key: string): Promise<boolean> {
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: key }));
  return (TagSet ?? []).some((t) => t.Key === 'project');
}

/** Runs a generator job to its end; returns the keys its report lists (decoded) and the descriptor. */
async function run(s3: S3Client, control: S3ControlClient, filter: JobManifestGeneratorFilter | undefined, over: Parameters<typeof jobInput>[0] = {}) {
  const { JobId } = await control.send(new CreateJobCommand(generatorJob(filter, over)));
  const job = await until(control, JobId!, ['Complete', 'Failed', 'Cancelled']);
  const keys = job.Status === 'Complete' ? (await reportRows(s3, JobId!)).map((r) => decodeURIComponent(r.split(',')[1]!)).sort() : [];
  return { jobId: JobId!, job, keys };
}

describe('generated manifests (S3JobManifestGenerator)', () => {
  it('every filter, one at a time: the job tags exactly the matching objects', async () => {
    const { s3, control } = await setup();
    const before = new Date(Date.now() - 1000);
    await putObjects(s3, [
      { key: 'logs/a.txt', body: 'x' },
      { key: 'logs/b.csv', body: 'xxxxxxxxxx' },
      { key: 'img/c d+é.jpg', body: 'xxxxx' },
      { key: 'img/e.txt', body: 'xxxxxxxxxxxxxxxxxxxx', storageClass: 'STANDARD_IA' },
      { key: 'img/f,"q".txt', kms: true },
    ]);
    const all = ['img/c d+é.jpg', 'img/e.txt', 'img/f,"q".txt', 'logs/a.txt', 'logs/b.csv'];
    const cases: Array<[string, JobManifestGeneratorFilter | undefined, string[]]> = [
      ['no filter', undefined, all],
      ['prefix', { KeyNameConstraint: { MatchAnyPrefix: ['logs/'] } }, ['logs/a.txt', 'logs/b.csv']],
      ['suffix', { KeyNameConstraint: { MatchAnySuffix: ['.txt'] } }, ['img/e.txt', 'img/f,"q".txt', 'logs/a.txt']],
      ['substring', { KeyNameConstraint: { MatchAnySubstring: [' d+'] } }, ['img/c d+é.jpg']],
      ['larger than', { ObjectSizeGreaterThanBytes: 5 }, ['img/e.txt', 'logs/b.csv']],
      ['smaller than', { ObjectSizeLessThanBytes: 5 }, ['img/f,"q".txt', 'logs/a.txt']],
      ['storage class', { MatchAnyStorageClass: ['STANDARD_IA'] }, ['img/e.txt']],
      ['created after', { CreatedAfter: before }, all],
      ['created before', { CreatedBefore: before }, []],
      ['SSE-KMS with its key', { MatchAnyObjectEncryption: [{ SSEKMS: { KmsKeyArn: KMS_KEY } }] }, ['img/f,"q".txt']],
      ['SSE-S3', { MatchAnyObjectEncryption: [{ SSES3: {} }] }, all.filter((k) => k !== 'img/f,"q".txt')],
      ['replication status NONE', { ObjectReplicationStatuses: ['NONE'] }, all],
      ['replication status COMPLETED', { ObjectReplicationStatuses: ['COMPLETED'] }, []],
      ['all together', { KeyNameConstraint: { MatchAnyPrefix: ['img/'], MatchAnySuffix: ['.txt'] }, ObjectSizeLessThanBytes: 10 }, ['img/f,"q".txt']],
    ];
    for (const [name, filter, expected] of cases) {
      const { job, keys } = await run(s3, control, filter);
      if (expected.length === 0) {
        expect(job.Status, name).toBe('Failed');
        expect(job.FailureReasons, name).toEqual([{ FailureCode: 'ManifestEmpty', FailureReason: 'Manifest generation found no keys matching the filter criteria' }]);
        continue;
      }
      expect([name, job.Status]).toEqual([name, 'Complete']);
      expect([name, keys]).toEqual([name, expected]);
      expect(job.ProgressSummary?.TotalNumberOfTasks, name).toBe(expected.length);
      expect(job.ManifestGenerator?.S3JobManifestGenerator?.SourceBucket).toBe('arn:aws:s3:::data');
    }
    expect(await tagged(s3, 'img/c d+é.jpg')).toBe(true);
  });

  it('confirmation: lists everything while Preparing, then waits in Suspended with the final total; confirmed, it runs', async () => {
    const { s3, control } = await setup();
    await putObjects(s3, Array.from({ length: 9 }, (_, i) => ({ key: `k${i}` })));
    const { JobId } = await control.send(new CreateJobCommand(generatorJob(undefined, { ConfirmationRequired: true })));
    const suspended = await until(control, JobId!, ['Suspended', 'Failed']);
    expect(suspended.Status).toBe('Suspended');
    expect(suspended.ProgressSummary?.TotalNumberOfTasks).toBe(9);
    expect(suspended.ProgressSummary?.NumberOfTasksSucceeded).toBe(0);
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId, RequestedJobStatus: 'Ready' }));
    const done = await until(control, JobId!, ['Complete', 'Failed']);
    expect([done.Status, done.ProgressSummary?.NumberOfTasksSucceeded]).toEqual(['Complete', 9]);
  });

  it('cancel while listing: the job is Cancelled and the listing stops', async () => {
    const { server, control } = await setup({ S3BATCH_CHUNK_SIZE: '50' });
    // Put in process (thousands of objects over HTTP would take the test's time); a filter that
    // needs a HeadObject per object keeps the listing going long enough to cancel it.
    // Empty objects have no data file: ~10,000 puts a second.
    const empty = Buffer.alloc(0);
    for (let i = 0; i < 20_000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => server.objects.putObject(ACCOUNT_A.accountId, { bucket: 'data', key: `k/${String(i + j).padStart(6, '0')}` }, empty)),
      );
    }
    const filter: JobManifestGeneratorFilter = { MatchAnyObjectEncryption: [{ SSES3: {} }] };
    const { JobId } = await control.send(new CreateJobCommand(generatorJob(filter, { ConfirmationRequired: true })));
    for (;;) {
      const job = await describeJob(control, JobId!);
      if ((job.ProgressSummary?.TotalNumberOfTasks ?? 0) > 0) break;
      expect(job.Status).toBe('Preparing');
      await new Promise((r) => setTimeout(r, 10));
    }
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId, RequestedJobStatus: 'Cancelled' }));
    const cancelled = await until(control, JobId!, ['Cancelled']);
    expect(cancelled.ProgressSummary?.TotalNumberOfTasks).toBeLessThan(20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const later = await describeJob(control, JobId!);
    expect(later.ProgressSummary?.TotalNumberOfTasks).toBeLessThanOrEqual(cancelled.ProgressSummary!.TotalNumberOfTasks!);
    // its chunks and listing position were deleted, and nothing was added after them
    expect(await server.store.chunkCounts(JobId!)).toMatchObject({ total: 0 });
    expect(await server.store.listingCheckpoint(JobId!)).toBeUndefined();
  });

  it('EligibleForReplication: every version is a task (delete markers are not), each tagged on its own version', async () => {
    const { s3, control } = await setup();
    await s3.send(new CreateBucketCommand({ Bucket: 'ver' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }));
    for (const Key of ['k1', 'k1', 'k2', 'k3']) await s3.send(new PutObjectCommand({ Bucket: 'ver', Key, Body: Key }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'k3' }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'ver' }));
    const versions = (listed.Versions ?? []).map((v) => `${v.Key},${v.VersionId}`).sort();
    expect(versions).toHaveLength(4);
    expect(listed.DeleteMarkers).toHaveLength(1);
    const { jobId, job } = await run(s3, control, { EligibleForReplication: true }, {
      ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::ver', EnableManifestOutput: false, Filter: { EligibleForReplication: true } } },
    });
    expect([job.Status, job.ProgressSummary?.TotalNumberOfTasks]).toEqual(['Complete', 4]);
    const rows = await reportRows(s3, jobId);
    expect(rows.map((r) => r.split(',').slice(1, 3).join(',')).sort()).toEqual(versions);
    for (const v of listed.Versions ?? []) {
      const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'ver', Key: v.Key, VersionId: v.VersionId }));
      expect(TagSet).toEqual([{ Key: 'project', Value: 'blue' }]);
    }
  });

  it('ExpectedBucketOwner: another account fails the job (access denied), the owner runs', async () => {
    const { s3, control } = await setup();
    await putObjects(s3, [{ key: 'a' }]);
    const wrong = await run(s3, control, undefined, {
      ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::data', ExpectedBucketOwner: ACCOUNT_B.accountId, EnableManifestOutput: false } },
    });
    expect(wrong.job.Status).toBe('Failed');
    expect(wrong.job.FailureReasons?.[0]?.FailureCode).toBe('ManifestAccessDenied');
    const right = await run(s3, control, undefined, {
      ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::data', ExpectedBucketOwner: ACCOUNT_A.accountId, EnableManifestOutput: false } },
    });
    expect(right.keys).toEqual(['a']);
  });

  it('EnableManifestOutput to a bucket that does not exist: the job fails saying where', async () => {
    const { s3, control } = await setup();
    await putObjects(s3, [{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    const { job } = await run(s3, control, undefined, {
      ManifestGenerator: {
        S3JobManifestGenerator: {
          SourceBucket: 'arn:aws:s3:::data',
          EnableManifestOutput: true,
          ManifestOutputLocation: { Bucket: 'arn:aws:s3:::no-such-bucket', ManifestFormat: 'S3InventoryReport_CSV_20211130' },
        },
      },
    });
    expect(job.Status).toBe('Failed');
    expect(job.FailureReasons).toEqual([{ FailureCode: 'ManifestNotFound', FailureReason: expect.stringContaining('s3://no-such-bucket/') }]);
  });

  it('EnableManifestOutput: an S3 Inventory manifest under the prefix, in DescribeJob, that a later job runs again', async () => {
    const { s3, control } = await setup();
    const keys = ['p/a b', 'p/c+d', 'p/é,"x"', 'q/skip'];
    await putObjects(s3, keys.map((key) => ({ key })));
    const { jobId, job } = await run(s3, control, { KeyNameConstraint: { MatchAnyPrefix: ['p/'] } }, {
      ManifestGenerator: {
        S3JobManifestGenerator: {
          SourceBucket: 'arn:aws:s3:::data',
          EnableManifestOutput: true,
          Filter: { KeyNameConstraint: { MatchAnyPrefix: ['p/'] } },
          ManifestOutputLocation: { Bucket: 'arn:aws:s3:::out', ManifestPrefix: 'generated', ManifestFormat: 'S3InventoryReport_CSV_20211130', ManifestEncryption: { SSES3: {} } },
        },
      },
    });
    expect(job.Status).toBe('Complete');
    const location = job.GeneratedManifestDescriptor?.Location;
    expect(job.GeneratedManifestDescriptor?.Format).toBe('S3InventoryReport_CSV_20211130');
    expect(location?.ObjectArn).toBe(`arn:aws:s3:::out/generated/${jobId}/manifest.json`);
    const manifest = JSON.parse(await objectText(s3, 'out', `generated/${jobId}/manifest.json`)) as Record<string, unknown>;
    expect(manifest).toMatchObject({ sourceBucket: 'data', destinationBucket: 'arn:aws:s3:::out', fileFormat: 'CSV', fileSchema: 'Bucket, Key' });
    expect((manifest.files as Array<{ key: string }>).map((f) => f.key)).toEqual([`generated/${jobId}/data/0.csv.gz`]);

    // the output, run as an inventory manifest: the same three objects
    await s3.send(new CreateBucketCommand({ Bucket: 'again' }));
    const { JobId } = await control.send(
      new CreateJobCommand(
        jobInput({
          Manifest: { Spec: { Format: 'S3InventoryReport_CSV_20161130' }, Location: { ObjectArn: location!.ObjectArn!, ETag: location!.ETag! } },
          Report: reportTo('again'),
          Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'again', Value: 'yes' }] } },
        }),
      ),
    );
    const again = await until(control, JobId!, ['Complete', 'Failed']);
    expect([again.Status, again.ProgressSummary?.NumberOfTasksSucceeded]).toEqual(['Complete', 3]);
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'p/é,"x"' }));
    expect(TagSet).toEqual([
      { Key: 'again', Value: 'yes' },
    ]);
  });
});
