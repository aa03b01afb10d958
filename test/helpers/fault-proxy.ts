/**
 * A fault-injecting HTTP proxy in front of an S3 endpoint: a share of requests is answered
 * `503 SlowDown` with S3's XML body, and a share of connections is destroyed mid-request (the
 * request has arrived, no answer ever will). Faults are drawn from a seeded generator so that a
 * failing run can be replayed. Requests whose path matches `spare` are never faulted: a test that
 * counts the requests for one key must see the engine's own behaviour, not the proxy's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxyOptions {
  readonly target: string;
  readonly slowDownRate: number;
  readonly resetRate: number;
  readonly seed?: number;
  readonly spare?: (path: string) => boolean;
}

export interface FaultProxy {
  readonly url: string;
  /** Requests seen per `METHOD path?query`, faulted ones included. */
  readonly seen: Map<string, number>;
  readonly counts: { requests: number; slowDowns: number; resets: number };
  close(): Promise<void>;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  let state = options.seed ?? 42;
  // mulberry32: small, seeded, good enough to spread faults.
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const seen = new Map<string, number>();
  const counts = { requests: 0, slowDowns: 0, resets: 0 };

  const server = http.createServer((req, res) => {
    const name = `${req.method} ${req.url}`;
    seen.set(name, (seen.get(name) ?? 0) + 1);
    counts.requests++;
    const spared = options.spare?.(req.url ?? '') ?? false;
    const draw = spared ? 1 : random();
    if (draw < options.resetRate) {
      counts.resets++;
      req.socket.destroy();
      return;
    }
    if (draw < options.resetRate + options.slowDownRate) {
      counts.slowDowns++;
      req.resume();
      req.on('end', () => res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SLOW_DOWN) }).end(SLOW_DOWN));
      return;
    }
    const upstream = http.request(
      { agent, host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
