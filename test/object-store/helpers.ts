/**
 * Helpers of the object-store integration tests: a real S3Client (AWS SDK v3) on a test server,
 * and an assertion on S3 errors as the SDK reports them (`name` = S3's code, HTTP status).
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { ACCOUNT_A, REGION } from '../helpers/server.js';

export type Account = typeof ACCOUNT_A;

export function s3Client(server: { url: string }, account: Account = ACCOUNT_A, extra: Record<string, unknown> = {}): S3Client {
  return new S3Client({
    region: REGION,
    endpoint: server.url,
    forcePathStyle: true,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    maxAttempts: 1,
    ...extra,
  });
}

export interface ErrorShape {
  name: string;
  status: number;
}

/** Awaits a rejection and returns S3's code (the SDK's error name) and the HTTP status. */
export async function errorOf(p: Promise<unknown>): Promise<ErrorShape & { message: string; error: unknown }> {
  const result = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (result === undefined) throw new Error('expected the request to fail, and it succeeded');
  const e = result as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.Code ?? e.name ?? '?', status: e.$metadata?.httpStatusCode ?? 0, message: e.message ?? '', error: result };
}

export async function expectS3Error(p: Promise<unknown>, name: string, status: number): Promise<void> {
  const e = await errorOf(p);
  expect({ name: e.name, status: e.status }, e.message).toEqual({ name, status });
}

export const md5Hex = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

/** Deterministic-enough data without spending time on randomness: random blocks repeated. */
export function testData(size: number): Buffer {
  const block = randomBytes(64 * 1024);
  const out = Buffer.allocUnsafe(size);
  for (let off = 0; off < size; off += block.length) block.copy(out, off, 0, Math.min(block.length, size - off));
  // Make every block distinct so that a part mix-up changes the digest.
  for (let off = 0; off < size; off += block.length) out.writeUInt32BE(off >>> 0, off + 0 < size - 4 ? off : size - 4);
  return out;
}

export async function bodyBytes(body: unknown): Promise<Buffer> {
  const b = body as { transformToByteArray(): Promise<Uint8Array> };
  return Buffer.from(await b.transformToByteArray());
}

/**
 * Replaces the stored user metadata of `table` rows (`versions`: every version of bucket/key;
 * `uploads`: the uploads of it) straight in objects.db — what a data dir written before a rule
 * existed may hold, and what the store's API no longer writes. The server on `dataDir` must be
 * closed. Returns the number of rows changed.
 */
export function plantUserMetadata(dataDir: string, table: 'versions' | 'uploads', bucket: string, key: string, user: Record<string, string>): number {
  const db = new Database(path.join(dataDir, 'objects.db'));
  try {
    const rows = db.prepare<[string, Buffer], { id: number; meta_json: string }>(`SELECT rowid AS id, meta_json FROM ${table} WHERE bucket = ? AND key = ?`).all(bucket, Buffer.from(key, 'utf8'));
    const update = db.prepare<[string, number]>(`UPDATE ${table} SET meta_json = ? WHERE rowid = ?`);
    for (const row of rows) update.run(JSON.stringify({ ...(JSON.parse(row.meta_json) as object), user }), row.id);
    return rows.length;
  } finally {
    db.close();
  }
}
