/** The local ObjectStore in-process (the engine's way in): start-up sweep, listings at scale, reads racing writes. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import type { ObjectStore } from '../object-store.js';
import { openLocalObjectStore } from './local-object-store.js';

const A = '111122223333';
const B = '444455556666';
const dirs: string[] = [];
const stores: ObjectStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function open(dataDir?: string, now?: () => number): Promise<{ store: ObjectStore; dataDir: string; swept: { temp: number; orphans: number } }> {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 's3batch-store-')));
  if (!dataDir) dirs.push(dir);
  let swept = { temp: -1, orphans: -1 };
  const store = await openLocalObjectStore({ dataDir: dir, region: 'us-east-1', ...(now ? { now } : {}), onSweep: (r) => (swept = r) });
  stores.push(store);
  return { store, dataDir: dir, swept };
}

const read = async (body: Readable): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

async function rejection(p: Promise<unknown>): Promise<S3Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof S3Error)) throw new Error(`expected an S3Error, got ${String(err)}`);
  return err;
}

describe('local object store', () => {
  it('removes temp files and unreferenced blobs at open, and keeps referenced ones', async () => {
    const { store, dataDir } = await open();
    await store.createBucket(A, 'keep');
    await store.putObject(A, { bucket: 'keep', key: 'k' }, Buffer.from('kept'));
    await store.close();
    stores.length = 0;
    await writeFile(path.join(dataDir, 'objects', 'tmp', '0123456789abcdef0123456789abcdef.tmp'), 'half-written');
    await writeFile(path.join(dataDir, 'objects', 'ab', 'ab23456789abcdef0123456789abcdef'), 'orphan');
    await writeFile(path.join(dataDir, 'objects', 'ab', 'not-a-blob'), 'stray');
    const reopened = await open(dataDir);
    expect(reopened.swept).toEqual({ temp: 1, orphans: 2 });
    expect(await readdir(path.join(dataDir, 'objects', 'tmp'))).toEqual([]);
    expect(await readdir(path.join(dataDir, 'objects', 'ab'))).toEqual([]);
    expect(await read((await reopened.store.getObject(A, { bucket: 'keep', key: 'k' })).body)).toBe('kept');
  });

  it('lists 700 keys across batches with delimiters, hiding deleted keys, in byte order', async () => {
    const { store } = await open();
    await store.createBucket(A, 'many');
    await store.putBucketVersioning(A, 'many', 'Enabled');
    const keys: string[] = [];
    for (let d = 0; d < 7; d++) for (let i = 0; i < 100; i++) keys.push(`d${d}/${String(i).padStart(3, '0')}`);
    for (const k of keys) await store.putObject(A, { bucket: 'many', key: k }, Buffer.from(k));
    // every key under d3/ deleted (delete markers): d3/ must not show as a common prefix
    for (const k of keys.filter((k) => k.startsWith('d3/'))) await store.deleteObject(A, { bucket: 'many', key: k });
    const top = await store.listObjects(A, 'many', { delimiter: '/' });
    expect(top.commonPrefixes).toEqual(['d0/', 'd1/', 'd2/', 'd4/', 'd5/', 'd6/']);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.listObjects(A, 'many', { maxKeys: 137, ...(after !== undefined ? { after } : {}) });
      seen.push(...page.objects.map((o) => o.key));
      if (!page.isTruncated) break;
      after = page.next;
    }
    expect(seen).toEqual(keys.filter((k) => !k.startsWith('d3/')));
    const versions: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await store.listObjectVersions(A, 'many', { prefix: 'd3/', maxKeys: 33, ...(keyMarker ? { keyMarker } : {}), ...(versionIdMarker ? { versionIdMarker } : {}) });
      versions.push(...page.versions.map((v) => `${v.key}:${v.deleteMarker ? 'marker' : 'data'}`));
      if (!page.isTruncated) break;
      keyMarker = page.nextKeyMarker;
      versionIdMarker = page.nextVersionIdMarker;
    }
    expect(versions).toEqual(keys.filter((k) => k.startsWith('d3/')).flatMap((k) => [`${k}:marker`, `${k}:data`]));
  });

  it('bounds the rows one listing skips: a long run of deleted keys yields a short truncated page', async () => {
    const { store } = await open();
    await store.createBucket(A, 'sparse');
    await store.putBucketVersioning(A, 'sparse', 'Enabled');
    const keys = Array.from({ length: 10_030 }, (_, i) => `k${String(i).padStart(6, '0')}`);
    for (const key of keys) await store.putObject(A, { bucket: 'sparse', key }, Buffer.alloc(0));
    for (let i = 0; i < 10_020; i += 1000) {
      await store.deleteObjects(A, 'sparse', keys.slice(i, Math.min(i + 1000, 10_020)).map((key) => ({ key })));
    }
    const first = await store.listObjects(A, 'sparse');
    expect(first.objects).toEqual([]);
    expect(first.isTruncated).toBe(true);
    const second = await store.listObjects(A, 'sparse', { after: first.next as string });
    expect(second.objects.map((o) => o.key)).toEqual(keys.slice(10_020));
    expect(second.isTruncated).toBe(false);
  });

  it('orders keys by UTF-8 bytes as S3 does', async () => {
    const { store } = await open();
    await store.createBucket(A, 'order');
    const keys = ['é', 'z', 'Z', 'a', '\u{1F600}', '\uFFFD', 'a/b', 'a b', 'a\u0000'];
    for (const k of keys) await store.putObject(A, { bucket: 'order', key: k }, Buffer.from('x'));
    const listed = (await store.listObjects(A, 'order')).objects.map((o) => o.key);
    expect(listed).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  });

  it('pages multipart uploads by key and upload id', async () => {
    const { store } = await open();
    await store.createBucket(A, 'ups');
    const ids: string[] = [];
    for (const key of ['a', 'a', 'b/1', 'b/2', 'c']) ids.push((await store.createMultipartUpload(A, { bucket: 'ups', key })).uploadId);
    const all = await store.listMultipartUploads(A, 'ups', { delimiter: '/' });
    expect(all.uploads.map((u) => u.key)).toEqual(['a', 'a', 'c']);
    expect(all.commonPrefixes).toEqual(['b/']);
    const first = await store.listMultipartUploads(A, 'ups', { maxUploads: 1 });
    expect(first.isTruncated).toBe(true);
    const rest = await store.listMultipartUploads(A, 'ups', { keyMarker: first.nextKeyMarker as string, uploadIdMarker: first.nextUploadIdMarker as string });
    expect([...first.uploads, ...rest.uploads].map((u) => u.uploadId).sort()).toEqual([...ids].sort());
  });

  it('a read that has started keeps its bytes while the object is overwritten; the old data goes once it is read', async () => {
    const { store, dataDir } = await open();
    await store.createBucket(A, 'race');
    const MiB = 1024 * 1024;
    const { uploadId } = await store.createMultipartUpload(A, { bucket: 'race', key: 'k' });
    const parts = [];
    for (const n of [1, 2, 3]) {
      const r = await store.uploadPart(A, { bucket: 'race', key: 'k', uploadId, partNumber: n }, Buffer.alloc(n === 3 ? MiB : 5 * MiB, n));
      parts.push({ partNumber: n, etag: r.etag });
    }
    await store.completeMultipartUpload(A, { bucket: 'race', key: 'k', uploadId, parts });
    const blobCount = async (): Promise<number> => {
      let n = 0;
      for (const d of await readdir(path.join(dataDir, 'objects'))) if (d !== 'tmp') n += (await readdir(path.join(dataDir, 'objects', d))).length;
      return n;
    };
    expect(await blobCount()).toBe(3);
    const reading = await store.getObject(A, { bucket: 'race', key: 'k' });
    await store.putObject(A, { bucket: 'race', key: 'k' }, Buffer.from('new'));
    expect(await blobCount()).toBe(4);
    const got = await read(reading.body);
    expect(got.length).toBe(11 * MiB);
    expect([got[0], got[5 * MiB], got[10 * MiB]]).toEqual(['\u0001', '\u0002', '\u0003']);
    for (let i = 0; i < 50 && (await blobCount()) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await blobCount()).toBe(1);
  });

  it('takes streams and buffers, and answers S3 errors in-process', async () => {
    const { store } = await open();
    await store.createBucket(A, 'inproc');
    const put = await store.putObject(A, { bucket: 'inproc', key: 's', integrity: { contentLength: 6 } }, Readable.from([Buffer.from('abc'), Buffer.from('def')]));
    expect(put.etag).toBe('"e80b5017098950fc58aad83c8c14978e"');
    expect(await read((await store.getObject(A, { bucket: 'inproc', key: 's' }, { range: { start: 2, end: 3 } })).body)).toBe('cd');
    expect((await rejection(store.getObject(B, { bucket: 'inproc', key: 's' }))).code).toBe('AccessDenied');
    expect((await rejection(store.getObject(A, { bucket: 'inproc', key: 'missing' }))).status).toBe(404);
    const short = await rejection(store.putObject(A, { bucket: 'inproc', key: 't', integrity: { contentLength: 10 } }, Buffer.from('abc')));
    expect(short.code).toBe('IncompleteBody');
    expect((await store.listObjects(A, 'inproc')).objects.map((o) => o.key)).toEqual(['s']);
    expect((await rejection(store.createBucket(A, 'v20180820'))).code).toBe('InvalidBucketName');
  });
});
