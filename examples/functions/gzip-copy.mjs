/**
 * A batch function in Node.js, as AWS's docs write them: @aws-sdk/client-s3 with no settings (the
 * credentials, region and endpoint come from the environment s3batch gives the function). It
 * writes a gzipped copy of each object under gzip/ and reports the sizes. Run a job with it:
 * FunctionArn "gzip-copy" (or the full ARN).
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const s3 = new S3Client({});
const compress = promisify(gzip);

export const handler = async (event) => {
  const task = event.tasks[0];
  const bucket = task.s3Bucket ?? task.s3BucketArn.split(':::')[1];
  // The key arrives URL-encoded, as in the manifest ('+' is a space).
  const key = decodeURIComponent(task.s3Key.replace(/\+/g, ' '));
  let resultCode = 'Succeeded';
  let resultString;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await object.Body.transformToByteArray());
    const zipped = await compress(body);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `gzip/${key}.gz`, Body: zipped, ContentEncoding: 'gzip', ContentType: object.ContentType }));
    resultString = `${body.length} -> ${zipped.length} bytes`;
  } catch (err) {
    resultCode = err.name === 'SlowDown' ? 'TemporaryFailure' : 'PermanentFailure';
    resultString = `${err.name}: ${err.message}`;
  }
  return {
    invocationSchemaVersion: event.invocationSchemaVersion,
    treatMissingKeysAs: 'PermanentFailure',
    invocationId: event.invocationId,
    results: [{ taskId: task.taskId, resultCode, resultString }],
  };
};
