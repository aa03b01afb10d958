/** The PostgreSQL JobStore: what the composition root and tools import from store/postgres. */
export { DEFAULT_POSTGRES_SCHEMA, migratePostgresSchema, openPostgresJobStore, openPostgresStores, redact, type PostgresJobStoreOptions } from './postgres-job-store.js';
export { PostgresStoreError, type PostgresStoreErrorCode } from './postgres-store-error.js';
export { POSTGRES_MIGRATIONS, type PostgresMigration } from './migrations.js';
