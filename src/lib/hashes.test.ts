/**
 * Every algorithm against check values and against an independent implementation: the AWS SDK's
 * own JavaScript ones (@aws-sdk/checksums, what the SDKs use for S3's checksums) and node:crypto,
 * on data cut at every kind of boundary, with many hashers interleaved on the shared instances.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Crc32cJs, Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { Xxh3_128, Xxh3_64, Xxh64 } from '@aws-sdk/checksums/xxh';
import { describe, expect, it } from 'vitest';
import { DIGEST_BYTES, HASH_ALGORITHMS, createHasher, digestOf, type HashAlgorithm } from './hashes.js';

const CHECK = Buffer.from('123456789');

/** The same digest by another implementation. */
async function reference(algorithm: HashAlgorithm, data: Buffer): Promise<string> {
  const sdk = { CRC32C: Crc32cJs, CRC64NVME: Crc64NvmeJs, XXHASH64: Xxh64, XXHASH3: Xxh3_64, XXHASH128: Xxh3_128 } as const;
  if (algorithm in sdk) {
    const h = new sdk[algorithm as keyof typeof sdk]();
    h.update(data);
    return Buffer.from(await h.digest()).toString('hex');
  }
  if (algorithm === 'CRC32') {
    // CRC-32 bit by bit, from its definition (reflected polynomial 0xEDB88320).
    let c = 0xffffffff;
    for (const byte of data) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
  }
  return createHash(algorithm.toLowerCase()).update(data).digest('hex');
}

describe('hashes', () => {
  it.each([
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
    ['MD5', '25f9e794323b453885f5181f1b624d0b'],
    ['SHA1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['SHA256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
    ['SHA512', 'd9e6762dd1c8eaf6d61b3c6192fc408d4d6d5f1176d0c29169bc24e71c3f274ad27fcd5811b313d681f7e55ec02d73d499c95455b6b5bb503acf574fba8ffe85'],
    ['XXHASH64', '8cb841db40e6ae83'],
    ['XXHASH3', '72dcb18b67a17dff'],
    ['XXHASH128', '33119477ede5dcd5e9716427681d5860'],
  ] as const)('%s of "123456789" is %s', (algorithm, hex) => {
    const h = createHasher(algorithm);
    h.update(CHECK.subarray(0, 4));
    h.update(CHECK.subarray(4));
    expect(h.digest().toString('hex')).toBe(hex);
    expect(DIGEST_BYTES[algorithm]).toBe(hex.length / 2);
  });

  it('agrees with an independent implementation on every size class (0 B to 1 MiB), whatever the chunking', async () => {
    // xxHash takes different paths for 0-16, 17-128, 129-240 and longer inputs, and stripes of 1 KiB.
    const sizes = [0, 1, 3, 16, 17, 128, 129, 240, 241, 1023, 1024, 1025, 65_537, 1_048_576];
    for (const size of sizes) {
      const data = randomBytes(size);
      for (const algorithm of HASH_ALGORITHMS) {
        const expected = await reference(algorithm, data);
        expect(digestOf(algorithm, data).toString('hex'), `${algorithm} of ${size} bytes`).toBe(expected);
        const h = createHasher(algorithm);
        for (let i = 0; i < size; ) {
          const n = 1 + ((i * 7919) % 4099);
          h.update(data.subarray(i, i + n));
          i += n;
        }
        expect(h.digest().toString('hex'), `${algorithm} of ${size} bytes in pieces`).toBe(expected);
      }
    }
  });

  it('hashers of one algorithm interleaved on the shared instance keep their own state', async () => {
    const datas = [randomBytes(300_000), randomBytes(5), randomBytes(70_000)];
    for (const algorithm of HASH_ALGORITHMS) {
      const hashers = datas.map(() => createHasher(algorithm));
      for (let i = 0; i < 300_000; i += 1000) datas.forEach((d, n) => hashers[n]!.update(d.subarray(i, i + 1000)));
      // a digest in the middle leaves the others alone
      const first = hashers[1]!.digest().toString('hex');
      expect(first).toBe(await reference(algorithm, datas[1]!));
      expect(hashers[0]!.digest().toString('hex'), algorithm).toBe(await reference(algorithm, datas[0]!));
      expect(hashers[2]!.digest().toString('hex'), algorithm).toBe(await reference(algorithm, datas[2]!));
    }
  });
});
