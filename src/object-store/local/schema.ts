/**
 * The object store's metadata schema (`objects.db`), as numbered append-only migrations applied
 * by the same runner as the job store (src/lib/sqlite-migrations.ts). Never edit a shipped
 * migration; add the next number.
 *
 * Keys are BLOBs holding their UTF-8 bytes: SQLite compares BLOBs with memcmp, which is S3's
 * listing order (UTF-8 binary), and any byte string — NUL included — round-trips. Times are
 * epoch milliseconds in `*_ms` columns; what is only read back whole is JSON text.
 */
import type { Migration } from '../../lib/sqlite-migrations.js';

export const OBJECT_STORE_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'buckets, object versions, multipart uploads',
    sql: `
      CREATE TABLE buckets (
        name          TEXT    NOT NULL PRIMARY KEY,
        owner         TEXT    NOT NULL,
        created_ms    INTEGER NOT NULL,
        region        TEXT    NOT NULL,
        -- '' = never enabled (no version ids shown), else S3's status
        versioning    TEXT    NOT NULL DEFAULT '' CHECK (versioning IN ('', 'Enabled', 'Suspended')),
        object_lock   INTEGER NOT NULL DEFAULT 0 CHECK (object_lock IN (0, 1)),
        -- default retention {mode, days?, years?} or NULL
        lock_rule_json TEXT,
        acl_json      TEXT    NOT NULL
      ) STRICT;
      CREATE INDEX buckets_owner ON buckets (owner, name);

      -- One row per object version or delete marker. seq orders versions (newest = largest);
      -- is_latest marks the current version of each key (maintained in the same transaction).
      CREATE TABLE versions (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        bucket            TEXT    NOT NULL,
        key               BLOB    NOT NULL,
        version_id        TEXT    NOT NULL,
        is_latest         INTEGER NOT NULL CHECK (is_latest IN (0, 1)),
        delete_marker     INTEGER NOT NULL CHECK (delete_marker IN (0, 1)),
        owner             TEXT    NOT NULL,
        last_modified_ms  INTEGER NOT NULL,
        size              INTEGER NOT NULL DEFAULT 0,
        -- hex, without quotes
        etag              TEXT    NOT NULL DEFAULT '',
        storage_class     TEXT    NOT NULL DEFAULT 'STANDARD',
        meta_json         TEXT    NOT NULL DEFAULT '{"system":{},"user":{}}',
        tags_json         TEXT    NOT NULL DEFAULT '[]',
        acl_json          TEXT    NOT NULL DEFAULT '',
        checksum_algorithm TEXT,
        checksum_value    TEXT,
        checksum_type     TEXT,
        -- the data: [{"b": blobId, "s": size}] in order (empty for empty objects)
        segments_json     TEXT    NOT NULL DEFAULT '[]',
        -- multipart objects: [{"s": size, "e": etag, "c": checksum?}] by part number
        parts_json        TEXT,
        restore_ready_ms  INTEGER,
        restore_expiry_ms INTEGER,
        lock_mode         TEXT CHECK (lock_mode IN ('GOVERNANCE', 'COMPLIANCE')),
        lock_until_ms     INTEGER,
        -- NULL = never set
        legal_hold        INTEGER CHECK (legal_hold IN (0, 1))
      ) STRICT;
      CREATE UNIQUE INDEX versions_version ON versions (bucket, key, version_id);
      CREATE INDEX versions_key_seq ON versions (bucket, key, seq);
      CREATE INDEX versions_latest ON versions (bucket, key) WHERE is_latest = 1;

      CREATE TABLE uploads (
        upload_id          TEXT    NOT NULL PRIMARY KEY,
        bucket             TEXT    NOT NULL,
        key                BLOB    NOT NULL,
        owner              TEXT    NOT NULL,
        initiated_ms       INTEGER NOT NULL,
        storage_class      TEXT    NOT NULL,
        meta_json          TEXT    NOT NULL,
        tags_json          TEXT    NOT NULL,
        acl_json           TEXT    NOT NULL,
        checksum_algorithm TEXT,
        checksum_type      TEXT,
        lock_json          TEXT
      ) STRICT;
      CREATE INDEX uploads_key ON uploads (bucket, key, initiated_ms, upload_id);

      CREATE TABLE parts (
        upload_id        TEXT    NOT NULL,
        part_number      INTEGER NOT NULL,
        -- NULL for an empty part
        blob             TEXT,
        size             INTEGER NOT NULL,
        etag             TEXT    NOT NULL,
        checksum_value   TEXT,
        last_modified_ms INTEGER NOT NULL,
        PRIMARY KEY (upload_id, part_number)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'bucket replication configuration, replication status of versions',
    sql: `
      -- PutBucketReplication's configuration (domain/replication.ts ReplicationConfiguration) or NULL
      ALTER TABLE buckets ADD COLUMN replication_json TEXT;
      -- x-amz-replication-status: COMPLETED on a replicated source version, REPLICA on a replica; NULL = none
      ALTER TABLE versions ADD COLUMN replication_status TEXT
        CHECK (replication_status IN ('COMPLETED', 'PENDING', 'FAILED', 'REPLICA'));
    `,
  },
  {
    version: 3,
    name: 'replica multipart uploads',
    sql: `
      -- A replica's upload (s3batch's replica extension): {"versionId"?} taken at completion, or NULL
      ALTER TABLE uploads ADD COLUMN replica_json TEXT;
    `,
  },
] satisfies Migration[]);
