/**
 * The eight jobs operations through the real @aws-sdk/client-s3-control over HTTP: what goes in
 * comes back, defaults, ids, ARNs, idempotency, tagging and priority.
 */
import {
  CreateJobCommand,
  DeleteJobTaggingCommand,
  DescribeJobCommand,
  GetJobTaggingCommand,
  IdempotencyException,
  PutJobTaggingCommand,
  TooManyTagsException,
  UpdateJobPriorityCommand,
  BadRequestException,
  NotFoundException,
} from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { jobInput, MANIFEST_CSV, OPERATIONS } from '../helpers/jobs.js';
import { ACCOUNT_A, controlClient, REGION, startTestServer } from '../helpers/server.js';
import { moveNewJobTo } from '../helpers/job-paths.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('CreateJob → DescribeJob round trip', () => {
  for (const [name, operation] of Object.entries(OPERATIONS)) {
    it(`returns every member of ${name} equal after SDK parsing`, async () => {
      const server = await startTestServer();
      const client = controlClient(server);
      const input = jobInput({
        Operation: operation,
        Description: `job ${name}`,
        Report: {
          Enabled: true,
          Bucket: 'arn:aws:s3:::reports',
          Format: 'Report_CSV_20180820',
          Prefix: 'batch/reports',
          ReportScope: 'FailedTasksOnly',
          ExpectedBucketOwner: ACCOUNT_A.accountId,
        },
      });
      const { JobId } = await client.send(new CreateJobCommand(input));
      expect(JobId).toMatch(UUID_V4);
      const { Job } = await client.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId }));
      expect(Job?.Operation).toEqual(operation);
      expect(Job?.Manifest).toEqual(input.Manifest);
      expect(Job?.Report).toEqual(input.Report);
      expect(Job?.Priority).toBe(10);
      expect(Job?.RoleArn).toBe(input.RoleArn);
      expect(Job?.Description).toBe(`job ${name}`);
      expect(Job?.ConfirmationRequired).toBe(false);
      expect(Job?.JobId).toBe(JobId);
      expect(Job?.JobArn).toBe(`arn:aws:s3:${REGION}:${ACCOUNT_A.accountId}:job/${JobId}`);
      expect(Job?.Status).toBe('New');
      expect(Job?.CreationTime).toBeInstanceOf(Date);
      expect(Math.abs((Job?.CreationTime?.getTime() ?? 0) - Date.now())).toBeLessThan(10_000);
      expect(Job?.TerminationDate).toBeUndefined();
      expect(Job?.ProgressSummary).toEqual({
        TotalNumberOfTasks: 0,
        NumberOfTasksSucceeded: 0,
        NumberOfTasksFailed: 0,
        Timers: { ElapsedTimeInActiveSeconds: 0 },
      });
      expect(Job?.FailureReasons ?? []).toEqual([]);
    });
  }

  it('round-trips a ManifestGenerator with every filter member', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const ManifestGenerator = {
      S3JobManifestGenerator: {
        ExpectedBucketOwner: ACCOUNT_A.accountId,
        SourceBucket: 'arn:aws:s3:::src',
        EnableManifestOutput: true,
        ManifestOutputLocation: {
          ExpectedManifestBucketOwner: ACCOUNT_A.accountId,
          Bucket: 'arn:aws:s3:::man',
          ManifestPrefix: 'mp',
          ManifestEncryption: { SSEKMS: { KeyId: 'arn:aws:kms:us-east-1:111122223333:key/x' } },
          ManifestFormat: 'S3InventoryReport_CSV_20211130' as const,
        },
        Filter: {
          EligibleForReplication: true,
          CreatedAfter: new Date('2020-01-01T00:00:00.000Z'),
          CreatedBefore: new Date('2024-01-01T00:00:00.000Z'),
          ObjectReplicationStatuses: ['NONE' as const, 'FAILED' as const],
          KeyNameConstraint: { MatchAnyPrefix: ['a/'], MatchAnySuffix: ['.txt'], MatchAnySubstring: ['mid'] },
          ObjectSizeGreaterThanBytes: 1,
          ObjectSizeLessThanBytes: 1000,
          MatchAnyStorageClass: ['STANDARD' as const, 'GLACIER' as const],
          MatchAnyObjectEncryption: [{ SSEKMS: { KmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/abc', BucketKeyEnabled: true } }],
        },
      },
    };
    const { JobId } = await client.send(new CreateJobCommand(jobInput({ Manifest: undefined, ManifestGenerator })));
    const { Job } = await client.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId }));
    expect(Job?.ManifestGenerator).toEqual(ManifestGenerator);
    expect(Job?.Manifest).toBeUndefined();
  });

  it('treats an absent ConfirmationRequired as true and always reports it', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const input = jobInput();
    delete input.ConfirmationRequired;
    const { JobId } = await client.send(new CreateJobCommand(input));
    const { Job } = await client.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId }));
    expect(Job?.ConfirmationRequired).toBe(true);
  });
});

describe('idempotency', () => {
  it('returns the first JobId for the same token and request, refuses a different request', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const input = jobInput({ ClientRequestToken: 'tok-1', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] });
    const first = await client.send(new CreateJobCommand(input));
    const again = await client.send(new CreateJobCommand({ ...input, Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }] }));
    expect(again.JobId).toBe(first.JobId);
    await expect(client.send(new CreateJobCommand({ ...input, Priority: 11 }))).rejects.toBeInstanceOf(IdempotencyException);
    await expect(client.send(new CreateJobCommand({ ...input, Tags: [] }))).rejects.toBeInstanceOf(IdempotencyException);
  });

  it('makes exactly one job from twenty concurrent calls with one token', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const input = jobInput({ ClientRequestToken: 'concurrent' });
    const results = await Promise.all(Array.from({ length: 20 }, () => client.send(new CreateJobCommand(input))));
    expect(new Set(results.map((r) => r.JobId)).size).toBe(1);
    const listed = await server.jobs.listJobs({ accountId: ACCOUNT_A.accountId, limit: 100 });
    expect(listed).toHaveLength(1);
  });
});

describe('UpdateJobPriority', () => {
  it('changes the priority at any non-terminal status and refuses terminal jobs', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const { JobId } = await client.send(new CreateJobCommand(jobInput()));
    const out = await client.send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT_A.accountId, JobId, Priority: 2147483647 }));
    expect(out).toMatchObject({ JobId, Priority: 2147483647 });
    const { Job } = await client.send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId }));
    expect(Job?.Priority).toBe(2147483647);

    for (const terminal of ['Complete', 'Failed', 'Cancelled'] as const) {
      const created = await client.send(new CreateJobCommand(jobInput()));
      await moveNewJobTo(server.store, created.JobId as string, terminal, Date.now());
      const err = await client
        .send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT_A.accountId, JobId: created.JobId, Priority: 1 }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestException);
      expect((err as Error).message).toMatch(new RegExp(terminal));
    }
  });

  it('answers NotFoundException for an unknown job', async () => {
    const server = await startTestServer();
    const err = await controlClient(server)
      .send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT_A.accountId, JobId: 'no-such-job', Priority: 1 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundException);
  });
});

describe('job tagging', () => {
  it('creates with tags, replaces, empties and deletes them', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const AccountId = ACCOUNT_A.accountId;
    const { JobId } = await client.send(new CreateJobCommand(jobInput({ Tags: [{ Key: 'owner', Value: 'me' }] })));
    expect((await client.send(new GetJobTaggingCommand({ AccountId, JobId }))).Tags).toEqual([{ Key: 'owner', Value: 'me' }]);

    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `key-${i}`, Value: i % 2 ? `value ${i}` : '' }));
    await client.send(new PutJobTaggingCommand({ AccountId, JobId, Tags: tags }));
    expect((await client.send(new GetJobTaggingCommand({ AccountId, JobId }))).Tags).toEqual(tags);

    await client.send(new PutJobTaggingCommand({ AccountId, JobId, Tags: [] }));
    expect((await client.send(new GetJobTaggingCommand({ AccountId, JobId }))).Tags ?? []).toEqual([]);

    await client.send(new PutJobTaggingCommand({ AccountId, JobId, Tags: [{ Key: 'x', Value: 'y' }] }));
    await client.send(new DeleteJobTaggingCommand({ AccountId, JobId }));
    expect((await client.send(new GetJobTaggingCommand({ AccountId, JobId }))).Tags ?? []).toEqual([]);
  });

  it('refuses more than 50 tags with TooManyTagsException and keeps the old ones', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const AccountId = ACCOUNT_A.accountId;
    const { JobId } = await client.send(new CreateJobCommand(jobInput({ Tags: [{ Key: 'keep', Value: 'me' }] })));
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(client.send(new PutJobTaggingCommand({ AccountId, JobId, Tags: tags }))).rejects.toBeInstanceOf(
      TooManyTagsException,
    );
    expect((await client.send(new GetJobTaggingCommand({ AccountId, JobId }))).Tags).toEqual([{ Key: 'keep', Value: 'me' }]);
  });

  it('validates CreateJob tags (51 tags, long key) with BadRequestException naming the field', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const e1 = await client.send(new CreateJobCommand(jobInput({ Tags: tooMany }))).catch((e: unknown) => e);
    expect((e1 as Error).name).toMatch(/BadRequestException|TooManyTagsException/);
    const e2 = await client
      .send(new CreateJobCommand(jobInput({ Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] })))
      .catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(BadRequestException);
    expect((e2 as Error).message).toContain('Tags[0].Key');
  });
});

describe('CreateJob validation through the SDK', () => {
  it('names the field in the message', async () => {
    const server = await startTestServer();
    const client = controlClient(server);
    const cases: Array<[Parameters<typeof jobInput>[0], string]> = [
      [{ Priority: -1 }, 'Priority'],
      [{ Description: 'x'.repeat(257) }, 'Description'],
      [{ RoleArn: 'not-an-arn' }, 'RoleArn'],
      [{ Manifest: { ...MANIFEST_CSV, Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Key'] } } }, 'Manifest.Spec.Fields'],
      [{ Operation: {} }, 'Operation'],
      [{ Manifest: undefined }, 'Manifest'],
    ];
    for (const [over, field] of cases) {
      const err = await client.send(new CreateJobCommand(jobInput(over))).catch((e: unknown) => e);
      expect(err, field).toBeInstanceOf(BadRequestException);
      expect((err as Error).message, field).toContain(field);
    }
  });
});
