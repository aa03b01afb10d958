/**
 * Every operation the engine implements, end to end (reference §3.1): objects go in over S3, the
 * job over S3 Control, and the results are read back with the S3 client (HeadObject,
 * GetObjectTagging, GetObjectAcl, GetObject) and DescribeJob's ProgressSummary, plus the report's
 * rows for the failures. A real server, real SDK clients, no mocks.
 */
import {
  CreateBucketCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type Grant,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { JobDescriptor, JobOperation, S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { bodyBytes, s3Client } from '../object-store/helpers.js';
import { createBuckets, manifestKey, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { controlClient, startTestServer } from '../helpers/server.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

async function setup(buckets = ['data', 'manifests', 'reports']): Promise<{ s3: S3Client; control: S3ControlClient }> {
  const server = await startTestServer({}, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3, buckets);
  return { s3, control: controlClient(server) };
}

const tagsOf = async (s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<Record<string, string>> => {
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }));
  return Object.fromEntries((TagSet ?? []).map((t) => [t.Key!, t.Value!]));
};

const textOf = async (s3: S3Client, Bucket: string, Key: string): Promise<string> =>
  (await bodyBytes((await s3.send(new GetObjectCommand({ Bucket, Key }))).Body)).toString('utf8');

async function putTagged(s3: S3Client, Bucket: string, Key: string, tags: Record<string, string>, body = 'x'): Promise<string | undefined> {
  const Tagging = new URLSearchParams(tags).toString();
  const { VersionId } = await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, ...(Tagging ? { Tagging } : {}) }));
  return VersionId;
}

function expectProgress(job: JobDescriptor, total: number, succeeded: number, failed: number): void {
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: total, NumberOfTasksSucceeded: succeeded, NumberOfTasksFailed: failed });
}

/** A grant as GetObjectAcl returns it, reduced to what identifies it. */
const grantOf = (g: Grant): string => `${g.Grantee?.Type}:${g.Grantee?.ID ?? g.Grantee?.URI ?? g.Grantee?.EmailAddress}:${g.Permission}`;

describe('S3PutObjectTagging', () => {
  it('replaces the whole tag set of each object (encoded keys too), counts a NoSuchKey, and an empty TagSet removes every tag', async () => {
    const { s3, control } = await setup();
    const keys = ['plain', 'dir/ü ñ.txt', 'a+b=c&d.txt'];
    for (const k of keys) await putTagged(s3, 'data', k, { old: '1', keep: 'no' });
    const lines = [...keys.map((k) => `data,${manifestKey(k)}`), 'data,missing'];
    const operation: JobOperation = { S3PutObjectTagging: { TagSet: [{ Key: 'project', Value: 'blue' }, { Key: 'empty', Value: '' }] } };
    const job = await runCsvJob(s3, control, lines, operation);
    expectProgress(job, 4, 3, 1);
    for (const k of keys) expect(await tagsOf(s3, 'data', k), k).toEqual({ project: 'blue', empty: '' });
    expect(await reportRows(s3, job.JobId)).toContain('data,missing,,failed,404,NoSuchKey,The specified key does not exist.');

    const cleared = await runCsvJob(s3, control, lines.slice(0, 1), { S3PutObjectTagging: { TagSet: [] } });
    expectProgress(cleared, 1, 1, 0);
    expect(await tagsOf(s3, 'data', 'plain')).toEqual({});
    expect(await tagsOf(s3, 'data', 'dir/ü ñ.txt')).toEqual({ project: 'blue', empty: '' });

    // A tag S3 refuses (CreateJob cannot know it) fails each task with S3's answer; the tags stay.
    const refused = await runCsvJob(s3, control, lines.slice(1, 2), { S3PutObjectTagging: { TagSet: [{ Key: 'aws:reserved', Value: 'x' }] } });
    expectProgress(refused, 1, 0, 1);
    expect(await reportRows(s3, refused.JobId)).toEqual([`${lines[1]},,failed,400,InvalidTag,Your TagKey cannot be prefixed with aws:`]);
    expect(await tagsOf(s3, 'data', 'dir/ü ñ.txt')).toEqual({ project: 'blue', empty: '' });
  });

  it('tags exactly the version the manifest names in a versioned bucket', async () => {
    const { s3, control } = await setup();
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await putTagged(s3, 'data', 'k', { gen: '1' });
    const v2 = await putTagged(s3, 'data', 'k', { gen: '2' });
    expect(v1 && v2 && v1 !== v2).toBeTruthy();
    const job = await runCsvJob(s3, control, [`data,k,${v1}`], { S3PutObjectTagging: { TagSet: [{ Key: 'hit', Value: 'v1' }] } }, {
      fields: ['Bucket', 'Key', 'VersionId'],
    });
    expectProgress(job, 1, 1, 0);
    expect(await tagsOf(s3, 'data', 'k', v1)).toEqual({ hit: 'v1' });
    expect(await tagsOf(s3, 'data', 'k', v2)).toEqual({ gen: '2' });
    expect(await tagsOf(s3, 'data', 'k')).toEqual({ gen: '2' });
    expect(await reportRows(s3, job.JobId)).toEqual([`data,k,${v1},succeeded,200,,Successful`]);
  });
});

describe('S3DeleteObjectTagging', () => {
  it('removes every tag of each object; untagged objects succeed too; a missing one fails NoSuchKey', async () => {
    const { s3, control } = await setup();
    await putTagged(s3, 'data', 'one', { a: '1', b: '2' });
    await putTagged(s3, 'data', 'two words', { c: '3' });
    await putTagged(s3, 'data', 'untagged', {});
    const job = await runCsvJob(s3, control, ['data,one', 'data,two+words', 'data,untagged', 'data,gone'], { S3DeleteObjectTagging: {} });
    expectProgress(job, 4, 3, 1);
    for (const k of ['one', 'two words', 'untagged']) expect(await tagsOf(s3, 'data', k), k).toEqual({});
    const rows = (await reportRows(s3, job.JobId)).sort();
    expect(rows).toEqual([
      'data,gone,,failed,404,NoSuchKey,The specified key does not exist.',
      'data,one,,succeeded,200,,Successful',
      'data,two+words,,succeeded,200,,Successful',
      'data,untagged,,succeeded,200,,Successful',
    ]);
  });
});

describe('S3PutObjectAcl', () => {
  it('a canned ACL (public-read) replaces each object ACL: owner FULL_CONTROL + AllUsers READ', async () => {
    const { s3, control } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'a', Body: 'x', ACL: 'authenticated-read' }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'b c', Body: 'x' }));
    const job = await runCsvJob(s3, control, ['data,a', 'data,b%20c'], { S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: 'public-read' } } });
    expectProgress(job, 2, 2, 0);
    for (const Key of ['a', 'b c']) {
      const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key }));
      const owner = acl.Owner!.ID!;
      expect(acl.Grants!.map(grantOf).sort(), Key).toEqual([`CanonicalUser:${owner}:FULL_CONTROL`, `Group:${ALL_USERS}:READ`]);
    }
  });

  it('an AccessControlPolicy with grants (canonical id, group uri) replaces the ACL; an Owner other than the requester fails AccessDenied', async () => {
    const { s3, control } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'x', ACL: 'public-read-write' }));
    const owner = (await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Owner!;
    const other = 'b'.repeat(64);
    const grants: JobOperation = {
      S3PutObjectAcl: {
        AccessControlPolicy: {
          AccessControlList: {
            Owner: { ID: owner.ID!, DisplayName: owner.DisplayName! },
            Grants: [
              { Grantee: { TypeIdentifier: 'id', Identifier: owner.ID! }, Permission: 'FULL_CONTROL' },
              { Grantee: { TypeIdentifier: 'id', Identifier: other, DisplayName: 'someone' }, Permission: 'READ_ACP' },
              { Grantee: { TypeIdentifier: 'uri', Identifier: AUTHENTICATED_USERS }, Permission: 'READ' },
            ],
          },
        },
      },
    };
    const job = await runCsvJob(s3, control, ['data,k'], grants);
    expectProgress(job, 1, 1, 0);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }));
    expect(acl.Owner?.ID).toBe(owner.ID);
    expect(acl.Grants!.map(grantOf).sort()).toEqual(
      [
        `CanonicalUser:${owner.ID}:FULL_CONTROL`,
        `CanonicalUser:${other}:READ_ACP`,
        `Group:${AUTHENTICATED_USERS}:READ`,
      ].sort(),
    );

    const notMine: JobOperation = {
      S3PutObjectAcl: { AccessControlPolicy: { AccessControlList: { Owner: { ID: other }, Grants: [] } } },
    };
    const refused = await runCsvJob(s3, control, ['data,k'], notMine);
    expectProgress(refused, 1, 0, 1);
    expect(await reportRows(s3, refused.JobId)).toEqual([expect.stringMatching(/^data,k,,failed,403,AccessDenied,/)]);
    expect((await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Grants).toHaveLength(3);
  });

  it('a grant without a Permission or a Grantee identifier is malformed: each task fails 400 MalformedACLError (as S3 answers such an ACL) and the ACL stays', async () => {
    const { s3, control } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'x' }));
    const before = await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }));
    const owner = { ID: before.Owner!.ID! };
    const malformed: JobOperation[] = [
      // No Permission: S3 refuses the ACL; it must not become a READ grant to everyone.
      { S3PutObjectAcl: { AccessControlPolicy: { AccessControlList: { Owner: owner, Grants: [{ Grantee: { TypeIdentifier: 'uri', Identifier: ALL_USERS } }] } } } },
      // No Identifier: no grantee at all.
      { S3PutObjectAcl: { AccessControlPolicy: { AccessControlList: { Owner: owner, Grants: [{ Grantee: { TypeIdentifier: 'id' }, Permission: 'READ' }] } } } },
      // No grantee type (S3's xsi:type).
      { S3PutObjectAcl: { AccessControlPolicy: { AccessControlList: { Owner: owner, Grants: [{ Grantee: { Identifier: owner.ID }, Permission: 'READ' }] } } } },
      // No Grantee.
      { S3PutObjectAcl: { AccessControlPolicy: { AccessControlList: { Owner: owner, Grants: [{ Permission: 'READ' }] } } } },
    ];
    for (const operation of malformed) {
      const job = await runCsvJob(s3, control, ['data,k'], operation);
      expectProgress(job, 1, 0, 1);
      expect(await reportRows(s3, job.JobId), JSON.stringify(operation)).toEqual([expect.stringMatching(/^data,k,,failed,400,MalformedACLError,/)]);
    }
    expect((await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Grants).toEqual(before.Grants);
    const first = await runCsvJob(s3, control, ['data,k'], malformed[0]!);
    expect(await reportRows(s3, first.JobId)).toEqual([
      'data,k,,failed,400,MalformedACLError,The XML you provided was not well-formed or did not validate against our published schema (Grants[0] has no Permission)',
    ]);
  });

  it('an AccessControlList with no grants leaves the object with none', async () => {
    const { s3, control } = await setup();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'x' }));
    const owner = (await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Owner!;
    const job = await runCsvJob(s3, control, ['data,k'], {
      S3PutObjectAcl: { AccessControlPolicy: { AccessControlList: { Owner: { ID: owner.ID! }, Grants: [] } } },
    });
    expectProgress(job, 1, 1, 0);
    expect((await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Grants ?? []).toEqual([]);
  });
});

describe('S3PutObjectCopy', () => {
  const SOURCE_KEYS = ['photo.jpg', 'dir/ü ñ.txt'];

  async function copySetup(): Promise<{ s3: S3Client; control: S3ControlClient; lines: string[] }> {
    const ctx = await setup(['data', 'manifests', 'reports', 'dest']);
    for (const Key of SOURCE_KEYS) {
      await ctx.s3.send(
        new PutObjectCommand({
          Bucket: 'data',
          Key,
          Body: `body of ${Key}`,
          ContentType: 'image/jpeg',
          CacheControl: 'max-age=60',
          Metadata: { color: 'red' },
          Tagging: 'src=1&team=a',
        }),
      );
    }
    return { ...ctx, lines: SOURCE_KEYS.map((k) => `data,${manifestKey(k)}`) };
  }

  it('MetadataDirective COPY, NewObjectTagging absent, StorageClass: copies under TargetKeyPrefix with the source metadata and tags', async () => {
    const { s3, control, lines } = await copySetup();
    const job = await runCsvJob(s3, control, [...lines, 'data,not%2Fthere'], {
      S3PutObjectCopy: {
        TargetResource: 'arn:aws:s3:::dest',
        TargetKeyPrefix: 'copied/',
        MetadataDirective: 'COPY',
        StorageClass: 'STANDARD_IA',
        CannedAccessControlList: 'public-read',
      },
    });
    expectProgress(job, 3, 2, 1);
    for (const k of SOURCE_KEYS) {
      const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'dest', Key: `copied/${k}` }));
      expect(acl.Grants!.map(grantOf).sort()).toEqual([`CanonicalUser:${acl.Owner!.ID}:FULL_CONTROL`, `Group:${ALL_USERS}:READ`]);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: `copied/${k}` }));
      const source = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: k }));
      expect(head, k).toMatchObject({ ContentType: 'image/jpeg', CacheControl: 'max-age=60', Metadata: { color: 'red' }, StorageClass: 'STANDARD_IA', ETag: source.ETag });
      expect(await tagsOf(s3, 'dest', `copied/${k}`)).toEqual({ src: '1', team: 'a' });
      expect(await textOf(s3, 'dest', `copied/${k}`)).toBe(`body of ${k}`);
    }
    // The report echoes the source as the manifest named it.
    expect((await reportRows(s3, job.JobId)).sort()).toEqual(
      [...lines.map((l) => `${l},,succeeded,200,,Successful`), 'data,not%2Fthere,,failed,404,NoSuchKey,The specified key does not exist.'].sort(),
    );
  });

  it('MetadataDirective REPLACE with NewObjectMetadata (ContentType, UserMetadata…) and an empty NewObjectTagging: new metadata, no tags', async () => {
    const { s3, control, lines } = await copySetup();
    const job = await runCsvJob(s3, control, lines, {
      S3PutObjectCopy: {
        TargetResource: 'arn:aws:s3:::dest',
        MetadataDirective: 'REPLACE',
        NewObjectMetadata: {
          ContentType: 'application/json',
          ContentLanguage: 'de',
          ContentDisposition: 'attachment; filename="x.json"',
          CacheControl: 'no-store',
          HttpExpiresDate: new Date('2031-01-02T03:04:05Z'),
          UserMetadata: { a: '1', 'two-words': 'hello world' },
        },
        NewObjectTagging: [],
      },
    });
    expectProgress(job, 2, 2, 0);
    for (const k of SOURCE_KEYS) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: k }));
      expect(head, k).toMatchObject({
        ContentType: 'application/json',
        ContentLanguage: 'de',
        ContentDisposition: 'attachment; filename="x.json"',
        Metadata: { a: '1', 'two-words': 'hello world' },
      });
      expect(head.Metadata?.color).toBeUndefined();
      expect(head.CacheControl).toBe('no-store');
      expect(head.ExpiresString ?? head.Expires?.toUTCString()).toBe('Thu, 02 Jan 2031 03:04:05 GMT');
      expect(head.StorageClass ?? 'STANDARD').toBe('STANDARD');
      expect(await tagsOf(s3, 'dest', k)).toEqual({});
      expect(await textOf(s3, 'dest', k)).toBe(`body of ${k}`);
    }
  });

  it('NewObjectTagging set replaces the source tags; metadata is copied when no directive is given; AccessControlGrants become the ACL', async () => {
    const { s3, control, lines } = await copySetup();
    const me = (await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'photo.jpg' }))).Owner!.ID!;
    const job = await runCsvJob(s3, control, lines.slice(0, 1), {
      S3PutObjectCopy: {
        TargetResource: 'arn:aws:s3:::dest',
        TargetKeyPrefix: 'tagged-',
        NewObjectTagging: [{ Key: 'copied', Value: 'yes' }],
        AccessControlGrants: [
          { Grantee: { TypeIdentifier: 'id', Identifier: me }, Permission: 'FULL_CONTROL' },
          { Grantee: { TypeIdentifier: 'uri', Identifier: AUTHENTICATED_USERS }, Permission: 'READ_ACP' },
        ],
      },
    });
    expectProgress(job, 1, 1, 0);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'dest', Key: 'tagged-photo.jpg' }));
    expect(acl.Grants!.map(grantOf).sort()).toEqual([`CanonicalUser:${me}:FULL_CONTROL`, `Group:${AUTHENTICATED_USERS}:READ_ACP`]);
    expect(await tagsOf(s3, 'dest', 'tagged-photo.jpg')).toEqual({ copied: 'yes' });
    expect(await s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: 'tagged-photo.jpg' }))).toMatchObject({
      ContentType: 'image/jpeg',
      Metadata: { color: 'red' },
    });
    expect(await tagsOf(s3, 'data', 'photo.jpg')).toEqual({ src: '1', team: 'a' });
  });

  it('REPLACE without a ContentType gives S3\'s default type; a copy onto itself needs a change (InvalidRequest, quoted message in the report), a StorageClass change in place works', async () => {
    const { s3, control, lines } = await copySetup();
    const replaced = await runCsvJob(s3, control, lines.slice(0, 1), {
      S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', MetadataDirective: 'REPLACE', NewObjectMetadata: { UserMetadata: { z: '2' } } },
    });
    expectProgress(replaced, 1, 1, 0);
    expect(await s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: 'photo.jpg' }))).toMatchObject({
      ContentType: 'binary/octet-stream',
      Metadata: { z: '2' },
    });

    const itself = await runCsvJob(s3, control, lines.slice(0, 1), { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::data' } });
    expectProgress(itself, 1, 0, 1);
    expect(await reportRows(s3, itself.JobId)).toEqual([
      'data,photo.jpg,,failed,400,InvalidRequest,"This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes."',
    ]);

    const inPlace = await runCsvJob(s3, control, lines.slice(0, 1), { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::data', StorageClass: 'GLACIER_IR' } });
    expectProgress(inPlace, 1, 1, 0);
    expect(await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'photo.jpg' }))).toMatchObject({
      StorageClass: 'GLACIER_IR',
      ContentType: 'image/jpeg',
      Metadata: { color: 'red' },
    });
    expect(await tagsOf(s3, 'data', 'photo.jpg')).toEqual({ src: '1', team: 'a' });
  });

  it('AccessControlGrants with a grant without a Permission: each task fails 400 MalformedACLError, nothing is copied', async () => {
    const { s3, control, lines } = await copySetup();
    const job = await runCsvJob(s3, control, lines.slice(0, 1), {
      S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', AccessControlGrants: [{ Grantee: { TypeIdentifier: 'uri', Identifier: ALL_USERS } }] },
    });
    expectProgress(job, 1, 0, 1);
    expect(await reportRows(s3, job.JobId)).toEqual([expect.stringMatching(/^data,photo\.jpg,,failed,400,MalformedACLError,/)]);
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: 'photo.jpg' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('copies the version the manifest names from a versioned source; an unknown version fails the task', async () => {
    const { s3, control } = await copySetup();
    await s3.send(new CreateBucketCommand({ Bucket: 'src-v' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'src-v', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await putTagged(s3, 'src-v', 'doc', { gen: '1' }, 'first');
    const v2 = await putTagged(s3, 'src-v', 'doc', { gen: '2' }, 'second');
    expect(v1 && v2 && v1 !== v2).toBeTruthy();
    // The bogus version id is well-formed for this store: S3 answers 404 NoSuchVersion for those.
    const bogus = v1!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const job = await runCsvJob(s3, control, [`src-v,doc,${v1}`, `src-v,doc,${bogus}`], { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', TargetKeyPrefix: 'v/' } }, {
      fields: ['Bucket', 'Key', 'VersionId'],
    });
    expectProgress(job, 2, 1, 1);
    expect(await textOf(s3, 'dest', 'v/doc')).toBe('first');
    expect(await tagsOf(s3, 'dest', 'v/doc')).toEqual({ gen: '1' });
    const rows = (await reportRows(s3, job.JobId)).sort();
    expect(rows).toContainEqual(`src-v,doc,${v1},succeeded,200,,Successful`);
    expect(rows.find((r) => r.includes(bogus))).toBe(`src-v,doc,${bogus},failed,404,NoSuchVersion,The specified version does not exist.`);
  });

  it('UnModifiedSinceConstraint in the past: each task fails 412 PreconditionFailed and nothing is copied; ModifiedSinceConstraint in the past copies', async () => {
    const { s3, control, lines } = await copySetup();
    const past = new Date('2001-02-03T04:05:06Z');
    const job = await runCsvJob(s3, control, lines, { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', UnModifiedSinceConstraint: past } });
    expectProgress(job, 2, 0, 2);
    const rows = (await reportRows(s3, job.JobId)).sort();
    expect(rows).toEqual(lines.map((l) => `${l},,failed,412,PreconditionFailed,At least one of the pre-conditions you specified did not hold`).sort());
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: 'photo.jpg' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });

    const modified = await runCsvJob(s3, control, lines, { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', ModifiedSinceConstraint: past } });
    expectProgress(modified, 2, 2, 0);
    expect(await textOf(s3, 'dest', 'photo.jpg')).toBe('body of photo.jpg');
  });
});
