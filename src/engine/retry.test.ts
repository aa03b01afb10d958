import { describe, expect, it } from 'vitest';
import { S3PortError } from '../s3/s3-port.js';
import { backoffMs, classifyFailure, withRetries } from './retry.js';

const err = (code: string, status: number) => new S3PortError(code, status, code);

describe('classifyFailure', () => {
  it.each([
    ['SlowDown', 503, 'throttled'],
    ['ThrottlingException', 400, 'throttled'],
    ['TooManyRequests', 429, 'throttled'],
    ['InternalError', 500, 'transient'],
    ['ServiceUnavailable', 503, 'transient'],
    ['RequestTimeout', 400, 'transient'],
    ['NetworkError', 0, 'transient'],
    ['BadGateway', 502, 'transient'],
    ['NoSuchKey', 404, 'permanent'],
    ['AccessDenied', 403, 'permanent'],
    ['InvalidObjectState', 403, 'permanent'],
    ['NoSuchBucket', 404, 'permanent'],
    ['InvalidTag', 400, 'permanent'],
    ['PreconditionFailed', 412, 'permanent'],
  ])('%s %i is %s', (code, status, kind) => {
    expect(classifyFailure(err(code, status))).toMatchObject({ kind, code, status });
  });

  it('treats a raw socket error as transient with no status', () => {
    const e = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyFailure(e)).toMatchObject({ kind: 'transient', code: 'ECONNRESET', status: 0 });
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
