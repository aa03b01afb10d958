import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { JobManifest } from '../domain/job-spec.js';
import { S3PortError } from '../s3/s3-port.js';
import {
  createChunkReader,
  ManifestError,
  prepareManifest,
  readChunk,
  type InventoryChunkLocator,
  type ManifestTask,
  type PreparedManifest,
} from './index.js';
import { bareEtag } from './errors.js';
import { MAX_INVENTORY_MANIFEST_BYTES } from './inventory-manifest.js';
import { csvField, expectStoredRecordsRead, MemoryS3, prng } from './test-support.js';

const DEST = 'inventory-destination';
const PREFIX = 'inv/source-bucket/config-1/2024-01-01T00-00Z';
const MANIFEST_KEY = `${PREFIX}/manifest.json`;
const SCHEMA = 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size';

type Row = readonly string[];

interface InventoryOptions {
  readonly schema?: string;
  readonly files?: readonly Row[][];
  /** Overrides per manifest.json member. */
  readonly json?: Record<string, unknown>;
  readonly dataBucket?: string;
}

/** Writes data files (gzipped, all values quoted) and manifest.json; returns the job's manifest. */
function inventory(s3: MemoryS3, options: InventoryOptions = {}): JobManifest {
  const dataBucket = options.dataBucket ?? DEST;
  s3.createBucket(dataBucket);
  const files = (options.files ?? []).map((rows, i) => {
    const csv = rows.map((row) => row.map((v) => csvField(v, true)).join(',') + '\n').join('');
    const gz = gzipSync(Buffer.from(csv, 'utf8'));
    const key = `${PREFIX}/data/file-${i}.csv.gz`;
    s3.put(dataBucket, key, gz);
    return { key, size: gz.length, MD5checksum: createHash('md5').update(gz).digest('hex') };
  });
  const doc = {
    sourceBucket: 'source-bucket',
    destinationBucket: `arn:aws:s3:::${dataBucket}`,
    version: '2016-11-30',
    creationTimestamp: '1704067200000',
    fileFormat: 'CSV',
    fileSchema: options.schema ?? SCHEMA,
    files,
    ...options.json,
  };
  const { etag } = s3.put(DEST, MANIFEST_KEY, JSON.stringify(doc));
  return {
    Spec: { Format: 'S3InventoryReport_CSV_20161130' },
    Location: { ObjectArn: `arn:aws:s3:::${DEST}/${MANIFEST_KEY}`, ETag: etag },
  };
}

const row = (key: string, version = '', bucket = 'source-bucket'): Row => [bucket, key, version, 'true', 'false', '12'];

async function tasksOf(manifest: JobManifest, prepared: PreparedManifest, s3: MemoryS3): Promise<ManifestTask[]> {
  const all: ManifestTask[] = [];
  for (const chunk of prepared.chunks) all.push(...(await readChunk(manifest, prepared, chunk, s3)));
  return all;
}

async function failure(promise: Promise<unknown>): Promise<ManifestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ManifestError);
  expect((error as ManifestError).message.length).toBeLessThanOrEqual(256);
  return error as ManifestError;
}

describe('S3InventoryReport_CSV_20161130', () => {
  it('reads every data file in order, in fileSchema order, with keys URL-decoded', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, {
      files: [
        [row('a%20b', 'v1'), row('c+d', 'null')],
        [row('caf%C3%A9', 'v3', 'other-bucket')],
      ],
    });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 1000 });
    expect(prepared.totalTasks).toBe(3);
    expect(prepared.chunks).toHaveLength(2); // never across files
    expect(await tasksOf(manifest, prepared, s3)).toEqual([
      { index: 0, line: 1, bucket: 'source-bucket', key: 'a b', rawKey: 'a%20b', versionId: 'v1' },
      { index: 1, line: 2, bucket: 'source-bucket', key: 'c d', rawKey: 'c+d', versionId: 'null' },
      { index: 2, line: 1, bucket: 'other-bucket', key: 'café', rawKey: 'caf%C3%A9', versionId: 'v3' },
    ]);
    const chunk = prepared.chunks[1] as InventoryChunkLocator;
    expect(chunk).toMatchObject({
      kind: 'inventory',
      index: 1,
      firstTask: 2,
      taskCount: 1,
      firstLine: 1,
      start: 0,
      file: { bucket: DEST, key: `${PREFIX}/data/file-1.csv.gz` },
      columns: { count: 6, bucket: 0, key: 1, versionId: 2 },
    });
    expect(chunk.file.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('marks an empty VersionId (a null version of an all-versions inventory) as missing', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { files: [[row('k', '')]] });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10 });
    expect(await tasksOf(manifest, prepared, s3)).toEqual([
      { index: 0, line: 1, bucket: 'source-bucket', key: 'k', rawKey: 'k', missingVersionId: true },
    ]);
  });

  it('has no versions when fileSchema has no VersionId; reads columns wherever they are', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { schema: 'Size, Key, Bucket', files: [[['5', 'k', 'b']]] });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10 });
    expect(await tasksOf(manifest, prepared, s3)).toEqual([{ index: 0, line: 1, bucket: 'b', key: 'k', rawKey: 'k' }]);
  });

  it('reads data files from destinationBucket', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { dataBucket: 'elsewhere', files: [[row('k')]] });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10 });
    expect((prepared.chunks[0] as InventoryChunkLocator).file.bucket).toBe('elsewhere');
  });

  it('fails on a data file whose MD5 is not the listed one', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { files: [[row('k')]] });
    const key = `${PREFIX}/data/file-0.csv.gz`;
    const listed = createHash('md5').update(s3.bytes(DEST, key)!).digest('hex');
    const other = gzipSync('"b","other","","true","false","1"\n');
    const { etag } = s3.put(DEST, key, other);
    const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
    expect(e.failureCode).toBe('InvalidManifestContent');
    expect(e.message).toBe(
      `The MD5 of s3://${DEST}/${key} is not ${listed} as manifest.json says: the file changed after the inventory was written, or is damaged`,
    );
    // Nothing of the file found: not its MD5 (= its ETag here).
    const found = createHash('md5').update(other).digest('hex');
    expect(etag).toBe(`"${found}"`);
    expect(e.message).not.toContain(found);
  });

  it('a data file that ends early is a retryable read failure that does not quote its size', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { files: [[row('k')]] });
    const get = s3.getObject.bind(s3);
    s3.getObject = async (ref, options) => {
      const result = await get(ref, options);
      return ref.key.endsWith('.csv.gz') ? { ...result, contentLength: 98_765 } : result;
    };
    const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
    expect([e.failureCode, e.retryable]).toEqual(['ManifestReadFailed', true]);
    expect(e.message).toBe(`Reading the inventory data file s3://${DEST}/${PREFIX}/data/file-0.csv.gz ended before its last byte`);
  });

  it('fails on malformed records, naming the data file and line', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { files: [[row('ok')], [row('ok'), ['b', 'k', 'v']]] });
    const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
    expect(e.message).toBe(`Line 2 of s3://${DEST}/${PREFIX}/data/file-1.csv.gz has 3 fields; the inventory's fileSchema declares 6`);
    const s3b = new MemoryS3();
    const bad = inventory(s3b, { files: [[row('100%')]] });
    expect((await failure(prepareManifest(bad, s3b, { chunkSize: 10 }))).message).toContain('has an invalid URL escape "%" (a literal % is written %25) in its Key');
  });

  it('fails on a data file that is not gzip', async () => {
    const s3 = new MemoryS3();
    const text = Buffer.from('"b","k","","true","false","1"\n');
    const manifest = inventory(s3, {
      json: { files: [{ key: 'plain.csv', size: text.length, MD5checksum: createHash('md5').update(text).digest('hex') }] },
    });
    s3.put(DEST, 'plain.csv', text);
    const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
    expect([e.failureCode, e.message]).toEqual(['InvalidManifestContent', `s3://${DEST}/plain.csv is not a valid gzip file (Z_DATA_ERROR)`]);
  });

  it('fails on a missing or forbidden data file, naming it', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { files: [[row('k')]] });
    s3.fault = (op, ref) => (ref.key.endsWith('.gz') ? new S3PortError('AccessDenied', 403, '') : undefined);
    expect((await failure(prepareManifest(manifest, s3, { chunkSize: 10 }))).message).toBe(
      `Reading the inventory data file s3://${DEST}/${PREFIX}/data/file-0.csv.gz is forbidden: AccessDenied`,
    );
    s3.fault = (op, ref) => (ref.key.endsWith('.gz') ? new S3PortError('NoSuchKey', 404, '') : undefined);
    const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
    expect([e.failureCode, e.message]).toEqual([
      'ManifestNotFound',
      `The inventory data file s3://${DEST}/${PREFIX}/data/file-0.csv.gz does not exist (NoSuchKey)`,
    ]);
  });

  it('refuses what Batch Operations cannot read: not CSV, no Key column, bad JSON, no files list', async () => {
    const uri = `s3://${DEST}/${MANIFEST_KEY}`;
    const cases: Array<[InventoryOptions, string]> = [
      [{ json: { fileFormat: 'ORC' } }, `The inventory manifest ${uri} has fileFormat ORC; Batch Operations reads CSV inventories only`],
      [{ schema: 'Bucket, Size' }, `Required fields are missing in the schema: Key (fileSchema of ${uri})`],
      [{ json: { files: 'x' } }, `The inventory manifest ${uri} has no files list`],
      [{ json: { files: [{ key: 'a' }] } }, `The inventory manifest ${uri} has no valid MD5checksum in files[0]`],
      [{ json: { destinationBucket: 'arn:aws:sqs:::x' } }, `The inventory manifest ${uri} has a destinationBucket that is not a bucket ARN: arn:aws:sqs:::x`],
    ];
    for (const [options, message] of cases) {
      const s3 = new MemoryS3();
      const manifest = inventory(s3, options);
      const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
      expect([e.failureCode, e.message]).toEqual(['InvalidManifestContent', message]);
    }
    const s3 = new MemoryS3([DEST]);
    const { etag } = s3.put(DEST, MANIFEST_KEY, '{"fileFormat": "CSV",');
    const manifest: JobManifest = {
      Spec: { Format: 'S3InventoryReport_CSV_20161130' },
      Location: { ObjectArn: `arn:aws:s3:::${DEST}/${MANIFEST_KEY}`, ETag: etag },
    };
    expect((await failure(prepareManifest(manifest, s3, { chunkSize: 10 }))).message).toMatch(
      new RegExp(`^The inventory manifest ${uri} is not valid JSON: `),
    );
  });

  it('refuses a manifest.json over 64 MiB', async () => {
    const s3 = new MemoryS3([DEST]);
    const { etag } = s3.put(DEST, MANIFEST_KEY, Buffer.alloc(MAX_INVENTORY_MANIFEST_BYTES + 1, 0x20));
    const manifest: JobManifest = {
      Spec: { Format: 'S3InventoryReport_CSV_20161130' },
      Location: { ObjectArn: `arn:aws:s3:::${DEST}/${MANIFEST_KEY}`, ETag: etag },
    };
    const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
    expect([e.failureCode, e.message]).toEqual([
      'ManifestTooLarge',
      `The inventory manifest s3://${DEST}/${MANIFEST_KEY} is larger than 64 MiB, the most s3batch reads of a manifest.json`,
    ]);
  });

  it('has no tasks when its files are empty or there are none', async () => {
    for (const files of [[], [[]]]) {
      const s3 = new MemoryS3();
      const manifest = inventory(s3, { files });
      const e = await failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
      expect(e.failureCode).toBe('ManifestEmpty');
    }
  });

  it('checks the ETag of manifest.json', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { files: [[row('k')]] });
    const e = await failure(prepareManifest({ ...manifest, Location: { ...manifest.Location, ETag: '"nope"' } }, s3, { chunkSize: 10 }));
    expect(e.failureCode).toBe('ManifestETagMismatch');
  });

  it('fails a chunk read once its data file was overwritten', async () => {
    const s3 = new MemoryS3();
    const manifest = inventory(s3, { files: [[row('k')]] });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10 });
    s3.put(DEST, `${PREFIX}/data/file-0.csv.gz`, gzipSync('"b","x","","true","false","1"\n'));
    const e = await failure(readChunk(manifest, prepared, prepared.chunks[0]!, s3));
    expect(e.failureCode).toBe('ManifestETagMismatch');
    // The ETag pinned was learned by reading the file, not named by the job: it is not quoted.
    expect(e.message).toBe(`The inventory data file s3://${DEST}/${PREFIX}/data/file-0.csv.gz changed after the job was prepared`);
    expect(e.message).not.toContain(bareEtag((prepared.chunks[0] as InventoryChunkLocator).file.etag));
  });

  it('a ChunkReader reads a file\'s chunks in order with one GET, and any order correctly', async () => {
    const s3 = new MemoryS3();
    const rows = Array.from({ length: 95 }, (_, i) => row(`key-${i}`, `v${i}`));
    const manifest = inventory(s3, { files: [rows, rows.slice(0, 7)] });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10 });
    expect(prepared.chunks.map((c) => c.taskCount)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5, 7]);
    const expected = await tasksOf(manifest, prepared, s3);
    expect(expected.map((t) => t.index)).toEqual(Array.from({ length: 102 }, (_, i) => i));

    s3.calls.length = 0;
    s3.chunkBytes = 7;
    const reader = createChunkReader(manifest, prepared, s3);
    const inOrder = (await Promise.all(prepared.chunks.map((c) => reader.read(c)))).flat();
    expect(inOrder).toEqual(expected);
    expect(s3.calls.filter((c) => c.op === 'get')).toHaveLength(2);

    const shuffled = [...prepared.chunks].reverse();
    const outOfOrder = new Map<number, ManifestTask[]>();
    for (const c of shuffled) outOfOrder.set(c.index, await reader.read(c));
    expect(prepared.chunks.flatMap((c) => outOfOrder.get(c.index)!)).toEqual(expected);
    reader.close();
    expect(await reader.read(prepared.chunks[3]!)).toEqual(expected.slice(30, 40));
    reader.close();
  });

  it('a ChunkReader retries once with a fresh GET when a kept cursor fails, and reopens after idling', async () => {
    const s3 = new MemoryS3();
    const rnd = prng(5);
    const rows = Array.from({ length: 30_000 }, (_, i) => row(`k${i}-${rnd.next().toString(36)}`));
    const manifest = inventory(s3, { files: [rows] });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10_000 });
    const expected = await tasksOf(manifest, prepared, s3);
    s3.chunkBytes = 1024;
    let gets = 0;
    const get = s3.getObject.bind(s3);
    s3.getObject = async (ref, options) => {
      const result = await get(ref, options);
      if (++gets !== 1) return result;
      // The first GET's connection resets 60 % of the way through.
      const limit = Math.floor(result.contentLength * 0.6);
      let seen = 0;
      const body = result.body.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            seen += chunk.length;
            callback(seen > limit ? new S3PortError('NetworkError', 0, 'reset') : null, chunk);
          },
        }),
      );
      return { ...result, body };
    };
    const reader = createChunkReader(manifest, prepared, s3, { idleMs: 50 });
    expect(await reader.read(prepared.chunks[0]!)).toEqual(expected.slice(0, 10_000));
    expect(await reader.read(prepared.chunks[1]!)).toEqual(expected.slice(10_000, 20_000));
    expect(gets).toBe(2);
    await new Promise((r) => setTimeout(r, 80)); // the idle cursor is closed
    expect(await reader.read(prepared.chunks[2]!)).toEqual(expected.slice(20_000));
    expect(gets).toBe(3);
    reader.close();
  });

  it('a ChunkReader limited to one open file reads interleaved files concurrently, correctly', async () => {
    const s3 = new MemoryS3();
    s3.chunkBytes = 64;
    const files = [0, 1, 2].map((f) => Array.from({ length: 40 }, (_, i) => row(`f${f}-k${i}`)));
    const manifest = inventory(s3, { files });
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10 });
    const expected = await tasksOf(manifest, prepared, s3);
    const reader = createChunkReader(manifest, prepared, s3, { maxOpenFiles: 1 });
    const order = [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11];
    const results = await Promise.all(order.map((i) => reader.read(prepared.chunks[i]!)));
    const byChunk = new Map(order.map((i, n) => [i, results[n]!]));
    reader.close();
    expect(prepared.chunks.flatMap((c) => byChunk.get(c.index)!)).toEqual(expected);
  });

  it('chunks cover every record once across files, any chunk size (property)', async () => {
    const rnd = prng(77);
    const parts = ['a', 'b/c', '%20', '+', 'é', 'q"t', 'c,m', 'n\nl', '%E2%9C%93'];
    for (let round = 0; round < 40; round++) {
      const files = Array.from({ length: 1 + rnd.int(4) }, () =>
        Array.from({ length: rnd.int(30) }, () =>
          row(Array.from({ length: 1 + rnd.int(3) }, () => rnd.pick(parts)).join(''), rnd.pick(['', 'null', 'v'])),
        ),
      );
      const s3 = new MemoryS3();
      s3.chunkBytes = 1 + rnd.int(50);
      const manifest = inventory(s3, { files });
      const count = files.flat().length;
      if (count === 0) continue;
      const chunkSize = 1 + rnd.int(9);
      const prepared = await prepareManifest(manifest, s3, { chunkSize });
      expect(prepared.totalTasks).toBe(count);
      const tasks = await tasksOf(manifest, prepared, s3);
      expect(tasks.map((t) => t.rawKey)).toEqual(files.flat().map((r) => r[1]));
      expect(tasks.map((t) => t.index)).toEqual(Array.from({ length: count }, (_, i) => i));
      const reader = createChunkReader(manifest, prepared, s3);
      expect((await Promise.all(prepared.chunks.map((c) => reader.read(c)))).flat()).toEqual(tasks);
      reader.close();
      await expectStoredRecordsRead(manifest, s3, chunkSize, tasks);
    }
  });
});
