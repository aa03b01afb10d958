import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  STREAMING_SIGNED_PAYLOAD,
  STREAMING_SIGNED_PAYLOAD_TRAILER,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  createAwsChunkedDecoder,
  isAwsChunkedMode,
  type AwsChunkedDecoderOptions,
  type ChunkSigningContext,
} from './chunked.js';
import { EMPTY_SHA256, sha256Hex } from './hash.js';
import { verifyRequest, type SigV4Request, type VerifyOptions } from './verify.js';

const REGION = 'us-east-1';
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

function options(nowMs: number): VerifyOptions {
  return {
    region: REGION,
    service: 's3',
    nowMs,
    lookupKey: (id) => (id === CREDS.accessKeyId ? { secretAccessKey: CREDS.secretAccessKey, accountId: '123456789012' } : undefined),
  };
}

/** Sign a streaming PUT with the real signer and verify it: the seed of the chunk chain. */
async function signingContext(mode: string, decodedLength: number): Promise<ChunkSigningContext> {
  const signer = new SignatureV4({ service: 's3', region: REGION, credentials: CREDS, sha256: Sha256, uriEscapePath: false });
  const headers: Record<string, string> = {
    host: '127.0.0.1:9000',
    'x-amz-content-sha256': mode,
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(decodedLength),
  };
  if (mode !== STREAMING_SIGNED_PAYLOAD) headers['x-amz-trailer'] = 'x-amz-checksum-crc32';
  const s = await signer.sign(
    { method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path: '/bucket/key', query: {}, headers },
    { signingDate: new Date(NOW) },
  );
  const req: SigV4Request = { method: 'PUT', rawPath: '/bucket/key', rawQuery: '', headers: s.headers };
  const r = verifyRequest(req, options(NOW));
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  expect(r.payloadHash).toBe(mode);
  return r;
}

// --- Bodies built from the documented algorithm ------------------------------------------------

function chunkSignature(ctx: ChunkSigningContext, previous: string, data: Buffer): string {
  const sts = ['AWS4-HMAC-SHA256-PAYLOAD', ctx.amzDate, ctx.scope, previous, EMPTY_SHA256, sha256Hex(data)].join('\n');
  return createHmac('sha256', ctx.signingKey).update(sts).digest('hex');
}

function trailerSignature(ctx: ChunkSigningContext, previous: string, trailers: [string, string][]): string {
  const text = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
  const sts = ['AWS4-HMAC-SHA256-TRAILER', ctx.amzDate, ctx.scope, previous, sha256Hex(text)].join('\n');
  return createHmac('sha256', ctx.signingKey).update(sts).digest('hex');
}

function crc32Base64(data: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data) >>> 0);
  return b.toString('base64');
}

function split(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

function signedBody(ctx: ChunkSigningContext, chunks: Buffer[], trailers?: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  let previous = ctx.seedSignature;
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const sig = chunkSignature(ctx, previous, chunk);
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`));
    if (chunk.length > 0) parts.push(chunk, Buffer.from('\r\n'));
    previous = sig;
  }
  if (trailers === undefined) {
    parts.push(Buffer.from('\r\n'));
  } else {
    for (const [n, v] of trailers) parts.push(Buffer.from(`${n}:${v}\r\n`));
    parts.push(Buffer.from(`x-amz-trailer-signature:${trailerSignature(ctx, previous, trailers)}\r\n\r\n`));
  }
  return Buffer.concat(parts);
}

function unsignedBody(chunks: Buffer[], trailers: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n'));
  for (const [n, v] of trailers) parts.push(Buffer.from(`${n}:${v}\r\n`));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

// --- Decoding helper ----------------------------------------------------------------------------

type Pieces = number | 'random' | undefined;

function pieces(body: Buffer, how: Pieces): Buffer[] {
  if (how === undefined) return [body];
  if (typeof how === 'number') return split(body, how);
  const out: Buffer[] = [];
  let seed = body.length;
  for (let i = 0; i < body.length; ) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (seed % 9000);
    out.push(body.subarray(i, i + n));
    i += n;
  }
  return out;
}

async function decode(
  body: Buffer,
  opts: AwsChunkedDecoderOptions,
  how?: Pieces,
): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const decoder = createAwsChunkedDecoder(opts);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces(body, how)),
    decoder,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  const trailers = await decoder.trailers;
  expect(decoder.getTrailers()).toEqual(trailers);
  expect(decoder.decodedLength).toBe(Buffer.concat(out).length);
  return { data: Buffer.concat(out), trailers };
}

const PAYLOAD = randomBytes(64 * 1024 * 2 + 1234);
const CHUNKS = split(PAYLOAD, 64 * 1024);

describe('aws-chunked decoding', () => {
  it('recognises the streaming modes', () => {
    expect(isAwsChunkedMode(STREAMING_SIGNED_PAYLOAD)).toBe(true);
    expect(isAwsChunkedMode(STREAMING_SIGNED_PAYLOAD_TRAILER)).toBe(true);
    expect(isAwsChunkedMode(STREAMING_UNSIGNED_PAYLOAD_TRAILER)).toBe(true);
    expect(isAwsChunkedMode('UNSIGNED-PAYLOAD')).toBe(false);
    expect(isAwsChunkedMode(undefined)).toBe(false);
    expect(() => createAwsChunkedDecoder({ mode: 'UNSIGNED-PAYLOAD' })).toThrow(/Unsupported/);
    expect(() => createAwsChunkedDecoder({ mode: STREAMING_SIGNED_PAYLOAD })).toThrow(/signing context/);
    expect(() => createAwsChunkedDecoder({ mode: STREAMING_UNSIGNED_PAYLOAD_TRAILER, decodedContentLength: 'x' })).toThrow(
      /decoded-content-length/,
    );
  });

  describe(STREAMING_SIGNED_PAYLOAD, () => {
    it.each<[string, Pieces]>([
      ['whole', undefined],
      ['1-byte writes', 1],
      ['7-byte writes', 7],
      ['random writes', 'random'],
    ])('decodes and verifies every chunk (%s)', async (_name, how) => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, PAYLOAD.length);
      const body = signedBody(ctx, CHUNKS);
      const { data, trailers } = await decode(
        body,
        { mode: STREAMING_SIGNED_PAYLOAD, signing: ctx, decodedContentLength: String(PAYLOAD.length) },
        how,
      );
      expect(data.equals(PAYLOAD)).toBe(true);
      expect(trailers).toEqual({});
    });

    it('decodes an empty payload', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, 0);
      const { data } = await decode(signedBody(ctx, []), { mode: STREAMING_SIGNED_PAYLOAD, signing: ctx, decodedContentLength: 0 });
      expect(data.length).toBe(0);
    });

    it('rejects tampered chunk data, signatures and seeds with SignatureDoesNotMatch', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, PAYLOAD.length);
      const body = signedBody(ctx, CHUNKS);
      const flipAt = (at: number): Buffer => {
        const b = Buffer.from(body);
        b[at] = (b[at] as number) ^ 1;
        return b;
      };
      /** The body with the 64-hex signature at `at` replaced by a different one. */
      const withSignature = (at: number, digit: string): Buffer => {
        const b = Buffer.from(body);
        const sig = digit.repeat(64) === b.toString('latin1', at, at + 64) ? '1'.repeat(64) : digit.repeat(64);
        b.write(sig, at, 'latin1');
        return b;
      };
      const firstData = body.indexOf('\r\n') + 2;
      const secondSig = body.indexOf('chunk-signature=', firstData) + 'chunk-signature='.length;
      const lastSig = body.lastIndexOf('chunk-signature=') + 'chunk-signature='.length;
      const variants = [
        flipAt(firstData + 10),
        flipAt(body.length - 10 - 64 * 2),
        withSignature(secondSig, 'f'),
        withSignature(lastSig, '0'),
        signedBody({ ...ctx, seedSignature: '1'.repeat(64) }, CHUNKS),
      ];
      for (const [i, variant] of variants.entries()) {
        await expect(decode(variant, { mode: STREAMING_SIGNED_PAYLOAD, signing: ctx }), `variant ${i}`).rejects.toMatchObject({
          code: 'SignatureDoesNotMatch',
          status: 403,
        });
      }
    });

    it('fails a truncated body with IncompleteBody at every cut point (or decodes everything)', async () => {
      const small = split(randomBytes(300), 100);
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, 300);
      const body = signedBody(ctx, small);
      for (let cut = 0; cut < body.length; cut++) {
        const result = await decode(body.subarray(0, cut), { mode: STREAMING_SIGNED_PAYLOAD, signing: ctx }).then(
          (r) => r,
          (e: unknown) => e,
        );
        if (result instanceof Error) {
          expect(result, `cut at ${cut}`).toMatchObject({ code: 'IncompleteBody', status: 400 });
        } else {
          // Only a body cut after the (verified) final chunk line, missing its last CRLF, is accepted.
          expect(cut).toBe(body.length - 2);
          expect((result as { data: Buffer }).data.equals(Buffer.concat(small))).toBe(true);
        }
      }
    });

    it('checks x-amz-decoded-content-length both ways', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, PAYLOAD.length);
      const body = signedBody(ctx, CHUNKS);
      for (const declared of [PAYLOAD.length + 1, PAYLOAD.length - 1, 0]) {
        await expect(decode(body, { mode: STREAMING_SIGNED_PAYLOAD, signing: ctx, decodedContentLength: declared })).rejects.toMatchObject({
          code: 'IncompleteBody',
        });
      }
    });

    it('rejects malformed framing with InvalidRequest', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, 5);
      const good = signedBody(ctx, [Buffer.from('hello')]).toString('latin1');
      const variants = [
        'zz;chunk-signature=00\r\nhello\r\n',
        good.replace(';chunk-signature=', ';chunk-sig='),
        good.replace('\r\n', '\n'),
        good.replace('hello\r\n', 'helloXY'),
        good + 'extra',
        '5\r\nhello\r\n0\r\n\r\n',
        'f'.repeat(20) + ';chunk-signature=' + '0'.repeat(64) + '\r\n',
        'x'.repeat(5000),
      ];
      for (const v of variants) {
        await expect(decode(Buffer.from(v, 'latin1'), { mode: STREAMING_SIGNED_PAYLOAD, signing: ctx }), v.slice(0, 40)).rejects.toMatchObject({
          code: 'InvalidRequest',
          status: 400,
        });
      }
    });

    it('streams data through before a large chunk has fully arrived', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, 4 * 1024 * 1024);
      const big = randomBytes(4 * 1024 * 1024);
      const body = signedBody(ctx, [big]);
      const decoder = createAwsChunkedDecoder({ mode: STREAMING_SIGNED_PAYLOAD, signing: ctx });
      let received = 0;
      decoder.on('data', (c: Buffer) => (received += c.length));
      const headerEnd = body.indexOf('\r\n') + 2;
      decoder.write(body.subarray(0, headerEnd + 1000));
      await new Promise((r) => setImmediate(r));
      expect(received).toBe(1000);
      decoder.end(body.subarray(headerEnd + 1000));
      await new Promise((resolve, reject) => decoder.on('end', resolve).on('error', reject));
      expect(received).toBe(big.length);
    });

    it('the trailers promise rejects with the stream error', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD, 5);
      const decoder = createAwsChunkedDecoder({ mode: STREAMING_SIGNED_PAYLOAD, signing: ctx });
      decoder.on('error', () => undefined);
      decoder.resume();
      decoder.end(Buffer.from('5;chunk-signature=' + '0'.repeat(64) + '\r\nhello\r\n'));
      await expect(decoder.trailers).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
      const destroyed = createAwsChunkedDecoder({ mode: STREAMING_UNSIGNED_PAYLOAD_TRAILER });
      destroyed.destroy();
      await expect(destroyed.trailers).rejects.toMatchObject({ code: 'IncompleteBody' });
    });
  });

  describe(STREAMING_SIGNED_PAYLOAD_TRAILER, () => {
    it.each<[string, Pieces]>([
      ['whole', undefined],
      ['1-byte writes', 1],
      ['random writes', 'random'],
    ])('decodes, verifies chunks and the trailer signature (%s)', async (_name, how) => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD_TRAILER, PAYLOAD.length);
      const trailers: [string, string][] = [['x-amz-checksum-crc32', crc32Base64(PAYLOAD)]];
      const { data, trailers: got } = await decode(
        signedBody(ctx, CHUNKS, trailers),
        {
          mode: STREAMING_SIGNED_PAYLOAD_TRAILER,
          signing: ctx,
          decodedContentLength: PAYLOAD.length,
          declaredTrailers: 'x-amz-checksum-crc32',
        },
        how,
      );
      expect(data.equals(PAYLOAD)).toBe(true);
      expect(got).toEqual({ 'x-amz-checksum-crc32': crc32Base64(PAYLOAD) });
    });

    it('rejects a tampered trailer or trailer signature, and a missing signature', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD_TRAILER, PAYLOAD.length);
      const body = signedBody(ctx, CHUNKS, [['x-amz-checksum-crc32', crc32Base64(PAYLOAD)]]).toString('latin1');
      const opts = { mode: STREAMING_SIGNED_PAYLOAD_TRAILER, signing: ctx };
      await expect(decode(Buffer.from(body.replace(crc32Base64(PAYLOAD), 'AAAAAA=='), 'latin1'), opts)).rejects.toMatchObject({
        code: 'SignatureDoesNotMatch',
      });
      await expect(
        decode(Buffer.from(body.replace(/x-amz-trailer-signature:\w{4}/, 'x-amz-trailer-signature:0000'), 'latin1'), opts),
      ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
      await expect(
        decode(Buffer.from(body.replace(/x-amz-trailer-signature:\w+\r\n/, ''), 'latin1'), opts),
      ).rejects.toMatchObject({ code: 'InvalidRequest' });
    });

    it('requires the trailers declared in x-amz-trailer', async () => {
      const ctx = await signingContext(STREAMING_SIGNED_PAYLOAD_TRAILER, PAYLOAD.length);
      const body = signedBody(ctx, CHUNKS, [['x-amz-checksum-sha256', 'abc=']]);
      await expect(
        decode(body, { mode: STREAMING_SIGNED_PAYLOAD_TRAILER, signing: ctx, declaredTrailers: 'x-amz-checksum-crc32' }),
      ).rejects.toMatchObject({ code: 'InvalidRequest', message: expect.stringContaining('x-amz-checksum-crc32') });
    });
  });

  describe(STREAMING_UNSIGNED_PAYLOAD_TRAILER, () => {
    it.each<[string, Pieces]>([
      ['whole', undefined],
      ['1-byte writes', 1],
      ['random writes', 'random'],
    ])('decodes chunks and trailers (%s)', async (_name, how) => {
      const trailers: [string, string][] = [
        ['x-amz-checksum-crc32', crc32Base64(PAYLOAD)],
        ['X-Other', ' v '],
      ];
      const { data, trailers: got } = await decode(
        unsignedBody(CHUNKS, trailers),
        { mode: STREAMING_UNSIGNED_PAYLOAD_TRAILER, decodedContentLength: PAYLOAD.length, declaredTrailers: 'x-amz-checksum-crc32' },
        how,
      );
      expect(data.equals(PAYLOAD)).toBe(true);
      expect(got).toEqual({ 'x-amz-checksum-crc32': crc32Base64(PAYLOAD), 'x-other': 'v' });
    });

    it('fails truncated bodies with IncompleteBody', async () => {
      const body = unsignedBody(split(randomBytes(100), 30), [['x-amz-checksum-crc32', 'AAAAAA==']]);
      const opts = { mode: STREAMING_UNSIGNED_PAYLOAD_TRAILER, declaredTrailers: 'x-amz-checksum-crc32' };
      for (let cut = 0; cut < body.length - 2; cut++) {
        await expect(decode(body.subarray(0, cut), opts), `cut at ${cut}`).rejects.toMatchObject({
          code: cut === body.length - 'x-amz-checksum-crc32:AAAAAA==\r\n\r\n'.length ? 'InvalidRequest' : 'IncompleteBody',
        });
      }
    });

    it('rejects junk trailers and signatures in an unsigned body', async () => {
      const opts = { mode: STREAMING_UNSIGNED_PAYLOAD_TRAILER };
      for (const v of ['3\r\nabc\r\n0\r\nno-colon\r\n\r\n', '3\r\nabc\r\n0\r\nx-amz-trailer-signature:00\r\n\r\n', '3\r\nabc\r\n0\r\na:1\r\na:2\r\n\r\n']) {
        await expect(decode(Buffer.from(v), opts)).rejects.toMatchObject({ code: 'InvalidRequest' });
      }
    });
  });
});

describe('the AWS documentation example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  // "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks":
  // PUT examplebucket/chunkObject.txt, 65536 + 1024 bytes of 'a', with its published signatures.
  const req: SigV4Request = {
    method: 'PUT',
    rawPath: '/examplebucket/chunkObject.txt',
    rawQuery: '',
    headers: {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
    },
  };
  const body = Buffer.concat([
    Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
    Buffer.alloc(65536, 'a'),
    Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'),
    Buffer.alloc(1024, 'a'),
    Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
  ]);

  it('verifies the seed request and decodes the published chunks', async () => {
    expect(body.length).toBe(66824);
    const r = verifyRequest(req, options(Date.UTC(2013, 4, 24, 0, 5)));
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    expect(r.seedSignature).toBe('4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
    const { data } = await decode(body, { mode: r.payloadHash, signing: r, decodedContentLength: '66560' }, 'random');
    expect(data.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });
});

describe('aws-chunked bodies captured from the real S3 client', () => {
  interface Captured {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
  }

  async function capture(run: (client: S3Client) => Promise<unknown>): Promise<Captured[]> {
    const captured: Captured[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-length': '0', etag: '"x"' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      region: REGION,
      credentials: CREDS,
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      maxAttempts: 1,
    });
    try {
      await run(client);
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    return captured;
  }

  async function verifyAndDecode(c: Captured): Promise<{ payloadHash: string; data: Buffer; trailers: Record<string, string> }> {
    const q = c.url.indexOf('?');
    const req: SigV4Request = {
      method: c.method,
      rawPath: q === -1 ? c.url : c.url.slice(0, q),
      rawQuery: q === -1 ? '' : c.url.slice(q + 1),
      headers: c.headers,
    };
    const r = verifyRequest(req, options(Date.now()));
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    if (!isAwsChunkedMode(r.payloadHash)) return { payloadHash: r.payloadHash, data: c.body, trailers: {} };
    const decoded = await decode(c.body, {
      mode: r.payloadHash,
      signing: r,
      decodedContentLength: c.headers['x-amz-decoded-content-length'] as string,
      declaredTrailers: c.headers['x-amz-trailer'] as string,
    });
    return { payloadHash: r.payloadHash, ...decoded };
  }

  it('PutObject with a stream body: STREAMING-UNSIGNED-PAYLOAD-TRAILER with a crc32 trailer', async () => {
    const data = randomBytes(300 * 1024 + 17);
    const [c] = await capture((client) =>
      client.send(
        new PutObjectCommand({
          Bucket: 'bucket',
          Key: 'dir/a b+é.bin',
          Body: Readable.from(split(data, 50_000)),
          ContentLength: data.length,
        }),
      ),
    );
    if (c === undefined) throw new Error('nothing captured');
    expect(c.headers['content-encoding']).toBe('aws-chunked');
    expect(c.headers['x-amz-content-sha256']).toBe(STREAMING_UNSIGNED_PAYLOAD_TRAILER);
    expect(c.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect(c.headers['x-amz-decoded-content-length']).toBe(String(data.length));
    const { payloadHash, data: decoded, trailers } = await verifyAndDecode(c);
    expect(payloadHash).toBe(STREAMING_UNSIGNED_PAYLOAD_TRAILER);
    expect(decoded.equals(data)).toBe(true);
    expect(trailers['x-amz-checksum-crc32']).toBe(crc32Base64(data));
    // the captured body decodes the same when it trickles in byte by byte
    const slow = await decode(
      c.body,
      { mode: STREAMING_UNSIGNED_PAYLOAD_TRAILER, decodedContentLength: data.length },
      'random',
    );
    expect(slow.data.equals(data)).toBe(true);
  });

  it('UploadPart with a stream body decodes too', async () => {
    const data = Buffer.from('part data '.repeat(1000));
    const [c] = await capture((client) =>
      client.send(
        new UploadPartCommand({
          Bucket: 'bucket',
          Key: 'k',
          UploadId: 'up/1',
          PartNumber: 2,
          Body: Readable.from([data]),
          ContentLength: data.length,
        }),
      ),
    );
    if (c === undefined) throw new Error('nothing captured');
    const { data: decoded, trailers } = await verifyAndDecode(c);
    expect(decoded.equals(data)).toBe(true);
    expect(trailers['x-amz-checksum-crc32']).toBe(crc32Base64(data));
  });

  it('PutObject with a Buffer body: plain body, hex payload hash, checksum header', async () => {
    const data = Buffer.from('hello world');
    const [c] = await capture((client) => client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'k', Body: data })));
    if (c === undefined) throw new Error('nothing captured');
    expect(c.headers['content-encoding']).toBeUndefined();
    expect(c.headers['x-amz-checksum-crc32']).toBe(crc32Base64(data));
    const { payloadHash, data: body } = await verifyAndDecode(c);
    expect(payloadHash).toBe(sha256Hex(data));
    expect(body.equals(data)).toBe(true);
  });
});
