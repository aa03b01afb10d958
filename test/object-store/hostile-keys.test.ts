/**
 * Property test: objects written under hostile keys (`..`, `../../etc/passwd`, `//`, `%2F`, NUL,
 * unicode, 1,024-byte keys, trailing slashes, `.`, backslashes, and random mixes of them) never
 * reach the file system by name. Afterwards nothing outside `${dataDir}/objects/` and the
 * database files changed — in the data dir or its parent — every file under objects/ is a blob
 * named by a generated id, and every key round-trips (GET and listing).
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { prng } from '../helpers/seed.js';
import { startTestServer } from '../helpers/server.js';
import { bodyBytes, s3Client } from './helpers.js';

const FIXED = [
  '..',
  '.',
  './.',
  '../../etc/passwd',
  '../../../../../../../../tmp/escaped',
  '..\\..\\windows\\system32',
  '\\',
  '//',
  '/leading',
  'a//b',
  'trailing/',
  'trailing//',
  '%2F',
  '%2e%2e%2f%2e%2e%2fetc',
  '%00',
  'nul\u0000byte',
  'objects/../../s3batch.db',
  'tmp/x.tmp',
  '00/0123456789abcdef0123456789abcdef',
  'é'.repeat(512),
  `${'k'.repeat(1023)}/`,
  '😀/🙃/\u202eevil\u202c',
  'cafe\u0301',
  ' ',
  '+ ?#&=;',
  'CON',
  'aux.txt',
  '~/.ssh/authorized_keys',
];

const FRAGMENTS = ['..', '.', '/', '//', '\\', '%2F', '%00', '\u0000', 'é', '😀', '\u202e', ' ', '+', '?', '#', '&', '~', 'etc', 'passwd', 'objects', 'tmp', '00', 'ff', '%', '*', '\t'];

function randomKeys(seed: number, n: number): string[] {
  const rnd = prng(seed).next;
  const keys = new Set<string>();
  while (keys.size < n) {
    const parts = 1 + Math.floor(rnd() * 8);
    let key = '';
    for (let i = 0; i < parts; i++) key += FRAGMENTS[Math.floor(rnd() * FRAGMENTS.length)];
    if (Buffer.byteLength(key) <= 1024) keys.add(key);
  }
  return [...keys];
}

interface Entry {
  size: number;
  mtimeMs: number;
}

async function snapshot(root: string, skip: (p: string) => boolean): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  async function walk(dir: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const p = path.join(dir, name);
      if (skip(p)) continue;
      const s = await stat(p);
      if (s.isDirectory()) {
        out.set(`${p}/`, { size: 0, mtimeMs: s.mtimeMs });
        await walk(p);
      } else out.set(p, { size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  await walk(root);
  return out;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const SEED = 20261124;

describe('hostile keys', () => {
  it(`never reach the file system by name, and round-trip (seed ${SEED})`, async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 's3batch-hostile-'));
    dirs.push(parent);
    const dataDir = path.join(parent, 'data');
    // Decoys where an escaping key would land.
    await mkdir(path.join(parent, 'etc'), { recursive: true });
    await writeFile(path.join(parent, 'etc', 'passwd'), 'decoy');
    await writeFile(path.join(parent, 'escaped'), 'decoy');
    const server = await startTestServer({}, dataDir);
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'hostile' }));

    const objectsDir = path.join(dataDir, 'objects');
    const isStoreFile = (p: string): boolean => p === objectsDir || p.startsWith(`${objectsDir}/`) || /\/(objects|s3batch)\.db(-wal|-shm|-journal)?$/.test(p);
    const before = await snapshot(parent, isStoreFile);

    const keys = [...new Set([...FIXED, ...randomKeys(SEED, 150)])];
    for (const [i, Key] of keys.entries()) {
      await s3.send(new PutObjectCommand({ Bucket: 'hostile', Key, Body: `#${i}` }));
    }
    for (const [i, Key] of keys.entries()) {
      const body = await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: 'hostile', Key }))).Body);
      expect(body.toString(), JSON.stringify(Key)).toBe(`#${i}`);
    }
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'hostile', EncodingType: 'url', ContinuationToken: token, MaxKeys: 100 }));
      listed.push(...(page.Contents ?? []).map((o) => decodeURIComponent((o.Key as string).replace(/\+/g, ' '))));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
    expect(listed).toEqual([...keys].sort(byteOrder));

    const after = await snapshot(parent, isStoreFile);
    expect([...after.entries()]).toEqual([...before.entries()]);
    // under objects/: only tmp/ and two-hex-digit fan-out directories of 32-hex-digit blobs
    const blobs: string[] = [];
    for (const d of await readdir(objectsDir)) {
      if (d === 'tmp') {
        expect(await readdir(path.join(objectsDir, d))).toEqual([]);
        continue;
      }
      expect(d).toMatch(/^[0-9a-f]{2}$/);
      for (const f of await readdir(path.join(objectsDir, d))) {
        expect(f).toMatch(new RegExp(`^${d}[0-9a-f]{30}$`));
        blobs.push(f);
      }
    }
    expect(blobs.length).toBe(keys.length);
  });
});
