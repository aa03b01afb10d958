/**
 * S3PutObjectRetention: one PutObjectRetention per object (S3 API Reference,
 * S3SetObjectRetentionOperation): `Retention.Mode` with `RetainUntilDate`, or neither, which
 * removes the object's retention; `BypassGovernanceRetention` becomes
 * x-amz-bypass-governance-retention. S3 answers each object for itself, and so does the report:
 * a bucket without Object Lock is `400 InvalidRequest` "Bucket is missing Object Lock
 * Configuration", a COMPLIANCE retention shortened, removed or made GOVERNANCE `403 AccessDenied`,
 * a GOVERNANCE one shortened or removed without the bypass `403 AccessDenied`, a date in the past
 * `400 InvalidArgument`.
 *
 * A task run again (after a crash) sets the same retention again, which S3 allows: it shortens
 * nothing. `EventHold` and `EventHoldDuration` are refused in preparation (registry.ts).
 */
import type { S3SetObjectRetentionOperation } from '../domain/job-spec.js';
import type { PortRetention } from '../s3/s3-port.js';
import { taskRef, type TaskOperation } from './types.js';

export function retentionOf(op: S3SetObjectRetentionOperation): PortRetention {
  const { Mode, RetainUntilDate } = op.Retention;
  return { ...(Mode !== undefined ? { mode: Mode } : {}), ...(RetainUntilDate !== undefined ? { retainUntil: Date.parse(RetainUntilDate) } : {}) };
}

export function putRetention(op: S3SetObjectRetentionOperation): TaskOperation {
  const retention = retentionOf(op);
  const options = op.BypassGovernanceRetention === true ? { bypassGovernanceRetention: true } : {};
  return async (task, s3) => {
    await s3.putObjectRetention(taskRef(task), retention, options);
  };
}
