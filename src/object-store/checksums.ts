/**
 * S3's additional checksums — CRC32, CRC32C, CRC64NVME, SHA1, SHA256 — as incremental hashers,
 * their base64 wire form, multipart composition (COMPOSITE: a checksum of the part checksums,
 * `…-N`; FULL_OBJECT: the CRCs combined as if computed over the whole object) and the CRC
 * combination that needs no data. CRC32 is zlib's (native); CRC32C and CRC64NVME are
 * slicing-by-8 table implementations in plain JS (no dependency).
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

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
export const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export function isCrc(algorithm: ChecksumAlgorithm): boolean {
  return algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME';
}

export interface Hasher {
  update(chunk: Buffer): void;
  /** The raw digest (big-endian for CRCs). */
  digest(): Buffer;
}

// ---------------------------------------------------------------------------------------------
// CRC32 (zlib)

class Crc32Hasher implements Hasher {
  private crc = 0;
  update(chunk: Buffer): void {
    this.crc = zlib.crc32(chunk, this.crc);
  }
  digest(): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(this.crc >>> 0);
    return b;
  }
}

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8

const CRC32C_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i] as number;
    for (let s = 1; s < 8; s++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[s * 256 + i] = c >>> 0;
    }
  }
  return t;
})();

export function crc32cUpdate(crc: number, buf: Uint8Array): number {
  const t = CRC32C_TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  const n = buf.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const a = (c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
    c =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + buf[i + 4]!]! ^
      t[2 * 256 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

class Crc32cHasher implements Hasher {
  private crc = 0;
  update(chunk: Buffer): void {
    this.crc = crc32cUpdate(this.crc, chunk);
  }
  digest(): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(this.crc);
    return b;
  }
}

// ---------------------------------------------------------------------------------------------
// CRC64NVME (reflected polynomial 0x9A6C9329AC4BC9B5), slicing-by-8 on two 32-bit halves

const CRC64_LO = new Uint32Array(8 * 256);
const CRC64_HI = new Uint32Array(8 * 256);
(() => {
  const polyLo = 0xac4bc9b5;
  const polyHi = 0x9a6c9329;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ polyLo) >>> 0;
        hi = (hi ^ polyHi) >>> 0;
      }
    }
    CRC64_LO[i] = lo;
    CRC64_HI[i] = hi;
  }
  for (let i = 0; i < 256; i++) {
    let lo = CRC64_LO[i]!;
    let hi = CRC64_HI[i]!;
    for (let s = 1; s < 8; s++) {
      const idx = lo & 0xff;
      const nlo = ((lo >>> 8) | (hi << 24)) >>> 0;
      const nhi = hi >>> 8;
      lo = (nlo ^ CRC64_LO[idx]!) >>> 0;
      hi = (nhi ^ CRC64_HI[idx]!) >>> 0;
      CRC64_LO[s * 256 + i] = lo;
      CRC64_HI[s * 256 + i] = hi;
    }
  }
})();

class Crc64NvmeHasher implements Hasher {
  // The register, inverted (init and final xor are all ones).
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  update(buf: Buffer): void {
    const L = CRC64_LO;
    const H = CRC64_HI;
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    const n = buf.length;
    const end8 = n - (n % 8);
    for (; i < end8; i += 8) {
      const a = (lo ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
      const b = (hi ^ (buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24))) >>> 0;
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = L[i7]! ^ L[i6]! ^ L[i5]! ^ L[i4]! ^ L[i3]! ^ L[i2]! ^ L[i1]! ^ L[i0]!;
      hi = H[i7]! ^ H[i6]! ^ H[i5]! ^ H[i4]! ^ H[i3]! ^ H[i2]! ^ H[i1]! ^ H[i0]!;
    }
    for (; i < n; i++) {
      const idx = (lo ^ buf[i]!) & 0xff;
      const nlo = ((lo >>> 8) | (hi << 24)) >>> 0;
      const nhi = hi >>> 8;
      lo = nlo ^ L[idx]!;
      hi = nhi ^ H[idx]!;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }
  digest(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(~this.hi >>> 0, 0);
    b.writeUInt32BE(~this.lo >>> 0, 4);
    return b;
  }
}

// ---------------------------------------------------------------------------------------------

class NodeHasher implements Hasher {
  private readonly hash;
  constructor(name: string) {
    this.hash = createHash(name);
  }
  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

export function createHasher(algorithm: ChecksumAlgorithm | 'MD5'): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Hasher();
    case 'CRC32C':
      return new Crc32cHasher();
    case 'CRC64NVME':
      return new Crc64NvmeHasher();
    case 'SHA1':
      return new NodeHasher('sha1');
    case 'SHA256':
      return new NodeHasher('sha256');
    case 'MD5':
      return new NodeHasher('md5');
  }
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
