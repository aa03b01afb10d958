/**
 * The example functions under examples/functions, as the README tells a user to run them: the
 * directory as S3BATCH_FUNCTIONS_DIR, a LambdaInvoke job through the SDK, the rows of the report.
 * (So the examples cannot rot.)
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBuckets, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { hasBoto3 } from '../helpers/python.js';
import { controlClient, startTestServer } from '../helpers/server.js';
import { bodyBytes, s3Client } from '../object-store/helpers.js';

async function setup() {
  const server = await startTestServer({ S3BATCH_FUNCTIONS_DIR: 'examples/functions' }, undefined, { engine: true });
  const s3 = s3Client(server);
  await createBuckets(s3);
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'notes/day one.txt', Body: 'hello '.repeat(100), ContentType: 'text/plain' }));
  return { s3, control: controlClient(server) };
}

describe('examples/functions', () => {
  it('gzip-copy.mjs (Node.js, @aws-sdk/client-s3) writes a gzipped copy of each object and reports the sizes', async () => {
    const { s3, control } = await setup();
    const job = await runCsvJob(s3, control, ['data,notes/day+one.txt', 'data,missing.txt'], {
      LambdaInvoke: { FunctionArn: 'gzip-copy', InvocationSchemaVersion: '2.0' },
    });
    expect(job.Status).toBe('Complete');
    expect((await reportRows(s3, job.JobId)).sort()).toEqual([
      'data,missing.txt,,failed,200,PermanentFailure,NoSuchKey: The specified key does not exist.',
      expect.stringMatching(/^data,notes\/day\+one\.txt,,succeeded,200,,600 -> \d+ bytes$/),
    ]);
    const copy = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'gzip/notes/day one.txt.gz' }));
    expect(copy.ContentEncoding).toBe('gzip');
    expect(gunzipSync(await bodyBytes(copy.Body)).toString()).toBe('hello '.repeat(100));
  });

  it.skipIf(!hasBoto3)('size_report.py (Python, boto3) puts each object\'s size and type in the report', async () => {
    const { s3, control } = await setup();
    const job = await runCsvJob(s3, control, ['data,notes/day+one.txt', 'data,missing.txt'], {
      LambdaInvoke: { FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:size_report', InvocationSchemaVersion: '1.0' },
    });
    expect(job.Status).toBe('Complete');
    expect((await reportRows(s3, job.JobId)).sort()).toEqual([
      'data,missing.txt,,failed,200,PermanentFailure,404: Not Found',
      'data,notes/day+one.txt,,succeeded,200,,size=600 type=text/plain',
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'notes/day one.txt' }))).ContentLength).toBe(600);
  });
});
