/** The operations the engine runs, by their CreateJob name; one file per operation. */
import { operationName, type JobOperation, type OperationName } from '../domain/job-spec.js';
import { copy, type CopyOptions } from './copy.js';
import { deleteTagging } from './delete-tagging.js';
import { putAcl } from './put-acl.js';
import { putTagging } from './put-tagging.js';
import { initiateRestore } from './restore.js';
import type { TaskOperation } from './types.js';

/** Tuning of the operations (tests use small multipart thresholds). */
export interface OperationOptions {
  readonly copy?: CopyOptions;
}

const FACTORIES: Partial<Record<OperationName, (op: JobOperation, options: OperationOptions) => TaskOperation>> = {
  S3PutObjectTagging: (op) => putTagging(op.S3PutObjectTagging ?? {}),
  S3DeleteObjectTagging: () => deleteTagging(),
  S3PutObjectAcl: (op) => putAcl(op.S3PutObjectAcl ?? {}),
  S3PutObjectCopy: (op, options) => copy(op.S3PutObjectCopy ?? {}, options.copy),
  S3InitiateRestoreObject: (op) => initiateRestore(op.S3InitiateRestoreObject ?? {}),
};

export const IMPLEMENTED_OPERATIONS: readonly OperationName[] = Object.keys(FACTORIES) as OperationName[];

export function isImplementedOperation(name: OperationName): boolean {
  return FACTORIES[name] !== undefined;
}

/** The task function of a job's operation; throws for one preparation would have refused. */
export function operationFor(op: JobOperation, options: OperationOptions = {}): TaskOperation {
  const name = operationName(op);
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`The operation ${name} is not implemented`);
  return factory(op, options);
}
