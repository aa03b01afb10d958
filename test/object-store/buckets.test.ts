/** Bucket operations through the AWS SDK v3 over real HTTP: success paths and S3's errors. */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_A, ACCOUNT_B, startTestServer } from '../helpers/server.js';
import { expectS3Error, s3Client } from './helpers.js';

async function setup(): Promise<{ a: S3Client; b: S3Client }> {
  const server = await startTestServer();
  return { a: s3Client(server, ACCOUNT_A), b: s3Client(server, ACCOUNT_B) };
}

describe('buckets', () => {
  it('create, list, head, location, delete', async () => {
    const { a, b } = await setup();
    await a.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    await a.send(new CreateBucketCommand({ Bucket: 'beta.1-x' }));
    await b.send(new CreateBucketCommand({ Bucket: 'gamma' }));
    const listed = await a.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((x) => x.Name)).toEqual(['alpha', 'beta.1-x']);
    expect(listed.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect((await b.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name)).toEqual(['gamma']);
    const head = await a.send(new HeadBucketCommand({ Bucket: 'alpha' }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(head.BucketRegion).toBe('us-east-1');
    const loc = await a.send(new GetBucketLocationCommand({ Bucket: 'alpha' }));
    expect(loc.LocationConstraint ?? '').toBe('');
    await a.send(new DeleteBucketCommand({ Bucket: 'alpha' }));
    expect((await a.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name)).toEqual(['beta.1-x']);
  });

  it('bucket versioning: unset, Enabled, Suspended', async () => {
    const { a } = await setup();
    await a.send(new CreateBucketCommand({ Bucket: 'vers' }));
    expect((await a.send(new GetBucketVersioningCommand({ Bucket: 'vers' }))).Status).toBeUndefined();
    await a.send(new PutBucketVersioningCommand({ Bucket: 'vers', VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await a.send(new GetBucketVersioningCommand({ Bucket: 'vers' }))).Status).toBe('Enabled');
    await a.send(new PutBucketVersioningCommand({ Bucket: 'vers', VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await a.send(new GetBucketVersioningCommand({ Bucket: 'vers' }))).Status).toBe('Suspended');
  });

  it('object lock on creation enables versioning and keeps a default retention', async () => {
    const { a } = await setup();
    await a.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
    expect((await a.send(new GetBucketVersioningCommand({ Bucket: 'locked' }))).Status).toBe('Enabled');
    await a.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'locked',
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } } },
      }),
    );
    const conf = await a.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }));
    expect(conf.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } } });
    const acl = await a.send(new GetBucketAclCommand({ Bucket: 'locked' }));
    expect(acl.Grants?.[0]?.Permission).toBe('FULL_CONTROL');
  });

  const cases: Array<{ name: string; run: (c: { a: S3Client; b: S3Client }) => Promise<unknown>; code: string; status: number }> = [
    { name: 'uppercase name', run: ({ a }) => a.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })), code: 'InvalidBucketName', status: 400 },
    { name: 'too short', run: ({ a }) => a.send(new CreateBucketCommand({ Bucket: 'ab' })), code: 'InvalidBucketName', status: 400 },
    { name: 'too long', run: ({ a }) => a.send(new CreateBucketCommand({ Bucket: 'a'.repeat(64) })), code: 'InvalidBucketName', status: 400 },
    { name: 'IP address', run: ({ a }) => a.send(new CreateBucketCommand({ Bucket: '192.168.1.1' })), code: 'InvalidBucketName', status: 400 },
    { name: 'adjacent dots', run: ({ a }) => a.send(new CreateBucketCommand({ Bucket: 'a..b' })), code: 'InvalidBucketName', status: 400 },
    { name: 'xn-- prefix', run: ({ a }) => a.send(new CreateBucketCommand({ Bucket: 'xn--abc' })), code: 'InvalidBucketName', status: 400 },
    {
      name: 'another location constraint',
      run: ({ a }) => a.send(new CreateBucketCommand({ Bucket: 'elsewhere', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })),
      code: 'IllegalLocationConstraintException',
      status: 400,
    },
    {
      name: 'own bucket again',
      run: async ({ a }) => {
        await a.send(new CreateBucketCommand({ Bucket: 'mine' }));
        return a.send(new CreateBucketCommand({ Bucket: 'mine' }));
      },
      code: 'BucketAlreadyOwnedByYou',
      status: 409,
    },
    {
      name: "another account's bucket name",
      run: async ({ a, b }) => {
        await b.send(new CreateBucketCommand({ Bucket: 'theirs' }));
        return a.send(new CreateBucketCommand({ Bucket: 'theirs' }));
      },
      code: 'BucketAlreadyExists',
      status: 409,
    },
    {
      name: 'delete a bucket that holds objects',
      run: async ({ a }) => {
        await a.send(new CreateBucketCommand({ Bucket: 'full' }));
        await a.send(new PutObjectCommand({ Bucket: 'full', Key: 'k', Body: 'x' }));
        return a.send(new DeleteBucketCommand({ Bucket: 'full' }));
      },
      code: 'BucketNotEmpty',
      status: 409,
    },
    { name: 'delete a missing bucket', run: ({ a }) => a.send(new DeleteBucketCommand({ Bucket: 'nothere' })), code: 'NoSuchBucket', status: 404 },
    { name: 'head a missing bucket', run: ({ a }) => a.send(new HeadBucketCommand({ Bucket: 'nothere' })), code: 'NotFound', status: 404 },
    {
      name: "head another account's bucket",
      run: async ({ a, b }) => {
        await b.send(new CreateBucketCommand({ Bucket: 'private-b' }));
        return a.send(new HeadBucketCommand({ Bucket: 'private-b' }));
      },
      // HEAD answers carry no body: the SDK names a bare 403 "Unknown" (as with AWS S3).
      code: 'Unknown',
      status: 403,
    },
    {
      name: "delete another account's bucket",
      run: async ({ a, b }) => {
        await b.send(new CreateBucketCommand({ Bucket: 'private-b' }));
        return a.send(new DeleteBucketCommand({ Bucket: 'private-b' }));
      },
      code: 'AccessDenied',
      status: 403,
    },
    {
      name: 'suspend versioning on an object-lock bucket',
      run: async ({ a }) => {
        await a.send(new CreateBucketCommand({ Bucket: 'lockedv', ObjectLockEnabledForBucket: true }));
        return a.send(new PutBucketVersioningCommand({ Bucket: 'lockedv', VersioningConfiguration: { Status: 'Suspended' } }));
      },
      code: 'InvalidBucketState',
      status: 409,
    },
    {
      name: 'object lock configuration of a plain bucket',
      run: async ({ a }) => {
        await a.send(new CreateBucketCommand({ Bucket: 'plain' }));
        return a.send(new GetObjectLockConfigurationCommand({ Bucket: 'plain' }));
      },
      code: 'ObjectLockConfigurationNotFoundError',
      status: 404,
    },
  ];

  it.each(cases)('$name → $code ($status)', async ({ run, code, status }) => {
    const clients = await setup();
    await expectS3Error(run(clients), code, status);
  });
});
