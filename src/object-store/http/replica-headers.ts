/**
 * The replica headers of s3batch's replication extension (domain/replication.ts), read with the
 * rules that keep them safe: only on a request signed in its Authorization header that signs the
 * headers themselves (a presigned URL handed to someone, or a proxy adding headers, can never make
 * a replica), with exactly `REPLICA` as the status, the version id only beside it. The store
 * adds the rest (object-store/local/objects.ts replicaWrite): the requester owns the bucket as for
 * any write, the bucket is versioned, the id is a well-formed one and replaces only a replica.
 */
import { REPLICA_STATUS_HEADER, REPLICA_VERSION_ID_HEADER } from '../../domain/replication.js';
import { S3Error, accessDenied, invalidArgument } from '../errors.js';
import type { ReplicaWrite } from '../object-store.js';
import { header, type S3Request } from './request.js';

function signedHeaderNames(r: S3Request): Set<string> {
  const auth = header(r, 'authorization') ?? '';
  const m = /SignedHeaders=([^,\s]+)/.exec(auth);
  return new Set((m?.[1] ?? '').split(';').map((h) => h.toLowerCase()));
}

export function replicaFromHeaders(r: S3Request): ReplicaWrite | undefined {
  const status = header(r, REPLICA_STATUS_HEADER);
  const versionId = header(r, REPLICA_VERSION_ID_HEADER);
  if (status === undefined && versionId === undefined) return undefined;
  if (status === undefined) throw new S3Error('InvalidRequest', `${REPLICA_VERSION_ID_HEADER} is only taken with ${REPLICA_STATUS_HEADER}: REPLICA`);
  if (status !== 'REPLICA') throw invalidArgument(`${REPLICA_STATUS_HEADER} must be REPLICA`, REPLICA_STATUS_HEADER, status);
  const signed = signedHeaderNames(r);
  const given = [REPLICA_STATUS_HEADER, ...(versionId !== undefined ? [REPLICA_VERSION_ID_HEADER] : [])];
  if (r.auth.presigned || !given.every((h) => signed.has(h))) {
    throw accessDenied(`Access Denied: ${given.join(' and ')} must be signed in the Authorization header (never in a presigned URL)`);
  }
  return versionId !== undefined ? { versionId } : {};
}
