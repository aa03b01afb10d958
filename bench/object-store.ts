/**
 * The embedded store's overhead: small-object PutObject and GetObject requests per second through
 * HTTP, against the s3batch server and, in the same run, against a bare node:http server that
 * answers the same signed requests without storing anything. Each server runs in its own process;
 * this process is the load generator (keep-alive agent, N requests in flight, SigV4-signed).
 *
 *   npm run bench              ~20 s
 *   npm run bench -- --quick   ~3 s (what the test suite runs so the bench cannot rot)
 *   --json                     one JSON line instead of the table
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { createSigner } from '../src/lib/sigv4/index.js';
import { startServerChild, type Child } from './children.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const PHASE_MS = QUICK ? 600 : 4_000;
const WARMUP_MS = QUICK ? 150 : 600;
const CONCURRENCY = 32;
const SMALL = 4096;

const startChild = (mode: 'store' | 'bare'): Promise<Child> => startServerChild(mode, [String(SMALL)]);

const signer = createSigner({ accessKeyId: 'bench', secretAccessKey: 'bench-secret', region: 'us-east-1', service: 's3' });
const body = Buffer.alloc(SMALL, 'b');
const bodyHash = createHash('sha256').update(body).digest('hex');
const EMPTY_HASH = createHash('sha256').update('').digest('hex');

function request(agent: http.Agent, url: URL, method: 'PUT' | 'GET', key: string): Promise<number> {
  const rawPath = `/bench/${key}`;
  const headers: Record<string, string> = method === 'PUT' ? { 'content-length': String(SMALL) } : {};
  const signed = signer.sign({ method, host: url.host, rawPath, rawQuery: '', headers, payloadHash: method === 'PUT' ? bodyHash : EMPTY_HASH, nowMs: Date.now() });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method, path: rawPath, headers: { ...headers, ...signed, host: url.host } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(method === 'PUT' ? body : undefined);
  });
}

async function phase(url: string, method: 'PUT' | 'GET', keys: number): Promise<number> {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let done = 0;
  let failures = 0;
  let counting = false;
  const start = Date.now();
  let countStart = 0;
  const worker = async (w: number): Promise<void> => {
    let i = w;
    while (Date.now() - start < WARMUP_MS + PHASE_MS) {
      const status = await request(agent, u, method, `k${i % keys}`);
      if (status !== 200) failures++;
      if (!counting && Date.now() - start >= WARMUP_MS) {
        counting = true;
        countStart = Date.now();
      }
      if (counting) done++;
      i += CONCURRENCY;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} ${method} requests to ${url} failed`);
  return done / ((Date.now() - countStart) / 1000);
}

async function createBucket(url: string): Promise<void> {
  const u = new URL(url);
  const signed = signer.sign({ method: 'PUT', host: u.host, rawPath: '/bench', rawQuery: '', headers: {}, payloadHash: EMPTY_HASH, nowMs: Date.now() });
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: '/bench', headers: { ...signed, host: u.host } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`CreateBucket: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface BenchResult {
  put: { store: number; bare: number; ratio: number };
  get: { store: number; bare: number; ratio: number };
  storePeakRssMb: number;
  objectBytes: number;
  concurrency: number;
}

export async function runBench(): Promise<BenchResult> {
  const [store, bare] = await Promise.all([startChild('store'), startChild('bare')]);
  try {
    await createBucket(store.url);
    const keys = QUICK ? 500 : 5_000;
    const putStore = await phase(store.url, 'PUT', keys);
    const putBare = await phase(bare.url, 'PUT', keys);
    const getStore = await phase(store.url, 'GET', Math.min(keys, Math.floor(putStore * (PHASE_MS / 1000))));
    const getBare = await phase(bare.url, 'GET', keys);
    const rss = await store.request('rss');
    return {
      put: { store: putStore, bare: putBare, ratio: putStore / putBare },
      get: { store: getStore, bare: getBare, ratio: getStore / getBare },
      storePeakRssMb: Number(rss.maxRssKb) / 1024,
      objectBytes: SMALL,
      concurrency: CONCURRENCY,
    };
  } finally {
    store.proc.kill('SIGTERM');
    bare.proc.kill('SIGTERM');
  }
}

const r = await runBench();
if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(8);
  console.log(`store bench: ${SMALL}-byte objects, ${CONCURRENCY} requests in flight, ${PHASE_MS / 1000} s per phase${QUICK ? ' (quick)' : ''}`);
  console.log('            s3batch store    bare node:http    store / bare');
  console.log(`PUT req/s   ${n(r.put.store)}         ${n(r.put.bare)}          ${r.put.ratio.toFixed(2)}`);
  console.log(`GET req/s   ${n(r.get.store)}         ${n(r.get.bare)}          ${r.get.ratio.toFixed(2)}`);
  console.log(`store server peak RSS: ${r.storePeakRssMb.toFixed(0)} MB`);
}
process.exit(0);
