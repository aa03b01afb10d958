/**
 * A pass-through stream that hashes (MD5) and counts what flows through it: the report writer
 * uses it for the MD5 it records per result file, the inventory reader to check each data file's
 * MD5checksum, both without holding the bytes.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface Md5Tap extends Transform {
  /** Bytes that have passed so far. */
  readonly bytes: number;
  /** The MD5 hex of everything that passed; call once, after the end. */
  digestHex(): string;
}

export function createMd5Tap(): Md5Tap {
  const hash = createHash('md5');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return Object.defineProperties(tap, {
    bytes: { get: () => bytes },
    digestHex: { value: () => hash.digest('hex') },
  }) as Md5Tap;
}
