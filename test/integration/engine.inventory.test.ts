/**
 * S3 Inventory manifests end to end (`S3InventoryReport_CSV_20161130`, reference §5.8): an
 * inventory's manifest.json and its gzipped CSV data files (each with the MD5 manifest.json
 * records) are uploaded into the embedded store over S3, a tagging job is created over S3 Control
 * with Location.ObjectArn naming manifest.json, and the counts, the objects' tags and the report
 * rows are read back. Broken inventories fail the job with a FailureReasons entry that says what
 * is wrong and where.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, UpdateJobStatusCommand, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { s3Client } from '../object-store/helpers.js';
import { createBuckets, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer } from '../helpers/server.js';

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const FULL_SCHEMA = 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass';
const PREFIX = 'inv/data/config-1/2024-01-01T00-00Z';

async function setup(): Promise<{ s3: S3Client; control: S3ControlClient }> {
  // Chunks of 2 records: a data file spans several chunks, and a chunk never spans two files.
  const server = await startTestServer({ S3BATCH_CHUNK_SIZE: '2' }, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3, ['data', 'inventory', 'reports']);
  return { s3, control: controlClient(server) };
}

/** One inventory record: every value double-quoted, as S3 Inventory writes them. */
const record = (...values: string[]): string => `${values.map((v) => `"${v.replaceAll('"', '""')}"`).join(',')}\n`;

interface InventoryOptions {
  readonly schema?: string;
  /** Replaces the MD5checksum manifest.json gives for data file `index`. */
  readonly wrongMd5?: { index: number; md5: string };
  readonly fileFormat?: string;
  /** Data file keys manifest.json lists but that are not uploaded. */
  readonly missing?: readonly number[];
  /** Upload the data files as plain CSV (with their right MD5), not gzipped. */
  readonly notGzipped?: boolean;
}

/** Uploads manifest.json and one gzipped data file per entry of `files`; returns the job's Manifest. */
async function putInventory(s3: S3Client, files: readonly string[], options: InventoryOptions = {}) {
  const entries: Array<{ key: string; size: number; MD5checksum: string }> = [];
  for (const [i, text] of files.entries()) {
    const gz = options.notGzipped ? Buffer.from(text, 'utf8') : gzipSync(Buffer.from(text, 'utf8'));
    const key = `${PREFIX}/files/${md5(`file ${i}`)}.csv.gz`;
    if (!options.missing?.includes(i)) await s3.send(new PutObjectCommand({ Bucket: 'inventory', Key: key, Body: gz }));
    entries.push({ key, size: gz.length, MD5checksum: options.wrongMd5?.index === i ? options.wrongMd5.md5 : md5(gz) });
  }
  const manifest = {
    sourceBucket: 'data',
    destinationBucket: 'arn:aws:s3:::inventory',
    version: '2016-11-30',
    creationTimestamp: '1704067200000',
    fileFormat: options.fileFormat ?? 'CSV',
    fileSchema: options.schema ?? FULL_SCHEMA,
    files: entries,
  };
  const body = JSON.stringify(manifest, null, 2);
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'inventory', Key: `${PREFIX}/manifest.json`, Body: body }));
  await s3.send(new PutObjectCommand({ Bucket: 'inventory', Key: `${PREFIX}/manifest.checksum`, Body: md5(body) }));
  return {
    Spec: { Format: 'S3InventoryReport_CSV_20161130' as const },
    Location: { ObjectArn: `arn:aws:s3:::inventory/${PREFIX}/manifest.json`, ETag: ETag! },
  };
}

async function runInventoryJob(s3: S3Client, control: S3ControlClient, manifest: Awaited<ReturnType<typeof putInventory>>) {
  const { JobId } = await control.send(
    new CreateJobCommand(
      jobInput({
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'inventoried', Value: 'yes' }] } },
        Manifest: manifest,
        Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'out', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
      }),
    ),
  );
  return { jobId: JobId!, job: await until(control, JobId!, ['Complete', 'Failed', 'Cancelled']) };
}

async function tagsOf(s3: S3Client, Key: string, VersionId?: string): Promise<Record<string, string>> {
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key, ...(VersionId ? { VersionId } : {}) }));
  return Object.fromEntries((TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}

async function put(s3: S3Client, Key: string, body = 'x'): Promise<string> {
  return (await s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: body }))).VersionId ?? 'null';
}

describe('S3 Inventory manifests end to end', () => {
  it('an "all versions" inventory in two gzipped files: every version tagged, the null version (empty VersionId) fails as on AWS, rows echo the encoded keys', async () => {
    const { s3, control } = await setup();
    const old = await put(s3, 'old.txt'); // before versioning: the null version
    expect(old).toBe('null');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));
    const k1 = [await put(s3, 'k1', 'one'), await put(s3, 'k1', 'two')];
    const uni = await put(s3, 'dir/ü ñ.txt');
    const comma = await put(s3, 'logs/a,b.log');
    const when = '2024-01-01T00:00:00.000Z';
    const file0 =
      record('data', 'k1', k1[0]!, 'false', 'false', '3', when, md5('one'), 'STANDARD') +
      record('data', 'k1', k1[1]!, 'true', 'false', '3', when, md5('two'), 'STANDARD') +
      record('data', 'dir/%C3%BC%20%C3%B1.txt', uni, 'true', 'false', '1', when, md5('x'), 'STANDARD');
    const file1 =
      record('data', 'logs/a%2Cb.log', comma, 'true', 'false', '1', when, md5('x'), 'STANDARD') +
      // S3 Inventory writes an empty VersionId for a null version: the task fails (reference §5.8).
      record('data', 'old.txt', '', 'true', 'false', '1', when, md5('x'), 'STANDARD');
    const { jobId, job } = await runInventoryJob(s3, control, await putInventory(s3, [file0, file1]));

    expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 5, NumberOfTasksSucceeded: 4, NumberOfTasksFailed: 1 });
    expect(await tagsOf(s3, 'k1', k1[0])).toEqual({ inventoried: 'yes' });
    expect(await tagsOf(s3, 'k1', k1[1])).toEqual({ inventoried: 'yes' });
    expect(await tagsOf(s3, 'dir/ü ñ.txt')).toEqual({ inventoried: 'yes' });
    expect(await tagsOf(s3, 'logs/a,b.log')).toEqual({ inventoried: 'yes' });
    expect(await tagsOf(s3, 'old.txt', 'null')).toEqual({});
    expect((await reportRows(s3, jobId)).sort()).toEqual(
      [
        `data,k1,${k1[0]},succeeded,200,,Successful`,
        `data,k1,${k1[1]},succeeded,200,,Successful`,
        `data,dir/%C3%BC%20%C3%B1.txt,${uni},succeeded,200,,Successful`,
        `data,logs/a%2Cb.log,${comma},succeeded,200,,Successful`,
        'data,old.txt,,failed,400,InvalidRequest,Task failed due to missing VersionId',
      ].sort(),
    );
  });

  it('a current-versions inventory (no VersionId column) of three files, one of them a quoted comma key; a missing object fails NoSuchKey', async () => {
    const { s3, control } = await setup();
    const keys = Array.from({ length: 7 }, (_, i) => `obj/${i}`);
    await putAll(s3, [...keys, 'a,b "c".txt']);
    const schema = 'Bucket, Key, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded';
    const row = (k: string): string => record('data', k, '1', '2024-01-01T00:00:00.000Z', md5('x'), 'STANDARD', 'false');
    const files = [keys.slice(0, 3).map(row).join(''), keys.slice(3).map(row).join('') + row('a,b "c".txt'), row('obj/gone')];
    const { jobId, job } = await runInventoryJob(s3, control, await putInventory(s3, files, { schema }));

    expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 9, NumberOfTasksSucceeded: 8, NumberOfTasksFailed: 1 });
    for (const k of [...keys, 'a,b "c".txt']) expect(await tagsOf(s3, k), k).toEqual({ inventoried: 'yes' });
    expect((await reportRows(s3, jobId)).sort()).toEqual(
      [
        ...keys.map((k) => `data,${k},,succeeded,200,,Successful`),
        'data,"a,b ""c"".txt",,succeeded,200,,Successful',
        'data,obj/gone,,failed,404,NoSuchKey,The specified key does not exist.',
      ].sort(),
    );
  });

  it('once prepared, the job needs neither manifest.json nor its data files: all deleted before confirming, it completes', async () => {
    const { s3, control } = await setup();
    const keys = Array.from({ length: 5 }, (_, i) => `inv/${i}`);
    await putAll(s3, keys);
    const row = (k: string): string => record('data', k, '1');
    const manifest = await putInventory(s3, [keys.slice(0, 3).map(row).join(''), keys.slice(3).map(row).join('')], { schema: 'Bucket, Key, Size' });
    const { JobId } = await control.send(
      new CreateJobCommand(
        jobInput({
          ConfirmationRequired: true,
          Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'inventoried', Value: 'yes' }] } },
          Manifest: manifest,
          Report: { Enabled: true, Bucket: 'arn:aws:s3:::reports', Prefix: 'out', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks' },
        }),
      ),
    );
    await until(control, JobId!, ['Suspended']);
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: 'inventory' }))).Contents ?? [];
    expect(listed.length).toBe(4); // manifest.json, manifest.checksum, two data files
    for (const o of listed) await s3.send(new DeleteObjectCommand({ Bucket: 'inventory', Key: o.Key! }));
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId, RequestedJobStatus: 'Ready' }));
    const job = await until(control, JobId!, ['Complete', 'Failed']);
    expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 5, NumberOfTasksSucceeded: 5 });
    for (const k of keys) expect(await tagsOf(s3, k), k).toEqual({ inventoried: 'yes' });
  });

  it('a data file whose MD5 is not the one manifest.json gives fails the job in preparation, naming the file and the MD5 listed (not the one found); nothing is tagged, no report', async () => {
    const { s3, control } = await setup();
    await putAll(s3, ['a', 'b']);
    const row = (k: string): string => record('data', k, 'null', 'true', 'false', '1', '2024-01-01T00:00:00.000Z', md5('x'), 'STANDARD');
    const files = [row('a'), row('b')];
    const wrong = '0123456789abcdef0123456789abcdef';
    const { jobId, job } = await runInventoryJob(s3, control, await putInventory(s3, files, { wrongMd5: { index: 1, md5: wrong } }));

    expect(job.Status).toBe('Failed');
    expect(job.FailureReasons).toHaveLength(1);
    const reason = job.FailureReasons![0]!;
    expect(reason.FailureCode).toBe('InvalidManifestContent');
    const file1 = `s3://inventory/${PREFIX}/files/${md5('file 1')}.csv.gz`;
    const actual = md5(gzipSync(Buffer.from(files[1]!, 'utf8')));
    expect(reason.FailureReason).toBe(`The MD5 of ${file1} is not ${wrong} as manifest.json says: the file changed after the inventory was written, or is damaged`);
    expect(reason.FailureReason).not.toContain(actual);
    expect(job.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 0 });
    expect(await tagsOf(s3, 'a')).toEqual({});
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: `out/job-${jobId}/` }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('a data file manifest.json lists but that does not exist, and a non-CSV inventory, fail the job saying so', async () => {
    const { s3, control } = await setup();
    const files = [record('data', 'a', 'null', 'true', 'false', '1', '2024-01-01T00:00:00.000Z', md5('x'), 'STANDARD')];
    const missing = await runInventoryJob(s3, control, await putInventory(s3, files, { missing: [0] }));
    expect(missing.job.Status).toBe('Failed');
    expect(missing.job.FailureReasons?.[0]).toEqual({
      FailureCode: 'ManifestNotFound',
      FailureReason: `The inventory data file s3://inventory/${PREFIX}/files/${md5('file 0')}.csv.gz does not exist (NoSuchKey)`,
    });

    const orc = await runInventoryJob(s3, control, await putInventory(s3, files, { fileFormat: 'ORC' }));
    expect(orc.job.Status).toBe('Failed');
    expect(orc.job.FailureReasons?.[0]?.FailureCode).toBe('InvalidManifestContent');
    expect(orc.job.FailureReasons?.[0]?.FailureReason).toContain('fileFormat ORC');

    const plain = await runInventoryJob(s3, control, await putInventory(s3, files, { notGzipped: true }));
    expect(plain.job.Status).toBe('Failed');
    expect(plain.job.FailureReasons?.[0]).toEqual({
      FailureCode: 'InvalidManifestContent',
      FailureReason: `s3://inventory/${PREFIX}/files/${md5('file 0')}.csv.gz is not a valid gzip file (Z_DATA_ERROR)`,
    });
  });

  it('an inventory manifest.json in another account\'s bucket fails the job with AWS\'s "Reading the manifest is forbidden: AccessDenied"', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3 = s3Client(server);
    await createBuckets(s3, ['data', 'reports']);
    const theirs = s3Client(server, ACCOUNT_B);
    await theirs.send(new CreateBucketCommand({ Bucket: 'inventory' }));
    const row = record('data', 'a', '1', '2024-01-01T00:00:00.000Z', md5('x'), 'STANDARD');
    const manifest = await putInventory(theirs, [row], { schema: 'Bucket, Key, Size, LastModifiedDate, ETag, StorageClass' });
    const { job } = await runInventoryJob(s3, controlClient(server), manifest);
    expect(job.Status).toBe('Failed');
    expect(job.FailureReasons).toEqual([{ FailureCode: 'ManifestAccessDenied', FailureReason: 'Reading the manifest is forbidden: AccessDenied' }]);
  });
});
