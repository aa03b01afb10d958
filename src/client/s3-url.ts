/**
 * `s3://bucket/key` URLs as the AWS CLI writes them: the key is everything after the bucket's
 * slash, verbatim (not URL-encoded), so that any key can be named.
 */

export interface S3Location {
  readonly bucket: string;
  /** The key or prefix ('' for a whole bucket). */
  readonly key: string;
}

export class S3UrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'S3UrlError';
  }
}

/** `s3://bucket/key` (or, where `bare` is allowed, `bucket/key`) → bucket and key. */
export function parseS3Url(text: string, what: string, options: { bare?: boolean } = {}): S3Location {
  let rest: string;
  if (text.startsWith('s3://')) rest = text.slice(5);
  else if (options.bare && !text.includes('://')) rest = text;
  else throw new S3UrlError(`${what} must be an s3://bucket/key URL, not "${text}"`);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  // S3's bucket naming rules (3–63 characters of lower-case letters, digits, dots and hyphens).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new S3UrlError(`${what}: "${bucket}" is not a valid bucket name (in "${text}")`);
  }
  return { bucket, key };
}

export function formatS3Url(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** A key prefix as S3 Batch Operations takes it in a report or copy target: no trailing slash. */
export function trimSlashes(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectArn = (location: S3Location): string => `arn:aws:s3:::${location.bucket}/${location.key}`;

/** `arn:aws:s3:::bucket` → `bucket` (the bucket of a report or copy target). */
export function bucketOfArn(arn: string): string {
  return arn.replace(/^arn:[^:]+:s3:::/, '');
}

/** `arn:aws:s3:::bucket/key` → bucket and key. */
export function locationOfObjectArn(arn: string): S3Location {
  const rest = bucketOfArn(arn);
  const slash = rest.indexOf('/');
  return slash < 0 ? { bucket: rest, key: '' } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}
