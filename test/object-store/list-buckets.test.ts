/**
 * The service and bucket-creation edges a client notices: ListBuckets' parameters (prefix echoed,
 * bucket-region, max-buckets, continuation-token) through the SDK and boto3; CreateBucket's
 * LocationConstraint as S3 checks it; and paths whose bucket segment is empty (`//bucket/key`),
 * which are no ListBuckets.
 */
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, startTestServer } from '../helpers/server.js';
import { errorOf, expectS3Error, s3Client } from './helpers.js';
import { codeOf, signedRequest } from './raw.js';

const NAMES = ['alpha-1', 'alpha-2', 'alpha-3', 'beta-1', 'beta-2'];

async function withBuckets(): Promise<{ s3: S3Client; url: string }> {
  const server = await startTestServer();
  const s3 = s3Client(server);
  for (const Bucket of NAMES) await s3.send(new CreateBucketCommand({ Bucket }));
  return { s3, url: server.url };
}

describe('ListBuckets', () => {
  it('prefix is echoed; bucket-region filters; max-buckets pages with ContinuationToken to the end', async () => {
    const { s3 } = await withBuckets();
    const prefixed = await s3.send(new ListBucketsCommand({ Prefix: 'alpha' }));
    expect(prefixed.Prefix).toBe('alpha');
    expect(prefixed.Buckets?.map((b) => b.Name)).toEqual(['alpha-1', 'alpha-2', 'alpha-3']);
    expect(prefixed.ContinuationToken).toBeUndefined();
    expect((await s3.send(new ListBucketsCommand({}))).Prefix).toBeUndefined();

    expect((await s3.send(new ListBucketsCommand({ BucketRegion: 'us-east-1' }))).Buckets?.map((b) => [b.Name, b.BucketRegion])).toEqual(
      NAMES.map((n) => [n, 'us-east-1']),
    );
    expect((await s3.send(new ListBucketsCommand({ BucketRegion: 'eu-west-1' }))).Buckets ?? []).toEqual([]);

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, ...(token ? { ContinuationToken: token } : {}) }));
      pages.push((page.Buckets ?? []).map((b) => b.Name!));
      token = page.ContinuationToken;
    } while (token !== undefined && pages.length < 10);
    expect(pages).toEqual([['alpha-1', 'alpha-2'], ['alpha-3', 'beta-1'], ['beta-2']]);

    // The three together: the prefix and region hold across pages.
    const first = await s3.send(new ListBucketsCommand({ Prefix: 'alpha', BucketRegion: 'us-east-1', MaxBuckets: 2 }));
    expect([first.Buckets?.map((b) => b.Name), first.Prefix]).toEqual([['alpha-1', 'alpha-2'], 'alpha']);
    const second = await s3.send(new ListBucketsCommand({ Prefix: 'alpha', MaxBuckets: 2, ContinuationToken: first.ContinuationToken }));
    expect([second.Buckets?.map((b) => b.Name), second.ContinuationToken]).toEqual([['alpha-3'], undefined]);
  });

  it('max-buckets outside 1..10000 and a continuation token it did not issue are 400 InvalidArgument', async () => {
    const { s3, url } = await withBuckets();
    for (const MaxBuckets of [0, -1, 10_001]) {
      await expectS3Error(s3.send(new ListBucketsCommand({ MaxBuckets })), 'InvalidArgument', 400);
    }
    const raw = await signedRequest(url, 'GET', '/', { query: { 'max-buckets': 'ten' } });
    expect([raw.status, codeOf(raw)]).toEqual([400, 'InvalidArgument']);
    const listObjectsToken = Buffer.from('k:alpha-1').toString('base64url');
    for (const ContinuationToken of ['not-a-token', listObjectsToken, Buffer.from('alpha-1').toString('base64url')]) {
      await expectS3Error(s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken })), 'InvalidArgument', 400);
    }
  });

  it.skipIf(!hasBoto3)('boto3: Prefix echoed, BucketRegion, MaxBuckets and ContinuationToken', async () => {
    const { url } = await withBuckets();
    const script = `
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
first = s3.list_buckets(Prefix="beta", BucketRegion="us-east-1", MaxBuckets=1)
second = s3.list_buckets(Prefix="beta", MaxBuckets=1, ContinuationToken=first["ContinuationToken"])
print(json.dumps({"prefix": first.get("Prefix"), "first": [b["Name"] for b in first["Buckets"]],
                  "second": [b["Name"] for b in second["Buckets"]], "more": "ContinuationToken" in second,
                  "region": first["Buckets"][0].get("BucketRegion"),
                  "elsewhere": s3.list_buckets(BucketRegion="eu-west-1")["Buckets"]}))
`;
    const stdout = await runPython(script, [url, ACCOUNT_A.accessKeyId, ACCOUNT_A.secretAccessKey]);
    expect(JSON.parse(stdout)).toEqual({ prefix: 'beta', first: ['beta-1'], second: ['beta-2'], more: false, region: 'us-east-1', elsewhere: [] });
  });
});

describe('CreateBucket LocationConstraint', () => {
  it('in us-east-1: none (or empty) is us-east-1; naming us-east-1 or no region is InvalidLocationConstraint; another region is IllegalLocationConstraintException; nothing is created', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    const cases: Array<[string, string]> = [
      ['us-east-1', 'InvalidLocationConstraint'],
      ['mars', 'InvalidLocationConstraint'],
      ['US-EAST-1', 'InvalidLocationConstraint'],
      ['eu-west-1', 'IllegalLocationConstraintException'],
      ['EU', 'IllegalLocationConstraintException'],
    ];
    for (const [LocationConstraint, code] of cases) {
      const Bucket = `loc-${LocationConstraint.toLowerCase()}`;
      await expectS3Error(
        s3.send(new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: LocationConstraint as 'EU' } })),
        code,
        400,
      );
      expect((await errorOf(s3.send(new HeadBucketCommand({ Bucket })))).status, LocationConstraint).toBe(404);
    }
    await s3.send(new CreateBucketCommand({ Bucket: 'no-constraint' }));
    const empty = await signedRequest(server.url, 'PUT', '/empty-constraint', {
      body: Buffer.from('<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint></LocationConstraint></CreateBucketConfiguration>'),
    });
    expect(empty.status).toBe(200);
  });

  it('in another region: its own name (or EU for eu-west-1) is accepted; us-east-1 is InvalidLocationConstraint', async () => {
    const server = await startTestServer({ S3BATCH_REGION: 'eu-west-1' });
    const s3 = s3Client(server, ACCOUNT_A, { region: 'eu-west-1' });
    await s3.send(new CreateBucketCommand({ Bucket: 'in-ireland', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await s3.send(new CreateBucketCommand({ Bucket: 'in-eu', CreateBucketConfiguration: { LocationConstraint: 'EU' } }));
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: 'in-virginia', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as 'EU' } })), 'InvalidLocationConstraint', 400);
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: 'in-ohio', CreateBucketConfiguration: { LocationConstraint: 'us-east-2' } })), 'IllegalLocationConstraintException', 400);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => [b.Name, b.BucketRegion])).toEqual([
      ['in-eu', 'eu-west-1'],
      ['in-ireland', 'eu-west-1'],
    ]);
  });
});

describe('a path with an empty bucket segment', () => {
  it('`//`, `//bucket` and `//bucket/key` are 400 InvalidBucketName, for every method; only `/` lists buckets', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'bucket' }));
    for (const path of ['//', '//bucket', '//bucket/key', '///key']) {
      for (const method of ['GET', 'PUT', 'DELETE', 'POST']) {
        const r = await signedRequest(server.url, method, path, method === 'PUT' ? { body: Buffer.from('data') } : {});
        expect([r.status, codeOf(r)], `${method} ${path}`).toEqual([400, 'InvalidBucketName']);
      }
      expect((await signedRequest(server.url, 'HEAD', path)).status, `HEAD ${path}`).toBe(400);
    }
    const listed = await signedRequest(server.url, 'GET', '/');
    expect(listed.status).toBe(200);
    expect(listed.body.toString()).toContain('<ListAllMyBucketsResult');
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['bucket']);
    // A key may begin with a slash: `/bucket//key` is the key `/key`.
    expect((await signedRequest(server.url, 'PUT', '/bucket//key', { body: Buffer.from('x') })).status).toBe(200);
    expect((await signedRequest(server.url, 'GET', '/bucket//key')).body.toString()).toBe('x');
  });
});
