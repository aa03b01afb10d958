/** The S3Port contract against the embedded store, in-process and over HTTP through a real server. */
import { afterEach } from 'vitest';
import { createHttpS3Client, type HttpS3Client } from '../../src/s3/http-s3-client.js';
import { createLocalS3Port } from '../../src/s3/local-s3-port.js';
import { s3Client } from '../object-store/helpers.js';
import { ACCOUNT_A, REGION, startTestServer } from '../helpers/server.js';
import { s3PortContract } from './s3-port.contract.js';

const clients: HttpS3Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

s3PortContract('local (in-process)', async () => {
  const server = await startTestServer({}, undefined, { maxCopySourceBytes: 6 * 1024 * 1024 });
  return { port: createLocalS3Port(server.objects, ACCOUNT_A.accountId), sdk: s3Client(server), ownerId: server.objects.canonicalIdOf(ACCOUNT_A.accountId), ownerAccount: ACCOUNT_A.accountId };
});

s3PortContract('HTTP client', async () => {
  const server = await startTestServer({}, undefined, { maxCopySourceBytes: 6 * 1024 * 1024 });
  const port = createHttpS3Client({ endpoint: server.url, accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey, region: REGION });
  clients.push(port);
  return { port, sdk: s3Client(server), ownerId: server.objects.canonicalIdOf(ACCOUNT_A.accountId), ownerAccount: ACCOUNT_A.accountId };
});
