/**
 * S3UpdateObjectEncryption: one UpdateObjectEncryption per object (S3 API Reference:
 * `PUT /{key}?encryption`), which makes the object SSE-KMS with `ObjectEncryption.SSE-KMS.KMSKeyArn`
 * (and an S3 Bucket Key when `BucketKeyEnabled`) without copying it: its ETag, LastModified,
 * checksum, storage class and version stay. Each refusal is the store's: a key of another account
 * or an object under Object Lock is 403 AccessDenied, a DSSE-KMS object 400 InvalidRequest.
 *
 * A store that does not implement the call answers 501 NotImplemented, and the task fails with it
 * (s3/http-s3-client.ts also reports so a store that takes the call for a PutObject). Only a job
 * that asks for it — the job tag `s3batch:encryption-fallback` = `copy`, read when the job is
 * created (control-api/model/requests.ts) — then re-encrypts by copying the object onto itself
 * with SSE-KMS, as S3PutObjectCopy would (copy.ts: metadata and tags kept, multipart past 5 GiB,
 * the storage class of the object kept). That copy is a new write: LastModified changes, a
 * versioned bucket gains a version (the old one keeps its encryption), the ACL becomes the
 * default one and Object Lock settings are not carried, as for any CopyObject. It copies only the
 * current version: a task naming an older one fails `400 InvalidRequest`, since a copy of it would
 * replace the current version's content.
 */
import type { S3StorageClass, S3UpdateObjectEncryptionOperation } from '../domain/job-spec.js';
import { S3PortError, type ObjectRef, type S3Port, type UpdateObjectEncryptionRequest } from '../s3/s3-port.js';
import { copy, type CopyOptions } from './copy.js';
import { taskRef, type TaskContext, type TaskOperation } from './types.js';
import type { ManifestTask } from '../manifests/index.js';

export interface UpdateEncryptionOptions {
  /** `copy`: copy the object onto itself where the store answers NotImplemented. */
  readonly fallback?: 'copy';
  readonly copy?: CopyOptions;
}

export const OLDER_VERSION_MESSAGE =
  "The copy fallback of S3UpdateObjectEncryption re-encrypts an object's current version only: a copy of an older version would replace the current one";

export function encryptionRequestOf(op: S3UpdateObjectEncryptionOperation): UpdateObjectEncryptionRequest {
  const sse = op.ObjectEncryption?.SSEKMS;
  // CreateJob requires ObjectEncryption.SSE-KMS with its key (control-api/model/shapes-operation.ts).
  if (sse === undefined) throw new TypeError('S3UpdateObjectEncryption needs ObjectEncryption.SSE-KMS');
  return { kmsKeyArn: sse.KMSKeyArn, ...(sse.BucketKeyEnabled !== undefined ? { bucketKeyEnabled: sse.BucketKeyEnabled } : {}) };
}

function notImplemented(err: unknown): boolean {
  return err instanceof S3PortError && err.code === 'NotImplemented';
}

async function copyInPlace(s3: S3Port, task: ManifestTask, request: UpdateObjectEncryptionRequest, options: UpdateEncryptionOptions, context: TaskContext): Promise<void> {
  const ref: ObjectRef = taskRef(task);
  const head = await s3.headObject(ref);
  if (ref.versionId !== undefined) {
    const current = await s3.headObject({ bucket: ref.bucket, key: ref.key });
    if (current.versionId !== head.versionId) throw new S3PortError('InvalidRequest', 400, OLDER_VERSION_MESSAGE);
  }
  const storageClass = head.storageClass !== undefined && head.storageClass !== 'STANDARD' ? (head.storageClass as S3StorageClass) : undefined;
  const inPlace = copy(
    {
      TargetResource: `arn:aws:s3:::${ref.bucket}`,
      // An SSE-KMS key id alone means aws:kms (copy.ts copyEncryption).
      SSEAwsKmsKeyId: request.kmsKeyArn,
      ...(request.bucketKeyEnabled !== undefined ? { BucketKeyEnabled: request.bucketKeyEnabled } : {}),
      ...(storageClass !== undefined ? { StorageClass: storageClass } : {}),
    },
    options.copy,
  );
  await inPlace(task, s3, context);
}

export function updateEncryption(op: S3UpdateObjectEncryptionOperation, options: UpdateEncryptionOptions = {}): TaskOperation {
  const request = encryptionRequestOf(op);
  return async (task, s3, context) => {
    try {
      await s3.updateObjectEncryption(taskRef(task), request);
      return;
    } catch (err) {
      if (options.fallback !== 'copy' || !notImplemented(err)) throw err;
    }
    await copyInPlace(s3, task, request, options, context);
  };
}
