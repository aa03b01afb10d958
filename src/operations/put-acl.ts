/** S3PutObjectAcl: replaces each object's ACL with the job's canned ACL or access control list. */
import type { S3SetObjectAclOperation } from '../domain/job-spec.js';
import { portAcl } from './acl.js';
import { taskRef, type TaskOperation } from './types.js';

export function putAcl(op: S3SetObjectAclOperation): TaskOperation {
  const policy = op.AccessControlPolicy;
  const list = policy?.AccessControlList;
  // An AccessControlList with no Grants is a valid "no grants at all" policy.
  const acl = portAcl(policy?.CannedAccessControlList, list ? (list.Grants ?? []) : undefined, list?.Owner) ?? { canned: 'private' };
  return async (task, s3) => {
    await s3.putObjectAcl(taskRef(task), acl);
  };
}
