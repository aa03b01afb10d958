/** Multipart uploads through the AWS SDK v3 over real HTTP. */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { checksumOf, fullObjectCrc, compositeChecksum } from '../../src/object-store/checksums.js';
import { bodyBytes, expectS3Error, md5Hex, s3Client, testData } from './helpers.js';

const MiB = 1024 * 1024;

async function setup(): Promise<{ s3: S3Client; bucket: string }> {
  const server = await startTestServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
  return { s3, bucket: 'mpu' };
}

function multipartEtag(parts: Buffer[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(createHash('md5').update(p).digest());
  return `"${h.digest('hex')}-${parts.length}"`;
}

async function upload(s3: S3Client, Bucket: string, Key: string, parts: Buffer[], create: Record<string, unknown> = {}) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ...create }));
  const done = [];
  for (let i = 0; i < parts.length; i++) {
    // As with AWS S3, a part's checksum must use the upload's algorithm (the SDK's default is CRC32).
    const algorithm = create.ChecksumAlgorithm as 'CRC32' | undefined;
    const r = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: parts[i], ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}) }),
    );
    done.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32, ChecksumCRC64NVME: r.ChecksumCRC64NVME, ChecksumSHA256: r.ChecksumSHA256 });
  }
  return { UploadId: UploadId as string, parts: done };
}

describe('multipart uploads', () => {
  it('uploads a 17 MiB object in 4 parts: md5-of-md5s ETag, same bytes back, part reads', async () => {
    const { s3, bucket } = await setup();
    const data = testData(17 * MiB + 12345);
    const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB, 15 * MiB), data.subarray(15 * MiB)];
    const { UploadId, parts: done } = await upload(s3, bucket, 'big.bin', parts, { ContentType: 'application/x-big', Metadata: { m: '1' } });
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'big.bin', UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual(parts.map((p, i) => [i + 1, p.length]));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['big.bin', UploadId]]);
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big.bin',
        UploadId,
        MultipartUpload: { Parts: done.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
      }),
    );
    expect(completed.ETag).toBe(multipartEtag(parts));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(got.ContentType).toBe('application/x-big');
    expect(got.Metadata).toEqual({ m: '1' });
    const back = await bodyBytes(got.Body);
    expect(back.length).toBe(data.length);
    expect(md5Hex(back)).toBe(md5Hex(data));
    const part2 = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin', PartNumber: 2 }));
    expect(part2.PartsCount).toBe(4);
    expect(part2.ContentRange).toBe(`bytes ${5 * MiB}-${10 * MiB - 1}/${data.length}`);
    expect(md5Hex(await bodyBytes(part2.Body))).toBe(md5Hex(parts[1] as Buffer));
    // a range across part boundaries
    const across = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin', Range: `bytes=${5 * MiB - 10}-${5 * MiB + 9}` }));
    expect(await bodyBytes(across.Body)).toEqual(data.subarray(5 * MiB - 10, 5 * MiB + 10));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
  });

  it('applies S3 part rules: EntityTooSmall, InvalidPart, InvalidPartOrder, NoSuchUpload', async () => {
    const { s3, bucket } = await setup();
    const small = Buffer.alloc(1024, 1);
    const five = Buffer.alloc(5 * MiB, 2);
    const a = await upload(s3, bucket, 'k', [small, small]);
    const complete = (UploadId: string, Parts: Array<{ PartNumber: number; ETag?: string }>) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts } }));
    await expectS3Error(complete(a.UploadId, a.parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag }))), 'EntityTooSmall', 400);
    const b = await upload(s3, bucket, 'k', [five, small]);
    await expectS3Error(complete(b.UploadId, [{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }]), 'InvalidPart', 400);
    await expectS3Error(complete(b.UploadId, [{ PartNumber: 3, ETag: b.parts[0]?.ETag }]), 'InvalidPart', 400);
    await expectS3Error(
      complete(b.UploadId, [
        { PartNumber: 2, ETag: b.parts[1]?.ETag },
        { PartNumber: 1, ETag: b.parts[0]?.ETag },
      ]),
      'InvalidPartOrder',
      400,
    );
    await expectS3Error(complete('no-such-upload', [{ PartNumber: 1, ETag: b.parts[0]?.ETag }]), 'NoSuchUpload', 404);
    await expectS3Error(
      s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId: b.UploadId, PartNumber: 10001, Body: small })),
      'InvalidArgument',
      400,
    );
    // the rules held nothing back: a valid completion still works, with a single small last part
    const ok = await complete(b.UploadId, b.parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })));
    expect(ok.ETag).toBe(multipartEtag([five, small]));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId: a.UploadId }));
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'k', UploadId: a.UploadId })), 'NoSuchUpload', 404);
  });

  it('re-uploading a part replaces it; unlisted parts are dropped', async () => {
    const { s3, bucket } = await setup();
    const first = Buffer.alloc(5 * MiB, 1);
    const second = Buffer.alloc(5 * MiB, 2);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'r' }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'r', UploadId, PartNumber: 1, Body: first }));
    const again = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'r', UploadId, PartNumber: 1, Body: second }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'r', UploadId, PartNumber: 7, Body: 'unused' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'r', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: again.ETag }] } }));
    const got = await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r' }))).Body);
    expect(md5Hex(got)).toBe(md5Hex(second));
  });

  it('UploadPartCopy with ranges', async () => {
    const { s3, bucket } = await setup();
    const data = testData(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: data }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'assembled' }));
    const p1 = await s3.send(
      new UploadPartCopyCommand({ Bucket: bucket, Key: 'assembled', UploadId, PartNumber: 1, CopySource: `${bucket}/src`, CopySourceRange: `bytes=0-${5 * MiB - 1}` }),
    );
    const p2 = await s3.send(
      new UploadPartCopyCommand({ Bucket: bucket, Key: 'assembled', UploadId, PartNumber: 2, CopySource: `${bucket}/src`, CopySourceRange: `bytes=${5 * MiB}-${6 * MiB - 1}` }),
    );
    expect(p1.CopyPartResult?.ETag).toBe(`"${md5Hex(data.subarray(0, 5 * MiB))}"`);
    await expectS3Error(
      s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'assembled', UploadId, PartNumber: 3, CopySource: `${bucket}/src`, CopySourceRange: `bytes=0-${7 * MiB}` })),
      'InvalidArgument',
      400,
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'assembled',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult?.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] },
      }),
    );
    const back = await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'assembled' }))).Body);
    expect(md5Hex(back)).toBe(md5Hex(data));
  });

  it('checksums: COMPOSITE CRC32 and FULL_OBJECT CRC64NVME, validated by the SDK on download', async () => {
    const { s3, bucket } = await setup();
    const parts = [testData(5 * MiB), testData(1234)];
    const composite = await upload(s3, bucket, 'crc32', parts, { ChecksumAlgorithm: 'CRC32' });
    const c1 = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'crc32',
        UploadId: composite.UploadId,
        MultipartUpload: { Parts: composite.parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 })) },
      }),
    );
    expect(c1.ChecksumCRC32).toBe(compositeChecksum('CRC32', parts.map((p) => checksumOf('CRC32', p))));
    expect(c1.ChecksumType).toBe('COMPOSITE');

    const full = await upload(s3, bucket, 'crc64', parts, { ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' });
    const whole = checksumOf('CRC64NVME', Buffer.concat(parts));
    expect(fullObjectCrc('CRC64NVME', parts.map((p) => ({ checksum: checksumOf('CRC64NVME', p), size: p.length })))).toBe(whole);
    const c2 = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'crc64',
        UploadId: full.UploadId,
        ChecksumCRC64NVME: whole,
        ChecksumType: 'FULL_OBJECT',
        MultipartUpload: { Parts: full.parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag, ChecksumCRC64NVME: p.ChecksumCRC64NVME })) },
      }),
    );
    expect(c2.ChecksumCRC64NVME).toBe(whole);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'crc64', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC64NVME).toBe(whole);
    expect(head.ChecksumType).toBe('FULL_OBJECT');
    // the SDK validates a full-object checksum it receives against the body it reads
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'crc64', ChecksumMode: 'ENABLED' }));
    expect(md5Hex(await bodyBytes(got.Body))).toBe(md5Hex(Buffer.concat(parts)));

    const wrong = await upload(s3, bucket, 'wrong', parts, { ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' });
    await expectS3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'wrong',
          UploadId: wrong.UploadId,
          ChecksumCRC64NVME: checksumOf('CRC64NVME', Buffer.from('something else')),
          ChecksumType: 'FULL_OBJECT',
          MultipartUpload: { Parts: wrong.parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
        }),
      ),
      'BadDigest',
      400,
    );
    await expectS3Error(
      s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'bad', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })),
      'InvalidRequest',
      400,
    );
  });
});
