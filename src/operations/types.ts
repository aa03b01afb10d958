/**
 * An operation runs one task (one manifest object) with one S3 call. It throws the port's
 * S3PortError on failure; the engine retries transient ones and reports the rest.
 */
import type { ManifestTask } from '../manifests/index.js';
import type { ObjectRef, S3Port } from '../s3/s3-port.js';

export type TaskOperation = (task: ManifestTask, s3: S3Port) => Promise<void>;

/** The object a task names: the manifest's bucket, decoded key and version (if any). */
export function taskRef(task: ManifestTask): ObjectRef {
  return { bucket: task.bucket, key: task.key, ...(task.versionId !== undefined ? { versionId: task.versionId } : {}) };
}
