/**
 * Grantees S3 refuses, through every way a grant reaches the store (AWS SDK v3 over HTTP): an
 * AccessControlPolicy body or x-amz-grant-* headers on PutObjectAcl and PutBucketAcl, and the
 * grant headers of PutObject, CopyObject, CreateMultipartUpload and CreateBucket. A Group URI S3
 * does not know and a canonical id that is not 64 hex digits are 400 InvalidArgument; an e-mail
 * grantee is 400 UnresolvableGrantByEmailAddress (no address resolves to an account here). Each
 * refusal leaves everything as it was; the grants S3 takes are still taken.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type Grant,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { canonicalIdOf } from '../../src/object-store/acl.js';
import { ACCOUNT_A, ACCOUNT_B, startTestServer } from '../helpers/server.js';
import { errorOf, s3Client } from './helpers.js';

const BUCKET = 'grants';
const OWNER = canonicalIdOf(ACCOUNT_A.accountId);

interface BadGrantee {
  readonly what: string;
  /** As an x-amz-grant-* header value. */
  readonly header: string;
  /** As an AccessControlPolicy Grantee. */
  readonly grantee: NonNullable<Grant['Grantee']>;
  readonly code: string;
}

const BAD: readonly BadGrantee[] = [
  {
    what: 'an unknown group URI',
    header: 'uri="http://acs.amazonaws.com/groups/global/Everyone"',
    grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/Everyone' },
    code: 'InvalidArgument',
  },
  { what: 'a URI that is no group', header: 'uri="https://example.com/group"', grantee: { Type: 'Group', URI: 'https://example.com/group' }, code: 'InvalidArgument' },
  { what: 'a short canonical id', header: 'id="abc"', grantee: { Type: 'CanonicalUser', ID: 'abc' }, code: 'InvalidArgument' },
  { what: 'a canonical id of 64 non-hex characters', header: `id="${'z'.repeat(64)}"`, grantee: { Type: 'CanonicalUser', ID: 'z'.repeat(64) }, code: 'InvalidArgument' },
  {
    what: 'an e-mail grantee',
    header: 'emailAddress="someone@example.com"',
    grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: 'someone@example.com' },
    code: 'UnresolvableGrantByEmailAddress',
  },
];

async function setup(): Promise<S3Client> {
  const server = await startTestServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));
  return s3;
}

async function expectRefused(p: Promise<unknown>, code: string): Promise<void> {
  const e = await errorOf(p);
  expect({ name: e.name, status: e.status }, e.message).toEqual({ name: code, status: 400 });
}

const policy = (grantee: NonNullable<Grant['Grantee']>) => ({
  Owner: { ID: OWNER },
  Grants: [
    { Grantee: { Type: 'CanonicalUser' as const, ID: OWNER }, Permission: 'FULL_CONTROL' as const },
    { Grantee: grantee, Permission: 'READ' as const },
  ],
});

describe.each(BAD)('$what', ({ header, grantee, code }) => {
  it('PutObjectAcl and PutBucketAcl refuse it, as a body and as a header; the ACLs stay', async () => {
    const s3 = await setup();
    const objectAcl = (await s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'k' }))).Grants;
    const bucketAcl = (await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }))).Grants;
    await expectRefused(s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'k', AccessControlPolicy: policy(grantee) })), code);
    await expectRefused(s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'k', GrantRead: header })), code);
    // Among valid ones, in a list of several.
    await expectRefused(s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'k', GrantFullControl: `id="${OWNER}"`, GrantReadACP: `uri="http://acs.amazonaws.com/groups/s3/LogDelivery", ${header}` })), code);
    await expectRefused(s3.send(new PutBucketAclCommand({ Bucket: BUCKET, AccessControlPolicy: policy(grantee) })), code);
    await expectRefused(s3.send(new PutBucketAclCommand({ Bucket: BUCKET, GrantWrite: header })), code);
    expect((await s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'k' }))).Grants).toEqual(objectAcl);
    expect((await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }))).Grants).toEqual(bucketAcl);
  });

  it('PutObject, CopyObject, CreateMultipartUpload and CreateBucket refuse it in their grant headers and create nothing', async () => {
    const s3 = await setup();
    await expectRefused(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'y', GrantRead: header })), code);
    await expectRefused(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/k`, GrantRead: header })), code);
    await expectRefused(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu', GrantRead: header })), code);
    await expectRefused(s3.send(new CreateBucketCommand({ Bucket: 'grants-new', GrantRead: header })), code);
    for (const Key of ['put', 'copy']) {
      expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key })))).status, Key).toBe(404);
    }
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([]);
    expect((await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'grants-new' })))).status).toBe(404);
  });
});

describe('grants S3 takes', () => {
  it('the three groups and 64-hex canonical ids (any account, either case), by body and by header', async () => {
    const s3 = await setup();
    const other = canonicalIdOf(ACCOUNT_B.accountId);
    await s3.send(
      new PutObjectAclCommand({
        Bucket: BUCKET,
        Key: 'k',
        AccessControlPolicy: {
          Owner: { ID: OWNER },
          Grants: [
            { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' },
            { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'READ_ACP' },
            { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, Permission: 'WRITE' },
            { Grantee: { Type: 'CanonicalUser', ID: other.toUpperCase() }, Permission: 'WRITE_ACP' },
          ],
        },
      }),
    );
    expect((await s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'k' }))).Grants).toHaveLength(4);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'y', GrantRead: `id="${other}", uri="http://acs.amazonaws.com/groups/global/AllUsers"` }));
    const grants = (await s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'put' }))).Grants ?? [];
    expect(grants.map((g) => g.Grantee?.ID ?? g.Grantee?.URI)).toEqual([other, 'http://acs.amazonaws.com/groups/global/AllUsers']);
  });
});
