/**
 * Failures of the PostgreSQL store itself (as opposed to the expected refusals of the JobStore
 * contract, which are `JobStoreError`s — an unreachable database among them, as 'Unavailable').
 */

export const POSTGRES_STORE_ERROR_CODES = [
  /** a method was called after `close()` */
  'Closed',
  /** the migration ledger holds migrations this version does not know: a newer s3batch wrote it */
  'NewerSchema',
  /** a row that the schema should have made impossible (invalid JSON), or an int8 above 2^53 − 1 */
  'CorruptRow',
  /** the connection URL or the schema name is not usable */
  'BadConfig',
] as const;
export type PostgresStoreErrorCode = (typeof POSTGRES_STORE_ERROR_CODES)[number];

export class PostgresStoreError extends Error {
  readonly code: PostgresStoreErrorCode;
  constructor(code: PostgresStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostgresStoreError';
    this.code = code;
  }
}
