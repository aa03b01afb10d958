/**
 * What every operation of the local store shares: the database and its statements, the blob
 * files, the clock, and the rules that decide access, versions and Object Lock. Everything that
 * reads-then-writes metadata runs inside one synchronous better-sqlite3 transaction, so no other
 * request interleaves with it.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { resolveAcl } from '../acl.js';
import { S3Error, accessDenied, invalidArgument, noSuchBucket, noSuchKey, noSuchVersion, preconditionFailed } from '../errors.js';
import type {
  AclInput,
  Conditions,
  EncryptionRequest,
  LockMode,
  ObjectLock,
  ObjectMetadata,
  ReplicaWrite,
  ServerSideEncryption,
  StorageClass,
  Tag,
} from '../object-store.js';
import { validateTags, validateUserMetadata } from '../validate.js';
import type { BlobFiles } from './blob-files.js';
import {
  DEFAULT_ENCRYPTION,
  blobIdsOf,
  keyBytes,
  lockRuleOf,
  metaJson,
  tagsJson,
  type BucketRow,
  type NewVersion,
  type SkippedNames,
  type Statements,
  type VersionRow,
} from './rows.js';

export interface Core {
  readonly db: Database.Database;
  readonly st: Statements;
  readonly blobs: BlobFiles;
  readonly region: string;
  readonly restoreDelayMs: number;
  /** CopyObject refuses larger sources, as S3 does (UploadPartCopy has no such limit). */
  readonly maxCopySourceBytes: number;
  /** Bucket rows by name; every write to a bucket row drops its entry (one process owns the DB). */
  readonly buckets: Map<string, BucketRow>;
  /** Whether a replication destination bucket ARN is on another store (not checked here). */
  readonly isRemoteDestination: (bucketArn: string) => boolean;
  /** Told of stored metadata names a read skipped (rows.ts readableUser). */
  readonly onSkippedMetadata?: (skipped: SkippedMetadata) => void;
  now(): number;
}

/** Stored user-metadata names a read of one version skipped: no HTTP header can carry them. */
export interface SkippedMetadata {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly names: readonly string[];
}

/** What a read of `row` tells about the metadata names it skips (rows.ts infoOf, metadataOf). */
export function skippedNamesOf(core: Core, row: VersionRow): SkippedNames | undefined {
  const report = core.onSkippedMetadata;
  if (report === undefined) return undefined;
  return (names) => report({ bucket: row.bucket, key: row.key.toString('utf8'), versionId: row.version_id, names });
}

export function bucketRow(core: Core, name: string): BucketRow | undefined {
  let row = core.buckets.get(name);
  if (row === undefined) {
    row = core.st.bucket.get(name);
    if (row !== undefined) core.buckets.set(name, row);
  }
  return row;
}

export function newVersionId(): string {
  return randomBytes(24).toString('base64url');
}

export function newUploadId(): string {
  return randomBytes(48).toString('base64url');
}

/** The bucket, when `account` owns it: NoSuchBucket when it does not exist, AccessDenied when another account's. */
export function ownedBucket(core: Core, account: string, name: string): BucketRow {
  const row = bucketRow(core, name);
  if (!row) throw noSuchBucket(name);
  if (row.owner !== account) throw accessDenied();
  return row;
}

/**
 * The version a request names (the latest when `versionId` is undefined). Delete markers answer
 * as S3 does: NoSuchKey (latest) or MethodNotAllowed (named), both with x-amz-delete-marker.
 */
export function resolveVersion(core: Core, bucket: BucketRow, key: string, versionId: string | undefined): VersionRow {
  const k = keyBytes(key);
  if (versionId === undefined) {
    const row = core.st.latest.get(bucket.name, k);
    if (!row) throw noSuchKey(key);
    if (row.delete_marker === 1) {
      throw noSuchKey(key, markerHeaders(bucket, row));
    }
    return row;
  }
  if (versionId === '') throw new S3Error('InvalidArgument', 'Version id cannot be the empty string', { fields: { ArgumentName: 'versionId', ArgumentValue: '' } });
  const row = core.st.version.get(bucket.name, k, versionId);
  if (!row) {
    if (!/^[A-Za-z0-9._+/=-]{1,1024}$/.test(versionId)) {
      throw new S3Error('InvalidArgument', 'Invalid version id specified', { fields: { ArgumentName: 'versionId', ArgumentValue: versionId } });
    }
    throw noSuchVersion(key, versionId);
  }
  if (row.delete_marker === 1) {
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', {
      fields: { Method: 'GET', ResourceType: 'DeleteMarker' },
      headers: markerHeaders(bucket, row),
    });
  }
  return row;
}

function markerHeaders(bucket: BucketRow, row: VersionRow): Record<string, string> {
  const headers: Record<string, string> = { 'x-amz-delete-marker': 'true' };
  if (bucket.versioning !== '' || row.version_id !== 'null') headers['x-amz-version-id'] = row.version_id;
  headers['last-modified'] = new Date(row.last_modified_ms).toUTCString();
  return headers;
}

/** Why Object Lock forbids deleting (or overwriting) this version, or undefined. */
export function lockRefusal(row: VersionRow, now: number, bypassGovernance: boolean): string | undefined {
  if (row.legal_hold === 1) return 'Access Denied because object protected by object lock (legal hold).';
  if (row.lock_until_ms !== null && row.lock_until_ms > now) {
    if (row.lock_mode === 'COMPLIANCE') return 'Access Denied because object protected by object lock (COMPLIANCE retention).';
    if (row.lock_mode === 'GOVERNANCE' && !bypassGovernance) {
      return 'Access Denied because object protected by object lock (GOVERNANCE retention; set x-amz-bypass-governance-retention to override).';
    }
  }
  return undefined;
}

/**
 * Makes `fields` the new current version of `key`, as the bucket's versioning state says: a new
 * version id (Enabled), or the `null` version replacing the previous one (never enabled,
 * Suspended). Returns the version id and the blobs no longer referenced. Call in a transaction.
 */
export function writeVersion(
  core: Core,
  bucket: BucketRow,
  fields: NewVersion,
  replica?: ReplicaWrite,
): { versionId: string; garbage: string[]; seq: number } {
  const versionId = replica?.versionId ?? (bucket.versioning === 'Enabled' ? newVersionId() : 'null');
  const garbage: string[] = [];
  // A replica keeps its source's version id: a version of that id already here is an earlier
  // replica of the same source version, and is replaced (a replicated version is kept once).
  if (versionId === 'null' || replica?.versionId !== undefined) {
    const existing = core.st.version.get(bucket.name, fields.key, versionId);
    if (existing && replica?.versionId !== undefined && existing.replication_status !== 'REPLICA') {
      throw new S3Error('InvalidRequest', `A version ${versionId} of this key exists and is no replica: a replica never replaces it`);
    }
    if (existing) {
      const refusal = lockRefusal(existing, core.now(), false);
      if (refusal) throw accessDenied(refusal);
      garbage.push(...blobIdsOf(existing));
      core.st.deleteVersion.run(existing.seq);
    }
  }
  core.st.clearLatest.run(bucket.name, fields.key);
  const info = core.st.insertVersion.run({ ...fields, version_id: versionId, is_latest: 1 });
  const seq = Number(info.lastInsertRowid);
  if (replica !== undefined) core.st.setReplicationStatus.run('REPLICA', seq);
  return { versionId, garbage, seq };
}

/**
 * A replica write, checked: the destination bucket must be versioned (S3 replicates only into
 * versioned buckets), and a kept version id must be one this store could have made and a reader
 * can render (no `null`: a versioned source never has one to replicate).
 */
export function checkedReplica(bucket: BucketRow, replica: ReplicaWrite | undefined): ReplicaWrite | undefined {
  if (replica === undefined) return undefined;
  if (bucket.versioning !== 'Enabled') {
    throw new S3Error('InvalidRequest', 'A replica can only be written to a bucket with versioning enabled');
  }
  const id = replica.versionId;
  if (id !== undefined && (id === 'null' || !REPLICA_VERSION_ID.test(id))) {
    throw new S3Error('InvalidArgument', `Invalid replica version id: ${id}`, { fields: { ArgumentName: 'x-s3batch-replica-version-id', ArgumentValue: id } });
  }
  return replica;
}

/** The version ids a replica may keep: S3's and this store's alphabets, at most 1,024 characters. */
export const REPLICA_VERSION_ID = /^[A-Za-z0-9._+/=-]{1,1024}$/;

/** Removes one version row; the newest remaining version becomes the latest. Call in a transaction. */
export function removeVersion(core: Core, row: VersionRow): string[] {
  core.st.deleteVersion.run(row.seq);
  if (row.is_latest === 1) core.st.promoteNewest.run(row.bucket, row.key);
  return blobIdsOf(row);
}

// ---------------------------------------------------------------------------------------------
// Conditions

function etagList(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
}

export function etagMatches(header: string, etag: string): boolean {
  const bare = etag.replace(/^"(.*)"$/, '$1');
  return etagList(header).some((t) => t === '*' || t === bare);
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * GET/HEAD preconditions in S3's order: If-Match / If-Unmodified-Since (412), then
 * If-None-Match / If-Modified-Since (304). A true If-Match overrides a false
 * If-Unmodified-Since; a false If-None-Match overrides a true If-Modified-Since.
 */
export function checkReadConditions(c: Conditions | undefined, row: VersionRow, notModifiedHeaders: Record<string, string>): void {
  if (!c) return;
  const etag = row.etag;
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, etag)) throw preconditionFailed('If-Match');
  } else if (c.ifUnmodifiedSince !== undefined && seconds(row.last_modified_ms) > seconds(c.ifUnmodifiedSince)) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, etag)) throw new S3Error('NotModified', 'Not Modified', { headers: notModifiedHeaders });
  } else if (c.ifModifiedSince !== undefined && seconds(row.last_modified_ms) <= seconds(c.ifModifiedSince)) {
    throw new S3Error('NotModified', 'Not Modified', { headers: notModifiedHeaders });
  }
}

/** x-amz-copy-source-if-*: every failure is 412, with S3's two overrides. */
export function checkCopySourceConditions(c: Conditions | undefined, row: VersionRow): void {
  if (!c) return;
  const etag = row.etag;
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  } else if (c.ifUnmodifiedSince !== undefined && seconds(row.last_modified_ms) > seconds(c.ifUnmodifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, etag)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  } else if (c.ifModifiedSince !== undefined && seconds(row.last_modified_ms) <= seconds(c.ifModifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
}

/** Conditional writes (PutObject, CopyObject, CompleteMultipartUpload): If-None-Match `*`, If-Match. */
export function checkWriteConditions(
  core: Core,
  bucket: string,
  key: string,
  c: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'> | undefined,
): void {
  if (!c || (c.ifMatch === undefined && c.ifNoneMatch === undefined)) return;
  const current = core.st.latest.get(bucket, keyBytes(key));
  const exists = current !== undefined && current.delete_marker === 0;
  if (c.ifNoneMatch !== undefined) {
    if (c.ifNoneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'If-None-Match on a write accepts only "*"');
    if (exists) throw preconditionFailed('If-None-Match');
  }
  if (c.ifMatch !== undefined) {
    if (!exists) throw noSuchKey(key);
    if (!etagMatches(c.ifMatch, current.etag)) throw preconditionFailed('If-Match');
  }
}

// ---------------------------------------------------------------------------------------------
// Attributes of a new version

export interface ResolvedAttributes {
  readonly meta_json: string;
  readonly tags_json: string;
  readonly acl_json: string;
  readonly storage_class: StorageClass;
  readonly lock_mode: LockMode | null;
  readonly lock_until_ms: number | null;
  readonly legal_hold: number | null;
}

export const EMPTY_METADATA: ObjectMetadata = { system: {}, user: {} };

/**
 * Validates a write's attributes against the bucket and resolves defaults (ACL, default
 * retention, encryption). The resolved encryption is stored in meta_json (rows.ts: encryptionOf).
 */
export function resolveAttributes(
  core: Core,
  account: string,
  bucket: BucketRow,
  attrs: {
    metadata?: ObjectMetadata;
    tags?: readonly Tag[];
    acl?: AclInput;
    storageClass?: StorageClass;
    lock?: ObjectLock;
    encryption?: EncryptionRequest;
  },
): ResolvedAttributes {
  const given = attrs.metadata ?? EMPTY_METADATA;
  const metadata: ObjectMetadata = { system: given.system, user: validateUserMetadata(given.user) };
  if (attrs.tags) validateTags(attrs.tags);
  const encryption = resolveEncryption(attrs.encryption);
  const lock = resolveLock(core, bucket, attrs.lock);
  return {
    meta_json: metaJson(metadata, encryption),
    tags_json: tagsJson(attrs.tags ?? []),
    acl_json: JSON.stringify(resolveAcl(attrs.acl, account, bucket.owner)),
    storage_class: attrs.storageClass ?? 'STANDARD',
    ...lock,
  };
}

/**
 * The encryption a write gets, checked as S3 checks it (the algorithm is one S3 knows: the HTTP
 * layer parsed it, validate.ts parseSseAlgorithm): a KMS key id only with
 * SSE-KMS (or DSSE-KMS); an S3 Bucket Key only with SSE-KMS (S3 has none for SSE-S3 or DSSE-KMS).
 * Nothing asked = SSE-S3, the default S3 applies to every object since January 2023 (the
 * embedded store has no bucket default-encryption configuration to say otherwise).
 */
export function resolveEncryption(asked: EncryptionRequest | undefined): ServerSideEncryption {
  if (asked === undefined) return DEFAULT_ENCRYPTION;
  const algorithm = asked.algorithm ?? DEFAULT_ENCRYPTION.algorithm;
  const kms = algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse';
  if (asked.kmsKeyId !== undefined && !kms) {
    throw invalidArgument(
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id',
      asked.kmsKeyId,
    );
  }
  if (asked.bucketKeyEnabled === true && algorithm !== 'aws:kms') {
    throw invalidArgument(
      `An S3 Bucket Key applies only to SSE-KMS (x-amz-server-side-encryption: aws:kms) and not to ${algorithm}`,
      'x-amz-server-side-encryption-bucket-key-enabled',
      'true',
    );
  }
  return {
    algorithm,
    ...(asked.kmsKeyId !== undefined ? { kmsKeyId: asked.kmsKeyId } : {}),
    ...(asked.bucketKeyEnabled === true ? { bucketKeyEnabled: true } : {}),
  };
}

export function resolveLock(
  core: Core,
  bucket: BucketRow,
  lock: ObjectLock | undefined,
): { lock_mode: LockMode | null; lock_until_ms: number | null; legal_hold: number | null } {
  const explicit = lock !== undefined && (lock.mode !== undefined || lock.retainUntil !== undefined || lock.legalHold !== undefined);
  if (explicit && bucket.object_lock !== 1) {
    throw new S3Error('InvalidRequest', 'Bucket is missing ObjectLockConfiguration');
  }
  if (lock && (lock.mode === undefined) !== (lock.retainUntil === undefined)) {
    throw new S3Error('InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
  }
  const now = core.now();
  if (lock?.retainUntil !== undefined && lock.retainUntil <= now) {
    throw new S3Error('InvalidArgument', 'The retain until date must be in the future!');
  }
  let mode: LockMode | null = lock?.mode ?? null;
  let until: number | null = lock?.retainUntil ?? null;
  const rule = lockRuleOf(bucket);
  if (mode === null && rule && bucket.object_lock === 1) {
    mode = rule.mode;
    const d = new Date(now);
    if (rule.days !== undefined) d.setUTCDate(d.getUTCDate() + rule.days);
    if (rule.years !== undefined) d.setUTCFullYear(d.getUTCFullYear() + rule.years);
    until = d.getTime();
  }
  return { lock_mode: mode, lock_until_ms: until, legal_hold: lock?.legalHold === undefined ? null : lock.legalHold ? 1 : 0 };
}
