/**
 * S3ComputeObjectChecksum end to end, on both S3 ports (the engine's embedded store in process, a
 * remote store over HTTP): objects go in with the AWS SDK — single-part, multipart, with and
 * without upload checksums — the job over S3 Control, and each ResultMessage of the report is
 * checked against a computation that owes nothing to s3batch (test/helpers/checksums.ts), against
 * the checksum the SDK itself sent on upload, and against what the store answered at upload for a
 * multipart object (COMPOSITE, and FULL_OBJECT for the CRCs).
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { JobDescriptor, S3ControlClient } from '@aws-sdk/client-s3-control';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, csvFields, referenceComposite, referenceDigest, type Algorithm } from '../helpers/checksums.js';
import { createBuckets, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { controlClient, startRemotePair, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

interface World {
  readonly s3: S3Client;
  readonly control: S3ControlClient;
}

type Port = 'embedded store' | 'remote store';

async function world(port: Port): Promise<World> {
  if (port === 'embedded store') {
    const server = await startTestServer({}, undefined, { engine: true });
    const s3 = s3Client(server);
    await createBuckets(s3);
    return { s3, control: controlClient(server) };
  }
  const { store, engine } = await startRemotePair();
  const s3 = s3Client(store);
  await createBuckets(s3);
  return { s3, control: controlClient(engine) };
}

const MiB = 1024 * 1024;

function expectProgress(job: JobDescriptor, total: number, succeeded: number, failed: number): void {
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: total, NumberOfTasksSucceeded: succeeded, NumberOfTasksFailed: failed });
}

interface Row {
  readonly key: string;
  readonly status: string;
  readonly http: string;
  readonly code: string;
  readonly message: string;
}

async function rowsOf(w: World, jobId: string): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for (const line of await reportRows(w.s3, jobId)) {
    const [, key, , status, http, code, message] = csvFields(line);
    rows.set(key!, { key: key!, status: status!, http: http!, code: code!, message: message! });
  }
  return rows;
}

/** The ResultMessage a succeeded task must have, keys in this order. */
const resultMessage = (digest: { base64: string; hex: string }, algorithm: Algorithm, type: 'FULL_OBJECT' | 'COMPOSITE', etag: string): string =>
  JSON.stringify({ checksum_base64: digest.base64, checksum_hex: digest.hex, checksumAlgorithm: algorithm, checksumType: type, etag: etag.replaceAll('"', '') });

const full = async (algorithm: Algorithm, data: Uint8Array) => {
  const d = await referenceDigest(algorithm, data);
  return { base64: d.toString('base64'), hex: d.toString('hex') };
};

/** A multipart upload of `parts` (with a checksum algorithm and type when given); the Complete answer. */
async function multipart(w: World, Key: string, parts: readonly Buffer[], checksum?: { algorithm: ChecksumAlgorithm; type?: 'COMPOSITE' | 'FULL_OBJECT' }) {
  const { UploadId } = await w.s3.send(
    new CreateMultipartUploadCommand({ Bucket: 'data', Key, ...(checksum ? { ChecksumAlgorithm: checksum.algorithm, ...(checksum.type ? { ChecksumType: checksum.type } : {}) } : {}) }),
  );
  const done = [];
  for (const [i, Body] of parts.entries()) {
    const part = await w.s3.send(new UploadPartCommand({ Bucket: 'data', Key, UploadId, PartNumber: i + 1, Body, ...(checksum ? { ChecksumAlgorithm: checksum.algorithm } : {}) }));
    done.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32, ChecksumCRC32C: part.ChecksumCRC32C, ChecksumCRC64NVME: part.ChecksumCRC64NVME, ChecksumSHA1: part.ChecksumSHA1, ChecksumSHA256: part.ChecksumSHA256 });
  }
  return w.s3.send(new CompleteMultipartUploadCommand({ Bucket: 'data', Key, UploadId, MultipartUpload: { Parts: done }, ...(checksum?.type ? { ChecksumType: checksum.type } : {}) }));
}

const UPLOAD_CHECKSUMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
const member = (a: (typeof UPLOAD_CHECKSUMS)[number]) => `Checksum${a}` as const;

describe.each<Port>(['embedded store', 'remote store'])('S3ComputeObjectChecksum on the %s', (port) => {
  it('every algorithm, FULL_OBJECT, over empty, small and multipart objects equals an independent computation; archived and missing objects fail as S3 answers', async () => {
    const w = await world(port);
    const small = randomBytes(1000);
    const parts = [randomBytes(5 * MiB), randomBytes(70_001)];
    const etags = {
      empty: (await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'empty', Body: Buffer.alloc(0) }))).ETag!,
      'dir/a b+c': (await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'dir/a b+c', Body: small }))).ETag!,
      multi: (await multipart(w, 'multi', parts)).ETag!,
    };
    await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'cold', Body: 'archived', StorageClass: 'GLACIER' }));
    const data: Record<keyof typeof etags, Buffer> = { empty: Buffer.alloc(0), 'dir/a b+c': small, multi: Buffer.concat(parts) };
    const lines = ['data,empty', 'data,dir/a+b%2Bc', 'data,multi', 'data,cold', 'data,missing'];
    for (const algorithm of ALGORITHMS) {
      const job = await runCsvJob(w.s3, w.control, lines, { S3ComputeObjectChecksum: { ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' } });
      expectProgress(job, 5, 3, 2);
      const rows = await rowsOf(w, job.JobId);
      for (const key of Object.keys(etags) as Array<keyof typeof etags>) {
        const row = rows.get(key === 'dir/a b+c' ? 'dir/a+b%2Bc' : key);
        expect([row?.status, row?.http, row?.code], `${algorithm} ${key}`).toEqual(['succeeded', '200', '']);
        expect(row?.message, `${algorithm} ${key}`).toBe(resultMessage(await full(algorithm, data[key]), algorithm, 'FULL_OBJECT', etags[key]));
      }
      expect(rows.get('cold'), algorithm).toMatchObject({ status: 'failed', http: '403', code: 'InvalidObjectState', message: "The operation is not valid for the object's storage class" });
      expect(rows.get('missing'), algorithm).toMatchObject({ status: 'failed', http: '404', code: 'NoSuchKey' });
    }
  });

  it('CRC32, CRC32C, CRC64NVME, SHA1 and SHA256 equal the checksum the SDK sent on upload (the default type is FULL_OBJECT)', async () => {
    const w = await world(port);
    // What the SDK puts in x-amz-checksum-* as it sends each PutObject.
    const sent = new Map<string, string>();
    w.s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { path?: string; headers?: Record<string, string> };
        for (const [name, value] of Object.entries(request.headers ?? {})) {
          if (/^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.test(name)) sent.set(`${decodeURIComponent(request.path ?? '')} ${name}`, value);
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordSentChecksums' },
    );
    for (const algorithm of UPLOAD_CHECKSUMS) {
      for (const key of ['one', 'two']) {
        await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: `${algorithm}/${key}`, Body: randomBytes(4096 + key.length), ChecksumAlgorithm: algorithm }));
      }
      const job = await runCsvJob(w.s3, w.control, [`data,${algorithm}/one`, `data,${algorithm}/two`], { S3ComputeObjectChecksum: { ChecksumAlgorithm: algorithm } });
      expectProgress(job, 2, 2, 0);
      const rows = await rowsOf(w, job.JobId);
      for (const key of ['one', 'two']) {
        const header = sent.get(`/data/${algorithm}/${key} x-amz-checksum-${algorithm.toLowerCase()}`);
        expect(header, `${algorithm} ${key}: the SDK sent a checksum header`).toMatch(/^[A-Za-z0-9+/]+=*$/);
        const report = JSON.parse(rows.get(`${algorithm}/${key}`)!.message) as { checksum_base64: string; checksumType: string };
        expect([report.checksum_base64, report.checksumType], `${algorithm} ${key}`).toEqual([header, 'FULL_OBJECT']);
      }
    }
  });

  it('COMPOSITE of a multipart object equals what the store answered at upload (CRC32, CRC32C, SHA1, SHA256), the ETag for MD5, an independent composite for the others; FULL_OBJECT equals a full-object CRC upload', async () => {
    const w = await world(port);
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(12_345)];
    for (const algorithm of ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const) {
      const completed = await multipart(w, `composite/${algorithm}`, parts, { algorithm, type: 'COMPOSITE' });
      expect([completed.ChecksumType, completed[member(algorithm)]]).toEqual(['COMPOSITE', expect.stringMatching(/-3$/)]);
      const job = await runCsvJob(w.s3, w.control, [`data,composite/${algorithm}`], { S3ComputeObjectChecksum: { ChecksumAlgorithm: algorithm, ChecksumType: 'COMPOSITE' } });
      expectProgress(job, 1, 1, 0);
      const report = JSON.parse((await rowsOf(w, job.JobId)).get(`composite/${algorithm}`)!.message) as Record<string, string>;
      expect(report, algorithm).toEqual({
        checksum_base64: completed[member(algorithm)],
        checksum_hex: `${Buffer.from(completed[member(algorithm)]!.replace(/-3$/, ''), 'base64').toString('hex')}-3`,
        checksumAlgorithm: algorithm,
        checksumType: 'COMPOSITE',
        etag: completed.ETag!.replaceAll('"', ''),
      });
    }

    const plain = await multipart(w, 'plain', parts);
    for (const algorithm of ['MD5', 'CRC64NVME', 'SHA512', 'XXHASH64', 'XXHASH3', 'XXHASH128'] as const) {
      const type = algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
      const job = await runCsvJob(w.s3, w.control, ['data,plain'], { S3ComputeObjectChecksum: { ChecksumAlgorithm: algorithm, ChecksumType: type } });
      expectProgress(job, 1, 1, 0);
      const message = (await rowsOf(w, job.JobId)).get('plain')!.message;
      const expected = type === 'COMPOSITE' ? await referenceComposite(algorithm, parts) : await full(algorithm, Buffer.concat(parts));
      expect(message, algorithm).toBe(resultMessage(expected, algorithm, type, plain.ETag!));
      // MD5's composite is S3's multipart ETag.
      if (algorithm === 'MD5') expect(`"${(JSON.parse(message) as { checksum_hex: string }).checksum_hex}"`).toBe(plain.ETag);
    }

    // A full-object CRC upload of a multipart object: FULL_OBJECT equals the store's combined CRC.
    for (const algorithm of ['CRC64NVME', 'CRC32C'] as const) {
      const completed = await multipart(w, `full/${algorithm}`, parts, { algorithm, type: 'FULL_OBJECT' });
      expect(completed.ChecksumType).toBe('FULL_OBJECT');
      const job = await runCsvJob(w.s3, w.control, [`data,full/${algorithm}`], { S3ComputeObjectChecksum: { ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' } });
      const report = JSON.parse((await rowsOf(w, job.JobId)).get(`full/${algorithm}`)!.message) as Record<string, string>;
      expect([report.checksum_base64, report.checksumType], algorithm).toEqual([completed[member(algorithm)], 'FULL_OBJECT']);
    }
  });

  it('COMPOSITE of an object uploaded in one piece (or empty) is its full-object checksum, and says FULL_OBJECT', async () => {
    const w = await world(port);
    const body = randomBytes(3000);
    const { ETag, ChecksumSHA256 } = await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'single', Body: body, ChecksumAlgorithm: 'SHA256' }));
    const empty = await w.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'empty', Body: Buffer.alloc(0) }));
    const job = await runCsvJob(w.s3, w.control, ['data,single', 'data,empty'], { S3ComputeObjectChecksum: { ChecksumAlgorithm: 'SHA256', ChecksumType: 'COMPOSITE' } });
    expectProgress(job, 2, 2, 0);
    const rows = await rowsOf(w, job.JobId);
    expect(rows.get('single')!.message).toBe(resultMessage(await full('SHA256', body), 'SHA256', 'FULL_OBJECT', ETag!));
    expect(JSON.parse(rows.get('single')!.message).checksum_base64).toBe(ChecksumSHA256);
    expect(rows.get('empty')!.message).toBe(resultMessage(await full('SHA256', Buffer.alloc(0)), 'SHA256', 'FULL_OBJECT', empty.ETag!));
  });
});
