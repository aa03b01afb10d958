/**
 * A data dir written before the user-metadata rule (lib/user-metadata.ts): objects and uploads
 * whose stored metadata holds names no HTTP header can carry, planted straight in objects.db.
 */
import { CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { capturingLogger } from '../helpers/logs.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { plantUserMetadata, s3Client } from './helpers.js';

export { capturingLogger };

/** What the server logs (at warn) for each read that skips such names. */
export const SKIPPED_MESSAGE = 'object store: stored metadata names that no HTTP header can carry were left out of a read';

/** Names a data dir written before the rule may hold, next to good ones (two of them one header). */
export const LEGACY = { keep: 'yes', 'owner name': 'x', ключ: 'y', 'a:b': 'z', 'a\r\nb': 'w', Owner: 'first', owner: 'second', 'Mixed-Case': 'm' };
export const READABLE = { keep: 'yes', owner: 'first', 'mixed-case': 'm' };
export const SKIPPED = ['owner name', 'ключ', 'a:b', 'a\r\nb', 'owner'];

/** A server whose bucket meta holds `legacy` (and a multipart upload of `pending`) with LEGACY metadata. */
export async function serverWithLegacyMetadata(options: { engine?: boolean; env?: Record<string, string>; body?: Buffer | string } = {}): Promise<{
  server: TestServer;
  lines: Array<Record<string, unknown>>;
  uploadId: string;
}> {
  const { logger, lines } = capturingLogger();
  const first = await startTestServer(options.env ?? {}, undefined, { logger, ...(options.engine ? { engine: true } : {}) });
  const s3 = s3Client(first);
  await s3.send(new CreateBucketCommand({ Bucket: 'meta' }));
  await s3.send(new PutObjectCommand({ Bucket: 'meta', Key: 'legacy', Body: options.body ?? 'legacy body', ContentType: 'text/x-legacy', Metadata: { keep: 'yes' } }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'meta', Key: 'pending', Metadata: { keep: 'yes' } }));
  await first.close();
  expect(plantUserMetadata(first.dataDir, 'versions', 'meta', 'legacy', LEGACY)).toBe(1);
  expect(plantUserMetadata(first.dataDir, 'uploads', 'meta', 'pending', LEGACY)).toBe(1);
  return { server: await first.restart(), lines, uploadId: UploadId! };
}
