/**
 * Grantees S3 refuses, in S3PutObjectAcl and S3PutObjectCopy jobs: CreateJob cannot know them
 * (S3 Control takes any identifier), so each task fails with the store's answer in its report row
 * — 400 InvalidArgument for an unknown group URI or a malformed canonical id, 400
 * UnresolvableGrantByEmailAddress for an e-mail grantee — and nothing changes. (The same grants
 * over the remote path: test/s3/s3-port.contract.ts.)
 */
import { CreateBucketCommand, GetObjectAclCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JobDescriptor, JobOperation, S3ControlClient, S3Grant } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { controlClient, startTestServer } from '../helpers/server.js';
import { errorOf, s3Client } from '../object-store/helpers.js';

async function setup(): Promise<{ s3: S3Client; control: S3ControlClient; owner: string }> {
  const server = await startTestServer({}, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3, ['data', 'manifests', 'reports']);
  await s3.send(new CreateBucketCommand({ Bucket: 'dest' }));
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'x' }));
  const owner = (await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Owner!.ID!;
  return { s3, control: controlClient(server), owner };
}

function expectFailedTask(job: JobDescriptor): void {
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 1, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 1 });
}

const EMAIL_ROW = 'data,k,,failed,400,UnresolvableGrantByEmailAddress,The e-mail address you provided does not match any account on record.';

const CASES: ReadonlyArray<{ what: string; grant: S3Grant; row: string }> = [
  { what: 'an e-mail grantee', grant: { Grantee: { TypeIdentifier: 'emailAddress', Identifier: 'x@example.com' }, Permission: 'WRITE_ACP' }, row: EMAIL_ROW },
  {
    what: 'an unknown group URI',
    grant: { Grantee: { TypeIdentifier: 'uri', Identifier: 'http://acs.amazonaws.com/groups/global/Friends' }, Permission: 'READ' },
    // Quoted: the message lists the groups, with commas.
    row: 'data,k,,failed,400,InvalidArgument,"Invalid group uri: http://acs.amazonaws.com/groups/global/Friends is not one of http://acs.amazonaws.com/groups/global/AllUsers, http://acs.amazonaws.com/groups/global/AuthenticatedUsers, http://acs.amazonaws.com/groups/s3/LogDelivery"',
  },
  { what: 'a malformed canonical id', grant: { Grantee: { TypeIdentifier: 'id', Identifier: 'abc' }, Permission: 'READ' }, row: 'data,k,,failed,400,InvalidArgument,Invalid id: a canonical user id is 64 hexadecimal digits' },
];

describe.each(CASES)('$what', ({ grant, row }) => {
  it('S3PutObjectAcl: the task fails with the store\'s error and the ACL stays', async () => {
    const { s3, control, owner } = await setup();
    const before = (await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Grants;
    const operation: JobOperation = {
      S3PutObjectAcl: {
        AccessControlPolicy: {
          AccessControlList: { Owner: { ID: owner }, Grants: [{ Grantee: { TypeIdentifier: 'id', Identifier: owner }, Permission: 'FULL_CONTROL' }, grant] },
        },
      },
    };
    const job = await runCsvJob(s3, control, ['data,k'], operation);
    expectFailedTask(job);
    expect(await reportRows(s3, job.JobId)).toEqual([row]);
    expect((await s3.send(new GetObjectAclCommand({ Bucket: 'data', Key: 'k' }))).Grants).toEqual(before);
  });

  it('S3PutObjectCopy (AccessControlGrants): the task fails with the store\'s error and nothing is copied', async () => {
    const { s3, control, owner } = await setup();
    const operation: JobOperation = {
      S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::dest', AccessControlGrants: [{ Grantee: { TypeIdentifier: 'id', Identifier: owner }, Permission: 'FULL_CONTROL' }, grant] },
    };
    const job = await runCsvJob(s3, control, ['data,k'], operation);
    expectFailedTask(job);
    expect(await reportRows(s3, job.JobId)).toEqual([row]);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'dest', Key: 'k' })))).status).toBe(404);
  });
});
