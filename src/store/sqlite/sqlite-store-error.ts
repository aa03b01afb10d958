/**
 * Failures of the SQLite store itself (as opposed to the expected refusals of the JobStore
 * contract, which are `JobStoreError`s): the database is locked by another process for longer
 * than the busy timeout, the store was closed, or the file was migrated by a newer s3batch.
 */

export const SQLITE_STORE_ERROR_CODES = [
  /** another connection held the write lock for longer than `busyTimeoutMs` (SQLITE_BUSY) */
  'Busy',
  /** a method was called after `close()` */
  'Closed',
  /** the migration ledger holds migrations this version does not know: a newer s3batch wrote it */
  'NewerSchema',
  /** a row that the schema should have made impossible (an unknown status, invalid JSON) */
  'CorruptRow',
] as const;
export type SqliteStoreErrorCode = (typeof SQLITE_STORE_ERROR_CODES)[number];

export class SqliteStoreError extends Error {
  readonly code: SqliteStoreErrorCode;
  constructor(code: SqliteStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqliteStoreError';
    this.code = code;
  }
}
