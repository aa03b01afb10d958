import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../manifests/index.js';
import { S3PortError } from '../s3/s3-port.js';
import { backoffMs, classifyFailure, INTERNAL_ERROR_CODE, withRetries } from './retry.js';

const err = (code: string, status: number) => new S3PortError(code, status, code);

describe('classifyFailure', () => {
  it.each([
    ['SlowDown', 503, 'throttled'],
    ['ThrottlingException', 400, 'throttled'],
    ['TooManyRequests', 429, 'throttled'],
    ['TooManyRequestsException', 429, 'throttled'],
    ['InternalError', 500, 'transient'],
    ['InternalError', 200, 'transient'], // S3's late failure of a CopyObject, in a 200's body
    ['ServiceUnavailable', 503, 'transient'],
    ['RequestTimeout', 400, 'transient'],
    ['NetworkError', 0, 'transient'],
    ['BadGateway', 502, 'transient'],
    ['GatewayTimeout', 504, 'transient'],
    ['Http408', 408, 'transient'],
    ['NotImplemented', 501, 'permanent'],
    ['Http505', 505, 'permanent'],
    ['ENOTFOUND', 0, 'permanent'],
    ['HPE_INVALID_CONSTANT', 0, 'permanent'],
    ['NoSuchKey', 404, 'permanent'],
    ['AccessDenied', 403, 'permanent'],
    ['InvalidObjectState', 403, 'permanent'],
    ['NoSuchBucket', 404, 'permanent'],
    ['InvalidTag', 400, 'permanent'],
    ['PreconditionFailed', 412, 'permanent'],
  ])('%s %i is %s', (code, status, kind) => {
    expect(classifyFailure(err(code, status))).toMatchObject({ kind, code, status });
  });

  const raw = (code: string, message = `${code} happened`): Error => Object.assign(new Error(message), { code });

  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENETDOWN',
    'EAI_AGAIN',
    'ERR_STREAM_PREMATURE_CLOSE',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_SOCKET',
    'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  ])('a raw socket error %s is transient, with its code and no status', (code) => {
    expect(classifyFailure(raw(code, 'read failed'))).toMatchObject({ kind: 'transient', code, status: 0, resultMessage: 'read failed' });
  });

  it.each(['ENOTFOUND', 'EAI_FAIL', 'EPROTO', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER', 'HPE_INVALID_CONSTANT'])(
    'a raw connection failure that would come again (%s) is permanent, with its code',
    (code) => {
      expect(classifyFailure(raw(code))).toMatchObject({ kind: 'permanent', code, status: 0 });
    },
  );

  it("fetch's TypeError is classified by its cause: transient for a reset or a refusal, permanent for ENOTFOUND", () => {
    const reset = new TypeError('fetch failed', { cause: raw('UND_ERR_SOCKET', 'other side closed') });
    expect(classifyFailure(reset)).toEqual({ kind: 'transient', code: 'UND_ERR_SOCKET', status: 0, message: 'fetch failed: other side closed', resultMessage: 'fetch failed: other side closed' });
    expect(classifyFailure(new TypeError('fetch failed', { cause: raw('ECONNREFUSED') }))).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
    expect(classifyFailure(new TypeError('fetch failed', { cause: raw('ENOTFOUND') }))).toMatchObject({ kind: 'permanent', code: 'ENOTFOUND' });
    // A timeout of AbortSignal.timeout: a DOMException named TimeoutError.
    expect(classifyFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toMatchObject({ kind: 'transient', code: 'TimeoutError' });
  });

  it('an AggregateError (each address of a host tried) is transient only when each of its errors is', () => {
    expect(classifyFailure(new AggregateError([raw('ECONNREFUSED'), raw('ETIMEDOUT')], 'connect failed'))).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
    expect(classifyFailure(new AggregateError([raw('ECONNREFUSED'), new TypeError('x is not a function')], 'connect failed'))).toMatchObject({ kind: 'internal' });
  });

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'etag')")],
    ['a RangeError', new RangeError('Invalid array length')],
    ['an Error without a code', new Error('preparation stored 3 chunks')],
    ["an Error with a code of Node's own misuse", raw('ERR_INVALID_ARG_TYPE', 'The "chunk" argument must be of type string')],
    ['an Error with a code no list knows', raw('ENOENT', "no such file or directory, open '/data/objects/ab/cd'")],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['a TypeError whose cause is no network failure', new TypeError('fetch failed', { cause: new Error('bad port') })],
  ])('%s is an internal error: our code, no status, a message that blames s3batch and not the stack', (_name, error) => {
    const f = classifyFailure(error);
    expect(f).toMatchObject({ kind: 'internal', code: INTERNAL_ERROR_CODE, status: 0 });
    expect(INTERNAL_ERROR_CODE).toBe('S3BatchInternalError');
    expect(f.resultMessage).toMatch(/^An internal error in s3batch failed this task: a bug in s3batch, not a problem of your request or of the store\. Please report it/);
    if (error instanceof Error) {
      expect(f.resultMessage).toContain(`${error.name}: ${error.message}`);
      expect(f.resultMessage).not.toContain(' at ');
    }
  });

  it('a ManifestError of a chunk read: retried when the read may work again, not when the manifest changed', () => {
    expect(classifyFailure(new ManifestError('ManifestReadFailed', 'Reading the manifest failed: SlowDown', { retryable: true }))).toMatchObject({ kind: 'transient', code: 'ManifestReadFailed' });
    expect(classifyFailure(new ManifestError('ManifestETagMismatch', 'The manifest changed'))).toMatchObject({ kind: 'permanent', code: 'ManifestETagMismatch' });
  });

  it('real socket errors: a refused connection (http and fetch) and a reset are transient', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await new Promise<Error>((resolve) => http.get({ host: '127.0.0.1', port }).on('error', resolve));
    expect(classifyFailure(refused)).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
    const fetched = await fetch(`http://127.0.0.1:${port}/`).then(() => undefined, (e: unknown) => e);
    expect(fetched).toBeInstanceOf(TypeError);
    expect(classifyFailure(fetched)).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });

    const resetting = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    try {
      const hungUp = await new Promise<Error>((resolve) => http.get({ host: '127.0.0.1', port: (resetting.address() as net.AddressInfo).port }).on('error', resolve));
      expect(classifyFailure(hungUp)).toMatchObject({ kind: 'transient', code: 'ECONNRESET' });
    } finally {
      await new Promise((resolve) => resetting.close(resolve));
    }
  });
});

describe('backoffMs', () => {
  it('grows exponentially below the cap, jittered over [0, ceiling)', () => {
    expect([0, 1, 2, 3].map((n) => backoffMs(n, undefined, () => 0.999))).toEqual([49, 99, 199, 399]);
    expect(backoffMs(20, undefined, () => 0.999)).toBe(4995);
    expect(backoffMs(5, undefined, () => 0)).toBe(0);
  });
});

describe('withRetries', () => {
  const noSleep = async () => {};

  it('retries transient failures until success', async () => {
    let calls = 0;
    const seen: string[] = [];
    const result = await withRetries(
      async () => {
        if (++calls < 3) throw err(calls === 1 ? 'SlowDown' : 'InternalError', calls === 1 ? 503 : 500);
        return 'ok';
      },
      { sleep: noSleep, onFailure: (f) => seen.push(f.kind) },
    );
    expect([result, calls, seen]).toEqual(['ok', 3, ['throttled', 'transient']]);
  });

  it('never retries a permanent failure', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw err('NoSuchKey', 404); }, { sleep: noSleep })).rejects.toThrow('NoSuchKey');
    expect(calls).toBe(1);
  });

  it('tries an internal error (a bug) once, and a permanent network failure once; retries a raw reset', async () => {
    for (const error of [new TypeError('x is not a function'), Object.assign(new Error('getaddrinfo ENOTFOUND store.invalid'), { code: 'ENOTFOUND' })]) {
      let calls = 0;
      await expect(withRetries(async () => { calls++; throw error; }, { sleep: noSleep })).rejects.toBe(error);
      expect(calls).toBe(1);
    }
    let calls = 0;
    const result = await withRetries(
      async () => {
        if (++calls < 3) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { sleep: noSleep },
    );
    expect([result, calls]).toEqual(['ok', 3]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    let calls = 0;
    const slept: number[] = [];
    const p = withRetries(async () => { calls++; throw err('SlowDown', 503); }, {
      sleep: async (ms) => { slept.push(ms); },
      random: () => 0.5,
      policy: { baseMs: 10, capMs: 40, maxAttempts: 4 },
    });
    await expect(p).rejects.toThrow('SlowDown');
    expect([calls, slept]).toEqual([4, [5, 10, 20]]);
  });
});
