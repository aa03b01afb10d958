/**
 * Bodies captured from the AWS CLI, boto3 and the JS SDK (test/fixtures/wire) are accepted as
 * sent and come back through DescribeJob as the SDK parses them.
 */
import { readFileSync } from 'node:fs';
import { DescribeJobCommand, GetJobTaggingCommand } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-request.js';
import { ACCOUNT_A, controlClient, startTestServer } from '../helpers/server.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/wire/${name}`, import.meta.url), 'utf8');
const AccountId = ACCOUNT_A.accountId;

async function createRaw(server: { url: string }, body: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body, headers });
  expect(res.status, res.body).toBe(200);
  const id = /<JobId>([^<]+)<\/JobId>/.exec(res.body)?.[1];
  expect(id).toBeDefined();
  return id as string;
}

describe('captured CreateJob bodies', () => {
  it('JS SDK v3 body (declaration, escaped values, versioned manifest, tags)', async () => {
    const server = await startTestServer();
    const JobId = await createRaw(server, fixture('createjob-request-js-sdk.xml'), { 'content-type': 'application/xml' });
    const client = controlClient(server);
    const { Job } = await client.send(new DescribeJobCommand({ AccountId, JobId }));
    expect(Job?.Operation).toEqual({
      S3PutObjectTagging: { TagSet: [{ Key: 'project', Value: 'blue' }, { Key: 'env', Value: 'prod & <test>' }] },
    });
    expect(Job?.Manifest).toEqual({
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
      Location: {
        ObjectArn: 'arn:aws:s3:::manifest-bucket/manifests/m.csv',
        ETag: '"60e460c9d1046e73f7dde5043ac3ae85"',
        ObjectVersionId: 'v1',
      },
    });
    expect(Job?.Report).toEqual({
      Enabled: true,
      Bucket: 'arn:aws:s3:::report-bucket',
      Format: 'Report_CSV_20180820',
      Prefix: 'reports',
      ReportScope: 'AllTasks',
    });
    expect(Job).toMatchObject({ Priority: 10, ConfirmationRequired: false, Description: 'tag everything', RoleArn: 'arn:aws:iam::123456789012:role/batch-role' });
    expect((await client.send(new GetJobTaggingCommand({ AccountId, JobId }))).Tags).toEqual([{ Key: 'owner', Value: 'me' }]);
  });

  for (const name of ['createjob-request-boto3.xml', 'createjob-request-awscli.xml']) {
    it(`${name} (no declaration, no Content-Type, caller's member order)`, async () => {
      const server = await startTestServer();
      const JobId = await createRaw(server, fixture(name));
      const { Job } = await controlClient(server).send(new DescribeJobCommand({ AccountId, JobId }));
      expect(Job?.ConfirmationRequired).toBe(false);
      expect(Job?.Priority).toBe(10);
      expect(Job?.Manifest?.Spec?.Fields).toEqual(['Bucket', 'Key']);
      expect(Job?.Report).toMatchObject({ Enabled: true, Bucket: 'arn:aws:s3:::r', Prefix: 'p', ReportScope: 'AllTasks' });
      expect(Object.keys(Job?.Operation ?? {})).toEqual(['S3PutObjectTagging']);
    });
  }

  it('every CreateJob body of the JS SDK variants capture', async () => {
    const server = await startTestServer();
    const bodies = fixture('createjob-variants-js-sdk.txt')
      .split('\n')
      .filter((line) => line.includes('<CreateJobRequest'))
      .map((line) => line.replace(/^\s*BODY\(\d+\): /, ''));
    expect(bodies.length).toBeGreaterThanOrEqual(6);
    const client = controlClient(server);
    for (const body of bodies) {
      const JobId = await createRaw(server, body);
      const { Job } = await client.send(new DescribeJobCommand({ AccountId, JobId }));
      expect(Job?.Status).toBe('New');
      expect(Object.keys(Job?.Operation ?? {})).toHaveLength(1);
    }
  });
});
