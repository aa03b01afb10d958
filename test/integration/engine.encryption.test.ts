/**
 * S3UpdateObjectEncryption end to end, on both S3 ports (the engine's embedded store in process, a
 * remote store over HTTP): the objects become SSE-KMS in place — HeadObject shows it, from the AWS
 * SDK and from boto3, with the same ETag and LastModified — and each refusal lands in the report.
 * Then a remote store that does not implement the call (a proxy answers it 501 NotImplemented):
 * the tasks fail with that, unless the job asks for the copy fallback by its
 * `s3batch:encryption-fallback` tag.
 */
import {
  CreateBucketCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, type JobDescriptor, type JobOperation, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { UPDATE_ENCRYPTION_MESSAGES } from '../../src/object-store/errors.js';
import { OLDER_VERSION_MESSAGE } from '../../src/operations/update-encryption.js';
import { createBuckets, putCsvManifest, reportRows, reportTo, runCsvJob } from '../helpers/engine-jobs.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { jobInput } from '../helpers/jobs.js';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, REGION, controlClient, startRemotePair, startTestServer, type TestServer } from '../helpers/server.js';
import { errorOf, s3Client } from '../object-store/helpers.js';

const KEY = `arn:aws:kms:${REGION}:${ACCOUNT_A.accountId}:key/1111aaaa-1111-4111-8111-111111111111`;
const FOREIGN_KEY = `arn:aws:kms:${REGION}:999988887777:key/2222bbbb-2222-4222-8222-222222222222`;

interface World {
  readonly s3: S3Client;
  readonly control: S3ControlClient;
  /** The server the objects are in (for boto3). */
  readonly store: TestServer;
}

type Port = 'embedded store' | 'remote store';

async function world(port: Port): Promise<World> {
  let w: World;
  if (port === 'embedded store') {
    const server = await startTestServer({}, undefined, { engine: true });
    w = { s3: s3Client(server), control: controlClient(server), store: server };
  } else {
    const { store, engine } = await startRemotePair();
    w = { s3: s3Client(store), control: controlClient(engine), store };
  }
  await createBuckets(w.s3);
  return w;
}

function expectProgress(job: JobDescriptor, total: number, succeeded: number, failed: number): void {
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: total, NumberOfTasksSucceeded: succeeded, NumberOfTasksFailed: failed });
}

const kms = (KMSKeyArn: string, BucketKeyEnabled?: boolean): JobOperation => ({
  S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn, ...(BucketKeyEnabled !== undefined ? { BucketKeyEnabled } : {}) } } },
});

async function headOf(w: World, Bucket: string, Key: string, VersionId?: string) {
  const h = await w.s3.send(new HeadObjectCommand({ Bucket, Key, VersionId }));
  return { sse: [h.ServerSideEncryption, h.SSEKMSKeyId, h.BucketKeyEnabled], etag: h.ETag, lastModified: h.LastModified?.getTime(), versionId: h.VersionId, storageClass: h.StorageClass, metadata: h.Metadata };
}

/** HeadObject through boto3: algorithm, key id and bucket key of each key given. */
async function boto3Sse(server: TestServer, Bucket: string, keys: readonly string[]): Promise<unknown> {
  const script = `
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="${REGION}", aws_access_key_id="${ACCOUNT_A.accessKeyId}", aws_secret_access_key="${ACCOUNT_A.secretAccessKey}")
out = {}
for key in sys.argv[3:]:
    h = s3.head_object(Bucket=sys.argv[2], Key=key)
    out[key] = [h.get("ServerSideEncryption"), h.get("SSEKMSKeyId"), h.get("BucketKeyEnabled")]
print(json.dumps(out))
`;
  return JSON.parse(await runPython(script, [server.url, Bucket, ...keys]));
}

describe.each<Port>(['embedded store', 'remote store'])('S3UpdateObjectEncryption on the %s', (port) => {
  it('makes each object SSE-KMS in place (HeadObject from the SDK and from boto3), keeping ETag and LastModified; refusals in the report', async () => {
    const w = await world(port);
    await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'a b+c', Body: 'one', Metadata: { m: '1' } }));
    await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'kms', Body: 'two', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY.replace('1111aaaa', '3333cccc') }));
    await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'dsse', Body: 'three', ServerSideEncryption: 'aws:kms:dsse' }));
    await w.s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
    await w.s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'held', Body: 'h', ObjectLockLegalHoldStatus: 'ON' }));
    const before = await headOf(w, 'data', 'a b+c');
    await new Promise((r) => setTimeout(r, 1100)); // LastModified has second precision: a rewrite would show

    const job = await runCsvJob(w.s3, w.control, ['data,a+b%2Bc', 'data,kms', 'data,dsse', 'vault,held', 'data,missing'], kms(KEY, true));
    expectProgress(job, 5, 2, 3);
    expect((await reportRows(w.s3, job.JobId)).sort()).toEqual(
      [
        'data,a+b%2Bc,,succeeded,200,,Successful',
        'data,kms,,succeeded,200,,Successful',
        `data,dsse,,failed,400,InvalidRequest,${UPDATE_ENCRYPTION_MESSAGES.dsse}`,
        `vault,held,,failed,403,AccessDenied,"${UPDATE_ENCRYPTION_MESSAGES.locked}"`,
        'data,missing,,failed,404,NoSuchKey,The specified key does not exist.',
      ].sort(),
    );
    const after = await headOf(w, 'data', 'a b+c');
    expect(after.sse).toEqual(['aws:kms', KEY, true]);
    expect({ ...after, sse: undefined }).toEqual({ ...before, sse: undefined });
    expect((await headOf(w, 'data', 'kms')).sse).toEqual(['aws:kms', KEY, true]);
    expect((await headOf(w, 'vault', 'held')).sse).toEqual(['AES256', undefined, undefined]);
    if (hasBoto3) {
      expect(await boto3Sse(w.store, 'data', ['a b+c', 'kms', 'dsse'])).toEqual({ 'a b+c': ['aws:kms', KEY, true], kms: ['aws:kms', KEY, true], dsse: ['aws:kms:dsse', null, null] });
    }

    // A key of another account: every task 403 AccessDenied, as S3 answers.
    const foreign = await runCsvJob(w.s3, w.control, ['data,a+b%2Bc'], kms(FOREIGN_KEY));
    expectProgress(foreign, 1, 0, 1);
    expect(await reportRows(w.s3, foreign.JobId)).toEqual([`data,a+b%2Bc,,failed,403,AccessDenied,"${UPDATE_ENCRYPTION_MESSAGES.otherAccount}"`]);
    // Run again with another key and no bucket key: rotated, as UpdateObjectEncryption allows.
    const rotated = KEY.replace('1111aaaa', '4444dddd');
    expectProgress(await runCsvJob(w.s3, w.control, ['data,a+b%2Bc'], kms(rotated)), 1, 1, 0);
    expect((await headOf(w, 'data', 'a b+c')).sse).toEqual(['aws:kms', rotated, undefined]);
  });
});

const NOT_IMPLEMENTED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message></Error>';

/** An engine on a remote store behind a proxy that answers every UpdateObjectEncryption 501 NotImplemented. */
async function storeWithoutTheCall(): Promise<World & { proxy: FaultProxy }> {
  let proxy: FaultProxy | undefined;
  const { store, engine } = await startRemotePair({}, async (s) => {
    proxy = await startFaultProxy({ target: s.url, answer: (r) => (r.method === 'PUT' && /[?&]encryption=/.test(r.path) ? { status: 501, body: NOT_IMPLEMENTED } : undefined) });
    return proxy.url;
  });
  const s3 = s3Client(store);
  await createBuckets(s3);
  return { s3, control: controlClient(engine), store, proxy: proxy! };
}

const FALLBACK = { Tags: [{ Key: 's3batch:encryption-fallback', Value: 'copy' }] };

describe('S3UpdateObjectEncryption on a remote store without UpdateObjectEncryption', () => {
  it('fails each task with 501 NotImplemented, and changes nothing', async () => {
    const w = await storeWithoutTheCall();
    await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'x' }));
    const job = await runCsvJob(w.s3, w.control, ['data,k'], kms(KEY));
    expectProgress(job, 1, 0, 1);
    expect(await reportRows(w.s3, job.JobId)).toEqual(['data,k,,failed,501,NotImplemented,A header you provided implies functionality that is not implemented']);
    expect((await headOf(w, 'data', 'k')).sse).toEqual(['AES256', undefined, undefined]);
    expect(w.proxy.count((r) => /[?&]encryption=/.test(r.path))).toBe(1);
  });

  it('with the s3batch:encryption-fallback=copy tag: copies each object onto itself as SSE-KMS, keeping metadata, tags and storage class (a new version, a new LastModified); an older version fails 400', async () => {
    const w = await storeWithoutTheCall();
    await w.s3.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));
    const old = await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'old' }));
    const current = await w.s3.send(
      new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'current', ContentType: 'text/x', Metadata: { m: '1' }, Tagging: 't=1', StorageClass: 'STANDARD_IA' }),
    );
    const before = await headOf(w, 'data', 'k');
    await new Promise((r) => setTimeout(r, 1100));
    const lines = [`data,k,${current.VersionId}`, `data,k,${old.VersionId}`];
    const job = await runCsvJob(w.s3, w.control, lines, kms(KEY, true), { fields: ['Bucket', 'Key', 'VersionId'], over: FALLBACK });
    expectProgress(job, 2, 1, 1);
    expect((await reportRows(w.s3, job.JobId)).sort()).toEqual([`data,k,${current.VersionId},succeeded,200,,Successful`, `data,k,${old.VersionId},failed,400,InvalidRequest,${OLDER_VERSION_MESSAGE}`].sort());
    const after = await headOf(w, 'data', 'k');
    expect(after.sse).toEqual(['aws:kms', KEY, true]);
    expect([after.storageClass, after.metadata, after.etag]).toEqual(['STANDARD_IA', { m: '1' }, before.etag]);
    expect(after.versionId).not.toBe(current.VersionId);
    expect(after.lastModified).toBeGreaterThan(before.lastModified!);
    expect((await w.s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'k' }))).TagSet).toEqual([{ Key: 't', Value: '1' }]);
    expect((await w.s3.send(new ListObjectVersionsCommand({ Bucket: 'data' }))).Versions?.length).toBe(3);
    // The copied version keeps its encryption.
    expect((await headOf(w, 'data', 'k', current.VersionId)).sse).toEqual(['AES256', undefined, undefined]);
  });

  it('CreateJob refuses the tag with another value, or on another operation (BadRequestException naming the tag)', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await createBuckets(s3);
    const control = controlClient(server);
    const Location = await putCsvManifest(s3, ['data,k']);
    const Manifest = { Spec: { Format: 'S3BatchOperations_CSV_20180820' as const, Fields: ['Bucket' as const, 'Key' as const] }, Location };
    const create = (Operation: JobOperation, Value: string) =>
      control.send(new CreateJobCommand(jobInput({ Operation, Manifest, Report: reportTo(), Tags: [{ Key: 'team', Value: 'a' }, { Key: 's3batch:encryption-fallback', Value }] })));
    const value = await errorOf(create(kms(KEY), 'move'));
    expect([value.name, value.message]).toEqual(['BadRequestException', 'Tags[1].Value must be copy (the one fallback of s3batch:encryption-fallback); it is "move"']);
    const other = await errorOf(create({ S3PutObjectTagging: { TagSet: [] } }, 'copy'));
    expect([other.name, other.message]).toEqual(['BadRequestException', 'Tags[1].Key s3batch:encryption-fallback applies only to S3UpdateObjectEncryption jobs']);
    expect((await create(kms(KEY), 'copy')).JobId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
