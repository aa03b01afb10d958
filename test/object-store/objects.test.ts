/** Object operations through the AWS SDK v3 over real HTTP: data, metadata, ranges, conditions, copy, listings. */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  DeleteObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_B, startTestServer } from '../helpers/server.js';
import { bodyBytes, errorOf, expectS3Error, md5Hex, s3Client } from './helpers.js';

async function bucketWith(keys: Record<string, string> = {}): Promise<{ s3: S3Client; other: S3Client; bucket: string }> {
  const server = await startTestServer();
  const s3 = s3Client(server);
  const bucket = 'objects';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [Key, Body] of Object.entries(keys)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
  return { s3, other: s3Client(server, ACCOUNT_B), bucket };
}

const text = async (s3: S3Client, Bucket: string, Key: string, extra: Record<string, unknown> = {}): Promise<string> =>
  (await bodyBytes((await s3.send(new GetObjectCommand({ Bucket, Key, ...extra }))).Body)).toString('utf8');

describe('objects', () => {
  it('round-trips data, system and user metadata, tags, storage class', async () => {
    const { s3, bucket } = await bucketWith();
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'dir/file.txt',
        Body: 'hello world',
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="f.txt"',
        ContentLanguage: 'en',
        Metadata: { color: 'blue', 'two-words': 'x y' },
        Tagging: 'project=alpha&team=a%20b',
        StorageClass: 'STANDARD_IA',
      }),
    );
    expect(put.ETag).toBe(`"${md5Hex('hello world')}"`);
    expect(put.VersionId).toBeUndefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/file.txt' }));
    expect((await bodyBytes(got.Body)).toString()).toBe('hello world');
    expect(got).toMatchObject({
      ContentType: 'text/plain',
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="f.txt"',
      ContentLanguage: 'en',
      Metadata: { color: 'blue', 'two-words': 'x y' },
      StorageClass: 'STANDARD_IA',
      TagCount: 2,
      ContentLength: 11,
      ETag: put.ETag,
      AcceptRanges: 'bytes',
    });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'dir/file.txt' }));
    expect(tags.TagSet).toEqual([
      { Key: 'project', Value: 'alpha' },
      { Key: 'team', Value: 'a b' },
    ]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/file.txt' }));
    expect(head).toMatchObject({ ContentLength: 11, ETag: put.ETag, ContentType: 'text/plain' });
  });

  it('answers ranges with 206 and Content-Range', async () => {
    const { s3, bucket } = await bucketWith({ r: '0123456789' });
    const cases: Array<[string, string, string]> = [
      ['bytes=0-3', '0123', 'bytes 0-3/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-2', '89', 'bytes 8-9/10'],
      ['bytes=5-100', '56789', 'bytes 5-9/10'],
    ];
    for (const [Range, body, contentRange] of cases) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r', Range }));
      expect(got.$metadata.httpStatusCode).toBe(206);
      expect(got.ContentRange).toBe(contentRange);
      expect((await bodyBytes(got.Body)).toString()).toBe(body);
    }
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'r', Range: 'bytes=10-' })), 'InvalidRange', 416);
  });

  it('evaluates conditional GETs as S3 does', async () => {
    const { s3, bucket } = await bucketWith({ c: 'cond' });
    const etag = `"${md5Hex('cond')}"`;
    const past = new Date(Date.now() - 3_600_000);
    const future = new Date(Date.now() + 3_600_000);
    expect(await text(s3, bucket, 'c', { IfMatch: etag })).toBe('cond');
    expect(await text(s3, bucket, 'c', { IfNoneMatch: '"other"' })).toBe('cond');
    expect(await text(s3, bucket, 'c', { IfModifiedSince: past })).toBe('cond');
    expect(await text(s3, bucket, 'c', { IfUnmodifiedSince: future })).toBe('cond');
    // If-Match true wins over If-Unmodified-Since false
    expect(await text(s3, bucket, 'c', { IfMatch: etag, IfUnmodifiedSince: past })).toBe('cond');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfMatch: '"nope"' })), 'PreconditionFailed', 412);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfUnmodifiedSince: past })), 'PreconditionFailed', 412);
    const notModified = await errorOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfNoneMatch: etag })));
    expect(notModified.status).toBe(304);
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', IfModifiedSince: future })))).status).toBe(304);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c', IfMatch: '"nope"' })))).status).toBe(412);
  });

  it('conditional PUT: If-None-Match * refuses an existing key', async () => {
    const { s3, bucket } = await bucketWith({ exists: 'x' });
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'exists', Body: 'y', IfNoneMatch: '*' })), 'PreconditionFailed', 412);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fresh', Body: 'y', IfNoneMatch: '*' }));
    expect(await text(s3, bucket, 'exists')).toBe('x');
  });

  it('copies with metadata and tagging directives, conditions and the CopyObjectResult body', async () => {
    const { s3, bucket } = await bucketWith();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'source', ContentType: 'text/x-src', Metadata: { a: '1' }, Tagging: 't=1' }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/src` }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5Hex('source')}"`);
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy' }));
    expect(head).toMatchObject({ ContentType: 'text/x-src', Metadata: { a: '1' } });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'copy' }))).TagSet).toEqual([{ Key: 't', Value: '1' }]);

    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'replaced',
        CopySource: `${bucket}/src`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/new',
        Metadata: { b: '2' },
        TaggingDirective: 'REPLACE',
        Tagging: 'u=2',
        StorageClass: 'ONEZONE_IA',
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'replaced' }));
    expect(replaced).toMatchObject({ ContentType: 'text/new', Metadata: { b: '2' }, StorageClass: 'ONEZONE_IA' });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'replaced' }))).TagSet).toEqual([{ Key: 'u', Value: '2' }]);
    expect(await text(s3, bucket, 'replaced')).toBe('source');

    // keys that need encoding in x-amz-copy-source
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sp ace/ü?#+', Body: 'odd' }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'odd-copy', CopySource: `${bucket}/${encodeURIComponent('sp ace/ü?#+')}` }));
    expect(await text(s3, bucket, 'odd-copy')).toBe('odd');

    const etag = `"${md5Hex('source')}"`;
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'c2', CopySource: `${bucket}/src`, CopySourceIfMatch: etag }));
    const copyCases: Array<Record<string, unknown>> = [
      { CopySourceIfMatch: '"other"' },
      { CopySourceIfNoneMatch: etag },
      { CopySourceIfModifiedSince: new Date(Date.now() + 3_600_000) },
      { CopySourceIfUnmodifiedSince: new Date(Date.now() - 3_600_000) },
    ];
    for (const c of copyCases) {
      await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'c3', CopySource: `${bucket}/src`, ...c })), 'PreconditionFailed', 412);
    }
    // in-place copy that changes nothing is refused; changing the storage class is allowed
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'src', CopySource: `${bucket}/src` })), 'InvalidRequest', 400);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'src', CopySource: `${bucket}/src`, StorageClass: 'GLACIER_IR' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src' }))).StorageClass).toBe('GLACIER_IR');
  });

  it('tagging and ACL subresources', async () => {
    const { s3, bucket } = await bucketWith({ t: 'x' });
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 't', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 't' }))).TagSet).toEqual([{ Key: 'k', Value: 'v' }]);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 't' }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 't' }))).TagSet).toEqual([]);

    const acl0 = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 't' }));
    expect(acl0.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: acl0.Owner?.ID, DisplayName: acl0.Owner?.DisplayName }, Permission: 'FULL_CONTROL' }]);
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 't', ACL: 'public-read' }));
    const acl1 = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 't' }));
    expect(acl1.Grants?.map((g) => [g.Grantee?.Type, g.Grantee?.URI, g.Permission])).toEqual([
      ['CanonicalUser', undefined, 'FULL_CONTROL'],
      ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'READ'],
    ]);
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 't', GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 't' }))).Grants?.map((g) => g.Grantee?.URI)).toEqual([
      'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
    ]);
    await s3.send(
      new PutObjectAclCommand({
        Bucket: bucket,
        Key: 't',
        AccessControlPolicy: {
          Owner: { ID: acl0.Owner?.ID },
          Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'f'.repeat(64) }, Permission: 'READ_ACP' }],
        },
      }),
    );
    expect((await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 't' }))).Grants).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: 'f'.repeat(64) }, Permission: 'READ_ACP' },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'canned', Body: 'x', ACL: 'authenticated-read' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'canned' }))).Grants?.length).toBe(2);
  });

  it('deletes one and many objects', async () => {
    const { s3, bucket } = await bucketWith({ a: '1', b: '2', c: '3' });
    const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never-existed' }));
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'b' }, { Key: 'c' }, { Key: 'zz' }] } }));
    expect(many.Deleted?.map((d) => d.Key).sort()).toEqual(['b', 'c', 'zz']);
    expect(many.Errors ?? []).toEqual([]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'b' })), 'NoSuchKey', 404);
  });

  it('lists with prefix, delimiter, continuation tokens, start-after, encoding-type=url and fetch-owner', async () => {
    const keys = ['a/1', 'a/2', 'a/b/3', 'b/1', 'c', 'd e+f', 'é/x'];
    const { s3, bucket } = await bucketWith(Object.fromEntries(keys.map((k) => [k, k])));
    const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(all.Contents?.map((o) => o.Key)).toEqual(keys);
    expect(all.Contents?.[0]?.Owner).toBeUndefined();
    const delimited = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    expect(delimited.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/', 'é/']);
    expect(delimited.Contents?.map((o) => o.Key)).toEqual(['c', 'd e+f']);
    const under = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/', Delimiter: '/' }));
    expect(under.Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/2']);
    expect(under.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/']);

    // paging two at a time through keys and prefixes
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((o) => o.Key as string), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string));
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(seen.sort()).toEqual(['a/', 'b/', 'c', 'd e+f', 'é/'].sort());

    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'b/1' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['c', 'd e+f', 'é/x']);
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: 'url', Prefix: 'd' }));
    expect(encoded.Contents?.map((o) => o.Key)).toEqual(['d+e%2Bf']);
    const owned = await s3.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true, MaxKeys: 1 }));
    expect(owned.Contents?.[0]?.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(owned.IsTruncated).toBe(true);

    const v1 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: 'a/b/3', MaxKeys: 2 }));
    expect(v1.Contents?.map((o) => o.Key)).toEqual(['b/1', 'c']);
    expect(v1.IsTruncated).toBe(true);
    const v1d = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', MaxKeys: 1 }));
    expect(v1d.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/']);
    expect(v1d.NextMarker).toBe('a/');
    const v1next = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', Marker: 'a/' }));
    expect(v1next.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'é/']);
  });

  const errors: Array<{ name: string; run: (c: { s3: S3Client; other: S3Client; bucket: string }) => Promise<unknown>; code: string; status: number }> = [
    { name: 'GET a missing key', run: ({ s3, bucket }) => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })), code: 'NoSuchKey', status: 404 },
    { name: 'HEAD a missing key', run: ({ s3, bucket }) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'missing' })), code: 'NotFound', status: 404 },
    { name: 'PUT into a missing bucket', run: ({ s3 }) => s3.send(new PutObjectCommand({ Bucket: 'nobucket', Key: 'k', Body: 'x' })), code: 'NoSuchBucket', status: 404 },
    {
      name: 'key longer than 1024 bytes',
      run: ({ s3, bucket }) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k'.repeat(1025), Body: 'x' })),
      code: 'KeyTooLongError',
      status: 400,
    },
    {
      name: 'key of 1024 bytes in multi-byte characters plus one',
      run: ({ s3, bucket }) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'é'.repeat(512) + 'x', Body: 'x' })),
      code: 'KeyTooLongError',
      status: 400,
    },
    {
      name: 'eleven tags',
      run: ({ s3, bucket }) =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', Tagging: Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&') })),
      code: 'InvalidTag',
      status: 400,
    },
    {
      name: 'tag key of 129 characters',
      run: ({ s3, bucket }) =>
        s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'exists', Tagging: { TagSet: [{ Key: 'k'.repeat(129), Value: 'v' }] } })),
      code: 'InvalidTag',
      status: 400,
    },
    {
      name: 'tag value of 257 characters',
      run: ({ s3, bucket }) =>
        s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'exists', Tagging: { TagSet: [{ Key: 'k', Value: 'v'.repeat(257) }] } })),
      code: 'InvalidTag',
      status: 400,
    },
    {
      name: 'duplicate tag keys',
      run: ({ s3, bucket }) =>
        s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'exists', Tagging: { TagSet: [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }] } })),
      code: 'InvalidTag',
      status: 400,
    },
    {
      name: 'unknown storage class',
      run: ({ s3, bucket }) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', StorageClass: 'COLD' as never })),
      code: 'InvalidStorageClass',
      status: 400,
    },
    {
      name: 'unknown canned ACL',
      run: ({ s3, bucket }) => s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'exists', ACL: 'everyone' as never })),
      code: 'InvalidArgument',
      status: 400,
    },
    {
      name: 'bad metadata directive',
      run: ({ s3, bucket }) => s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource: `${bucket}/exists`, MetadataDirective: 'MOVE' as never })),
      code: 'InvalidArgument',
      status: 400,
    },
    {
      name: 'copy from a missing key',
      run: ({ s3, bucket }) => s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource: `${bucket}/missing` })),
      code: 'NoSuchKey',
      status: 404,
    },
    {
      name: 'tags of a missing key',
      run: ({ s3, bucket }) => s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'missing' })),
      code: 'NoSuchKey',
      status: 404,
    },
    {
      name: "GET from another account's bucket",
      run: ({ other, bucket }) => other.send(new GetObjectCommand({ Bucket: bucket, Key: 'exists' })),
      code: 'AccessDenied',
      status: 403,
    },
    {
      name: "PUT into another account's bucket",
      run: ({ other, bucket }) => other.send(new PutObjectCommand({ Bucket: bucket, Key: 'intrude', Body: 'x' })),
      code: 'AccessDenied',
      status: 403,
    },
    {
      name: "list another account's bucket",
      run: ({ other, bucket }) => other.send(new ListObjectsV2Command({ Bucket: bucket })),
      code: 'AccessDenied',
      status: 403,
    },
    {
      name: "copy out of another account's bucket",
      run: async ({ other }) => {
        await other.send(new CreateBucketCommand({ Bucket: 'other-b' }));
        return other.send(new CopyObjectCommand({ Bucket: 'other-b', Key: 'stolen', CopySource: 'objects/exists' }));
      },
      code: 'AccessDenied',
      status: 403,
    },
    {
      name: 'invalid continuation token',
      run: ({ s3, bucket }) => s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: '!!!' })),
      code: 'InvalidArgument',
      status: 400,
    },
  ];

  it.each(errors)('$name → $code ($status)', async ({ run, code, status }) => {
    const ctx = await bucketWith({ exists: 'here' });
    await expectS3Error(run(ctx), code, status);
    // nothing was stored by the failed request
    const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['exists']);
  });
});
