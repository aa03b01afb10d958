/** Rows of objects.db, their prepared statements, and the conversions to the store's types. */
import type Database from 'better-sqlite3';
import type { ChecksumAlgorithm, ChecksumType } from '../checksums.js';
import type {
  AccessControlPolicy,
  Checksum,
  DefaultRetention,
  LockMode,
  ObjectInfo,
  ObjectLock,
  ObjectMetadata,
  ObjectSummary,
  RestoreStatus,
  ServerSideEncryption,
  StorageClass,
  Tag,
  UploadInfo,
} from '../object-store.js';
import type { ReplicationStatus } from '../../domain/replication.js';
import { metadataNameProblem } from '../../lib/user-metadata.js';
import type { Segment } from './blob-files.js';

export interface BucketRow {
  name: string;
  owner: string;
  created_ms: number;
  region: string;
  versioning: '' | 'Enabled' | 'Suspended';
  object_lock: number;
  lock_rule_json: string | null;
  acl_json: string;
  /** Migration 2: the replication configuration (JSON) or null. */
  replication_json: string | null;
}

export interface VersionRow {
  seq: number;
  bucket: string;
  key: Buffer;
  version_id: string;
  is_latest: number;
  delete_marker: number;
  owner: string;
  last_modified_ms: number;
  size: number;
  etag: string;
  storage_class: string;
  meta_json: string;
  tags_json: string;
  acl_json: string;
  checksum_algorithm: string | null;
  checksum_value: string | null;
  checksum_type: string | null;
  segments_json: string;
  parts_json: string | null;
  restore_ready_ms: number | null;
  restore_expiry_ms: number | null;
  lock_mode: string | null;
  lock_until_ms: number | null;
  legal_hold: number | null;
  /** Migration 2: x-amz-replication-status, or null. Never carried by a copy (S3's copies have none). */
  replication_status: string | null;
}

export type NewVersion = Omit<VersionRow, 'seq' | 'is_latest' | 'version_id' | 'replication_status'>;

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: Buffer;
  owner: string;
  initiated_ms: number;
  storage_class: string;
  meta_json: string;
  tags_json: string;
  acl_json: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  lock_json: string | null;
  /** Migration 3: a replica's upload ({"versionId"?}), or null. */
  replica_json: string | null;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  blob: string | null;
  size: number;
  etag: string;
  checksum_value: string | null;
  last_modified_ms: number;
}

/** A multipart object's part, as kept in parts_json. */
export interface StoredPart {
  readonly s: number;
  readonly e: string;
  readonly c?: string;
}

export function prepareStatements(db: Database.Database) {
  return {
    bucket: db.prepare<[string], BucketRow>('SELECT * FROM buckets WHERE name = ?'),
    bucketsOf: db.prepare<[string], BucketRow>('SELECT * FROM buckets WHERE owner = ? ORDER BY name'),
    insertBucket: db.prepare<[Omit<BucketRow, 'replication_json'>]>(
      `INSERT INTO buckets (name, owner, created_ms, region, versioning, object_lock, lock_rule_json, acl_json)
       VALUES (@name, @owner, @created_ms, @region, @versioning, @object_lock, @lock_rule_json, @acl_json)`,
    ),
    deleteBucket: db.prepare<[string]>('DELETE FROM buckets WHERE name = ?'),
    setVersioning: db.prepare<[string, string]>('UPDATE buckets SET versioning = ? WHERE name = ?'),
    setLock: db.prepare<[number, string | null, string]>('UPDATE buckets SET object_lock = ?, lock_rule_json = ? WHERE name = ?'),
    setBucketAcl: db.prepare<[string, string]>('UPDATE buckets SET acl_json = ? WHERE name = ?'),
    setReplication: db.prepare<[string | null, string]>('UPDATE buckets SET replication_json = ? WHERE name = ?'),
    setReplicationStatus: db.prepare<[string | null, number]>('UPDATE versions SET replication_status = ? WHERE seq = ?'),
    anyVersion: db.prepare<[string], number>('SELECT 1 FROM versions WHERE bucket = ? LIMIT 1').pluck(),

    latest: db.prepare<[string, Buffer], VersionRow>('SELECT * FROM versions WHERE bucket = ? AND key = ? AND is_latest = 1'),
    version: db.prepare<[string, Buffer, string], VersionRow>(
      'SELECT * FROM versions WHERE bucket = ? AND key = ? AND version_id = ?',
    ),
    clearLatest: db.prepare<[string, Buffer]>('UPDATE versions SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1'),
    promoteNewest: db.prepare<[string, Buffer]>(
      `UPDATE versions SET is_latest = 1 WHERE seq = (
         SELECT seq FROM versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1)`,
    ),
    insertVersion: db.prepare<[NewVersion & { version_id: string; is_latest: number }]>(
      `INSERT INTO versions (bucket, key, version_id, is_latest, delete_marker, owner, last_modified_ms, size, etag,
         storage_class, meta_json, tags_json, acl_json, checksum_algorithm, checksum_value, checksum_type, segments_json,
         parts_json, restore_ready_ms, restore_expiry_ms, lock_mode, lock_until_ms, legal_hold)
       VALUES (@bucket, @key, @version_id, @is_latest, @delete_marker, @owner, @last_modified_ms, @size, @etag,
         @storage_class, @meta_json, @tags_json, @acl_json, @checksum_algorithm, @checksum_value, @checksum_type,
         @segments_json, @parts_json, @restore_ready_ms, @restore_expiry_ms, @lock_mode, @lock_until_ms, @legal_hold)`,
    ),
    deleteVersion: db.prepare<[number]>('DELETE FROM versions WHERE seq = ?'),
    setTags: db.prepare<[string, number]>('UPDATE versions SET tags_json = ? WHERE seq = ?'),
    setAcl: db.prepare<[string, number]>('UPDATE versions SET acl_json = ? WHERE seq = ?'),
    setRestore: db.prepare<[number, number, number]>('UPDATE versions SET restore_ready_ms = ?, restore_expiry_ms = ? WHERE seq = ?'),
    setRetention: db.prepare<[string | null, number | null, number]>('UPDATE versions SET lock_mode = ?, lock_until_ms = ? WHERE seq = ?'),
    setLegalHold: db.prepare<[number, number]>('UPDATE versions SET legal_hold = ? WHERE seq = ?'),
    setMeta: db.prepare<[string, number]>('UPDATE versions SET meta_json = ? WHERE seq = ?'),
    listLatest: db.prepare<[string, Buffer, number], VersionRow>(
      'SELECT * FROM versions WHERE bucket = ? AND is_latest = 1 AND key >= ? ORDER BY key LIMIT ?',
    ),
    listVersions: db.prepare<[string, Buffer, Buffer, number, number], VersionRow>(
      `SELECT * FROM versions WHERE bucket = ? AND (key > ? OR (key = ? AND seq < ?))
       ORDER BY key, seq DESC LIMIT ?`,
    ),
    allSegments: db.prepare<[], string>(`SELECT segments_json FROM versions WHERE segments_json <> '[]'`).pluck(),

    upload: db.prepare<[string], UploadRow>('SELECT * FROM uploads WHERE upload_id = ?'),
    insertUpload: db.prepare<[Omit<UploadRow, 'replica_json'>]>(
      `INSERT INTO uploads (upload_id, bucket, key, owner, initiated_ms, storage_class, meta_json, tags_json, acl_json,
         checksum_algorithm, checksum_type, lock_json)
       VALUES (@upload_id, @bucket, @key, @owner, @initiated_ms, @storage_class, @meta_json, @tags_json, @acl_json,
         @checksum_algorithm, @checksum_type, @lock_json)`,
    ),
    setUploadReplica: db.prepare<[string, string]>('UPDATE uploads SET replica_json = ? WHERE upload_id = ?'),
    deleteUpload: db.prepare<[string]>('DELETE FROM uploads WHERE upload_id = ?'),
    uploadsOfBucket: db.prepare<[string], string>('SELECT upload_id FROM uploads WHERE bucket = ?').pluck(),
    listUploads: db.prepare<[string, Buffer, Buffer, number, number, string, number], UploadRow>(
      `SELECT * FROM uploads WHERE bucket = ?
         AND (key > ? OR (key = ? AND (initiated_ms > ? OR (initiated_ms = ? AND upload_id > ?))))
       ORDER BY key, initiated_ms, upload_id LIMIT ?`,
    ),
    part: db.prepare<[string, number], PartRow>('SELECT * FROM parts WHERE upload_id = ? AND part_number = ?'),
    parts: db.prepare<[string], PartRow>('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number'),
    partsPage: db.prepare<[string, number, number], PartRow>(
      'SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
    ),
    upsertPart: db.prepare<[PartRow]>(
      `INSERT OR REPLACE INTO parts (upload_id, part_number, blob, size, etag, checksum_value, last_modified_ms)
       VALUES (@upload_id, @part_number, @blob, @size, @etag, @checksum_value, @last_modified_ms)`,
    ),
    deleteParts: db.prepare<[string]>('DELETE FROM parts WHERE upload_id = ?'),
    allPartBlobs: db.prepare<[], string>('SELECT blob FROM parts WHERE blob IS NOT NULL').pluck(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

// ---------------------------------------------------------------------------------------------
// Conversions

export const keyBytes = (key: string): Buffer => Buffer.from(key, 'utf8');

export function segmentsOf(row: { segments_json: string }): Segment[] {
  return JSON.parse(row.segments_json) as Segment[];
}

export function blobIdsOf(row: { segments_json: string }): string[] {
  return segmentsOf(row).map((s) => s.b);
}

export function partsOf(row: VersionRow): StoredPart[] | undefined {
  return row.parts_json === null ? undefined : (JSON.parse(row.parts_json) as StoredPart[]);
}

export function tagsOf(row: { tags_json: string }): Tag[] {
  return (JSON.parse(row.tags_json) as Array<[string, string]>).map(([key, value]) => ({ key, value }));
}

export function tagsJson(tags: readonly Tag[]): string {
  return JSON.stringify(tags.map((t) => [t.key, t.value]));
}

/**
 * meta_json holds `{system, user, sse}`: the object's metadata and, beside it, its server-side
 * encryption. Kept apart on read so that copying an object's metadata never copies its
 * encryption. Rows written before encryption was kept have no `sse`: S3's default (SSE-S3).
 */
interface StoredMeta extends ObjectMetadata {
  readonly sse?: ServerSideEncryption;
}

export const DEFAULT_ENCRYPTION: ServerSideEncryption = Object.freeze({ algorithm: 'AES256' });

/** Told the names a read skipped (see readableUser). */
export type SkippedNames = (names: readonly string[]) => void;

/**
 * The user metadata a read answers: every stored name lib/user-metadata.ts allows, lower-cased.
 * A row written before that rule was enforced (an in-process write took any name) may hold a name
 * no HTTP header can carry — a GET or HEAD that sent it would fail with a 500, and a COPY would
 * pass it on — or two names that differ only in case. Such names are skipped (the first of two
 * same-header names is kept) and reported to `skipped`, so that the object stays readable and
 * copyable, and the row itself is left as it is.
 */
function readableUser(user: Readonly<Record<string, string>>, skipped: SkippedNames | undefined): Record<string, string> {
  const entries: Array<[string, string]> = [];
  const seen = new Set<string>();
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(user)) {
    const lower = name.toLowerCase();
    if (metadataNameProblem(name) !== undefined || seen.has(lower)) {
      dropped.push(name);
      continue;
    }
    seen.add(lower);
    entries.push([lower, value]);
  }
  if (dropped.length > 0) skipped?.(dropped);
  // From entries: a name such as `__proto__` stays an ordinary key.
  return Object.fromEntries(entries);
}

export function metadataOf(row: { meta_json: string }, skipped?: SkippedNames): ObjectMetadata {
  const { system, user } = JSON.parse(row.meta_json) as StoredMeta;
  return { system, user: readableUser(user, skipped) };
}

export function encryptionOf(row: { meta_json: string }): ServerSideEncryption {
  return (JSON.parse(row.meta_json) as StoredMeta).sse ?? DEFAULT_ENCRYPTION;
}

export function metaJson(metadata: ObjectMetadata, encryption: ServerSideEncryption): string {
  const stored: StoredMeta = { system: metadata.system, user: metadata.user, sse: encryption };
  return JSON.stringify(stored);
}

/**
 * meta_json with its encryption replaced and the metadata kept exactly as stored (a read's
 * filtering of names no header can carry, readableUser, must not become a write).
 */
export function withEncryption(row: { meta_json: string }, encryption: ServerSideEncryption): string {
  const stored = JSON.parse(row.meta_json) as StoredMeta;
  return JSON.stringify({ ...stored, sse: encryption } satisfies StoredMeta);
}

export function aclOf(row: { acl_json: string }): AccessControlPolicy {
  return JSON.parse(row.acl_json) as AccessControlPolicy;
}

export function lockRuleOf(row: BucketRow): DefaultRetention | undefined {
  return row.lock_rule_json === null ? undefined : (JSON.parse(row.lock_rule_json) as DefaultRetention);
}

export function checksumOfRow(row: {
  checksum_algorithm: string | null;
  checksum_value: string | null;
  checksum_type: string | null;
}): Checksum | undefined {
  if (row.checksum_algorithm === null || row.checksum_value === null) return undefined;
  return {
    algorithm: row.checksum_algorithm as ChecksumAlgorithm,
    value: row.checksum_value,
    type: (row.checksum_type ?? 'FULL_OBJECT') as ChecksumType,
  };
}

export function restoreOf(row: VersionRow, now: number): RestoreStatus | undefined {
  if (row.restore_ready_ms === null) return undefined;
  if (row.restore_ready_ms > now) return { ongoing: true };
  if (row.restore_expiry_ms !== null && row.restore_expiry_ms <= now) return undefined;
  return { ongoing: false, ...(row.restore_expiry_ms !== null ? { expiry: row.restore_expiry_ms } : {}) };
}

export function lockOf(row: VersionRow): ObjectLock {
  return {
    ...(row.lock_mode !== null ? { mode: row.lock_mode as LockMode } : {}),
    ...(row.lock_until_ms !== null ? { retainUntil: row.lock_until_ms } : {}),
    ...(row.legal_hold !== null ? { legalHold: row.legal_hold === 1 } : {}),
  };
}

/** The version id a response shows: none on a never-versioned bucket. */
export function visibleVersionId(bucket: BucketRow, versionId: string): string | undefined {
  return bucket.versioning === '' && versionId === 'null' ? undefined : versionId;
}

export function infoOf(bucket: BucketRow, row: VersionRow, now: number, skipped?: SkippedNames): ObjectInfo {
  const parts = partsOf(row);
  const checksum = checksumOfRow(row);
  const restore = restoreOf(row, now);
  const versionId = visibleVersionId(bucket, row.version_id);
  const meta = JSON.parse(row.meta_json) as StoredMeta;
  return {
    bucket: row.bucket,
    key: row.key.toString('utf8'),
    ...(versionId !== undefined ? { versionId } : {}),
    isLatest: row.is_latest === 1,
    size: row.size,
    etag: `"${row.etag}"`,
    lastModified: row.last_modified_ms,
    metadata: { system: meta.system, user: readableUser(meta.user, skipped) },
    storageClass: row.storage_class as StorageClass,
    ...(checksum ? { checksum } : {}),
    ...(parts ? { partsCount: parts.length, parts: parts.map((p) => ({ size: p.s, ...(p.c !== undefined ? { checksum: p.c } : {}) })) } : {}),
    tagCount: (JSON.parse(row.tags_json) as unknown[]).length,
    ...(restore ? { restore } : {}),
    lock: lockOf(row),
    owner: row.owner,
    encryption: meta.sse ?? DEFAULT_ENCRYPTION,
    ...(row.replication_status !== null ? { replicationStatus: row.replication_status as ReplicationStatus } : {}),
  };
}

export function summaryOf(row: VersionRow, now: number): ObjectSummary {
  const restore = restoreOf(row, now);
  return {
    key: row.key.toString('utf8'),
    size: row.size,
    etag: `"${row.etag}"`,
    lastModified: row.last_modified_ms,
    storageClass: row.storage_class as StorageClass,
    owner: row.owner,
    ...(row.checksum_algorithm !== null ? { checksumAlgorithm: row.checksum_algorithm as ChecksumAlgorithm } : {}),
    ...(row.checksum_type !== null ? { checksumType: row.checksum_type as ChecksumType } : {}),
    ...(restore ? { restore } : {}),
  };
}

export function uploadInfoOf(row: UploadRow): UploadInfo {
  return {
    uploadId: row.upload_id,
    key: row.key.toString('utf8'),
    initiated: row.initiated_ms,
    storageClass: row.storage_class as StorageClass,
    owner: row.owner,
    ...(row.checksum_algorithm !== null ? { checksumAlgorithm: row.checksum_algorithm as ChecksumAlgorithm } : {}),
    ...(row.checksum_type !== null ? { checksumType: row.checksum_type as ChecksumType } : {}),
    encryption: encryptionOf(row),
  };
}
