/**
 * Authentication (headers, presigned URLs, aws-chunked signed and unsigned), checksums and the
 * bad-input errors, over real HTTP: with the AWS SDK v3 where it can send the request, by hand
 * where it cannot.
 */
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type ChecksumAlgorithm,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { checksumOf } from '../../src/object-store/checksums.js';
import { ACCOUNT_A, ACCOUNT_B, startTestServer } from '../helpers/server.js';
import { bodyBytes, expectS3Error, md5Hex, s3Client, testData } from './helpers.js';
import { chunkedPut, codeOf, presign, send, signedRequest } from './raw.js';

async function setup() {
  const server = await startTestServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'auth' }));
  await s3.send(new PutObjectCommand({ Bucket: 'auth', Key: 'exists', Body: 'here' }));
  const keys = async (): Promise<string[]> => ((await s3.send(new ListObjectsV2Command({ Bucket: 'auth' }))).Contents ?? []).map((o) => o.Key as string);
  return { server, s3, keys };
}

describe('checksums', () => {
  it('stores the SDK default CRC32 and returns it with x-amz-checksum-mode: ENABLED', async () => {
    const { s3 } = await setup();
    const put = await s3.send(new PutObjectCommand({ Bucket: 'auth', Key: 'crc', Body: 'checksummed' }));
    expect(put.ChecksumCRC32).toBe(checksumOf('CRC32', Buffer.from('checksummed')));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'auth', Key: 'crc', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toBe(put.ChecksumCRC32);
    const plain = await s3.send(new HeadObjectCommand({ Bucket: 'auth', Key: 'crc' }));
    expect(plain.ChecksumCRC32).toBeUndefined();
  });

  it.each(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const)('%s: computed, stored, returned, validated by the SDK on GET', async (algorithm) => {
    const { s3 } = await setup();
    const data = testData(300_000);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'auth', Key: algorithm, Body: data, ChecksumAlgorithm: algorithm as ChecksumAlgorithm }));
    const member = `Checksum${algorithm}` as const;
    expect(put[member]).toBe(checksumOf(algorithm, data));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'auth', Key: algorithm, ChecksumMode: 'ENABLED' }));
    expect(got[member]).toBe(checksumOf(algorithm, data));
    expect(md5Hex(await bodyBytes(got.Body))).toBe(md5Hex(data));
  });

  it('streams (aws-chunked with a CRC32 trailer) from the SDK', async () => {
    const { s3 } = await setup();
    const data = testData(2 * 1024 * 1024 + 3);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'auth', Key: 'streamed', Body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]), ContentLength: data.length }));
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    expect(put.ChecksumCRC32).toBe(checksumOf('CRC32', data));
  });

  const wrong: Array<{ name: string; extra: Record<string, string>; code: string; status: number }> = [
    { name: 'a wrong CRC32', extra: { ChecksumCRC32: checksumOf('CRC32', Buffer.from('other')) }, code: 'BadDigest', status: 400 },
    { name: 'a wrong SHA256', extra: { ChecksumSHA256: checksumOf('SHA256', Buffer.from('other')) }, code: 'BadDigest', status: 400 },
    { name: 'a wrong CRC64NVME', extra: { ChecksumCRC64NVME: checksumOf('CRC64NVME', Buffer.from('other')) }, code: 'BadDigest', status: 400 },
    { name: 'a malformed SHA1', extra: { ChecksumSHA1: 'not-base64!' }, code: 'InvalidRequest', status: 400 },
    { name: 'a wrong Content-MD5', extra: { ContentMD5: Buffer.from(md5Hex('other'), 'hex').toString('base64') }, code: 'BadDigest', status: 400 },
    { name: 'a malformed Content-MD5', extra: { ContentMD5: 'abc' }, code: 'InvalidDigest', status: 400 },
  ];
  it.each(wrong)('$name → $code ($status), nothing stored', async ({ extra, code, status }) => {
    const { s3, keys } = await setup();
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: 'auth', Key: 'bad', Body: 'payload', ...extra })), code, status);
    expect(await keys()).toEqual(['exists']);
  });

  it('aws-chunked by hand: unsigned and signed, with trailers, and each failure', async () => {
    const { server, s3, keys } = await setup();
    const data = testData(200_000);
    const crc = checksumOf('CRC32', data);
    const crc32c = checksumOf('CRC32C', data);
    let r = await chunkedPut(server.url, '/auth/unsigned', data, { signed: false, trailers: [['x-amz-checksum-crc32', crc]] });
    expect(r.status, r.body.toString()).toBe(200);
    expect(r.headers['x-amz-checksum-crc32']).toBe(crc);
    r = await chunkedPut(server.url, '/auth/signed', data, { signed: true });
    expect(r.status, r.body.toString()).toBe(200);
    r = await chunkedPut(server.url, '/auth/signed-trailer', data, { signed: true, trailers: [['x-amz-checksum-crc32c', crc32c]] });
    expect(r.status, r.body.toString()).toBe(200);
    const back = await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: 'auth', Key: 'signed-trailer', ChecksumMode: 'ENABLED' }))).Body);
    expect(md5Hex(back)).toBe(md5Hex(data));

    r = await chunkedPut(server.url, '/auth/bad1', data, { signed: false, trailers: [['x-amz-checksum-crc32', checksumOf('CRC32', Buffer.from('x'))]] });
    expect([r.status, codeOf(r)]).toEqual([400, 'BadDigest']);
    r = await chunkedPut(server.url, '/auth/bad2', data, { signed: true, corruptChunk: true });
    expect([r.status, codeOf(r)]).toEqual([403, 'SignatureDoesNotMatch']);
    r = await chunkedPut(server.url, '/auth/bad3', data, { signed: true, headers: { 'x-amz-decoded-content-length': String(data.length + 1) } });
    expect([r.status, codeOf(r)]).toEqual([400, 'IncompleteBody']);
    expect(await keys()).toEqual(['exists', 'signed', 'signed-trailer', 'unsigned']);
  });
});

describe('authentication', () => {
  it('presigned GET and PUT work until they expire', async () => {
    const { server } = await setup();
    const put = await presign(server.url, 'PUT', '/auth/presigned');
    let r = await send(server.url, 'PUT', put, { host: new URL(server.url).host, 'content-length': '9' }, Buffer.from('presigned'));
    expect(r.status, r.body.toString()).toBe(200);
    const get = await presign(server.url, 'GET', '/auth/presigned');
    r = await send(server.url, 'GET', get, { host: new URL(server.url).host });
    expect([r.status, r.body.toString()]).toEqual([200, 'presigned']);
    const expired = await presign(server.url, 'GET', '/auth/presigned', { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    r = await send(server.url, 'GET', expired, { host: new URL(server.url).host });
    expect([r.status, codeOf(r)]).toEqual([403, 'AccessDenied']);
    expect(r.body.toString()).toMatch(/<Error><Code>AccessDenied<\/Code><Message>[^<]*expired/);
    const other = await presign(server.url, 'GET', '/auth/presigned', { account: ACCOUNT_B });
    r = await send(server.url, 'GET', other, { host: new URL(server.url).host });
    expect([r.status, codeOf(r)]).toEqual([403, 'AccessDenied']);
  });

  it('rejects unsigned and badly signed requests in S3 <Error> form', async () => {
    const { server } = await setup();
    const host = new URL(server.url).host;
    let r = await send(server.url, 'GET', '/auth/exists', { host });
    expect([r.status, codeOf(r)]).toEqual([403, 'AccessDenied']);
    expect(r.headers['content-type']).toBe('application/xml');
    expect(r.body.toString()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>.+<\/Message><Resource>\/auth\/exists<\/Resource><RequestId>[0-9A-F]{16}<\/RequestId><HostId>.+<\/HostId><\/Error>$/);
    r = await signedRequest(server.url, 'GET', '/auth/exists', { account: { ...ACCOUNT_A, secretAccessKey: 'wrong' } });
    expect([r.status, codeOf(r)]).toEqual([403, 'SignatureDoesNotMatch']);
    r = await signedRequest(server.url, 'GET', '/auth/exists', { account: { ...ACCOUNT_A, accessKeyId: 'NOSUCHKEY' } });
    expect([r.status, codeOf(r)]).toEqual([403, 'InvalidAccessKeyId']);
    r = await send(server.url, 'HEAD', '/auth/exists', { host });
    expect([r.status, r.body.length]).toEqual([403, 0]);
  });

  it('a client that goes away mid-upload leaves nothing behind', async () => {
    const { server, keys } = await setup();
    const u = new URL(server.url);
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('@aws-crypto/sha256-js');
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: ACCOUNT_A, sha256: Sha256, uriEscapePath: false });
    const headers = { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(10 * 1024 * 1024) };
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/auth/abandoned', query: {}, headers });
    const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: '/auth/abandoned', headers: signed.headers });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(3 * 1024 * 1024, 1));
    const tmp = path.join(server.dataDir, 'objects', 'tmp');
    for (let i = 0; i < 200 && (await readdir(tmp)).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await readdir(tmp)).length).toBe(1);
    req.destroy();
    for (let i = 0; i < 200 && (await readdir(tmp)).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await readdir(tmp)).toEqual([]);
    expect(await keys()).toEqual(['exists']);
  });

  const bad: Array<{ name: string; method: string; path: string; options?: Parameters<typeof signedRequest>[3]; code: string; status: number }> = [
    { name: 'payload hash mismatch', method: 'PUT', path: '/auth/k', options: { body: Buffer.from('abc'), payloadHash: 'a'.repeat(64) }, code: 'XAmzContentSHA256Mismatch', status: 400 },
    { name: 'PUT without Content-Length', method: 'PUT', path: '/auth/k', options: { bare: true }, code: 'MissingContentLength', status: 411 },
    { name: 'unknown subresource on a bucket', method: 'PUT', path: '/auth', options: { query: { lifecycle: '' }, body: Buffer.from('<x/>') }, code: 'NotImplemented', status: 501 },
    { name: 'unknown subresource on an object', method: 'GET', path: '/auth/exists', options: { query: { torrent: '' } }, code: 'NotImplemented', status: 501 },
    { name: 'malformed tagging XML', method: 'PUT', path: '/auth/exists', options: { query: { tagging: '' }, body: Buffer.from('<Tagging><TagSet>') }, code: 'MalformedXML', status: 400 },
    { name: 'tagging XML of the wrong shape', method: 'PUT', path: '/auth/exists', options: { query: { tagging: '' }, body: Buffer.from('<Other/>') }, code: 'MalformedXML', status: 400 },
    {
      name: 'XML with an entity declaration',
      method: 'PUT',
      path: '/auth',
      options: { query: { versioning: '' }, body: Buffer.from('<!DOCTYPE x [<!ENTITY e "Enabled">]><VersioningConfiguration><Status>&e;</Status></VersioningConfiguration>') },
      code: 'MalformedXML',
      status: 400,
    },
    { name: 'invalid UTF-8 in the key', method: 'GET', path: '/auth/%FF%FE', code: 'InvalidURI', status: 400 },
    { name: 'POST to an object without a subresource', method: 'POST', path: '/auth/k', code: 'NotImplemented', status: 501 },
    { name: 'reserved bucket name (virtual host)', method: 'PUT', path: '/', options: { headers: { host: 'v20180820.localhost' } }, code: 'InvalidBucketName', status: 400 },
  ];
  it.each(bad)('$name → $code ($status)', async ({ method, path, options, code, status }) => {
    const { server, keys } = await setup();
    const r = await signedRequest(server.url, method, path, options);
    expect([r.status, codeOf(r)], r.body.toString()).toEqual([status, code]);
    expect(await keys()).toEqual(['exists']);
  });
});
