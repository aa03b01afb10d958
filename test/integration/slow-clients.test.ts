/**
 * Slow and stalled clients (issue 9, item 4): a connection that never finishes its headers, a
 * request body that stops arriving, an idle keep-alive connection and a client that stops
 * reading a download are all let go after their timeout; a transfer that is slow but keeps
 * moving is never cut; and many half-open connections can no longer starve the server of file
 * descriptors. Raw sockets (test/helpers/slow-client.ts) for what a client cannot be told to do,
 * the real SDK to look at what the store holds afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ListJobsCommand } from '@aws-sdk/client-s3-control';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT_A, controlClient, REGION, startTestServer, type TestServer } from '../helpers/server.js';
import { connect, parseResponse, signedHead, sleep, type SlowConnection } from '../helpers/slow-client.js';
import { bodyBytes, expectS3Error, md5Hex, s3Client, testData } from '../object-store/helpers.js';

const REQUEST_TIMEOUT_MESSAGE =
  'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.';

const open: SlowConnection[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.socket.destroy();
});
async function dial(url: string): Promise<SlowConnection> {
  const c = await connect(url);
  open.push(c);
  return c;
}

async function health(url: string, timeoutMs = 1000): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/_s3batch/health`, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
  });
}

/** Files of the embedded store: temp files being written, and blobs in place. */
async function storeFiles(server: TestServer): Promise<{ temp: string[]; blobs: string[] }> {
  const root = path.join(server.dataDir, 'objects');
  const blobs: string[] = [];
  for (const d of await readdir(root)) if (d !== 'tmp') blobs.push(...(await readdir(path.join(root, d))));
  return { temp: await readdir(path.join(root, 'tmp')), blobs };
}

/** This process's open files under the store's object directory (the in-process server's reads and writes). */
function openStoreFiles(server: TestServer): string[] {
  const root = path.join(server.dataDir, 'objects');
  const found: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${root}${path.sep}`)) found.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return found;
}

describe('headers timeout', () => {
  const HEADERS_MS = 500;
  const env = { S3BATCH_HEADERS_TIMEOUT_MS: String(HEADERS_MS), S3BATCH_IDLE_TIMEOUT_MS: '60000', S3BATCH_KEEP_ALIVE_TIMEOUT_MS: '60000' };

  const cases: Array<[string, (c: SlowConnection) => Promise<void>]> = [
    ['nothing at all', async () => undefined],
    ['half a request line', async (c) => void (await c.write('GET /_s3batch/hea'))],
    ['the request line and half the headers', async (c) => void (await c.write('GET /_s3batch/health HTTP/1.1\r\nHost: x\r\nX-Half: '))],
    [
      'headers a byte at a time, never silent for long (slowloris)',
      async (c) => {
        await c.write('PUT /b/k HTTP/1.1\r\n');
        void (async () => {
          while (await c.write('x')) await sleep(50);
        })();
      },
    ],
  ];

  it.each(cases)('closes a connection that sends %s, with 408, after the headers timeout', async (_name, send) => {
    const server = await startTestServer(env);
    const c = await dial(server.url);
    await send(c);
    const { data, afterMs } = await c.closed;
    expect(parseResponse(data)?.status).toBe(408);
    expect(afterMs).toBeGreaterThanOrEqual(HEADERS_MS - 20);
    expect(afterMs).toBeLessThan(HEADERS_MS + 3000);
    expect(await health(server.url)).toBe(200);
  });

  it('closes a keep-alive connection whose next request stops halfway', async () => {
    const server = await startTestServer(env);
    const c = await dial(server.url);
    await c.write('GET /_s3batch/health HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!parseResponse(c.received())) await sleep(10);
    expect(parseResponse(c.received())?.status).toBe(200);
    await sleep(HEADERS_MS); // idle between requests is the keep-alive timeout's, not this one's
    const secondAt = Date.now();
    await c.write('GET /_s3batch/health HTTP/1.1\r\nHo');
    const { data } = await c.closed;
    const waited = Date.now() - secondAt;
    expect(data.toString('latin1')).toContain('HTTP/1.1 408 Request Timeout');
    expect(waited).toBeGreaterThanOrEqual(HEADERS_MS - 20);
    expect(waited).toBeLessThan(HEADERS_MS + 3000);
  });

  it('lets headers that arrive slowly but within the timeout through', async () => {
    const server = await startTestServer(env);
    const c = await dial(server.url);
    for (const piece of ['GET /_s3b', 'atch/health HT', 'TP/1.1\r\nHost:', ' x\r\nConnection: close\r\n', '\r\n']) {
      await c.write(piece);
      await sleep(40);
    }
    const { data } = await c.closed;
    expect(parseResponse(data)?.status).toBe(200);
  });
});

describe('idle request bodies', () => {
  const IDLE_MS = 400;
  const env = { S3BATCH_IDLE_TIMEOUT_MS: String(IDLE_MS), S3BATCH_HEADERS_TIMEOUT_MS: '60000' };

  async function setUp(): Promise<{ server: TestServer; s3: S3Client }> {
    const server = await startTestServer(env);
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'slow' }));
    return { server, s3 };
  }

  /** Sends `head` and `first` bytes of the body, then nothing: the answer and how long it took. */
  async function stall(server: TestServer, head: string, first: string | Buffer) {
    const c = await dial(server.url);
    await c.write(head);
    await c.write(first);
    const sentAt = Date.now();
    const { data } = await c.closed;
    return { response: parseResponse(data), waited: Date.now() - sentAt };
  }

  function expectRequestTimeout(result: Awaited<ReturnType<typeof stall>>, envelope: 'Error' | 'ErrorResponse'): void {
    const { response, waited } = result;
    expect(response?.status).toBe(400);
    expect(response?.headers.get('connection')).toBe('close');
    expect(response?.body).toMatch(new RegExp(`^(<\\?xml[^>]*>\\s*)?<${envelope}>`));
    expect(response?.body).toContain('<Code>RequestTimeout</Code>');
    expect(response?.body).toContain(`<Message>${REQUEST_TIMEOUT_MESSAGE}</Message>`);
    expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 20);
    expect(waited).toBeLessThan(IDLE_MS + 3000);
  }

  it('answers a PutObject that stops after 10 of 1,000 bytes with 400 RequestTimeout, and stores nothing', async () => {
    const { server, s3 } = await setUp();
    const head = await signedHead(server.url, { method: 'PUT', path: '/slow/half', headers: { 'content-length': '1000' } });
    expectRequestTimeout(await stall(server, head, Buffer.alloc(10, 7)), 'Error');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: 'slow', Key: 'half' })), 'NotFound', 404);
    expect(await storeFiles(server)).toEqual({ temp: [], blobs: [] });
    expect(await health(server.url)).toBe(200);
  });

  it('removes the temp file of a large PutObject that stalls after 2 of 4 MiB', async () => {
    const { server, s3 } = await setUp();
    const c = await dial(server.url);
    await c.write(await signedHead(server.url, { method: 'PUT', path: '/slow/big', headers: { 'content-length': String(4 * 1024 * 1024) } }));
    await c.write(testData(2 * 1024 * 1024));
    // The store has begun writing it (so the test can see it go).
    let seen: string[] = [];
    for (let i = 0; i < 100 && seen.length === 0; i++) {
      seen = (await storeFiles(server)).temp;
      if (seen.length === 0) await sleep(10);
    }
    expect(seen).toHaveLength(1);
    const { data } = await c.closed;
    expect(parseResponse(data)?.body).toContain('<Code>RequestTimeout</Code>');
    expect(await storeFiles(server)).toEqual({ temp: [], blobs: [] });
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: 'slow', Key: 'big' })), 'NotFound', 404);
  });

  it('answers an aws-chunked PutObject that stops mid-chunk with RequestTimeout', async () => {
    const { server, s3 } = await setUp();
    const head = await signedHead(server.url, {
      method: 'PUT',
      path: '/slow/chunked',
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '1000', 'x-amz-trailer': 'x-amz-checksum-crc32', 'content-length': '1100' },
    });
    expectRequestTimeout(await stall(server, head, `3e8\r\n${'a'.repeat(10)}`), 'Error');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: 'slow', Key: 'chunked' })), 'NotFound', 404);
    expect(await storeFiles(server)).toEqual({ temp: [], blobs: [] });
  });

  it('answers a Transfer-Encoding: chunked PutObject that stops mid-chunk with RequestTimeout', async () => {
    const { server, s3 } = await setUp();
    const head = await signedHead(server.url, { method: 'PUT', path: '/slow/te', headers: { 'transfer-encoding': 'chunked' } });
    expectRequestTimeout(await stall(server, head, `3e8\r\n${'a'.repeat(10)}`), 'Error');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: 'slow', Key: 'te' })), 'NotFound', 404);
  });

  it('answers an UploadPart that stops halfway with RequestTimeout, and the upload has no part', async () => {
    const { server, s3 } = await setUp();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'slow', Key: 'mp' }));
    const head = await signedHead(server.url, { method: 'PUT', path: `/slow/mp?partNumber=1&uploadId=${UploadId}`, headers: { 'content-length': '1000' } });
    expectRequestTimeout(await stall(server, head, 'x'.repeat(10)), 'Error');
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'slow', Key: 'mp', UploadId }));
    expect(parts.Parts ?? []).toEqual([]);
    expect((await storeFiles(server)).temp).toEqual([]);
  });

  it('answers an XML body (PutObjectTagging) that stops halfway with RequestTimeout, and changes nothing', async () => {
    const { server, s3 } = await setUp();
    await s3.send(new PutObjectCommand({ Bucket: 'slow', Key: 'tagged', Body: 'x' }));
    const head = await signedHead(server.url, { method: 'PUT', path: '/slow/tagged?tagging', headers: { 'content-length': '200' } });
    expectRequestTimeout(await stall(server, head, '<Tagging><TagSet><Tag>'), 'Error');
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'slow', Key: 'tagged' }))).TagSet).toEqual([]);
  });

  it('answers a jobs API body that stops halfway with RequestTimeout in the <ErrorResponse> envelope, and creates no job', async () => {
    const server = await startTestServer(env);
    const head = await signedHead(server.url, { method: 'POST', path: '/v20180820/jobs', control: true, headers: { 'content-length': '2000' } });
    expectRequestTimeout(await stall(server, head, '<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">'), 'ErrorResponse');
    expect((await controlClient(server).send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId }))).Jobs ?? []).toEqual([]);
  });
});

describe('keep-alive timeout', () => {
  it('closes an idle keep-alive connection after the keep-alive timeout, not before, and the SDK carries on', async () => {
    const KEEP_ALIVE_MS = 1000;
    const server = await startTestServer({ S3BATCH_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS), S3BATCH_IDLE_TIMEOUT_MS: '60000' });
    const c = await dial(server.url);
    const request = 'GET /_s3batch/health HTTP/1.1\r\nHost: x\r\n\r\n';
    await c.write(request);
    while (!parseResponse(c.received())) await sleep(10);
    expect(parseResponse(c.received())?.headers.get('keep-alive')).toBe('timeout=1');
    // Within the timeout the connection is reused.
    await sleep(KEEP_ALIVE_MS / 2);
    const before = c.received().length;
    await c.write(request);
    while (c.received().length === before || !parseResponse(c.received().subarray(before))) await sleep(10);
    expect(parseResponse(c.received().subarray(before))?.status).toBe(200);
    const idleFrom = Date.now();
    await c.closed;
    const idle = Date.now() - idleFrom;
    // Node waits one second past the advertised timeout, so that a client never sends into a
    // connection the server is closing.
    expect(idle).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 20);
    expect(idle).toBeLessThan(KEEP_ALIVE_MS + 1000 + 3000);

    // A pooled SDK connection closed this way is replaced without an error.
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'pool' }));
    await sleep(KEEP_ALIVE_MS + 1300);
    await s3.send(new HeadBucketCommand({ Bucket: 'pool' }));
  });
});

describe('slow but steady transfers', () => {
  // Pauses of a quarter of the idle timeout: a loaded machine (CI runs test files side by side on
  // two cores) may stretch one by a few hundred milliseconds without making it an idle connection.
  const IDLE_MS = 800;
  const PAUSE_MS = IDLE_MS / 4;
  const env = { S3BATCH_IDLE_TIMEOUT_MS: String(IDLE_MS) };

  it('never cuts an upload that takes many idle timeouts while bytes keep coming', async () => {
    const server = await startTestServer(env);
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'steady' }));
    const data = testData(1024 * 1024 + 5);
    const c = await dial(server.url);
    await c.write(await signedHead(server.url, { method: 'PUT', path: '/steady/up', headers: { 'content-length': String(data.length), connection: 'close' } }));
    const started = Date.now();
    const pieces = 16;
    const size = Math.ceil(data.length / pieces);
    for (let off = 0; off < data.length; off += size) {
      await c.write(data.subarray(off, off + size));
      await sleep(PAUSE_MS);
    }
    const { data: answer } = await c.closed;
    expect(Date.now() - started).toBeGreaterThan(IDLE_MS * 3);
    expect(parseResponse(answer)?.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'steady', Key: 'up' }));
    expect(md5Hex(await bodyBytes(got.Body))).toBe(md5Hex(data));
  });

  it('never cuts a jobs API body that trickles in over many idle timeouts', async () => {
    const server = await startTestServer(env);
    const xml =
      '<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><ConfirmationRequired>true</ConfirmationRequired>' +
      '<Operation><S3PutObjectTagging><TagSet><member><Key>k</Key><Value>v</Value></member></TagSet></S3PutObjectTagging></Operation>' +
      '<Report><Enabled>false</Enabled></Report><Priority>5</Priority><RoleArn>arn:aws:iam::111122223333:role/batch</RoleArn>' +
      '<ClientRequestToken>tok-slow</ClientRequestToken><Manifest><Spec><Format>S3BatchOperations_CSV_20180820</Format>' +
      '<Fields><member>Bucket</member><member>Key</member></Fields></Spec><Location><ObjectArn>arn:aws:s3:::m/manifest.csv</ObjectArn>' +
      '<ETag>e</ETag></Location></Manifest></CreateJobRequest>';
    const c = await dial(server.url);
    await c.write(
      await signedHead(server.url, { method: 'POST', path: '/v20180820/jobs', control: true, headers: { 'content-length': String(Buffer.byteLength(xml)), connection: 'close' } }),
    );
    const started = Date.now();
    for (let off = 0; off < xml.length; off += 50) {
      await c.write(xml.slice(off, off + 50));
      await sleep(PAUSE_MS);
    }
    const { data } = await c.closed;
    expect(Date.now() - started).toBeGreaterThan(IDLE_MS * 3);
    expect(parseResponse(data)?.status, parseResponse(data)?.body).toBe(200);
    expect((await controlClient(server).send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId }))).Jobs).toHaveLength(1);
  });

  it('never cuts a download read slowly over many idle timeouts', async () => {
    const server = await startTestServer(env);
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'steady' }));
    const data = testData(16 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: 'steady', Key: 'down', Body: data }));
    const head = await signedHead(server.url, { method: 'GET', path: '/steady/down', headers: { connection: 'close' } });
    const u = new URL(server.url);
    const started = Date.now();
    // 1 MiB, then a pause of a quarter of the idle timeout, and again.
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let sincePause = 0;
      const socket = net.connect(Number(u.port), u.hostname, () => socket.write(head));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        sincePause += chunk.length;
        if (sincePause >= 1024 * 1024) {
          sincePause = 0;
          socket.pause();
          setTimeout(() => socket.resume(), PAUSE_MS);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const elapsed = Date.now() - started;
    const end = received.indexOf('\r\n\r\n');
    expect(received.subarray(0, 12).toString()).toBe('HTTP/1.1 200');
    expect(md5Hex(received.subarray(end + 4))).toBe(md5Hex(data));
    expect(elapsed).toBeGreaterThan(IDLE_MS * 2);
  });
});

describe('a client that stops reading', () => {
  it('drops a download the client stopped reading after the idle timeout, closing the file it read', async () => {
    const IDLE_MS = 400;
    const server = await startTestServer({ S3BATCH_IDLE_TIMEOUT_MS: String(IDLE_MS) });
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'stall' }));
    const size = 48 * 1024 * 1024;
    await s3.send(new PutObjectCommand({ Bucket: 'stall', Key: 'big', Body: testData(size) }));
    expect(openStoreFiles(server)).toEqual([]);
    const c = await dial(server.url);
    await c.write(await signedHead(server.url, { method: 'GET', path: '/stall/big' }));
    while (c.received().length === 0) await sleep(5);
    c.socket.pause();
    // The server is reading the object for this response...
    expect(openStoreFiles(server)).toHaveLength(1);
    // ... until the idle timeout, after which the file is closed and the response cut.
    for (let i = 0; i < 300 && openStoreFiles(server).length > 0; i++) await sleep(20);
    expect(openStoreFiles(server)).toEqual([]);
    c.socket.resume();
    const { data } = await c.closed;
    expect(data.length).toBeLessThan(size);
    expect(parseResponse(data)?.status).toBe(200);
    // The server itself is fine.
    expect(await health(server.url)).toBe(200);
  });
});

describe('connection limits', () => {
  it('closes connections past S3BATCH_MAX_CONNECTIONS at once, and serves again when the held ones time out', async () => {
    const HEADERS_MS = 600;
    const server = await startTestServer({ S3BATCH_MAX_CONNECTIONS: '20', S3BATCH_HEADERS_TIMEOUT_MS: String(HEADERS_MS) });
    // Below the cap, requests are served.
    const held = await Promise.all(Array.from({ length: 19 }, () => dial(server.url)));
    expect(await health(server.url)).toBe(200);
    held.push(await dial(server.url));
    await sleep(50);
    const startedAt = Date.now();
    const over = await dial(server.url);
    const { data, afterMs } = await over.closed;
    expect(data.length).toBe(0);
    expect(afterMs).toBeLessThan(HEADERS_MS);
    expect(Date.now() - startedAt).toBeLessThan(HEADERS_MS);
    // The held connections time out, and the server answers again.
    await Promise.all(held.map((c) => c.closed));
    expect(await health(server.url)).toBe(200);
  });
});

describe('descriptor exhaustion', () => {
  const VITE_NODE = path.resolve('node_modules/vite-node/vite-node.mjs');
  const MAIN = path.resolve('test/helpers/server-main.ts');
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('300 half-open connections under a 256-descriptor limit are dropped after the headers timeout, and the health endpoint answers', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-fds-'));
    const HEADERS_MS = 1500;
    // The limit applies to the server alone: soft and hard, so that Node cannot raise it.
    child = spawn('/bin/sh', ['-c', `ulimit -n 256 && exec "$0" "$1" "$2"`, process.execPath, VITE_NODE, MAIN], {
      env: {
        ...process.env,
        S3BATCH_HOST: '127.0.0.1',
        S3BATCH_PORT: '0',
        S3BATCH_DATA_DIR: dir,
        S3BATCH_REGION: REGION,
        S3BATCH_CREDENTIALS: `${ACCOUNT_A.accountId}:${ACCOUNT_A.accessKeyId}:${ACCOUNT_A.secretAccessKey}`,
        S3BATCH_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const proc = child;
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on('line', (l) => l.startsWith('{"url"') && resolve((JSON.parse(l) as { url: string }).url));
      proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    expect(await health(url)).toBe(200);

    const floodAt = Date.now();
    const flood = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const c = await connect(url).catch(() => undefined);
        if (c) {
          open.push(c);
          await c.write('GET /_s3batch/health HT');
        }
        return c;
      }),
    );
    // The flood holds every descriptor the server has: it cannot accept even the health check.
    const during = await health(url, 300);
    expect(during).not.toBe(200);
    // Once the headers timeout has passed, the held connections are gone and the server answers.
    let after: number | string = 'not tried';
    while (Date.now() - floodAt < HEADERS_MS + 8000) {
      after = await health(url, 500);
      if (after === 200) break;
      await sleep(100);
    }
    expect(after).toBe(200);
    const results = await Promise.all(flood.map((c) => c?.closed));
    const answered = results.filter((r) => r && parseResponse(r.data)?.status === 408).length;
    // Every connection the server accepted was answered 408 (the rest were refused at accept).
    expect(answered).toBeGreaterThan(100);
    expect(Date.now() - floodAt).toBeGreaterThanOrEqual(HEADERS_MS - 20);
  }, 30_000);
});
