import { describe, expect, it } from 'vitest';
import type { JobManifest, JobManifestFieldName } from '../domain/job-spec.js';
import { S3PortError } from '../s3/s3-port.js';
import { createChunkReader, ManifestError, prepareManifest, readChunk, type ManifestTask, type PreparedManifest } from './index.js';
import { csvField, expectStoredRecordsRead, MemoryS3, prng } from './test-support.js';

const BUCKET = 'manifest-bucket';
const KEY = 'manifests/job.csv';
const URI = `s3://${BUCKET}/${KEY}`;

function setup(body: string | Buffer, fields: JobManifestFieldName[] = ['Bucket', 'Key']): { s3: MemoryS3; manifest: JobManifest } {
  const s3 = new MemoryS3([BUCKET]);
  const { etag } = s3.put(BUCKET, KEY, body);
  const manifest: JobManifest = {
    Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: fields },
    Location: { ObjectArn: `arn:aws:s3:::${BUCKET}/${KEY}`, ETag: etag.replaceAll('"', '') },
  };
  return { s3, manifest };
}

async function tasksOf(manifest: JobManifest, prepared: PreparedManifest, s3: MemoryS3): Promise<ManifestTask[]> {
  const all: ManifestTask[] = [];
  for (const chunk of prepared.chunks) all.push(...(await readChunk(manifest, prepared, chunk, s3)));
  return all;
}

async function prepareAndRead(body: string | Buffer, fields?: JobManifestFieldName[], chunkSize = 1000) {
  const { s3, manifest } = setup(body, fields);
  const prepared = await prepareManifest(manifest, s3, { chunkSize });
  return { prepared, tasks: await tasksOf(manifest, prepared, s3), s3, manifest };
}

async function failure(promise: Promise<unknown>): Promise<ManifestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ManifestError);
  const m = error as ManifestError;
  expect(m.message.length).toBeLessThanOrEqual(256);
  expect(m.failureCode.length).toBeLessThanOrEqual(64);
  return m;
}

async function prepareFailure(body: string | Buffer, fields?: JobManifestFieldName[]): Promise<ManifestError> {
  const { s3, manifest } = setup(body, fields);
  return failure(prepareManifest(manifest, s3, { chunkSize: 10 }));
}

describe('S3BatchOperations_CSV_20180820: records', () => {
  it('reads Bucket,Key rows into tasks with 0-based indexes and 1-based lines', async () => {
    const { prepared, tasks } = await prepareAndRead('b1,k1\nb2,dir/k2\n');
    expect(prepared.totalTasks).toBe(2);
    expect(prepared.manifestEtag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(prepared.manifestVersionId).toBeUndefined();
    expect(tasks).toEqual([
      { index: 0, line: 1, bucket: 'b1', key: 'k1', rawKey: 'k1' },
      { index: 1, line: 2, bucket: 'b2', key: 'dir/k2', rawKey: 'dir/k2' },
    ]);
  });

  it('takes CRLF, no trailing newline, and skips blank lines while counting them', async () => {
    const { prepared, tasks } = await prepareAndRead('\r\nb,k1\r\n\r\n\nb,k2\r\nb,k3');
    expect(prepared.totalTasks).toBe(3);
    expect(tasks.map((t) => [t.line, t.key])).toEqual([
      [2, 'k1'],
      [5, 'k2'],
      [6, 'k3'],
    ]);
  });

  it('skips a UTF-8 byte order mark', async () => {
    const { tasks } = await prepareAndRead(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('b,k\n')]));
    expect(tasks[0]).toMatchObject({ bucket: 'b', key: 'k', line: 1 });
  });

  it('reads RFC 4180 quoted fields: commas, doubled quotes, newlines; lines count physical lines', async () => {
    const body = '"b","a,b"\nb,"say ""hi"""\r\nb,"two\nlines"\nb,"cr\r\nlf"\r\nb,after\n';
    const { tasks } = await prepareAndRead(body);
    expect(tasks.map((t) => [t.line, t.rawKey])).toEqual([
      [1, 'a,b'],
      [2, 'say "hi"'],
      [3, 'two\nlines'],
      [5, 'cr\r\nlf'],
      [7, 'after'],
    ]);
  });

  it('takes a quote inside an unquoted field literally', async () => {
    const { tasks } = await prepareAndRead('b,say"hi\n');
    expect(tasks[0]?.key).toBe('say"hi');
  });

  it('URL-decodes keys (%XX as UTF-8, + as space) and keeps the raw key for the report', async () => {
    const { tasks } = await prepareAndRead('b,a%20b+c%2Bd\nb,caf%C3%A9\nb,%E2%82%AC%2Fx\nb,raw é ✓\nb,%7B%22k%22%3A1%7D\n');
    expect(tasks.map((t) => [t.key, t.rawKey])).toEqual([
      ['a b c+d', 'a%20b+c%2Bd'],
      ['café', 'caf%C3%A9'],
      ['€/x', '%E2%82%AC%2Fx'],
      ['raw é ✓', 'raw é ✓'],
      ['{"k":1}', '%7B%22k%22%3A1%7D'],
    ]);
  });

  it('reads versions: the literal null, and an empty VersionId as a task marked missingVersionId', async () => {
    const { tasks } = await prepareAndRead('b,k1,v1\nb,k2,null\nb,k3,\n', ['Bucket', 'Key', 'VersionId']);
    expect(tasks).toEqual([
      { index: 0, line: 1, bucket: 'b', key: 'k1', rawKey: 'k1', versionId: 'v1' },
      { index: 1, line: 2, bucket: 'b', key: 'k2', rawKey: 'k2', versionId: 'null' },
      { index: 2, line: 3, bucket: 'b', key: 'k3', rawKey: 'k3', missingVersionId: true },
    ]);
  });

  it('follows Spec.Fields order and skips Ignore columns', async () => {
    const { tasks } = await prepareAndRead('x,k,y,b,v\n', ['Ignore', 'Key', 'Ignore', 'Bucket', 'VersionId']);
    expect(tasks[0]).toMatchObject({ bucket: 'b', key: 'k', versionId: 'v' });
  });

  it('reports progress at chunk boundaries and at the end', async () => {
    const { s3, manifest } = setup(Array.from({ length: 25 }, (_, i) => `b,k${i}`).join('\n'));
    const seen: number[] = [];
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 10, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([10, 20, 25]);
    expect(prepared.chunks.map((c) => [c.firstTask, c.taskCount])).toEqual([
      [0, 10],
      [10, 10],
      [20, 5],
    ]);
  });
});

describe('S3BatchOperations_CSV_20180820: what makes preparation fail', () => {
  it('a line with the wrong number of fields, with its line number', async () => {
    const e = await prepareFailure('b,k\n\nb,k,extra\n');
    expect(e.failureCode).toBe('InvalidManifestContent');
    expect(e.message).toBe(`Line 3 of ${URI} has 3 fields; Spec.Fields declares 2 (Bucket, Key)`);
  });

  it('a line with too few fields', async () => {
    const e = await prepareFailure('b,k,v\nb,k\n', ['Bucket', 'Key', 'VersionId']);
    expect(e.message).toBe(`Line 2 of ${URI} has 2 fields; Spec.Fields declares 3 (Bucket, Key, VersionId)`);
  });

  it('an empty bucket or key', async () => {
    expect((await prepareFailure('b,k\n,k\n')).message).toBe(`Line 2 of ${URI} has an empty Bucket`);
    expect((await prepareFailure('b,\n')).message).toBe(`Line 1 of ${URI} has an empty Key`);
  });

  it('an invalid URL escape, or escapes that are not UTF-8', async () => {
    expect((await prepareFailure('b,ok\nb,100%zz\n')).message).toBe(
      `Line 2 of ${URI} has an invalid URL escape "%zz" (a literal % is written %25) in its Key`,
    );
    expect((await prepareFailure('b,100%\n')).message).toContain('invalid URL escape "%"');
    expect((await prepareFailure('b,%4\n')).message).toContain('invalid URL escape "%4"');
    expect((await prepareFailure('b,%FF%FE\n')).message).toBe(`Line 1 of ${URI} has URL escapes that do not decode to UTF-8 in its Key`);
  });

  it('bytes that are not UTF-8', async () => {
    const e = await prepareFailure(Buffer.concat([Buffer.from('b,k\nb,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    expect(e.message).toBe(`Line 2 of ${URI} is not valid UTF-8`);
  });

  it('quoting errors', async () => {
    expect((await prepareFailure('b,"open\n\n')).message).toBe(`Line 1 of ${URI} has a quoted field that is never closed`);
    expect((await prepareFailure('b,"k"x\n')).message).toContain('Line 1 of');
    expect((await prepareFailure('b,"k"x\n')).message).toContain('after the closing quote');
  });

  it('a record longer than 64 KiB (an unclosed quote) without reading on', async () => {
    const e = await prepareFailure(`b,k\nb,"${'x'.repeat(70_000)}\nb,k\n`);
    expect(e.message).toBe(`Line 2 of ${URI} is longer than 65536 bytes (is a quote left open?)`);
  });

  it('line numbers stay right after multi-line records', async () => {
    const e = await prepareFailure('b,"a\nb\nc"\nb\n');
    expect(e.message).toBe(`Line 4 of ${URI} has 1 field; Spec.Fields declares 2 (Bucket, Key)`);
  });

  it('no tasks', async () => {
    for (const body of ['', '\n\n', '\r\n']) {
      const e = await prepareFailure(body);
      expect(e.failureCode).toBe('ManifestEmpty');
      expect(e.message).toBe(`The manifest has no tasks: ${URI} holds no records`);
    }
  });

  it('Spec.Fields without Bucket or Key, or naming one twice', async () => {
    expect((await prepareFailure('k\n', ['Key'])).message).toBe('Required fields are missing in the schema: Bucket (Spec.Fields)');
    expect((await prepareFailure('k\n', ['Bucket', 'Key', 'Key'])).message).toBe('Spec.Fields names Key more than once');
  });

  it('an ETag other than the job says; quotes on either side do not matter', async () => {
    const { s3, manifest } = setup('b,k\n');
    const actual = manifest.Location.ETag;
    await expect(prepareManifest({ ...manifest, Location: { ...manifest.Location, ETag: `"${actual}"` } }, s3, { chunkSize: 1 })).resolves.toMatchObject({
      totalTasks: 1,
    });
    const e = await failure(prepareManifest({ ...manifest, Location: { ...manifest.Location, ETag: 'abc' } }, s3, { chunkSize: 1 }));
    expect(e.failureCode).toBe('ManifestETagMismatch');
    expect(e.message).toBe(`The manifest's ETag is not "abc" as the job says: the manifest changed since its ETag was looked up, or the job names another object`);
    expect(e.message).not.toContain(actual);
  });

  it('an unreadable manifest, in the words AWS uses', async () => {
    const { s3, manifest } = setup('b,k\n');
    const cases: Array<[S3PortError, string, string, boolean]> = [
      [new S3PortError('AccessDenied', 403, 'Access Denied'), 'ManifestAccessDenied', 'Reading the manifest is forbidden: AccessDenied', false],
      [new S3PortError('NoSuchKey', 404, ''), 'ManifestNotFound', 'The manifest does not exist (NoSuchKey)', false],
      [new S3PortError('NoSuchBucket', 404, ''), 'ManifestNotFound', 'The bucket of the manifest does not exist (NoSuchBucket)', false],
      [new S3PortError('SlowDown', 503, ''), 'ManifestReadFailed', 'Reading the manifest failed: SlowDown (HTTP 503)', true],
      [new S3PortError('NetworkError', 0, ''), 'ManifestReadFailed', 'Reading the manifest failed: NetworkError', true],
      [new S3PortError('InternalError', 500, ''), 'ManifestReadFailed', 'Reading the manifest failed: InternalError (HTTP 500)', true],
      [new S3PortError('NotImplemented', 501, ''), 'ManifestReadFailed', 'Reading the manifest failed: NotImplemented (HTTP 501)', false],
      [new S3PortError('ENOTFOUND', 0, ''), 'ManifestReadFailed', 'Reading the manifest failed: ENOTFOUND', false],
    ];
    for (const [error, code, message, retryable] of cases) {
      s3.fault = () => error;
      const e = await failure(prepareManifest(manifest, s3, { chunkSize: 1 }));
      expect([e.failureCode, e.message, e.retryable]).toEqual([code, message, retryable]);
      expect(e.cause).toBe(error);
    }
  });

  it('a raw socket error is a read failure (retryable when transient); an error no list knows is passed on, not blamed on the read', async () => {
    const { s3, manifest } = setup('b,k\n');
    s3.fault = () => Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const reset = await failure(prepareManifest(manifest, s3, { chunkSize: 1 }));
    expect([reset.failureCode, reset.message, reset.retryable]).toEqual(['ManifestReadFailed', 'Reading the manifest failed: aborted (ECONNRESET)', true]);
    s3.fault = () => new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND store.invalid'), { code: 'ENOTFOUND' }) });
    const notFound = await failure(prepareManifest(manifest, s3, { chunkSize: 1 }));
    expect([notFound.failureCode, notFound.message, notFound.retryable]).toEqual(['ManifestReadFailed', 'Reading the manifest failed: getaddrinfo ENOTFOUND store.invalid (ENOTFOUND)', false]);
    const bug = new TypeError("Cannot read properties of undefined (reading 'etag')");
    s3.fault = () => bug;
    await expect(prepareManifest(manifest, s3, { chunkSize: 1 })).rejects.toBe(bug);
  });

  it('a missing object or version, and a location that is not an object ARN', async () => {
    const { s3, manifest } = setup('b,k\n');
    const missing = { ...manifest, Location: { ...manifest.Location, ObjectArn: `arn:aws:s3:::${BUCKET}/nope.csv` } };
    expect((await failure(prepareManifest(missing, s3, { chunkSize: 1 }))).message).toBe('The manifest does not exist (NoSuchKey)');
    const version = { ...manifest, Location: { ...manifest.Location, ObjectVersionId: 'v9' } };
    expect((await failure(prepareManifest(version, s3, { chunkSize: 1 }))).failureCode).toBe('ManifestNotFound');
    const arn = { ...manifest, Location: { ...manifest.Location, ObjectArn: `arn:aws:s3:::${BUCKET}` } };
    const e = await failure(prepareManifest(arn, s3, { chunkSize: 1 }));
    expect([e.failureCode, e.message]).toEqual([
      'InvalidManifestLocation',
      `The manifest location arn:aws:s3:::${BUCKET} is not an object ARN (arn:aws:s3:::bucket/key)`,
    ]);
  });

  it('a body that ends early is a retryable read failure, not a shorter manifest', async () => {
    const { s3, manifest } = setup('b,k1\nb,k2\n');
    const get = s3.getObject.bind(s3);
    s3.getObject = async (ref, options) => ({ ...(await get(ref, options)), contentLength: 100 });
    const e = await failure(prepareManifest(manifest, s3, { chunkSize: 1 }));
    expect([e.failureCode, e.retryable]).toEqual(['ManifestReadFailed', true]);
  });

  it('stops when aborted', async () => {
    const { s3, manifest } = setup(Array.from({ length: 1000 }, (_, i) => `b,k${i}`).join('\n'));
    s3.chunkBytes = 16;
    const controller = new AbortController();
    const reason = new Error('stop');
    const run = prepareManifest(manifest, s3, {
      chunkSize: 10,
      signal: controller.signal,
      onProgress: (n) => {
        if (n >= 100) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
  });
});

describe('S3BatchOperations_CSV_20180820: chunks', () => {
  it('re-reads a chunk with one ranged GET pinned to the ETag seen at preparation', async () => {
    const { s3, manifest, prepared } = await prepareAndRead('b,k0\nb,k1\nb,k2\nb,k3\nb,k4\n', undefined, 2);
    expect(prepared.chunks).toEqual([
      { kind: 'csv', index: 0, firstTask: 0, taskCount: 2, firstLine: 1, start: 0, end: 10 },
      { kind: 'csv', index: 1, firstTask: 2, taskCount: 2, firstLine: 3, start: 10, end: 20 },
      { kind: 'csv', index: 2, firstTask: 4, taskCount: 1, firstLine: 5, start: 20, end: 25 },
    ]);
    s3.calls.length = 0;
    const tasks = await readChunk(manifest, prepared, prepared.chunks[1]!, s3);
    expect(tasks.map((t) => [t.index, t.line, t.key])).toEqual([
      [2, 3, 'k2'],
      [3, 4, 'k3'],
    ]);
    expect(s3.calls).toEqual([
      { op: 'get', ref: { bucket: BUCKET, key: KEY }, options: { range: { start: 10, end: 19 }, ifMatch: prepared.manifestEtag } },
    ]);
    // The ChunkReader reads CSV chunks the same way.
    const reader = createChunkReader(manifest, prepared, s3);
    expect(await reader.read(prepared.chunks[2]!)).toEqual([{ index: 4, line: 5, bucket: 'b', key: 'k4', rawKey: 'k4' }]);
    reader.close();
  });

  it('fails a chunk read once the manifest was overwritten (unversioned bucket)', async () => {
    const { s3, manifest, prepared } = await prepareAndRead('b,k0\nb,k1\n', undefined, 1);
    s3.put(BUCKET, KEY, 'b,other\nb,k1\n');
    const e = await failure(readChunk(manifest, prepared, prepared.chunks[0]!, s3));
    expect(e.failureCode).toBe('ManifestETagMismatch');
    expect(e.message).toBe(`The manifest changed after the job was prepared (its ETag is no longer ${prepared.manifestEtag})`);
  });

  it('pins the version read at preparation (versioned bucket)', async () => {
    const s3 = new MemoryS3([BUCKET]);
    s3.versioned = true;
    const first = s3.put(BUCKET, KEY, 'b,k0\nb,k1\n');
    const manifest: JobManifest = {
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
      Location: { ObjectArn: `arn:aws:s3:::${BUCKET}/${KEY}`, ETag: first.etag, ObjectVersionId: first.versionId! },
    };
    s3.put(BUCKET, KEY, 'b,newer\n');
    const prepared = await prepareManifest(manifest, s3, { chunkSize: 1 });
    expect(prepared.manifestVersionId).toBe(first.versionId);
    s3.put(BUCKET, KEY, 'b,newest\n');
    expect((await tasksOf(manifest, prepared, s3)).map((t) => t.key)).toEqual(['k0', 'k1']);
  });

  it('chunks cover every record once, in order, whatever the chunk size and body cuts (property)', async () => {
    const rnd = prng(20240611);
    const keyParts = ['a', 'b/c', 'x y', 'é', '✓', '%20', '+', 'q"t', 'c,m', 'n\nl', 'r\r\nn', '%2B', '""', 'z'];
    for (let round = 0; round < 150; round++) {
      const withVersions = rnd.next() < 0.4;
      const fields: JobManifestFieldName[] = withVersions ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'];
      const count = 1 + rnd.int(60);
      const crlf = rnd.next() < 0.5;
      const eol = crlf ? '\r\n' : '\n';
      let body = rnd.next() < 0.2 ? eol : '';
      let line = body === '' ? 1 : 2;
      const expected: ManifestTask[] = [];
      for (let i = 0; i < count; i++) {
        const rawKey = Array.from({ length: 1 + rnd.int(4) }, () => rnd.pick(keyParts)).join('');
        const bucket = `bucket-${rnd.int(3)}`;
        const version = withVersions ? rnd.pick(['', 'null', 'v1', 'V2.x']) : undefined;
        const cells = [csvField(bucket, rnd.next() < 0.2), csvField(rawKey, rnd.next() < 0.3)];
        if (version !== undefined) cells.push(csvField(version, rnd.next() < 0.2));
        const record = cells.join(',');
        const task: ManifestTask = {
          index: i,
          line,
          bucket,
          key: rawKey.replaceAll('+', ' ').replaceAll('%20', ' ').replaceAll('%2B', '+'),
          rawKey,
          ...(version === undefined ? {} : version === '' ? { missingVersionId: true as const } : { versionId: version }),
        };
        expected.push(task);
        line += record.split('\n').length - 1;
        body += record;
        const last = i === count - 1;
        if (!last || rnd.next() < 0.5) {
          body += eol;
          line++;
        }
        while ((!last || body.endsWith(eol)) && rnd.next() < 0.15) {
          body += eol;
          line++;
        }
      }
      const { s3, manifest } = setup(body, fields);
      s3.chunkBytes = 1 + rnd.int(40);
      const chunkSize = 1 + rnd.int(12);
      const prepared = await prepareManifest(manifest, s3, { chunkSize });
      expect(prepared.totalTasks).toBe(count);
      const size = Buffer.byteLength(body);
      let offset = 0;
      let first = 0;
      for (const [i, c] of prepared.chunks.entries()) {
        expect([c.index, c.start, c.firstTask]).toEqual([i, offset, first]);
        expect(c.end).toBeGreaterThan(c.start);
        expect(c.taskCount).toBe(Math.min(chunkSize, count - first));
        offset = c.end;
        first += c.taskCount;
      }
      expect(offset).toBe(size);
      expect(await tasksOf(manifest, prepared, s3)).toEqual(expected);
      await expectStoredRecordsRead(manifest, s3, chunkSize, expected);
    }
  });
});
