/**
 * The runner of numbered, append-only SQLite migrations, shared by the job store
 * (src/store/sqlite/migrations.ts) and the embedded object store (src/object-store/local/schema.ts).
 *
 * Each migration runs in its own IMMEDIATE transaction that first inserts its ledger row, so a
 * second process racing on the same file waits for the write lock, then sees the row and steps
 * back. A database whose ledger holds numbers this version does not know was written by a newer
 * s3batch and is refused (NewerSchemaError), rather than half-understood.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The ledger holds migrations this version does not know: a newer s3batch wrote the file. */
export class NewerSchemaError extends Error {
  readonly code = 'NewerSchema';
  constructor(message: string) {
    super(message);
    this.name = 'NewerSchemaError';
  }
}

const LEDGER_SQL = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_ms INTEGER NOT NULL
  ) STRICT
`;

/** Checks the list itself: versions are 1, 2, 3 … in order, with no gap. */
export function assertMigrationsWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`SQLite migration #${i} has version ${m.version}; expected ${i + 1}`);
    }
  });
}

/**
 * Applies every pending migration, each in one IMMEDIATE transaction. Returns the versions
 * applied by this call (empty when the database was already up to date).
 */
export function migrate(db: Database.Database, nowMs: number, migrations: readonly Migration[]): number[] {
  assertMigrationsWellFormed(migrations);
  db.transaction(() => db.exec(LEDGER_SQL)).immediate();

  const appliedVersions = (): Set<number> =>
    new Set(db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all());

  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...appliedVersions()].filter((v) => !known.has(v)).sort((a, b) => a - b);
  if (unknown.length > 0) {
    throw new NewerSchemaError(
      `The database ${db.name} was migrated by a newer version of s3batch (migrations ${unknown.join(', ')} are ` +
        `unknown to this version, which knows 1..${migrations.length}). Upgrade s3batch to open it.`,
    );
  }

  const insertLedger = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)',
  );
  const isApplied = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const applied: number[] = [];
  for (const m of migrations) {
    const ran = db
      .transaction(() => {
        // Re-checked under the write lock: another process may have applied it meanwhile.
        if (isApplied.get(m.version) !== undefined) return false;
        insertLedger.run(m.version, m.name, nowMs);
        db.exec(m.sql);
        return true;
      })
      .immediate();
    if (ran) applied.push(m.version);
  }
  return applied;
}
