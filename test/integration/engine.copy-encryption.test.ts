/**
 * S3PutObjectCopy's encryption end to end (reference §3.1: NewObjectMetadata.SSEAlgorithm,
 * SSEAwsKmsKeyId, BucketKeyEnabled, RedirectLocation): the job goes in over S3 Control, the
 * copies are read back with HeadObject. Once with the engine on its embedded store (in-process
 * port) and once with the engine on a remote store (HTTP port), which must come out the same.
 */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JobDescriptor, S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, manifestKey, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { controlClient, startRemotePair, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const SOURCE_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-1111-4111-8111-111111111111';
const JOB_KEY = 'arn:aws:kms:us-east-1:111122223333:key/2222bbbb-2222-4222-8222-222222222222';
const KEYS = ['photo.jpg', 'dir/ü ñ.txt'];

/** `s3` reaches the store the engine copies in; `control` the engine. */
type Setup = () => Promise<{ s3: S3Client; control: S3ControlClient }>;

const inProcess: Setup = async () => {
  const server = await startTestServer({}, undefined, { engine: true });
  return { s3: s3Client(server), control: controlClient(server) };
};

const remote: Setup = async () => {
  const { store, engine } = await startRemotePair();
  return { s3: s3Client(store), control: controlClient(engine) };
};

/** Sources encrypted with another KMS key and carrying a redirect, none of which a copy may inherit. */
async function sources(s3: S3Client): Promise<string[]> {
  await createBuckets(s3, ['data', 'dest', 'manifests', 'reports']);
  for (const Key of KEYS) {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key,
        Body: `body of ${Key}`,
        ContentType: 'image/jpeg',
        Metadata: { color: 'red' },
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: SOURCE_KEY,
        WebsiteRedirectLocation: '/from-source',
      }),
    );
  }
  return KEYS.map((k) => `data,${manifestKey(k)}`);
}

function expectProgress(job: JobDescriptor, total: number, succeeded: number, failed: number): void {
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: total, NumberOfTasksSucceeded: succeeded, NumberOfTasksFailed: failed });
}

const encryptionOf = async (s3: S3Client, Key: string) => {
  const h = await s3.send(new HeadObjectCommand({ Bucket: 'dest', Key }));
  return { algorithm: h.ServerSideEncryption, keyId: h.SSEKMSKeyId, bucketKey: h.BucketKeyEnabled, redirect: h.WebsiteRedirectLocation, type: h.ContentType, meta: h.Metadata };
};

describe.each([
  ['the embedded store (in-process)', inProcess],
  ['a remote store (HTTP)', remote],
])('S3PutObjectCopy encryption on %s', (_name, setup) => {
  it('SSEAlgorithm KMS + SSEAwsKmsKeyId + BucketKeyEnabled: every copy is SSE-KMS under the job\'s key with a bucket key; the source\'s key and redirect are not carried', async () => {
    const { s3, control } = await setup();
    const lines = await sources(s3);
    const job = await runCsvJob(s3, control, lines, {
      S3PutObjectCopy: {
        TargetResource: 'arn:aws:s3:::dest',
        TargetKeyPrefix: 'kms/',
        MetadataDirective: 'COPY',
        NewObjectMetadata: { SSEAlgorithm: 'KMS' },
        SSEAwsKmsKeyId: JOB_KEY,
        BucketKeyEnabled: true,
        RedirectLocation: '/moved',
      },
    });
    expectProgress(job, 2, 2, 0);
    for (const k of KEYS) {
      expect(await encryptionOf(s3, `kms/${k}`), k).toEqual({
        algorithm: 'aws:kms',
        keyId: JOB_KEY,
        bucketKey: true,
        redirect: '/moved',
        type: 'image/jpeg',
        meta: { color: 'red' },
      });
    }
  });

  it('nothing asked: the copies have the default SSE-S3, no KMS key, no redirect', async () => {
    const { s3, control } = await setup();
    const lines = await sources(s3);
    const job = await runCsvJob(s3, control, lines, { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', TargetKeyPrefix: 'plain/' } });
    expectProgress(job, 2, 2, 0);
    for (const k of KEYS) {
      expect(await encryptionOf(s3, `plain/${k}`), k).toEqual({
        algorithm: 'AES256',
        keyId: undefined,
        bucketKey: undefined,
        redirect: undefined,
        type: 'image/jpeg',
        meta: { color: 'red' },
      });
    }
  });

  it('a bucket key with AES256 fails each task with S3\'s 400 InvalidArgument, in the report', async () => {
    const { s3, control } = await setup();
    const lines = await sources(s3);
    const job = await runCsvJob(s3, control, lines, {
      S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', TargetKeyPrefix: 'bad/', NewObjectMetadata: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
    });
    expectProgress(job, 2, 0, 2);
    const rows = await reportRows(s3, job.JobId);
    expect(rows.sort()).toEqual(
      lines.map((l) => `${l},,failed,400,InvalidArgument,An S3 Bucket Key applies only to SSE-KMS (x-amz-server-side-encryption: aws:kms) and not to AES256`).sort(),
    );
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: `bad/${KEYS[0]}` }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
