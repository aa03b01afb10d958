/**
 * Checksums computed independently of s3batch: the AWS SDK's own JavaScript implementations
 * (@aws-sdk/checksums, what the SDKs use for S3's checksums) for CRC32C, CRC64NVME and xxHash,
 * node:crypto for MD5 and the SHAs, and CRC32 bit by bit from its definition. And the CSV row
 * reader the compute-checksum report tests need (a ResultMessage holds quotes and commas).
 */
import { createHash } from 'node:crypto';
import { Crc32cJs, Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { Xxh3_128, Xxh3_64, Xxh64 } from '@aws-sdk/checksums/xxh';

export const ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'MD5', 'SHA1', 'SHA256', 'SHA512', 'XXHASH64', 'XXHASH3', 'XXHASH128'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export async function referenceDigest(algorithm: Algorithm, data: Uint8Array): Promise<Buffer> {
  switch (algorithm) {
    case 'CRC32': {
      let c = 0xffffffff;
      for (const byte of data) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
      }
      const out = Buffer.alloc(4);
      out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
      return out;
    }
    case 'MD5':
    case 'SHA1':
    case 'SHA256':
    case 'SHA512':
      return createHash(algorithm.toLowerCase()).update(data).digest();
    default: {
      const sdk = { CRC32C: Crc32cJs, CRC64NVME: Crc64NvmeJs, XXHASH64: Xxh64, XXHASH3: Xxh3_64, XXHASH128: Xxh3_128 }[algorithm];
      const h = new sdk();
      h.update(data);
      return Buffer.from(await h.digest());
    }
  }
}

/** S3's COMPOSITE form: the algorithm over the concatenated part digests, then `-N`. */
export async function referenceComposite(algorithm: Algorithm, parts: readonly Uint8Array[]): Promise<{ base64: string; hex: string }> {
  const digests = await Promise.all(parts.map((p) => referenceDigest(algorithm, p)));
  const top = await referenceDigest(algorithm, Buffer.concat(digests));
  return { base64: `${top.toString('base64')}-${parts.length}`, hex: `${top.toString('hex')}-${parts.length}` };
}

/** The fields of one RFC 4180 CSV line (quoted fields with `""` inside). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else {
          value += line[i++];
        }
      }
      fields.push(value);
      i++; // the comma
    } else {
      const end = line.indexOf(',', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      if (end < 0) break;
      i = end + 1;
    }
  }
  return fields;
}
