/**
 * Conditional writes on the destination (`If-None-Match: *`, `If-Match: <etag>`) through the AWS
 * SDK v3: every write that replaces an object — PutObject, CopyObject, CompleteMultipartUpload —
 * answers them alike, as S3 does: 412 PreconditionFailed when the condition fails (and nothing is
 * written), 404 NoSuchKey for If-Match on a key that does not exist, 501 for an If-None-Match
 * other than `*`.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { bodyBytes, expectS3Error, md5Hex, s3Client } from './helpers.js';

const BUCKET = 'conditional';

interface Conditions {
  IfMatch?: string;
  IfNoneMatch?: string;
}

/** One write of `body` to `key` by each of the three operations. */
type Write = (s3: S3Client, key: string, body: string, conditions: Conditions) => Promise<unknown>;

const WRITES: Record<string, Write> = {
  PutObject: (s3, key, body, c) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...c })),
  CopyObject: async (s3, key, body, c) => {
    const source = `source-${md5Hex(body)}`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: source, Body: body }));
    return s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/${source}`, ...c }));
  },
  CompleteMultipartUpload: async (s3, key, body, c) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: body }));
    return s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        ...c,
      }),
    );
  },
};

async function setup(versioned = false): Promise<S3Client> {
  const server = await startTestServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  return s3;
}

const read = async (s3: S3Client, key: string): Promise<string> =>
  (await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body)).toString('utf8');

describe.each(Object.keys(WRITES))('%s: conditional write on the destination', (name) => {
  const write = WRITES[name] as Write;

  it('If-None-Match: * refuses an existing key (412, unchanged) and writes a new one', async () => {
    const s3 = await setup();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'exists', Body: 'old' }));
    await expectS3Error(write(s3, 'exists', 'new', { IfNoneMatch: '*' }), 'PreconditionFailed', 412);
    expect(await read(s3, 'exists')).toBe('old');
    await write(s3, 'fresh', 'new', { IfNoneMatch: '*' });
    expect(await read(s3, 'fresh')).toBe('new');
  });

  it('If-Match: a different ETag is 412 (unchanged), the current one writes, a missing key is 404', async () => {
    const s3 = await setup();
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'old' }));
    await expectS3Error(write(s3, 'k', 'new', { IfMatch: `"${md5Hex('other')}"` }), 'PreconditionFailed', 412);
    expect(await read(s3, 'k')).toBe('old');
    await write(s3, 'k', 'new', { IfMatch: ETag as string });
    expect(await read(s3, 'k')).toBe('new');
    await expectS3Error(write(s3, 'absent', 'new', { IfMatch: ETag as string }), 'NoSuchKey', 404);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'absent' })), 'NotFound', 404);
  });

  it('a delete marker counts as no object (versioned bucket)', async () => {
    const s3 = await setup(true);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gone', Body: 'old' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone' }));
    await write(s3, 'gone', 'again', { IfNoneMatch: '*' });
    expect(await read(s3, 'gone')).toBe('again');
  });

  it('If-None-Match with an ETag is not supported on a write (501)', async () => {
    const s3 = await setup();
    await expectS3Error(write(s3, 'x', 'new', { IfNoneMatch: '"abc"' }), 'NotImplemented', 501);
  });
});
