/** The operations the engine runs, by their CreateJob name; one file per operation. */
import { operationName, type JobOperation, type OperationName, type S3BatchExtensions } from '../domain/job-spec.js';
import { computeChecksum } from './compute-checksum.js';
import { copy, type CopyOptions } from './copy.js';
import { deleteTagging } from './delete-tagging.js';
import { lambdaInvoke, type LambdaFunctions, type LambdaRefusal } from './lambda-invoke.js';
import { putAcl } from './put-acl.js';
import { putLegalHold } from './put-legal-hold.js';
import { putRetention } from './put-retention.js';
import { putTagging } from './put-tagging.js';
import { replicate, type ReplicationDestinations } from './replicate.js';
import { initiateRestore } from './restore.js';
import type { TaskOperation } from './types.js';
import { updateEncryption } from './update-encryption.js';

/** Tuning of the operations (tests use small multipart thresholds). */
export interface OperationOptions {
  readonly copy?: CopyOptions;
  /** The functions LambdaInvoke jobs call; without them a LambdaInvoke job is refused in preparation. */
  readonly lambda?: LambdaFunctions;
  /** Where S3ReplicateObject writes replicas; without them a replication job is refused in preparation. */
  readonly replication?: ReplicationDestinations;
}

type Factory = (op: JobOperation, options: OperationOptions, extensions: S3BatchExtensions) => TaskOperation;

const FACTORIES: Partial<Record<OperationName, Factory>> = {
  S3PutObjectTagging: (op) => putTagging(op.S3PutObjectTagging ?? {}),
  S3DeleteObjectTagging: () => deleteTagging(),
  S3PutObjectAcl: (op) => putAcl(op.S3PutObjectAcl ?? {}),
  S3PutObjectCopy: (op, options) => copy(op.S3PutObjectCopy ?? {}, options.copy),
  LambdaInvoke: (op, options) => lambdaInvoke(op.LambdaInvoke ?? {}, options.lambda),
  S3InitiateRestoreObject: (op) => initiateRestore(op.S3InitiateRestoreObject ?? {}),
  S3PutObjectRetention: (op) => putRetention(op.S3PutObjectRetention ?? { Retention: {} }),
  S3PutObjectLegalHold: (op) => putLegalHold(op.S3PutObjectLegalHold ?? { LegalHold: { Status: 'OFF' } }),
  S3ComputeObjectChecksum: (op) => computeChecksum(op.S3ComputeObjectChecksum ?? {}),
  S3ReplicateObject: (_op, options) => {
    if (!options.replication) throw new Error('S3ReplicateObject needs the replication destinations (preparation refuses the job without them)');
    return replicate(options.replication);
  },
  S3UpdateObjectEncryption: (op, options, extensions) =>
    updateEncryption(op.S3UpdateObjectEncryption ?? {}, {
      ...(extensions.encryptionFallback === 'copy' ? { fallback: 'copy' as const } : {}),
      ...(options.copy ? { copy: options.copy } : {}),
    }),
};

export const IMPLEMENTED_OPERATIONS: readonly OperationName[] = Object.keys(FACTORIES) as OperationName[];

export function isImplementedOperation(name: OperationName): boolean {
  return FACTORIES[name] !== undefined;
}

/**
 * The task function of a job's operation (with what the job asked of s3batch itself, its spec's
 * `Extensions.s3batch`); throws for one preparation would have refused.
 */
export function operationFor(op: JobOperation, options: OperationOptions = {}, extensions: S3BatchExtensions = {}): TaskOperation {
  const name = operationName(op);
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`The operation ${name} is not implemented`);
  return factory(op, options, extensions);
}

/**
 * What preparation asks before a job runs: whether its operation can run at all for this job (a
 * LambdaInvoke job's function must resolve and load). The reason when not: the job fails in
 * preparation instead of failing every task the same way.
 */
export async function refusalOf(op: JobOperation, accountId: string, options: OperationOptions = {}): Promise<LambdaRefusal | undefined> {
  const retention = op.S3PutObjectRetention?.Retention;
  if (retention !== undefined && (retention.EventHold !== undefined || retention.EventHoldDuration !== undefined)) {
    // The model has these members (S3ObjectLockRetentionEventHold*), but AWS documents neither what
    // an event hold does to an object nor how S3's PutObjectRetention would carry it: s3batch will
    // not guess at a retention.
    return {
      code: 'UnsupportedOperation',
      reason: 'S3PutObjectRetention with Retention.EventHold or Retention.EventHoldDuration is not supported by this s3batch version yet: AWS does not document what they do',
    };
  }
  if (op.S3ReplicateObject !== undefined && !options.replication) {
    return { code: 'UnsupportedOperation', reason: 'S3ReplicateObject jobs cannot run here: this s3batch has no replication destinations wired' };
  }
  if (op.LambdaInvoke !== undefined) {
    if (!options.lambda) return { code: 'UnsupportedOperation', reason: 'LambdaInvoke jobs cannot run here: this s3batch runs no Lambda functions' };
    return options.lambda.check(op.LambdaInvoke.FunctionArn ?? '', accountId);
  }
  return undefined;
}
