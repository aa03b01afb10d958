/**
 * A server whose job state lives in PostgreSQL (S3BATCH_DATABASE_URL), end to end through the AWS
 * SDK v3 clients only: jobs run to Complete with exact counts and their report, confirmation
 * works, and the state survives a restart of the node. Also `s3batch migrate`, and what a
 * database that cannot be used does to the start-up (stops it, naming the database).
 */
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { UpdateJobStatusCommand } from '@aws-sdk/client-s3-control';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { StartupError } from '../../src/app/startup-error.js';
import { ConfigError } from '../../src/config/config.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/index.js';
import { runCli } from '../helpers/cli.js';
import { createBuckets, createTaggingJob, manifestKey, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { dropSchema, postgresUrl, testSchemaName } from '../helpers/postgres.js';
import { ACCOUNT_A, controlClient, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const url = postgresUrl();
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(url, s);
});

function pgEnv(): Record<string, string> {
  const schema = testSchemaName('e2e');
  schemas.push(schema);
  return { S3BATCH_DATABASE_URL: url, S3BATCH_DATABASE_SCHEMA: schema };
}

async function jobsInDatabase(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM jobs')).rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe('the job engine on PostgreSQL', () => {
  it('tags 2,500 objects: Complete, exact counts and report; the job is in PostgreSQL and survives a restart', async () => {
    const env = pgEnv();
    const server = await startTestServer({ ...env, S3BATCH_CHUNK_SIZE: '100' }, undefined, { engine: true });
    expect(server.storeKind).toBe('postgres');
    const s3 = s3Client(server);
    const control = controlClient(server);
    await createBuckets(s3);
    const keys = Array.from({ length: 2_499 }, (_, i) => `obj/${i}`);
    keys.push('dir/ü ñ.txt');
    await putAll(s3, keys);
    const lines = [...keys.map((k) => `data,${manifestKey(k)}`), 'data,no/such/key'];
    const jobId = await createTaggingJob(s3, control, lines);
    const job = await until(control, jobId, ['Complete', 'Failed']);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2_501, NumberOfTasksSucceeded: 2_500, NumberOfTasksFailed: 1 });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'dir/ü ñ.txt' }));
    expect(tags.TagSet).toEqual([{ Key: 'project', Value: 'blue' }]);
    const rows = await reportRows(s3, jobId);
    expect(rows.map((r) => r.split(',').slice(0, 2).join(',')).sort()).toEqual(lines.slice().sort());
    expect(rows.find((r) => r.startsWith('data,no/such/key,'))).toMatch(/^data,no\/such\/key,,failed,404,NoSuchKey,/);
    expect(await jobsInDatabase(env.S3BATCH_DATABASE_SCHEMA!)).toBe(1);

    const again = await server.restart();
    const after = await until(controlClient(again), jobId, ['Complete']);
    expect(after.ProgressSummary).toEqual(job.ProgressSummary);
  });

  it('waits in Suspended for confirmation, then runs to Complete', async () => {
    const server = await startTestServer(pgEnv(), undefined, { engine: true });
    const s3 = s3Client(server);
    const control = controlClient(server);
    await createBuckets(s3);
    await putAll(s3, ['a', 'b']);
    const jobId = await createTaggingJob(s3, control, ['data,a', 'data,b'], { ConfirmationRequired: true });
    const suspended = await until(control, jobId, ['Suspended']);
    expect(suspended.ProgressSummary?.TotalNumberOfTasks).toBe(2);
    await control.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT_A.accountId, JobId: jobId, RequestedJobStatus: 'Ready' }));
    const done = await until(control, jobId, ['Complete']);
    expect(done.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 });
  });
});

describe('start-up with S3BATCH_DATABASE_URL', () => {
  it('stops on a URL that is not PostgreSQL instead of ignoring it', async () => {
    await expect(startTestServer({ S3BATCH_DATABASE_URL: 'mysql://db/s3batch' })).rejects.toThrow(ConfigError);
    await expect(startTestServer({ S3BATCH_DATABASE_URL: 'mysql://db/s3batch' })).rejects.toThrow(/must be a postgres:\/\/ URL/);
  });

  it('stops, naming the database (without its password), when it cannot be reached', async () => {
    const err: unknown = await startTestServer({ S3BATCH_DATABASE_URL: 'postgres://me:hunter2@127.0.0.1:1/jobs' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toMatch(/cannot reach the PostgreSQL database postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/jobs/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('s3batch migrate brings a schema up to date, then says it is', async () => {
    const env = pgEnv();
    const first = await runCli(['migrate'], { env });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`applied ${POSTGRES_MIGRATIONS.map((m) => m.version).join(', ')}`);
    const second = await runCli(['migrate'], { env });
    expect(second.stdout).toContain('is up to date');
    const refused = await runCli(['migrate'], { env: { S3BATCH_DATABASE_URL: 'http://db' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/S3BATCH_DATABASE_URL must be a postgres:\/\/ URL/);
  });
});
