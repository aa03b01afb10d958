/** The S3Port contract against the embedded store, in-process and over HTTP through a real server. */
import { afterEach } from 'vitest';
import { createHttpS3Client, type HttpS3Client } from '../../src/s3/http-s3-client.js';
import { createLocalS3Port } from '../../src/s3/local-s3-port.js';
import { s3Client } from '../object-store/helpers.js';
import { ACCOUNT_A, REGION, startTestServer, storeClock, type TestServer } from '../helpers/server.js';
import { s3PortContract } from './s3-port.contract.js';

const clients: HttpS3Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** Restores take an hour of the store's clock, which the restore cases move. */
const RESTORE_DELAY_MS = 3_600_000;

async function server(): Promise<{ server: TestServer; clock: ReturnType<typeof storeClock> }> {
  const clock = storeClock();
  const started = await startTestServer({ S3BATCH_RESTORE_DELAY_MS: String(RESTORE_DELAY_MS) }, undefined, { maxCopySourceBytes: 6 * 1024 * 1024, objectStoreNow: clock.now });
  return { server: started, clock };
}

const fixture = (s: TestServer, clock: ReturnType<typeof storeClock>) => ({
  sdk: s3Client(s),
  ownerId: s.objects.canonicalIdOf(ACCOUNT_A.accountId),
  ownerAccount: ACCOUNT_A.accountId,
  storeClock: clock,
  restoreDelayMs: RESTORE_DELAY_MS,
});

s3PortContract('local (in-process)', async () => {
  const { server: s, clock } = await server();
  return { port: createLocalS3Port(s.objects, ACCOUNT_A.accountId), ...fixture(s, clock) };
});

s3PortContract('HTTP client', async () => {
  const { server: s, clock } = await server();
  const port = createHttpS3Client({ endpoint: s.url, accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey, region: REGION });
  clients.push(port);
  return { port, ...fixture(s, clock) };
});
