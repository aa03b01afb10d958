/**
 * S3PutObjectCopy (reference §3.1): copies each object to TargetResource under TargetKeyPrefix +
 * its key. Decisions: the prefix is prepended as given (no `/` added); NewObjectMetadata without
 * a MetadataDirective means REPLACE (what the console sends); NewObjectTagging absent copies the
 * source's tags, [] gives the copy none. Repeats after a crash copy again: on a versioned target
 * that adds a version, and the task still counts once (the chunk is counted once).
 */
import { parseBucketArn } from '../control-api/model/arn.js';
import type { S3CopyObjectOperation, S3ObjectMetadata } from '../domain/job-spec.js';
import type { CopyObjectRequest, PortMetadata } from '../s3/s3-port.js';
import { portAcl } from './acl.js';
import { taskRef, type TaskOperation } from './types.js';

function metadata(m: S3ObjectMetadata): PortMetadata {
  const system: Record<string, string> = {};
  if (m.ContentType !== undefined) system.contentType = m.ContentType;
  if (m.ContentEncoding !== undefined) system.contentEncoding = m.ContentEncoding;
  if (m.ContentDisposition !== undefined) system.contentDisposition = m.ContentDisposition;
  if (m.ContentLanguage !== undefined) system.contentLanguage = m.ContentLanguage;
  if (m.CacheControl !== undefined) system.cacheControl = m.CacheControl;
  if (m.HttpExpiresDate !== undefined) system.expires = new Date(m.HttpExpiresDate).toUTCString();
  return { system, user: m.UserMetadata ?? {} };
}

const time = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/** Everything of the request but the source and target key, which vary per task. */
export function copyTemplate(op: S3CopyObjectOperation): Omit<CopyObjectRequest, 'source' | 'key'> {
  const bucket = op.TargetResource === undefined ? undefined : parseBucketArn(op.TargetResource)?.bucket;
  if (bucket === undefined) throw new TypeError(`TargetResource ${String(op.TargetResource)} is not a bucket ARN`);
  const directive = op.MetadataDirective ?? (op.NewObjectMetadata ? 'REPLACE' : undefined);
  const acl = portAcl(op.CannedAccessControlList, op.AccessControlGrants);
  const lock = {
    ...(op.ObjectLockMode !== undefined ? { mode: op.ObjectLockMode } : {}),
    ...(op.ObjectLockRetainUntilDate !== undefined ? { retainUntil: Date.parse(op.ObjectLockRetainUntilDate) } : {}),
    ...(op.ObjectLockLegalHoldStatus !== undefined ? { legalHold: op.ObjectLockLegalHoldStatus === 'ON' } : {}),
  };
  const ifModifiedSince = time(op.ModifiedSinceConstraint);
  const ifUnmodifiedSince = time(op.UnModifiedSinceConstraint);
  return {
    bucket,
    ...(directive !== undefined ? { metadataDirective: directive } : {}),
    ...(directive === 'REPLACE' ? { metadata: metadata(op.NewObjectMetadata ?? {}) } : {}),
    ...(op.NewObjectTagging !== undefined
      ? { taggingDirective: 'REPLACE' as const, tags: op.NewObjectTagging.map((t) => ({ key: t.Key, value: t.Value })) }
      : {}),
    ...(op.StorageClass !== undefined ? { storageClass: op.StorageClass } : {}),
    ...(op.ChecksumAlgorithm !== undefined ? { checksumAlgorithm: op.ChecksumAlgorithm } : {}),
    ...(ifModifiedSince !== undefined ? { ifModifiedSince } : {}),
    ...(ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince } : {}),
    ...(Object.keys(lock).length > 0 ? { lock } : {}),
    ...(acl ? { acl } : {}),
  };
}

export function copy(op: S3CopyObjectOperation): TaskOperation {
  const template = copyTemplate(op);
  const prefix = op.TargetKeyPrefix ?? '';
  return async (task, s3) => {
    await s3.copyObject({ ...template, source: taskRef(task), key: `${prefix}${task.key}` });
  };
}
