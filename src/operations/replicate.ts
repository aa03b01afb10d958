/**
 * S3ReplicateObject (reference §3.1; S3 User Guide, "Replicating existing objects with Batch
 * Replication"): each manifest object — the version named, else the current one — is copied to
 * the destination of the highest-priority enabled rule of its bucket's replication configuration
 * that matches its key and tags. The replica gets the version's data (streamed from the source
 * into the destination, never held whole), metadata, tags, ACL grants (none with the rule's
 * AccessControlTranslation: the destination owner's default), Object Lock settings and storage
 * class (the rule's, else the source's). The source version is then marked COMPLETED; where the
 * destination keeps s3batch's replica extension (the embedded store, another s3batch) the replica
 * is marked REPLICA and keeps the source's version id, as S3's replicas do.
 *
 * Failures: a bucket without configuration fails its tasks with S3's 404
 * ReplicationConfigurationNotFoundError; an object no enabled rule matches with 400
 * NoMatchingReplicationRule (ours) naming the key. A destination that is down fails with the
 * port's NetworkError/5xx, which the engine retries (engine/retry.ts). A failed write marks the
 * source version FAILED (then COMPLETED when a retry succeeds). A version already marked REPLICA
 * (a replica replicated on) keeps that status.
 */
import { parseBucketArn } from '../domain/arn.js';
import { ruleFor, type ReplicationConfiguration, type ReplicationRule } from '../domain/replication.js';
import { S3PortError, type S3Port, type S3ReplicationPort } from '../s3/s3-port.js';
import { taskRef, type TaskOperation } from './types.js';

/** Where a rule's replicas go. */
export interface ReplicaTarget {
  /** The port the replica is written through (its `replication` calls). */
  readonly port: S3Port;
  /**
   * `embedded`: this server's store; `s3batch`: another s3batch, which keeps the replica extension
   * (REPLICA status, the source's version id) and knows this server's canonical ids, so the ACL
   * grants are sent too; `other`: any other S3-compatible store, which gets neither (its canonical
   * ids are not ours: the replica has the destination's default ACL).
   */
  readonly kind: 'embedded' | 's3batch' | 'other';
}

/**
 * The destinations of replication rules (app/replication-destinations.ts): the embedded store
 * (the job's account, or the rule's destination account when that bucket's ACL lets the job's
 * account write), or another S3-compatible endpoint configured for the destination bucket.
 */
export interface ReplicationDestinations {
  /** Rejects with an S3PortError (AccessDenied, NoSuchBucket…) when the rule's destination cannot be written. */
  targetFor(rule: ReplicationRule, accountId: string): Promise<ReplicaTarget>;
}

/** Our code for an object no enabled rule of its bucket matches. */
export const NO_MATCHING_RULE = 'NoMatchingReplicationRule';

export const NO_REPLICATION_MESSAGE = 'This store cannot be replicated from or to by s3batch (its port has no replication calls)';

function replicationOf(port: S3Port): S3ReplicationPort {
  if (port.replication === undefined) throw new S3PortError('NotImplemented', 501, NO_REPLICATION_MESSAGE);
  return port.replication;
}

export function replicate(destinations: ReplicationDestinations): TaskOperation {
  // One read of each source bucket's configuration per job run (AWS's Batch Replication also
  // replicates by the configuration the job found); a failed read is not kept, so a retry reads again.
  const configs = new Map<string, Promise<ReplicationConfiguration>>();
  const configOf = (rep: S3ReplicationPort, bucket: string): Promise<ReplicationConfiguration> => {
    let config = configs.get(bucket);
    if (config === undefined) {
      config = rep.getBucketReplication(bucket);
      configs.set(bucket, config);
      config.catch(() => configs.delete(bucket));
    }
    return config;
  };

  return async (task, s3, context) => {
    const source = replicationOf(s3);
    const config = await configOf(source, task.bucket);
    const found = await source.getReplicationSource(taskRef(task));
    const rule = ruleFor(config, task.key, found.tags);
    if (rule === undefined) {
      const tags = found.tags.length > 0 ? ` (tags ${found.tags.map((t) => `${t.key}=${t.value}`).join(', ')})` : ' (no tags)';
      const message = `No enabled replication rule of bucket ${task.bucket} matches the key ${task.key}${tags}`;
      throw new S3PortError(NO_MATCHING_RULE, 400, message);
    }
    const destinationBucket = parseBucketArn(rule.destination.bucket)?.bucket;
    if (destinationBucket === undefined) throw new S3PortError('InvalidArgument', 400, `Invalid destination bucket ARN ${rule.destination.bucket}`);
    const target = await destinations.targetFor(rule, context.accountId);
    const writer = replicationOf(target.port);
    const versionId = found.head.versionId;
    const pinned = { bucket: task.bucket, key: task.key, ...(versionId !== undefined ? { versionId } : {}) };
    const lock = found.lock.mode !== undefined || found.lock.legalHold !== undefined ? found.lock : undefined;
    const storageClass = rule.destination.storageClass ?? found.head.storageClass;
    let written: { versionId?: string } = {};
    try {
      const object = await s3.getObject(pinned, { ifMatch: found.head.etag });
      try {
        written = await writer.putReplica(
          {
            bucket: destinationBucket,
            key: task.key,
            contentLength: object.contentLength,
            metadata: found.head.metadata ?? { system: {}, user: {} },
            tags: found.tags,
            ...(rule.destination.ownerOverride === undefined && target.kind !== 'other' ? { grants: found.grants } : {}),
            ...(lock !== undefined ? { lock } : {}),
            ...(storageClass !== undefined ? { storageClass } : {}),
            ...(target.kind !== 'other' && versionId !== undefined && versionId !== 'null' ? { replica: { versionId } } : {}),
          },
          object.body,
        );
      } finally {
        object.body.destroy();
      }
      // Some stores ignore x-amz-tagging on PutObject (s3rver does): the tags again, with the call every store has.
      if (target.kind === 'other' && found.tags.length > 0) {
        const replicaRef = { bucket: destinationBucket, key: task.key, ...(written.versionId !== undefined ? { versionId: written.versionId } : {}) };
        await target.port.putObjectTagging(replicaRef, found.tags);
      }
    } catch (err) {
      if (found.replicationStatus !== 'REPLICA') await markStatus(source, pinned, 'FAILED').catch(() => undefined);
      throw err;
    }
    if (found.replicationStatus !== 'REPLICA') await markStatus(source, pinned, 'COMPLETED');
  };
}

/** A store that cannot record the status (any store over HTTP: S3 has no call for it) is left as it is. */
async function markStatus(port: S3ReplicationPort, ref: { bucket: string; key: string; versionId?: string }, status: 'COMPLETED' | 'FAILED'): Promise<void> {
  try {
    await port.setReplicationStatus(ref, status);
  } catch (err) {
    if (err instanceof S3PortError && err.code === 'NotImplemented') return;
    throw err;
  }
}
