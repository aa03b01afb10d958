/** Request ids in AWS's shape (16 upper-case hex chars), cheap enough for every request. */
import { randomBytes } from 'node:crypto';

const prefix = randomBytes(4).toString('hex').toUpperCase();
let counter = 0;

export function nextRequestId(): string {
  counter = (counter + 1) >>> 0;
  return prefix + counter.toString(16).toUpperCase().padStart(8, '0');
}

/** x-amz-id-2: opaque; derived from the request id so that it costs nothing. */
export function hostIdFor(requestId: string): string {
  return Buffer.from(`s3batch/${requestId}`).toString('base64');
}
