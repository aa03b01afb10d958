/**
 * s3rver (npm), a small S3 look-alike that is no s3batch, started on port 0 by the tests that
 * need a store of another kind. Its default account is S3RVER / S3RVER.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stop) => stop()));
});

/** Starts s3rver with `buckets` made; closed after the test. */
export async function startS3rver(buckets: readonly string[]): Promise<{ url: string }> {
  // s3rver ships no types: its constructor and the two methods used here are typed above.
  const name = 's3rver';
  const { default: S3rver } = (await import(name)) as { default: S3rverClass };
  const directory = await mkdtemp(path.join(os.tmpdir(), 's3batch-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  running.push(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });
  return { url: `http://127.0.0.1:${port}` };
}
