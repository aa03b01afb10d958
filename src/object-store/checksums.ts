/**
 * S3's additional checksums on uploads — CRC32, CRC32C, CRC64NVME, SHA1, SHA256 — as incremental
 * hashers, their base64 wire form, multipart composition (COMPOSITE: a checksum of the part
 * checksums, `…-N`; FULL_OBJECT: the CRCs combined as if computed over the whole object) and the
 * CRC combination that needs no data. The hashers themselves are lib/hashes.ts's (which says which
 * library computes each, and why).
 */
import { DIGEST_BYTES as HASH_DIGEST_BYTES, createHasher as createAnyHasher, type Hasher } from '../lib/hashes.js';

export type { Hasher } from '../lib/hashes.js';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export function isChecksumAlgorithm(s: string): s is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(s);
}

/** `x-amz-checksum-crc32` … for an algorithm. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The XML member name (`ChecksumCRC32`, …). */
export function checksumMember(algorithm: ChecksumAlgorithm): string {
  return `Checksum${algorithm}`;
}

/** Size of the raw digest in bytes. */
export const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = {
  CRC32: HASH_DIGEST_BYTES.CRC32,
  CRC32C: HASH_DIGEST_BYTES.CRC32C,
  CRC64NVME: HASH_DIGEST_BYTES.CRC64NVME,
  SHA1: HASH_DIGEST_BYTES.SHA1,
  SHA256: HASH_DIGEST_BYTES.SHA256,
};

export function isCrc(algorithm: ChecksumAlgorithm): boolean {
  return algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME';
}

/** A hasher of an upload checksum, or of MD5 (the ETag). */
export function createHasher(algorithm: ChecksumAlgorithm | 'MD5'): Hasher {
  return createAnyHasher(algorithm);
}

/** One-shot checksum of a buffer, base64 (the wire form). */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): string {
  const h = createHasher(algorithm);
  h.update(data);
  return h.digest().toString('base64');
}

/** Whether `value` is a well-formed base64 digest of the algorithm (the S3 `InvalidRequest` check). */
export function isWellFormedChecksum(algorithm: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  return Buffer.from(value, 'base64').length === DIGEST_BYTES[algorithm];
}

// ---------------------------------------------------------------------------------------------
// Multipart composition

/** COMPOSITE: the algorithm over the concatenated raw part checksums, then `-N`. */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const h = createHasher(algorithm);
  for (const c of partChecksums) h.update(Buffer.from(c, 'base64'));
  return `${h.digest().toString('base64')}-${partChecksums.length}`;
}

const REFLECTED_POLY: Partial<Record<ChecksumAlgorithm, { poly: bigint; width: number }>> = {
  CRC32: { poly: 0xedb88320n, width: 32 },
  CRC32C: { poly: 0x82f63b78n, width: 32 },
  CRC64NVME: { poly: 0x9a6c9329ac4bc9b5n, width: 64 },
};

function gf2Times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n;
  let i = 0;
  while (vec !== 0n) {
    if (vec & 1n) sum ^= mat[i] as bigint;
    vec >>= 1n;
    i++;
  }
  return sum;
}

function gf2Square(square: bigint[], mat: bigint[]): void {
  for (let n = 0; n < mat.length; n++) square[n] = gf2Times(mat, mat[n] as bigint);
}

/**
 * crc(A ‖ B) from crc(A), crc(B) and |B| (zlib's crc32_combine, generalised to any reflected CRC
 * whose init and final xor are all ones — true of all three S3 CRCs).
 */
export function combineCrc(algorithm: ChecksumAlgorithm, crcA: bigint, crcB: bigint, lengthB: number): bigint {
  const spec = REFLECTED_POLY[algorithm];
  if (!spec) throw new Error(`${algorithm} is not a CRC`);
  if (lengthB === 0) return crcA;
  const odd: bigint[] = new Array<bigint>(spec.width);
  const even: bigint[] = new Array<bigint>(spec.width);
  odd[0] = spec.poly;
  let row = 1n;
  for (let n = 1; n < spec.width; n++) {
    odd[n] = row;
    row <<= 1n;
  }
  gf2Square(even, odd);
  gf2Square(odd, even);
  let len = lengthB;
  let crc = crcA;
  do {
    gf2Square(even, odd);
    if (len % 2 === 1) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2 === 1) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return crc ^ crcB;
}

/** FULL_OBJECT: the part CRCs (base64) combined into the CRC of the whole object (base64). */
export function fullObjectCrc(
  algorithm: ChecksumAlgorithm,
  parts: ReadonlyArray<{ readonly checksum: string; readonly size: number }>,
): string {
  const bytes = DIGEST_BYTES[algorithm];
  let crc: bigint | undefined;
  for (const p of parts) {
    const value = BigInt(`0x${Buffer.from(p.checksum, 'base64').toString('hex') || '0'}`);
    crc = crc === undefined ? value : combineCrc(algorithm, crc, value, p.size);
  }
  const hex = (crc ?? 0n).toString(16).padStart(bytes * 2, '0');
  return Buffer.from(hex, 'hex').toString('base64');
}
