/** The SQLite JobStore: what the composition root and tools import from store/sqlite. */
export { openSqliteJobStore, type SqliteJobStoreOptions } from './sqlite-job-store.js';
export { SqliteStoreError, type SqliteStoreErrorCode } from './sqlite-store-error.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
