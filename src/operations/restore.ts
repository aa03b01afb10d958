/**
 * S3InitiateRestoreObject: one RestoreObject per object (S3 API Reference,
 * S3InitiateRestoreObjectOperation: Batch Operations "passes every object to the underlying
 * RestoreObject API operation"). The task succeeds once the restore is initiated (202), or when
 * a restored copy had its expiry extended (200); the objects become readable later, on the
 * store's time.
 *
 * A restore already running (409 RestoreAlreadyInProgress) is a success too: tasks run at least
 * once (a crash re-runs the unfinished part of a chunk), and a task that ran must not fail when
 * it runs again. Every other answer — 403 InvalidObjectState for an object in a readable class
 * above all — fails the task with S3's code.
 *
 * ExpirationInDays and GlacierJobTier are sent only when the job gives them. AWS requires
 * ExpirationInDays (1 or more) for S3 Glacier Flexible Retrieval and Deep Archive objects and
 * refuses it for Intelligent-Tiering archive tiers (User Guide, "Restore objects with Batch
 * Operations"): which one a job needs depends on objects CreateJob never sees, so the store
 * answers each object. Without Days an archived GLACIER object's task fails 400 MalformedXML,
 * S3's answer to such a RestoreRequest.
 */
import type { S3InitiateRestoreObjectOperation } from '../domain/job-spec.js';
import { S3PortError, type RestoreObjectRequest } from '../s3/s3-port.js';
import { taskRef, type TaskOperation } from './types.js';

/** Batch Operations' GlacierJobTier (no EXPEDITED) as RestoreObject spells the tier. */
const TIERS = { BULK: 'Bulk', STANDARD: 'Standard' } as const;

export function restoreRequestOf(op: S3InitiateRestoreObjectOperation): RestoreObjectRequest {
  return {
    ...(op.ExpirationInDays !== undefined ? { days: op.ExpirationInDays } : {}),
    ...(op.GlacierJobTier !== undefined ? { tier: TIERS[op.GlacierJobTier] } : {}),
  };
}

export function initiateRestore(op: S3InitiateRestoreObjectOperation): TaskOperation {
  const request = restoreRequestOf(op);
  return async (task, s3) => {
    try {
      await s3.restoreObject(taskRef(task), request);
    } catch (err) {
      if (err instanceof S3PortError && err.code === 'RestoreAlreadyInProgress') return;
      throw err;
    }
  };
}
