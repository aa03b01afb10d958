/**
 * The ObjectStore on the local disk: blobs under `${dataDir}/objects/`, metadata in
 * `${dataDir}/objects.db` (SQLite, WAL). Opening sweeps what a crash may have left (temp files,
 * blobs no metadata references) before anything is served.
 *
 * better-sqlite3 is synchronous; every statement here is a single-row or bounded (≤ 1,001 rows)
 * one, and all file I/O is asynchronous.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { canonicalIdOf, resolveAcl } from '../acl.js';
import { S3Error } from '../errors.js';
import type {
  AccessControlPolicy,
  AclInput,
  BucketInfo,
  ObjectLockConfiguration,
  ObjectStore,
  VersioningStatus,
} from '../object-store.js';
import { validateBucketName } from '../validate.js';
import { migrate } from '../../lib/sqlite-migrations.js';
import { BlobFiles } from './blob-files.js';
import { ownedBucket, type Core, type SkippedMetadata } from './core.js';
import { listObjects, listObjectVersions, listUploads } from './listing.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listParts, uploadPart, uploadPartCopy } from './multipart.js';
import { copyObject, deleteObject, deleteObjects, getObject, headObject, putObject } from './objects.js';
import { aclOf, lockRuleOf, prepareStatements, type BucketRow } from './rows.js';
import { deleteBucketReplication, getBucketReplication, putBucketReplication, setReplicationStatus } from './replication.js';
import { OBJECT_STORE_MIGRATIONS } from './schema.js';
import {
  getObjectAcl,
  getObjectLegalHold,
  getObjectRetention,
  getObjectTagging,
  putObjectAcl,
  putObjectLegalHold,
  putObjectRetention,
  putObjectTagging,
  restoreObject,
  updateObjectEncryption,
} from './subresources.js';

export interface LocalObjectStoreOptions {
  /** `${dataDir}`: the store uses `objects/` and `objects.db` in it. */
  readonly dataDir: string;
  readonly region: string;
  /** How long a RestoreObject takes before the object can be read (default 5 s). */
  readonly restoreDelayMs?: number;
  /** Largest CopyObject source (default 5 GiB, S3's limit; tests lower it). */
  readonly maxCopySourceBytes?: number;
  readonly now?: () => number;
  /** Called once at open with what the start-up sweep removed. */
  readonly onSweep?: (removed: { temp: number; orphans: number }) => void;
  /**
   * Replication destinations on other stores (config file `replication.destinations`): a
   * PutBucketReplication naming one is not checked against this store's buckets.
   */
  readonly isRemoteDestination?: (bucketArn: string) => boolean;
  /** Called when a read skips stored metadata names no HTTP header can carry (rows.ts readableUser). */
  readonly onSkippedMetadata?: (skipped: SkippedMetadata) => void;
}

export const DEFAULT_RESTORE_DELAY_MS = 5_000;
export const MAX_COPY_SOURCE_BYTES = 5 * 1024 ** 3;

export async function openLocalObjectStore(options: LocalObjectStoreOptions): Promise<ObjectStore> {
  mkdirSync(options.dataDir, { recursive: true });
  const blobs = new BlobFiles(path.join(options.dataDir, 'objects'));
  await blobs.init();
  const db = new Database(path.join(options.dataDir, 'objects.db'), { timeout: 5_000 });
  try {
    db.pragma('journal_mode = WAL');
    // A process crash loses nothing committed in WAL mode; NORMAL only risks the last commits on
    // power loss, which leaves the previous version (its blob is swept as an orphan).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = OFF');
    migrate(db, Date.now(), OBJECT_STORE_MIGRATIONS);
    const st = prepareStatements(db);
    const referenced = new Set<string>(st.allPartBlobs.all());
    for (const json of st.allSegments.iterate()) for (const seg of JSON.parse(json) as Array<{ b: string }>) referenced.add(seg.b);
    const removed = await blobs.sweep((id) => referenced.has(id));
    options.onSweep?.(removed);
    const core: Core = {
      db,
      st,
      blobs,
      region: options.region,
      restoreDelayMs: options.restoreDelayMs ?? DEFAULT_RESTORE_DELAY_MS,
      maxCopySourceBytes: options.maxCopySourceBytes ?? MAX_COPY_SOURCE_BYTES,
      buckets: new Map(),
      isRemoteDestination: options.isRemoteDestination ?? (() => false),
      ...(options.onSkippedMetadata ? { onSkippedMetadata: options.onSkippedMetadata } : {}),
      now: options.now ?? Date.now,
    };
    return createLocalObjectStore(core);
  } catch (err) {
    db.close();
    throw err;
  }
}

function bucketInfo(row: BucketRow): BucketInfo {
  return { name: row.name, created: row.created_ms, region: row.region, owner: row.owner };
}

/** Async facade: a synchronous throw becomes a rejection, as the contract promises. */
const later = <T>(fn: () => T): Promise<T> => {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
};

function createLocalObjectStore(core: Core): ObjectStore {
  const { db, st } = core;
  let closed = false;

  return {
    listBuckets: (account) => later(() => st.bucketsOf.all(account).map(bucketInfo)),

    createBucket: (account, bucket, options = {}) =>
      later(() => {
        validateBucketName(bucket);
        db.transaction(() => {
          core.buckets.delete(bucket);
          const existing = st.bucket.get(bucket);
          if (existing) {
            if (existing.owner === account) {
              throw new S3Error(
                'BucketAlreadyOwnedByYou',
                'Your previous request to create the named bucket succeeded and you already own it.',
                { fields: { BucketName: bucket } },
              );
            }
            throw new S3Error(
              'BucketAlreadyExists',
              'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
              { fields: { BucketName: bucket } },
            );
          }
          st.insertBucket.run({
            name: bucket,
            owner: account,
            created_ms: core.now(),
            region: core.region,
            versioning: options.objectLockEnabled ? 'Enabled' : '',
            object_lock: options.objectLockEnabled ? 1 : 0,
            lock_rule_json: null,
            acl_json: JSON.stringify(resolveAcl(options.acl, account, account)),
          });
        }).immediate();
      }),

    deleteBucket: (account, bucket) =>
      later(() => {
        const garbage = db
          .transaction(() => {
            const row = ownedBucket(core, account, bucket);
            if (st.anyVersion.get(row.name) !== undefined) {
              throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', { fields: { BucketName: bucket } });
            }
            const blobIds: string[] = [];
            for (const uploadId of st.uploadsOfBucket.all(row.name)) {
              for (const p of st.parts.all(uploadId)) if (p.blob) blobIds.push(p.blob);
              st.deleteParts.run(uploadId);
              st.deleteUpload.run(uploadId);
            }
            st.deleteBucket.run(row.name);
            core.buckets.delete(row.name);
            return blobIds;
          })
          .immediate();
        core.blobs.remove(garbage);
      }),

    headBucket: (account, bucket) => later(() => bucketInfo(ownedBucket(core, account, bucket))),

    getBucketVersioning: (account, bucket) =>
      later(() => {
        const v = ownedBucket(core, account, bucket).versioning;
        return v === '' ? undefined : v;
      }),

    putBucketVersioning: (account, bucket, status: VersioningStatus) =>
      later(() => {
        db.transaction(() => {
          const row = ownedBucket(core, account, bucket);
          if (row.object_lock === 1 && status !== 'Enabled') {
            throw new S3Error(
              'InvalidBucketState',
              'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
            );
          }
          if (row.replication_json !== null && status !== 'Enabled') {
            throw new S3Error('InvalidBucketState', 'A replication configuration is present on this bucket, so the versioning state cannot be changed.');
          }
          st.setVersioning.run(status, row.name);
          core.buckets.delete(row.name);
        }).immediate();
      }),

    getObjectLockConfiguration: (account, bucket) =>
      later((): ObjectLockConfiguration => {
        const row = ownedBucket(core, account, bucket);
        if (row.object_lock !== 1) {
          throw new S3Error('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', {
            fields: { BucketName: bucket },
          });
        }
        const rule = lockRuleOf(row);
        return { enabled: true, ...(rule ? { defaultRetention: rule } : {}) };
      }),

    putObjectLockConfiguration: (account, bucket, config) =>
      later(() => {
        db.transaction(() => {
          const row = ownedBucket(core, account, bucket);
          if (!config.enabled) throw new S3Error('MalformedXML', 'ObjectLockEnabled must be Enabled');
          if (row.object_lock !== 1 && row.versioning !== 'Enabled') {
            throw new S3Error('InvalidBucketState', 'Versioning must be \'Enabled\' on the bucket to apply a Object Lock configuration');
          }
          const rule = config.defaultRetention;
          if (rule) {
            const periods = (rule.days !== undefined ? 1 : 0) + (rule.years !== undefined ? 1 : 0);
            const value = rule.days ?? rule.years ?? 0;
            if (periods !== 1 || !Number.isInteger(value) || value < 1) {
              throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (DefaultRetention needs exactly one of Days or Years, a positive integer)');
            }
          }
          st.setLock.run(1, rule ? JSON.stringify(rule) : null, row.name);
          core.buckets.delete(row.name);
        }).immediate();
      }),

    getBucketReplication: (account, bucket) => later(() => getBucketReplication(core, account, bucket)),
    putBucketReplication: (account, bucket, config) => later(() => putBucketReplication(core, account, bucket, config)),
    deleteBucketReplication: (account, bucket) => later(() => deleteBucketReplication(core, account, bucket)),
    setReplicationStatus: (account, ref, status) => later(() => setReplicationStatus(core, account, ref, status)),

    getBucketAcl: (account, bucket) => later((): AccessControlPolicy => aclOf(ownedBucket(core, account, bucket))),

    putBucketAcl: (account, bucket, acl: AclInput) =>
      later(() => {
        const row = ownedBucket(core, account, bucket);
        st.setBucketAcl.run(JSON.stringify(resolveAcl(acl, account, row.owner)), row.name);
        core.buckets.delete(row.name);
      }),

    putObject: (account, input, body) => putObject(core, account, input, body),
    getObject: (account, ref, options) => getObject(core, account, ref, options),
    headObject: (account, ref, options) => later(() => headObject(core, account, ref, options)),
    deleteObject: (account, ref, options) => later(() => deleteObject(core, account, ref, options)),
    deleteObjects: (account, bucket, objects, options) => later(() => deleteObjects(core, account, bucket, objects, options)),
    copyObject: (account, input) => copyObject(core, account, input),
    listObjects: (account, bucket, options = {}) => later(() => listObjects(core, ownedBucket(core, account, bucket), options)),
    listObjectVersions: (account, bucket, options = {}) =>
      later(() => listObjectVersions(core, ownedBucket(core, account, bucket), options)),

    createMultipartUpload: (account, input) => later(() => createMultipartUpload(core, account, input)),
    uploadPart: (account, input, body) => uploadPart(core, account, input, body),
    uploadPartCopy: (account, input) => uploadPartCopy(core, account, input),
    completeMultipartUpload: (account, input) => later(() => completeMultipartUpload(core, account, input)),
    abortMultipartUpload: (account, bucket, key, uploadId) => later(() => abortMultipartUpload(core, account, bucket, key, uploadId)),
    listParts: (account, bucket, key, uploadId, options) => later(() => listParts(core, account, bucket, key, uploadId, options)),
    listMultipartUploads: (account, bucket, options = {}) => later(() => listUploads(core, ownedBucket(core, account, bucket), options)),

    getObjectTagging: (account, ref) => later(() => getObjectTagging(core, account, ref)),
    putObjectTagging: (account, ref, tags) => later(() => putObjectTagging(core, account, ref, tags)),
    deleteObjectTagging: (account, ref) => later(() => putObjectTagging(core, account, ref, [])),
    getObjectAcl: (account, ref) => later(() => getObjectAcl(core, account, ref)),
    putObjectAcl: (account, ref, acl) => later(() => putObjectAcl(core, account, ref, acl)),
    restoreObject: (account, ref, request) => later(() => restoreObject(core, account, ref, request)),
    getObjectRetention: (account, ref) => later(() => getObjectRetention(core, account, ref)),
    putObjectRetention: (account, ref, retention, options) => later(() => putObjectRetention(core, account, ref, retention, options)),
    getObjectLegalHold: (account, ref) => later(() => getObjectLegalHold(core, account, ref)),
    putObjectLegalHold: (account, ref, on) => later(() => putObjectLegalHold(core, account, ref, on)),
    updateObjectEncryption: (account, ref, update) => later(() => updateObjectEncryption(core, account, ref, update)),

    canonicalIdOf,
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
