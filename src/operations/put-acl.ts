/**
 * S3PutObjectAcl: replaces each object's ACL with the job's canned ACL or access control list.
 * A list S3 would refuse (a grant without Grantee, grantee type or identifier, or Permission)
 * fails every task with S3's 400 MalformedACLError, as the PutObjectAcl calls would on AWS.
 * A whole grant whose grantee the store refuses (an unknown group, a malformed canonical id, an
 * e-mail address it cannot resolve) fails each task with the store's own answer.
 */
import type { S3SetObjectAclOperation } from '../domain/job-spec.js';
import { S3PortError } from '../s3/s3-port.js';
import { MALFORMED_ACL_MESSAGE, malformedGrant, portAcl } from './acl.js';
import { taskRef, type TaskOperation } from './types.js';

export function putAcl(op: S3SetObjectAclOperation): TaskOperation {
  const policy = op.AccessControlPolicy;
  const list = policy?.AccessControlList;
  // An AccessControlList with no Grants is a valid "no grants at all" policy.
  const acl = portAcl(policy?.CannedAccessControlList, list ? (list.Grants ?? []) : undefined, list?.Owner) ?? { canned: 'private' };
  const problem = policy?.CannedAccessControlList === undefined && list ? malformedGrant(list.Grants ?? []) : undefined;
  return async (task, s3) => {
    if (problem !== undefined) throw new S3PortError('MalformedACLError', 400, `${MALFORMED_ACL_MESSAGE} (${problem})`);
    await s3.putObjectAcl(taskRef(task), acl);
  };
}
