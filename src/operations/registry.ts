/** The operations the engine runs, by their CreateJob name; one file per operation. */
import { operationName, type JobOperation, type OperationName } from '../domain/job-spec.js';
import { copy, type CopyOptions } from './copy.js';
import { deleteTagging } from './delete-tagging.js';
import { lambdaInvoke, type LambdaFunctions, type LambdaRefusal } from './lambda-invoke.js';
import { putAcl } from './put-acl.js';
import { putTagging } from './put-tagging.js';
import { initiateRestore } from './restore.js';
import type { TaskOperation } from './types.js';

/** Tuning of the operations (tests use small multipart thresholds). */
export interface OperationOptions {
  readonly copy?: CopyOptions;
  /** The functions LambdaInvoke jobs call; without them a LambdaInvoke job is refused in preparation. */
  readonly lambda?: LambdaFunctions;
}

const FACTORIES: Partial<Record<OperationName, (op: JobOperation, options: OperationOptions) => TaskOperation>> = {
  S3PutObjectTagging: (op) => putTagging(op.S3PutObjectTagging ?? {}),
  S3DeleteObjectTagging: () => deleteTagging(),
  S3PutObjectAcl: (op) => putAcl(op.S3PutObjectAcl ?? {}),
  S3PutObjectCopy: (op, options) => copy(op.S3PutObjectCopy ?? {}, options.copy),
  LambdaInvoke: (op, options) => lambdaInvoke(op.LambdaInvoke ?? {}, options.lambda),
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

/**
 * What preparation asks before a job runs: whether its operation can run at all for this job (a
 * LambdaInvoke job's function must resolve and load). The reason when not: the job fails in
 * preparation instead of failing every task the same way.
 */
export async function refusalOf(op: JobOperation, accountId: string, options: OperationOptions = {}): Promise<LambdaRefusal | undefined> {
  if (op.LambdaInvoke !== undefined) {
    if (!options.lambda) return { code: 'UnsupportedOperation', reason: 'LambdaInvoke jobs cannot run here: this s3batch runs no Lambda functions' };
    return options.lambda.check(op.LambdaInvoke.FunctionArn ?? '', accountId);
  }
  return undefined;
}
