/** Check values of the CRCs (the catalogue's "123456789"), and multipart composition. */
import { describe, expect, it } from 'vitest';
import { checksumOf, combineCrc, compositeChecksum, createHasher, fullObjectCrc, isWellFormedChecksum } from './checksums.js';

const CHECK = Buffer.from('123456789');

describe('checksums', () => {
  it.each([
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
    ['SHA1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['SHA256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
  ] as const)('%s of "123456789" is %s', (algorithm, hex) => {
    const h = createHasher(algorithm);
    h.update(CHECK.subarray(0, 4));
    h.update(CHECK.subarray(4));
    expect(h.digest().toString('hex')).toBe(hex);
  });

  it('combines CRCs of concatenated pieces without the data (FULL_OBJECT)', () => {
    const data = Buffer.alloc(100_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
      const cuts = [0, 1, 4096, 50_000, 99_999, data.length];
      const parts = cuts.slice(1).map((end, i) => data.subarray(cuts[i], end));
      expect(fullObjectCrc(algorithm, parts.map((p) => ({ checksum: checksumOf(algorithm, p), size: p.length })))).toBe(checksumOf(algorithm, data));
      expect(combineCrc(algorithm, 5n, 7n, 0)).toBe(5n);
    }
  });

  it('COMPOSITE is the checksum of the part checksums, then -N', () => {
    const parts = [Buffer.from('a'), Buffer.from('b')];
    const raw = Buffer.concat(parts.map((p) => Buffer.from(checksumOf('SHA256', p), 'base64')));
    expect(compositeChecksum('SHA256', parts.map((p) => checksumOf('SHA256', p)))).toBe(`${checksumOf('SHA256', raw)}-2`);
  });

  it('recognises well-formed digests', () => {
    expect(isWellFormedChecksum('CRC32', checksumOf('CRC32', CHECK))).toBe(true);
    expect(isWellFormedChecksum('CRC32', checksumOf('SHA1', CHECK))).toBe(false);
    expect(isWellFormedChecksum('SHA1', 'not base64')).toBe(false);
  });
});
