/**
 * Receiving an upload body: streamed into a temp blob while MD5 (the ETag), the requested
 * checksum and, for header-signed requests, SHA-256 are computed; every claim the client made
 * (Content-MD5, x-amz-checksum-*, a checksum trailer, x-amz-content-sha256, the length) is
 * checked before the blob can be committed. Nothing the client sent lands on failure.
 */
import type { Readable } from 'node:stream';
import { checksumHeader, createHasher, isWellFormedChecksum, type ChecksumAlgorithm, type Hasher } from '../checksums.js';
import { S3Error } from '../errors.js';
import type { UploadIntegrity } from '../object-store.js';
import type { BlobFiles, PendingBlob } from './blob-files.js';

export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;

export interface Received {
  /** Undefined for an empty body (no file is kept). */
  readonly blob: PendingBlob | undefined;
  readonly size: number;
  readonly md5Hex: string;
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
}

/** Checks the claims that can be checked before reading anything (formats). */
export function checkIntegrityClaims(integrity: UploadIntegrity | undefined): void {
  if (!integrity) return;
  if (integrity.contentMd5 !== undefined) {
    const raw = /^[A-Za-z0-9+/]*={0,2}$/.test(integrity.contentMd5) ? Buffer.from(integrity.contentMd5, 'base64') : undefined;
    if (raw === undefined || raw.length !== 16) {
      throw new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.', { fields: { 'Content-MD5': integrity.contentMd5 } });
    }
  }
  const c = integrity.checksum;
  if (c?.value !== undefined && !isWellFormedChecksum(c.algorithm, c.value)) {
    throw new S3Error('InvalidRequest', `Value for ${checksumHeader(c.algorithm)} header is invalid.`);
  }
}

export async function receive(
  blobs: BlobFiles,
  body: Readable | Buffer,
  integrity: UploadIntegrity | undefined,
  options: { readonly algorithm?: ChecksumAlgorithm; readonly maxSize?: number } = {},
): Promise<Received> {
  checkIntegrityClaims(integrity);
  const maxSize = options.maxSize ?? MAX_OBJECT_SIZE;
  if (integrity?.contentLength !== undefined && integrity.contentLength > maxSize) throw entityTooLarge(integrity.contentLength, maxSize);
  const algorithm = integrity?.checksum?.algorithm ?? options.algorithm;
  const md5 = createHasher('MD5');
  const checksum: Hasher | undefined = algorithm ? createHasher(algorithm) : undefined;
  const sha256: Hasher | undefined = integrity?.sha256Hex !== undefined ? createHasher('SHA256') : undefined;
  let size = 0;
  const pending = await blobs.write(Buffer.isBuffer(body) ? [body] : body, (chunk) => {
    size += chunk.length;
    if (size > maxSize) throw entityTooLarge(size, maxSize);
    md5.update(chunk);
    checksum?.update(chunk);
    sha256?.update(chunk);
  });
  try {
    if (integrity?.contentLength !== undefined && size !== integrity.contentLength) {
      throw new S3Error(
        'IncompleteBody',
        `You did not provide the number of bytes specified by the Content-Length HTTP header (${size} of ${integrity.contentLength})`,
      );
    }
    if (sha256 && sha256.digest().toString('hex') !== integrity?.sha256Hex) {
      throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    const md5Raw = md5.digest();
    if (integrity?.contentMd5 !== undefined && md5Raw.toString('base64') !== integrity.contentMd5) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
        fields: { ExpectedDigest: integrity.contentMd5, CalculatedDigest: md5Raw.toString('base64') },
      });
    }
    let computed: Received['checksum'];
    if (algorithm && checksum) {
      computed = { algorithm, value: checksum.digest().toString('base64') };
      const claim = integrity?.checksum;
      let expected = claim?.value;
      if (expected === undefined && claim?.trailer) {
        expected = await claim.trailer();
        if (expected !== undefined && !isWellFormedChecksum(algorithm, expected)) {
          throw new S3Error('InvalidRequest', `Value for ${checksumHeader(algorithm)} trailing header is invalid.`);
        }
      }
      if (expected !== undefined && expected !== computed.value) {
        throw new S3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
      }
    }
    if (size === 0) await pending.discard();
    return { blob: size === 0 ? undefined : pending, size, md5Hex: md5Raw.toString('hex'), ...(computed ? { checksum: computed } : {}) };
  } catch (err) {
    await pending.discard();
    throw err;
  }
}

function entityTooLarge(size: number, max: number): S3Error {
  return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
    fields: { ProposedSize: size, MaxSizeAllowed: max },
  });
}
