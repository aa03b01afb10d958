/**
 * The S3 ARNs a job names: buckets (`arn:aws:s3:::name`, or for a copy target also the S3 Express
 * form `arn:aws:s3express:region:account:bucket/name`) and the manifest object
 * (`arn:aws:s3:::bucket/key`).
 */

export interface BucketArn {
  readonly partition: string;
  readonly service: 's3' | 's3express';
  readonly bucket: string;
}

export interface ObjectArn {
  readonly partition: string;
  readonly bucket: string;
  readonly key: string;
}

const S3_BUCKET = /^arn:([^:]+):s3:::([^/:]+)$/;
const S3EXPRESS_BUCKET = /^arn:([^:]+):s3express:([^:]+):([0-9]{12}):bucket\/([^/:]+)$/;
const S3_OBJECT = /^arn:([^:]+):s3:::([^/:]+)\/(.+)$/s;

export function parseBucketArn(arn: string): BucketArn | undefined {
  const s3 = S3_BUCKET.exec(arn);
  if (s3) return { partition: s3[1] ?? '', service: 's3', bucket: s3[2] ?? '' };
  const express = S3EXPRESS_BUCKET.exec(arn);
  if (express) return { partition: express[1] ?? '', service: 's3express', bucket: express[4] ?? '' };
  return undefined;
}

export function parseObjectArn(arn: string): ObjectArn | undefined {
  const m = S3_OBJECT.exec(arn);
  return m ? { partition: m[1] ?? '', bucket: m[2] ?? '', key: m[3] ?? '' } : undefined;
}
