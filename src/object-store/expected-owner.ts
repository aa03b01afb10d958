/**
 * ExpectedBucketOwner (`x-amz-expected-bucket-owner`, and `x-amz-source-expected-bucket-owner` for
 * the source of a copy): the caller names the account it expects to own the bucket. S3 answers
 * 403 AccessDenied when the bucket's owner is another account, and 400
 * InvalidBucketOwnerAWSAccountID when the value is not an account id (S3 API Reference, "Error
 * responses", and every operation's ExpectedBucketOwner member). One check, used by the HTTP
 * adapter for every bucket and object call and by the engine's in-process port.
 */
import { S3Error, accessDenied } from './errors.js';
import type { ObjectStore } from './object-store.js';

export const EXPECTED_BUCKET_OWNER = 'x-amz-expected-bucket-owner';
export const SOURCE_EXPECTED_BUCKET_OWNER = 'x-amz-source-expected-bucket-owner';

const ACCOUNT_ID = /^\d{12}$/;

/** Fails unless `expected` (when given) is a 12-digit account id that owns `bucket`; `name` is the header that carried it. */
export async function checkExpectedBucketOwner(
  store: ObjectStore,
  account: string,
  bucket: string,
  expected: string | undefined,
  name: string = EXPECTED_BUCKET_OWNER,
): Promise<void> {
  if (expected === undefined) return;
  if (!ACCOUNT_ID.test(expected)) {
    throw new S3Error('InvalidBucketOwnerAWSAccountID', `The value of the expected bucket owner parameter must be an AWS Account ID (${name})... [${expected}]`, {
      fields: { ArgumentName: name, ArgumentValue: expected },
    });
  }
  // NoSuchBucket / AccessDenied as for the call itself; then the owner is compared.
  const { owner } = await store.headBucket(account, bucket);
  if (owner !== expected) throw accessDenied(`Access Denied: the bucket ${bucket} is not owned by the account ${name} names`);
}
