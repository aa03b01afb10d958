/** Tagging, ACLs, restores, retention, legal holds and encryption updates of one object version. */
import { resolveAcl } from '../acl.js';
import { S3Error, UPDATE_ENCRYPTION_MESSAGES, accessDenied, malformedXml } from '../errors.js';
import type { AccessControlPolicy, AclInput, LockMode, ObjectEncryptionUpdate, ObjectRef, RestoreRequest, StorageClass, Tag } from '../object-store.js';
import { isArchived, validateKey, validateTags } from '../validate.js';
import { ownedBucket, resolveVersion, type Core } from './core.js';
import { aclOf, encryptionOf, tagsJson, tagsOf, visibleVersionId, withEncryption, type BucketRow, type VersionRow } from './rows.js';

const DAY_MS = 86_400_000;

function target(core: Core, account: string, ref: ObjectRef): { bucket: BucketRow; row: VersionRow } {
  const bucket = ownedBucket(core, account, ref.bucket);
  validateKey(ref.key);
  return { bucket, row: resolveVersion(core, bucket, ref.key, ref.versionId) };
}

/** Runs `fn` on the version in a write transaction; returns its visible version id. */
function update(core: Core, account: string, ref: ObjectRef, fn: (row: VersionRow, bucket: BucketRow) => void): { versionId?: string } {
  return core.db
    .transaction(() => {
      const { bucket, row } = target(core, account, ref);
      fn(row, bucket);
      const versionId = visibleVersionId(bucket, row.version_id);
      return versionId !== undefined ? { versionId } : {};
    })
    .immediate();
}

export function getObjectTagging(core: Core, account: string, ref: ObjectRef): { tags: Tag[]; versionId?: string } {
  const { bucket, row } = target(core, account, ref);
  const versionId = visibleVersionId(bucket, row.version_id);
  return { tags: tagsOf(row), ...(versionId !== undefined ? { versionId } : {}) };
}

export function putObjectTagging(core: Core, account: string, ref: ObjectRef, tags: readonly Tag[]): { versionId?: string } {
  validateTags(tags);
  return update(core, account, ref, (row) => core.st.setTags.run(tagsJson(tags), row.seq));
}

export function getObjectAcl(core: Core, account: string, ref: ObjectRef): { acl: AccessControlPolicy; versionId?: string } {
  const { bucket, row } = target(core, account, ref);
  const versionId = visibleVersionId(bucket, row.version_id);
  return { acl: aclOf(row), ...(versionId !== undefined ? { versionId } : {}) };
}

export function putObjectAcl(core: Core, account: string, ref: ObjectRef, acl: AclInput): { versionId?: string } {
  return update(core, account, ref, (row, bucket) => {
    core.st.setAcl.run(JSON.stringify(resolveAcl(acl, row.owner, bucket.owner)), row.seq);
  });
}

/** Expiry of a restored copy: `days` after it is ready, rounded up to the next midnight UTC (as S3). */
function expiryAfter(readyMs: number, days: number): number {
  const t = readyMs + days * DAY_MS;
  return Math.ceil(t / DAY_MS) * DAY_MS;
}

/**
 * The most days a restored copy may be kept. S3 documents no limit; one is needed so that every
 * expiry is a date HTTP and XML can carry (the jobs API lets ExpirationInDays reach 2^31 - 1,
 * whose expiry would be no valid Date at all).
 */
export const MAX_RESTORE_DAYS = 999_999;

/**
 * RestoreObject of one version, as the S3 API Reference (RestoreObject) describes it: a readable
 * storage class is 403 InvalidObjectState; a restore still running is 409
 * RestoreAlreadyInProgress; a restored copy that has not expired gets its expiry moved to `days`
 * from now ("extended", 200 OK: S3 "updates the restoration period relative to the current
 * time"); else a restore starts, ready after the store's delay ("accepted", 202 Accepted).
 *
 * `days` is required for GLACIER and DEEP_ARCHIVE objects (S3 answers a RestoreRequest without
 * Days for one with 400 MalformedXML). S3 refuses it only for Intelligent-Tiering archive tiers,
 * which this store does not have: here every archived object needs it. The in-process port and
 * the HTTP route both end here, so both paths answer alike.
 */
export function restoreObject(
  core: Core,
  account: string,
  ref: ObjectRef,
  request: RestoreRequest,
): { status: 'accepted' | 'extended'; versionId?: string } {
  const { days } = request;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_RESTORE_DAYS)) {
    throw new S3Error('InvalidArgument', `Days must be an integer from 1 to ${MAX_RESTORE_DAYS}`, {
      fields: { ArgumentName: 'Days', ArgumentValue: String(days) },
    });
  }
  let status: 'accepted' | 'extended' = 'accepted';
  const result = update(core, account, ref, (row) => {
    if (!isArchived(row.storage_class as StorageClass)) {
      throw new S3Error('InvalidObjectState', "Restore is not allowed for the object's current storage class", {
        fields: { StorageClass: row.storage_class },
      });
    }
    if (days === undefined) throw malformedXml(`a restore of a ${row.storage_class} object needs Days`);
    const now = core.now();
    if (row.restore_ready_ms !== null && row.restore_ready_ms > now) {
      throw new S3Error('RestoreAlreadyInProgress', 'Object restore is already in progress');
    }
    const restored = row.restore_ready_ms !== null && (row.restore_expiry_ms === null || row.restore_expiry_ms > now);
    if (restored) {
      status = 'extended';
      core.st.setRestore.run(row.restore_ready_ms as number, expiryAfter(now, days), row.seq);
    } else {
      const ready = now + core.restoreDelayMs;
      core.st.setRestore.run(ready, expiryAfter(ready, days), row.seq);
    }
  });
  return { status, ...result };
}

/**
 * S3's answer to a retention or legal hold on an object of a bucket without Object Lock
 * (400 InvalidRequest; the AWS CLI shows "An error occurred (InvalidRequest) when calling the
 * PutObjectRetention operation: Bucket is missing Object Lock Configuration").
 */
export const MISSING_LOCK_CONFIGURATION = 'Bucket is missing Object Lock Configuration';

function requireLockBucket(bucket: BucketRow): void {
  if (bucket.object_lock !== 1) throw new S3Error('InvalidRequest', MISSING_LOCK_CONFIGURATION);
}

export function getObjectRetention(core: Core, account: string, ref: ObjectRef): { mode: LockMode; retainUntil: number } {
  const { bucket, row } = target(core, account, ref);
  requireLockBucket(bucket);
  if (row.lock_mode === null || row.lock_until_ms === null) {
    throw new S3Error('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
  }
  return { mode: row.lock_mode as LockMode, retainUntil: row.lock_until_ms };
}

export function putObjectRetention(
  core: Core,
  account: string,
  ref: ObjectRef,
  retention: { mode?: LockMode; retainUntil?: number },
  options: { bypassGovernanceRetention?: boolean } = {},
): { versionId?: string } {
  if ((retention.mode === undefined) !== (retention.retainUntil === undefined)) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (Mode and RetainUntilDate go together)');
  }
  const now = core.now();
  if (retention.retainUntil !== undefined && retention.retainUntil <= now) {
    throw new S3Error('InvalidArgument', 'The retain until date must be in the future!');
  }
  return update(core, account, ref, (row, bucket) => {
    requireLockBucket(bucket);
    const active = row.lock_mode !== null && row.lock_until_ms !== null && row.lock_until_ms > now;
    if (active) {
      const loosens =
        retention.mode === undefined ||
        (retention.retainUntil as number) < (row.lock_until_ms as number) ||
        (row.lock_mode === 'COMPLIANCE' && retention.mode === 'GOVERNANCE');
      // S3 answers both refusals with a bare 403 AccessDenied "Access Denied": a COMPLIANCE
      // retention can never be shortened, removed or turned into GOVERNANCE; a GOVERNANCE one
      // only with x-amz-bypass-governance-retention (and the s3:BypassGovernanceRetention right,
      // which every account has here on its own buckets).
      if (loosens && (row.lock_mode === 'COMPLIANCE' || !options.bypassGovernanceRetention)) throw accessDenied();
    }
    core.st.setRetention.run(retention.mode ?? null, retention.retainUntil ?? null, row.seq);
  });
}

export function getObjectLegalHold(core: Core, account: string, ref: ObjectRef): { status: 'ON' | 'OFF' } {
  const { bucket, row } = target(core, account, ref);
  requireLockBucket(bucket);
  if (row.legal_hold === null) {
    throw new S3Error('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
  }
  return { status: row.legal_hold === 1 ? 'ON' : 'OFF' };
}

export function putObjectLegalHold(core: Core, account: string, ref: ObjectRef, on: boolean): { versionId?: string } {
  return update(core, account, ref, (row, bucket) => {
    requireLockBucket(bucket);
    core.st.setLegalHold.run(on ? 1 : 0, row.seq);
  });
}

/** A KMS key ARN as S3 Control's model writes its pattern (NonEmptyKmsKeyArnString). */
const KMS_KEY_ARN = /^arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:([0-9]{12}):key\/[a-zA-Z0-9-]+$/;

/**
 * UpdateObjectEncryption (S3 API Reference): the version's encryption becomes SSE-KMS with the key
 * given, without copying data and without a new version: the ETag, LastModified, checksum, storage
 * class (an archived object is not restored) and metadata stay. S3 takes SSE-S3 and SSE-KMS sources
 * only (every object here is one or the other, or DSSE-KMS), a key of the bucket owner's account,
 * and refuses an object under Object Lock (a legal hold, or a retention still running, whatever
 * its mode). Nothing is encrypted here (object-store/types.ts ServerSideEncryption): the key ARN
 * is recorded as given, and its region is not checked.
 */
export function updateObjectEncryption(core: Core, account: string, ref: ObjectRef, request: ObjectEncryptionUpdate): void {
  const sse = request.sseKms;
  if (sse === undefined) throw new S3Error('InvalidRequest', UPDATE_ENCRYPTION_MESSAGES.noType);
  if (sse.kmsKeyArn === undefined || sse.kmsKeyArn === '') throw new S3Error('InvalidRequest', UPDATE_ENCRYPTION_MESSAGES.noKey);
  const keyAccount = KMS_KEY_ARN.exec(sse.kmsKeyArn)?.[1];
  if (keyAccount === undefined || sse.kmsKeyArn.length > 2048) throw new S3Error('InvalidRequest', UPDATE_ENCRYPTION_MESSAGES.badKey);
  const kmsKeyId = sse.kmsKeyArn;
  update(core, account, ref, (row, bucket) => {
    if (encryptionOf(row).algorithm === 'aws:kms:dsse') throw new S3Error('InvalidRequest', UPDATE_ENCRYPTION_MESSAGES.dsse);
    if (keyAccount !== bucket.owner) throw accessDenied(UPDATE_ENCRYPTION_MESSAGES.otherAccount);
    const now = core.now();
    if (row.legal_hold === 1 || (row.lock_until_ms !== null && row.lock_until_ms > now)) throw accessDenied(UPDATE_ENCRYPTION_MESSAGES.locked);
    core.st.setMeta.run(withEncryption(row, { algorithm: 'aws:kms', kmsKeyId, ...(sse.bucketKeyEnabled === true ? { bucketKeyEnabled: true } : {}) }), row.seq);
  });
}
