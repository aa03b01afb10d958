/**
 * The idle timeout blames only the client (src/http/server.ts): a silence that is the server's
 * own — a handler still working, a body it has paused — never cuts the exchange. Surfaces here
 * are small handlers given to the real server, to make the server slow on purpose; the client
 * side of the timeouts is tested end to end in test/integration/slow-clients.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { onBodyIdle, type BodyTimeoutError } from './body.js';
import { createHttpServer, type SurfaceHandler } from './server.js';

// Long enough that a loaded machine (CI runs test files side by side on two cores) does not open
// a gap of this size in a transfer that is moving.
const IDLE_MS = 600;
const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const none: SurfaceHandler = async (_req, res) => void res.end();

async function serve(s3: SurfaceHandler): Promise<string> {
  const server = createHttpServer({
    logger: pino({ level: 'silent' }),
    limits: { headersTimeoutMs: 5000, idleTimeoutMs: IDLE_MS, keepAliveTimeoutMs: 5000, maxConnections: 100 },
    surfaces: { service: none, control: none, sts: none, s3 },
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function request(url: string, body?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/b/k`, { method: body ? 'PUT' : 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('idle timeout, the server side of the silence', () => {
  it('does not cut a request whose handler works for several idle timeouts before answering', async () => {
    const url = await serve(async (_req, res) => {
      await sleep(IDLE_MS * 3);
      res.end('done');
    });
    expect(await request(url)).toEqual({ status: 200, text: 'done' });
  });

  it('does not cut a request whose body the handler has not started reading yet', async () => {
    const url = await serve(async (req, res) => {
      await sleep(IDLE_MS * 3);
      let n = 0;
      for await (const c of req) n += (c as Buffer).length;
      res.end(String(n));
    });
    expect(await request(url, Buffer.alloc(4 * 1024 * 1024))).toEqual({ status: 200, text: String(4 * 1024 * 1024) });
  });

  it('does not blame the client for a body the reader has paused (backpressure)', async () => {
    const url = await serve(async (req, res) => {
      const timedOut = new Promise<BodyTimeoutError>((resolve) => onBodyIdle(req, resolve));
      req.pause();
      await sleep(IDLE_MS * 3);
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.resume();
      const ended = new Promise((resolve) => req.once('end', resolve));
      const first = await Promise.race([ended.then(() => 'end'), timedOut.then(() => 'timeout')]);
      res.end(`${first} ${n}`);
    });
    expect(await request(url, Buffer.alloc(4 * 1024 * 1024))).toEqual({ status: 200, text: `end ${4 * 1024 * 1024}` });
  });
});
