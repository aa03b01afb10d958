/**
 * A data dir written before the user-metadata rule (lib/user-metadata.ts): objects and uploads
 * whose stored metadata holds names no HTTP header can carry, planted straight in objects.db.
 */
import { Writable } from 'node:stream';
import { CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { plantUserMetadata, s3Client } from './helpers.js';

/** What the server logs (at warn) for each read that skips such names. */
export const SKIPPED_MESSAGE = 'object store: stored metadata names that no HTTP header can carry were left out of a read';

/** A logger whose warnings are kept in `lines`. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

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
