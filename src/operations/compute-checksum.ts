/**
 * S3ComputeObjectChecksum: reads each object and computes its checksum with `ChecksumAlgorithm`
 * (any of S3's ten, lib/hashes.ts) as `ChecksumType` says, streaming — an object is never held in
 * memory, whatever its size. The result is the task's ResultMessage, a JSON object:
 *
 *   {"checksum_base64":"…","checksum_hex":"…","checksumAlgorithm":"SHA256","checksumType":"FULL_OBJECT","etag":"…"}
 *
 * AWS publishes no example of this ResultMessage; these are the keys that third-party readers of
 * AWS's compute-checksum reports parse (that reading is ours). `etag` is the object's ETag without
 * quotes; a COMPOSITE value ends in `-N` in both forms, as S3 writes composite checksums.
 *
 * - FULL_OBJECT (the default when the job gives no type): the checksum of the object's bytes, one
 *   GetObject, for every algorithm — multipart objects included, with MD5 and the hashes too
 *   (which S3 cannot compute at upload: there, only CRCs have a full-object type).
 * - COMPOSITE: S3's multipart form, the algorithm over the concatenated raw checksums of the parts,
 *   then `-N` (for MD5 that is exactly the multipart ETag). The part boundaries are the store's
 *   own: part N is read with GetObject `partNumber=N` (the embedded store answers it from its part
 *   records; a remote store from its own, as S3 does for a ranged HeadObject by part), which also
 *   says how many parts there are. Parts after the first are read from the same version with
 *   If-Match on the first part's ETag, so that an object overwritten mid-way fails its task with
 *   412 PreconditionFailed instead of mixing two objects. An object uploaded in one piece has no
 *   parts: its COMPOSITE checksum is its full-object one, and the row says `FULL_OBJECT`, as S3
 *   reports the checksum type of such objects. CRC64NVME has no COMPOSITE form (S3: full object
 *   only; CreateJob refuses it).
 *
 * Archived objects (GLACIER, DEEP_ARCHIVE not restored) fail with S3's 403 InvalidObjectState, and
 * every other failure of a read is the store's answer, as for any S3 operation.
 */
import type { Readable } from 'node:stream';
import type { S3ComputeObjectChecksumOperation } from '../domain/job-spec.js';
import { createHasher, digestOf, type HashAlgorithm } from '../lib/hashes.js';
import type { TaskResult } from '../reports/index.js';
import { S3PortError, type GetObjectResult, type S3Port, type ObjectRef } from '../s3/s3-port.js';
import { taskRef, type TaskOperation } from './types.js';

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** The ResultMessage of a computed checksum, keys in this order. */
export interface ChecksumReport {
  readonly checksum_base64: string;
  readonly checksum_hex: string;
  readonly checksumAlgorithm: HashAlgorithm;
  readonly checksumType: ChecksumType;
  readonly etag: string;
}

/** Hashes a body as it streams; the body is consumed (or destroyed, on a failure). */
export async function digestStream(algorithm: HashAlgorithm, body: Readable): Promise<Buffer> {
  const hasher = createHasher(algorithm);
  try {
    for await (const chunk of body) hasher.update(chunk as Buffer);
  } catch (err) {
    body.destroy();
    throw err;
  }
  return hasher.digest();
}

export function checksumReport(algorithm: HashAlgorithm, type: ChecksumType, digest: Buffer, etag: string, parts?: number): ChecksumReport {
  const suffix = parts === undefined ? '' : `-${parts}`;
  return {
    checksum_base64: `${digest.toString('base64')}${suffix}`,
    checksum_hex: `${digest.toString('hex')}${suffix}`,
    checksumAlgorithm: algorithm,
    checksumType: type,
    etag: etag.replace(/^"(.*)"$/, '$1'),
  };
}

const succeeded = (report: ChecksumReport): TaskResult => ({ status: 'succeeded', httpStatus: 200, message: JSON.stringify(report) });

/** Part 1 of an object S3 will not cut into parts (an empty one, on some stores): read it whole. */
function partRefused(err: unknown): boolean {
  return err instanceof S3PortError && (err.code === 'InvalidPartNumber' || err.code === 'InvalidRange' || err.status === 416);
}

async function fullObject(s3: S3Port, ref: ObjectRef, algorithm: HashAlgorithm, object?: GetObjectResult): Promise<TaskResult> {
  const read = object ?? (await s3.getObject(ref));
  return succeeded(checksumReport(algorithm, 'FULL_OBJECT', await digestStream(algorithm, read.body), read.etag));
}

async function composite(s3: S3Port, ref: ObjectRef, algorithm: HashAlgorithm): Promise<TaskResult> {
  let first: GetObjectResult;
  try {
    first = await s3.getObject(ref, { partNumber: 1 });
  } catch (err) {
    if (!partRefused(err)) throw err;
    return fullObject(s3, ref, algorithm);
  }
  const parts = first.partsCount;
  if (parts === undefined) return fullObject(s3, ref, algorithm, first);
  const pinned: ObjectRef = first.versionId !== undefined ? { ...ref, versionId: first.versionId } : ref;
  const digests = [await digestStream(algorithm, first.body)];
  for (let n = 2; n <= parts; n++) {
    const part = await s3.getObject(pinned, { partNumber: n, ifMatch: first.etag });
    digests.push(await digestStream(algorithm, part.body));
  }
  return succeeded(checksumReport(algorithm, 'COMPOSITE', digestOf(algorithm, Buffer.concat(digests)), first.etag, parts));
}

export function computeChecksum(op: S3ComputeObjectChecksumOperation): TaskOperation {
  const algorithm = op.ChecksumAlgorithm;
  // CreateJob requires the algorithm (control-api/model/shapes-operation.ts).
  if (algorithm === undefined) throw new TypeError('S3ComputeObjectChecksum needs a ChecksumAlgorithm');
  const type: ChecksumType = op.ChecksumType ?? 'FULL_OBJECT';
  return async (task, s3) => {
    const ref = taskRef(task);
    return type === 'COMPOSITE' ? composite(s3, ref, algorithm) : fullObject(s3, ref, algorithm);
  };
}
