/**
 * S3PutObjectLegalHold: one PutObjectLegalHold per object, `LegalHold.Status` ON or OFF (S3 API
 * Reference, S3SetObjectLegalHoldOperation). An object in a bucket without Object Lock fails its
 * task with S3's `400 InvalidRequest` "Bucket is missing Object Lock Configuration". Setting the
 * same hold again (a task re-run after a crash) is harmless.
 */
import type { S3SetObjectLegalHoldOperation } from '../domain/job-spec.js';
import { taskRef, type TaskOperation } from './types.js';

export function putLegalHold(op: S3SetObjectLegalHoldOperation): TaskOperation {
  const on = op.LegalHold.Status === 'ON';
  return async (task, s3) => {
    await s3.putObjectLegalHold(taskRef(task), on);
  };
}
