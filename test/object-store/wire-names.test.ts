/**
 * Every element the store sends is one the clients read. The AWS SDK v3 drops an XML element its
 * model does not name (that is how `<ObjectParts><TotalPartsCount>` went unnoticed: S3's wire name
 * is `PartsCount`), so each response document below is captured as it arrived and every leaf of it
 * must show up, as a value, in what the SDK made of it. One case per XML-answering operation, each
 * with as many optional members present as the store can produce. boto3 reads GetObjectAttributes
 * too (its model is the same, its parser another).
 */
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectAttributesCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseXml, type XmlValue } from '../../src/lib/xml.js';
import { canonicalIdOf } from '../../src/object-store/acl.js';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, ACCOUNT_B, startTestServer } from '../helpers/server.js';
import { expectS3Error, s3Client, testData } from './helpers.js';

/** An SDK client that keeps the body of every answer as it came off the wire. */
function capturingClient(server: { url: string }): { s3: S3Client; last: () => string } {
  const s3 = s3Client(server);
  let body = '';
  s3.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as { body?: unknown };
      if (response.body instanceof Readable) {
        const chunks: Buffer[] = [];
        for await (const c of response.body) chunks.push(Buffer.from(c as Buffer));
        const raw = Buffer.concat(chunks);
        body = raw.toString('utf8');
        response.body = Readable.from([raw]);
      }
      return out;
    },
    // Inside the deserializer: it sees the raw answer first and reads the replayed body.
    { step: 'deserialize', priority: 'low', name: 'captureBody' },
  );
  return { s3, last: () => body };
}

function xmlLeaves(value: XmlValue, path: string, out: Array<{ path: string; value: string }>): void {
  if (typeof value === 'string') out.push({ path, value });
  else if (Array.isArray(value)) for (const v of value) xmlLeaves(v, path, out);
  else for (const [name, child] of Object.entries(value)) xmlLeaves(child, `${path}/${name}`, out);
}

function sdkLeaves(value: unknown, out: string[]): void {
  if (value === undefined || value === null) return;
  if (value instanceof Date) out.push(value.toISOString());
  else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) sdkLeaves(v, out);
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) if (k !== '$metadata') sdkLeaves(v, out);
}

/** The leaves of the captured document that the SDK's output does not hold (a multiset check). */
function droppedLeaves(xml: string, output: unknown): string[] {
  const raw: Array<{ path: string; value: string }> = [];
  xmlLeaves(parseXml(xml), '', raw);
  const seen: string[] = [];
  sdkLeaves(output, seen);
  const left = new Map<string, number>();
  for (const v of seen) left.set(v, (left.get(v) ?? 0) + 1);
  const dropped: string[] = [];
  for (const { path, value } of raw) {
    // An empty element carries nothing to lose (the SDK reads `<LocationConstraint/>` as absent).
    if (value === '') continue;
    const n = left.get(value) ?? 0;
    if (n > 0) left.set(value, n - 1);
    else dropped.push(`${path} = ${JSON.stringify(value)}`);
  }
  return dropped;
}

const MiB = 1024 * 1024;

describe('every element of every XML answer reaches the SDK', () => {
  it('buckets, objects, multipart uploads, subresources', async () => {
    const server = await startTestServer();
    const { s3, last } = capturingClient(server);
    const checked: string[] = [];
    const check = async <T>(name: string, call: Promise<T>): Promise<T> => {
      const output = await call;
      const xml = last();
      expect(xml, name).toMatch(/^<\?xml|^</);
      expect(droppedLeaves(xml, output), `${name}: ${xml}`).toEqual([]);
      checked.push(name);
      return output;
    };

    const Bucket = 'wire-names';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: 'wire-names-2' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/a', Body: 'a', ChecksumAlgorithm: 'SHA256', Tagging: 'k=v' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/b', Body: 'b', StorageClass: 'GLACIER' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'top', Body: 't' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'top' }));

    await check('ListBuckets', s3.send(new ListBucketsCommand({ Prefix: 'wire', MaxBuckets: 1 })));
    await check('ListObjectsV2', s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/', FetchOwner: true, MaxKeys: 1, StartAfter: 'a' })));
    await check('ListObjectsV2 (contents)', s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'dir/', FetchOwner: true })));
    await check('ListObjects', s3.send(new ListObjectsCommand({ Bucket, Marker: 'a', MaxKeys: 1 })));
    await check('ListObjectVersions', s3.send(new ListObjectVersionsCommand({ Bucket })));
    await check('GetBucketVersioning', s3.send(new GetBucketVersioningCommand({ Bucket })));
    await check('GetBucketLocation', s3.send(new GetBucketLocationCommand({ Bucket })));
    await check('GetBucketEncryption', s3.send(new GetBucketEncryptionCommand({ Bucket })));
    await check('GetObjectTagging', s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'dir/a' })));

    await s3.send(
      new PutObjectAclCommand({
        Bucket,
        Key: 'dir/a',
        AccessControlPolicy: {
          Owner: { ID: canonicalIdOf(ACCOUNT_A.accountId) },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: canonicalIdOf(ACCOUNT_B.accountId) }, Permission: 'READ' },
            { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ_ACP' },
          ],
        },
      }),
    );
    await check('GetObjectAcl', s3.send(new GetObjectAclCommand({ Bucket, Key: 'dir/a' })));
    await check('GetBucketAcl', s3.send(new GetBucketAclCommand({ Bucket })));
    await check('CopyObject', s3.send(new CopyObjectCommand({ Bucket, Key: 'copy', CopySource: `${Bucket}/dir/a`, ChecksumAlgorithm: 'CRC32' })));

    // A multipart object with a checksum: ListParts, UploadPartCopy, Complete, and its attributes.
    const Key = 'multi';
    const created = await check('CreateMultipartUpload', s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32' })));
    const UploadId = created.UploadId as string;
    const sizes = [5 * MiB, 5 * MiB, 1000];
    const parts = [];
    for (const [i, size] of sizes.entries()) {
      const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: testData(size), ChecksumAlgorithm: 'CRC32' }));
      parts.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
    }
    await check('ListUploads', s3.send(new ListMultipartUploadsCommand({ Bucket })));
    await check('ListParts', s3.send(new ListPartsCommand({ Bucket, Key, UploadId, MaxParts: 2 })));
    const { UploadId: copyUpload } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'part-copy' }));
    await check('UploadPartCopy', s3.send(new UploadPartCopyCommand({ Bucket, Key: 'part-copy', UploadId: copyUpload, PartNumber: 1, CopySource: `${Bucket}/dir/a` })));
    await check('CompleteMultipartUpload', s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } })));

    const all = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
    const attrs = await check('GetObjectAttributes', s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: [...all] })));
    expect(attrs.ObjectParts).toMatchObject({ TotalPartsCount: 3, IsTruncated: false, MaxParts: 1000 });
    expect(attrs.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32])).toEqual(
      parts.map((p, i) => [p.PartNumber, sizes[i], p.ChecksumCRC32]),
    );
    const page = await check('GetObjectAttributes (paged)', s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts'], MaxParts: 1, PartNumberMarker: '1' })));
    expect(page.ObjectParts).toMatchObject({ TotalPartsCount: 3, PartNumberMarker: '1', NextPartNumberMarker: '2', MaxParts: 1, IsTruncated: true });
    expect(page.ObjectParts?.Parts?.map((p) => p.PartNumber)).toEqual([2]);

    await check('DeleteObjects', s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'dir/b' }, { Key: 'copy' }] } })));

    const Locked = 'wire-names-locked';
    await s3.send(new CreateBucketCommand({ Bucket: Locked, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: Locked,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: Locked, Key: 'l', Body: 'l', ObjectLockLegalHoldStatus: 'ON' }));
    await check('GetObjectLockConfiguration', s3.send(new GetObjectLockConfigurationCommand({ Bucket: Locked })));
    await check('GetObjectRetention', s3.send(new GetObjectRetentionCommand({ Bucket: Locked, Key: 'l' })));
    await check('GetObjectLegalHold', s3.send(new GetObjectLegalHoldCommand({ Bucket: Locked, Key: 'l' })));
    expect(checked).toHaveLength(23);
  });

  it('GetObjectAttributes without a checksum: the parts count, and no Part list (as S3 answers general purpose buckets)', async () => {
    const server = await startTestServer();
    const { s3, last } = capturingClient(server);
    const Bucket = 'plain-parts';
    const Key = 'multi';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const a = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: testData(5 * MiB) }));
    const b = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'tail' }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }] },
      }),
    );
    const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts', 'ObjectSize'] }));
    expect(droppedLeaves(last(), attrs)).toEqual([]);
    expect(attrs.ObjectParts).toEqual({ TotalPartsCount: 2 });
    expect(attrs.ObjectSize).toBe(5 * MiB + 4);
    await expectS3Error(s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts'], MaxParts: -1 })), 'InvalidArgument', 400);
  });

  it.skipIf(!hasBoto3)('boto3 reads ObjectParts.TotalPartsCount', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    const Bucket = 'boto3-parts';
    const Key = 'multi';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const a = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: testData(5 * MiB) }));
    const b = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'tail' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }] } }),
    );
    const script = `
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
print(json.dumps(s3.get_object_attributes(Bucket="${Bucket}", Key="${Key}", ObjectAttributes=["ObjectParts"])["ObjectParts"]))
`;
    const stdout = await runPython(script, [server.url, ACCOUNT_A.accessKeyId, ACCOUNT_A.secretAccessKey]);
    expect(JSON.parse(stdout)).toEqual({ TotalPartsCount: 2 });
  });
});
