/**
 * The dashboard's pages: the files Vite built into dist/ui, under /_s3batch/ui/. Any path that is
 * not a file is the page itself (index.html), so that the pages' own routes survive a reload.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export const UI_PREFIX = '/_s3batch/ui/';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export async function serveUi(req: IncomingMessage, res: ServerResponse, uiDir: string, rawPath: string): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.statusCode = 405;
    res.setHeader('Allow', 'GET, HEAD');
    res.end();
    return;
  }
  const rel = rawPath.slice(UI_PREFIX.length);
  // Built file names are plain (Vite's hashed assets); anything else cannot name a file of ours.
  const asFile = /^[A-Za-z0-9_-][A-Za-z0-9._/-]*$/.test(rel) && !rel.split('/').includes('..') ? rel : '';
  let file = path.join(uiDir, asFile === '' ? 'index.html' : asFile);
  let info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    if (asFile.startsWith('assets/')) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('no such file');
      return;
    }
    file = path.join(uiDir, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) {
    res.statusCode = 503;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('The dashboard is not built: run `npm run build` (npm ci and npm start do it).\n');
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(info.size));
  // Hashed assets never change under their name; the page itself is always asked again.
  res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(file), res);
}
