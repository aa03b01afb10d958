/**
 * A bucket's replication configuration and the replication status of its versions. S3 requires
 * versioning on the source and on every destination (S3 User Guide, "Requirements for
 * replication"): both are checked when the configuration is put, and a versioned bucket with a
 * configuration cannot be suspended (local-object-store.ts putBucketVersioning).
 */
import { S3Error } from '../errors.js';
import type { ObjectRef, ReplicationConfiguration, ReplicationStatus } from '../object-store.js';
import { destinationBucketOf, validateReplicationConfiguration } from '../replication.js';
import { validateKey } from '../validate.js';
import { bucketRow, ownedBucket, resolveVersion, type Core } from './core.js';

function notFound(bucket: string): S3Error {
  return new S3Error('ReplicationConfigurationNotFoundError', 'The replication configuration was not found', { fields: { BucketName: bucket } });
}

export function getBucketReplication(core: Core, account: string, bucket: string): ReplicationConfiguration {
  const row = ownedBucket(core, account, bucket);
  if (row.replication_json === null) throw notFound(bucket);
  return JSON.parse(row.replication_json) as ReplicationConfiguration;
}

export function putBucketReplication(core: Core, account: string, bucket: string, config: ReplicationConfiguration): void {
  validateReplicationConfiguration(config, bucket);
  core.db
    .transaction(() => {
      const row = ownedBucket(core, account, bucket);
      if (row.versioning !== 'Enabled') {
        throw new S3Error('InvalidRequest', "Versioning must be 'Enabled' on the bucket to apply a replication configuration");
      }
      for (const rule of config.rules) {
        if (core.isRemoteDestination(rule.destination.bucket)) continue;
        const dest = bucketRow(core, destinationBucketOf(rule));
        if (dest === undefined) throw new S3Error('InvalidRequest', `Destination bucket must exist: ${rule.destination.bucket}`);
        if (dest.versioning !== 'Enabled') {
          throw new S3Error('InvalidRequest', `Destination bucket must have versioning enabled: ${rule.destination.bucket}`);
        }
      }
      core.st.setReplication.run(JSON.stringify(config), row.name);
      core.buckets.delete(row.name);
    })
    .immediate();
}

export function deleteBucketReplication(core: Core, account: string, bucket: string): void {
  const row = ownedBucket(core, account, bucket);
  core.st.setReplication.run(null, row.name);
  core.buckets.delete(row.name);
}

export function setReplicationStatus(core: Core, account: string, ref: ObjectRef, status: ReplicationStatus): void {
  core.db
    .transaction(() => {
      const bucket = ownedBucket(core, account, ref.bucket);
      validateKey(ref.key);
      const row = resolveVersion(core, bucket, ref.key, ref.versionId);
      core.st.setReplicationStatus.run(status, row.seq);
    })
    .immediate();
}
