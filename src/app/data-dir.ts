/**
 * One server per data dir, and a node name that outlives the process.
 *
 * The lock is an SQLite file held in exclusive locking mode: the operating system drops the lock
 * when the process dies, however it dies, so a crash never leaves a stale lock behind (a pid file
 * would, and a recycled pid in a container would then block the restart).
 *
 * The node id names this node's chunk leases. Kept in `<dataDir>/node-id`, it is the same after a
 * restart, so the engine can give back at once what its previous life had leased instead of
 * waiting for those leases to expire. The lock is what makes sharing the name safe.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StartupError } from './startup-error.js';

export class DataDirInUseError extends StartupError {
  constructor(dataDir: string) {
    super(`the data dir ${dataDir} is in use by another s3batch server (its lock file s3batch.lock is held): ` +
      'stop that server, or give this one its own S3BATCH_DATA_DIR / --data-dir');
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirClaim {
  readonly nodeId: string;
  /** Releases the lock (closing the lock file). Idempotent. */
  release(): void;
}

export function claimDataDir(dataDir: string, configuredNodeId?: string): DataDirClaim {
  const lock = new Database(path.join(dataDir, 's3batch.lock'), { timeout: 0 });
  try {
    lock.pragma('journal_mode = DELETE');
    lock.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in this mode it is kept until the connection closes.
    lock.exec('CREATE TABLE IF NOT EXISTS held (at INTEGER); INSERT INTO held VALUES (unixepoch()); DELETE FROM held;');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir);
    throw err;
  }
  let released = false;
  return {
    nodeId: configuredNodeId ?? storedNodeId(dataDir),
    release() {
      if (released) return;
      released = true;
      lock.close();
    },
  };
}

function storedNodeId(dataDir: string): string {
  const file = path.join(dataDir, 'node-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9._:-]{1,128}$/.test(id)) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '').slice(0, 64) || 'node';
  const id = `${host}-${randomBytes(4).toString('hex')}`;
  writeFileSync(file, `${id}\n`);
  return id;
}
