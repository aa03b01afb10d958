/**
 * What the HTTP S3Port fails with when no S3 answer comes, against real sockets: endpoints that
 * refuse, reset, speak no HTTP or no TLS, and a body cut short. A transient failure must be
 * retried (NetworkError, or the socket's code); one that would come again on every attempt must
 * keep Node's code and not be retried; none may be reported as s3batch's own bug.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/engine/retry.js';
import { createHttpS3Client, type HttpS3Client } from '../../src/s3/http-s3-client.js';
import { S3PortError } from '../../src/s3/s3-port.js';

const servers: net.Server[] = [];
const clients: HttpS3Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server on 127.0.0.1 that handles each connection with `onConnection`; its port. */
async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function client(endpoint: string): HttpS3Client {
  const c = createHttpS3Client({ endpoint, accessKeyId: 'AKID', secretAccessKey: 'secret', region: 'us-east-1' });
  clients.push(c);
  return c;
}

const failureOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.fail('the call succeeded'), (e: unknown) => e);

describe('HTTP S3Port: failures with no S3 answer', () => {
  it('a refused connection and a reset are NetworkError (status 0), transient', async () => {
    const closed = await tcpServer(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const refused = await failureOf(client(`http://127.0.0.1:${closed}`).headObject({ bucket: 'b', key: 'k' }));
    expect(refused).toBeInstanceOf(S3PortError);
    expect(refused).toMatchObject({ code: 'NetworkError', status: 0, cause: { code: 'ECONNREFUSED' } });
    expect(classifyFailure(refused).kind).toBe('transient');

    const resetting = await tcpServer((socket) => socket.once('data', () => socket.destroy()));
    const reset = await failureOf(client(`http://127.0.0.1:${resetting}`).putObjectTagging({ bucket: 'b', key: 'k' }, []));
    expect(reset).toMatchObject({ code: 'NetworkError', status: 0, cause: { code: 'ECONNRESET' } });
    expect(classifyFailure(reset).kind).toBe('transient');
  });

  it('an endpoint that answers no HTTP keeps its parser code and is permanent: another attempt gets the same answer', async () => {
    const garbage = await tcpServer((socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n')));
    const e = await failureOf(client(`http://127.0.0.1:${garbage}`).getObject({ bucket: 'b', key: 'k' }));
    expect(e).toBeInstanceOf(S3PortError);
    expect((e as S3PortError).code).toMatch(/^HPE_/);
    expect(classifyFailure(e)).toMatchObject({ kind: 'permanent', status: 0, code: (e as S3PortError).code });
  });

  it('https to an endpoint that speaks no TLS is permanent, naming the TLS failure', async () => {
    const plain = await tcpServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n')));
    const e = await failureOf(client(`https://127.0.0.1:${plain}`).headObject({ bucket: 'b', key: 'k' }));
    expect(e).toBeInstanceOf(S3PortError);
    expect(e).toMatchObject({ code: 'EPROTO', status: 0, message: expect.stringContaining('wrong version number') });
    expect(classifyFailure(e).kind).toBe('permanent');
  });

  it('a body cut short surfaces from the stream as a raw reset (aborted, ECONNRESET): transient', async () => {
    const cutting = await tcpServer((socket) =>
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\netag: "abc"\r\n\r\nb,k1\nb,k2\n', () => socket.destroy())),
    );
    const result = await client(`http://127.0.0.1:${cutting}`).getObject({ bucket: 'b', key: 'k' });
    const e = await failureOf(result.body.toArray());
    expect(e).toMatchObject({ code: 'ECONNRESET', message: 'aborted' });
    expect(classifyFailure(e)).toMatchObject({ kind: 'transient', code: 'ECONNRESET', status: 0 });
  });
});
