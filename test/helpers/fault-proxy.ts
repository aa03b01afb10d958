/**
 * A fault-injecting HTTP proxy in front of an S3 endpoint: a share of requests is answered
 * `503 SlowDown` with S3's XML body, and a share of connections is destroyed mid-request (the
 * request has arrived, no answer ever will). Faults are drawn from a seeded generator so that a
 * failing run can be replayed. Requests whose path matches `spare` are never faulted: a test that
 * counts the requests for one key must see the engine's own behaviour, not the proxy's.
 *
 * It also slows and holds requests, so that a test can put a job in a given state and keep it
 * there: `delayMs` adds latency per request, and a `gate` holds the requests it matches (the
 * request has arrived and is counted; it goes on to the target when the gate lets it through).
 * Every arriving request is logged, in arrival order, so that a test can count what was asked
 * after a given moment. `answer` plays a store that answers some calls otherwise (a call it does
 * not implement): the proxy answers those itself, and the target never sees them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { prng } from './seed.js';

export interface FaultProxyOptions {
  readonly target: string;
  /** Share of requests answered 503 SlowDown (default 0). */
  readonly slowDownRate?: number;
  /** Share of connections destroyed once the request arrived (default 0). */
  readonly resetRate?: number;
  readonly seed?: number;
  readonly spare?: (path: string) => boolean;
  /** Latency added before a request goes on to the target (after any gate), in ms. */
  readonly delayMs?: (request: ProxyRequest) => number;
  /** The proxy's own answer to a request (the target never sees it), or undefined to forward it. */
  readonly answer?: (request: ProxyRequest) => { readonly status: number; readonly body: string } | undefined;
}

/** A request as the proxy saw it arrive: the method and the raw path with its query. */
export interface ProxyRequest {
  readonly method: string;
  readonly path: string;
}

/**
 * Holds the requests it matches until let through. A new gate is closed (holds everything it
 * matches) unless created open. When several gates match a request, the first one created decides.
 */
export interface Gate {
  /** Matching requests waiting at the gate now. */
  readonly held: number;
  /** Matching requests the gate let through so far. */
  readonly passed: number;
  /** Lets `n` more matching requests through (those held first, in arrival order), then holds again. */
  allow(n: number): void;
  /** Lets every matching request through, those held and those to come, until `close()`. */
  open(): void;
  /** Holds every matching request from now on. */
  close(): void;
}

export interface FaultProxy {
  readonly url: string;
  /** Requests seen per `METHOD path?query`, faulted ones included. */
  readonly seen: Map<string, number>;
  readonly counts: { requests: number; slowDowns: number; resets: number };
  /** Every request that arrived, in arrival order (held and faulted ones included). */
  readonly log: readonly ProxyRequest[];
  /** How many logged requests match, from `from` (an index into `log`) on. */
  count(match: (request: ProxyRequest) => boolean, from?: number): number;
  gate(match: (request: ProxyRequest) => boolean, options?: { open?: boolean }): Gate;
  /** Stops listening; held requests are dropped (their connections destroyed). */
  close(): Promise<void>;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

interface GateState extends Gate {
  readonly match: (request: ProxyRequest) => boolean;
  /** Passes `go` on at once, or keeps it until the gate lets it through. */
  admit(go: () => void, drop: () => void): void;
  dropAll(): void;
}

function createGate(match: (request: ProxyRequest) => boolean, open: boolean): GateState {
  const waiting: Array<{ go: () => void; drop: () => void }> = [];
  let isOpen = open;
  let budget = 0;
  let passed = 0;
  const pass = (go: () => void): void => {
    passed++;
    go();
  };
  return {
    match,
    get held() {
      return waiting.length;
    },
    get passed() {
      return passed;
    },
    admit(go, drop) {
      if (isOpen) return pass(go);
      if (budget > 0) {
        budget--;
        return pass(go);
      }
      waiting.push({ go, drop });
    },
    allow(n) {
      budget += n;
      while (budget > 0 && waiting.length > 0) {
        budget--;
        pass(waiting.shift()!.go);
      }
    },
    open() {
      isOpen = true;
      budget = 0;
      for (const w of waiting.splice(0)) pass(w.go);
    },
    close() {
      isOpen = false;
      budget = 0;
    },
    dropAll() {
      for (const w of waiting.splice(0)) w.drop();
    },
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const slowDownRate = options.slowDownRate ?? 0;
  const resetRate = options.resetRate ?? 0;
  const random = prng(options.seed ?? 42).next;
  const seen = new Map<string, number>();
  const counts = { requests: 0, slowDowns: 0, resets: 0 };
  const log: ProxyRequest[] = [];
  const gates: GateState[] = [];

  function forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const spared = options.spare?.(req.url ?? '') ?? false;
    const draw = spared ? 1 : random();
    if (draw < resetRate) {
      counts.resets++;
      req.socket.destroy();
      return;
    }
    const own = options.answer?.({ method: req.method ?? '', path: req.url ?? '' });
    if (own) {
      req.resume();
      req.on('end', () => res.writeHead(own.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(own.body) }).end(own.body));
      return;
    }
    if (draw < resetRate + slowDownRate) {
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
  }

  const server = http.createServer((req, res) => {
    const name = `${req.method} ${req.url}`;
    seen.set(name, (seen.get(name) ?? 0) + 1);
    counts.requests++;
    const request: ProxyRequest = { method: req.method ?? '', path: req.url ?? '' };
    log.push(request);
    const go = (): void => {
      const delay = options.delayMs?.(request) ?? 0;
      if (delay > 0) setTimeout(() => forward(req, res), delay);
      else forward(req, res);
    };
    const gate = gates.find((g) => g.match(request));
    if (gate) gate.admit(go, () => req.socket.destroy());
    else go();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    counts,
    log,
    count(match, from = 0) {
      let n = 0;
      for (let i = from; i < log.length; i++) if (match(log[i]!)) n++;
      return n;
    },
    gate(match, gateOptions = {}) {
      const gate = createGate(match, gateOptions.open ?? false);
      gates.push(gate);
      return gate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const g of gates) g.dropAll();
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
