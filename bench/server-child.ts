/**
 * One server of the store and replication benches, in its own process: `store` is the whole
 * s3batch server (the embedded S3 store on a fresh data dir); `engine` is the same with its job
 * engine running and the config file S3BATCH_CONFIG names (replication destinations); `bare` is
 * a node:http server that answers the same requests without storing anything. Prints `{"url": …}` once listening; answers a `rss` line on
 * stdin with `{"maxRssKb": …}`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger } from '../src/app/logger.js';
import { startServer } from '../src/app/server.js';
import { loadConfig } from '../src/config/config.js';

const mode = process.argv[2];
const SMALL = Number(process.argv[3] ?? 4096);

async function bare(): Promise<string> {
  const body = Buffer.alloc(SMALL, 'x');
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('x-amz-request-id', '0000000000000000');
      res.setHeader('ETag', '"00000000000000000000000000000000"');
      if (req.method === 'GET') {
        res.setHeader('Content-Type', 'binary/octet-stream');
        res.setHeader('Content-Length', String(body.length));
        res.end(body);
      } else {
        res.setHeader('Content-Length', '0');
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function store(engine: boolean): Promise<string> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 's3batch-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({
    S3BATCH_HOST: '127.0.0.1',
    S3BATCH_PORT: '0',
    S3BATCH_DATA_DIR: dataDir,
    S3BATCH_CREDENTIALS: '123456789012:bench:bench-secret',
    ...(engine && process.env.S3BATCH_CONFIG ? { S3BATCH_CONFIG: process.env.S3BATCH_CONFIG } : {}),
  });
  const server = await startServer(config, { logger: createLogger('silent'), engine });
  return server.url;
}

const url = mode === 'bare' ? await bare() : await store(mode === 'engine');
process.stdout.write(`${JSON.stringify({ url })}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'rss') process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
  if (line.trim() === 'exit') process.exit(0);
});
