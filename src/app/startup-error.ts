/**
 * A start-up failure that the operator fixes, not a bug: the port is taken, the address is not
 * this machine's, the data dir cannot be used or is held by another server. `s3batch serve`
 * prints its message as one line and exits 1 (src/cli/main.ts); anything else that fails at
 * start-up keeps its stack, because that one is a bug to report.
 */
import type { Server } from 'node:net';

export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * Starts `server` listening; a failure is rejected as listenFailure words it (else as it came):
 * the one way `serve` and `worker` bind their ports.
 */
export async function listenOn(server: Server, port: number, host: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    throw listenFailure(err, host, port) ?? err;
  }
}

/** Why `listen(port, host)` failed, in words that say what to change; undefined when it is not the operator's to fix. */
export function listenFailure(err: unknown, host: string, port: number): StartupError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(`port ${port} on ${host} is in use by another program: stop it or set S3BATCH_PORT / --port`, { cause: err });
    case 'EACCES':
      return new StartupError(
        `not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges): set S3BATCH_PORT / --port to another port`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `cannot listen on ${host}: it is not an address of this machine: set S3BATCH_HOST / --host (127.0.0.1, or 0.0.0.0 for every interface)`,
        { cause: err },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new StartupError(`cannot listen on ${host}: the name does not resolve to an address: set S3BATCH_HOST / --host`, { cause: err });
    default:
      return undefined;
  }
}

/** Why the data dir could not be created or opened; undefined when it is not the operator's to fix. */
export function dataDirFailure(err: unknown, dataDir: string): StartupError | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const reason: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EEXIST: 'it is a file, not a directory',
    ENOSPC: 'the disk is full',
    // better-sqlite3's codes, from opening the lock file in a directory that exists.
    SQLITE_CANTOPEN: 'cannot open its lock file s3batch.lock (no permission to create files there, or something else by that name)',
    SQLITE_READONLY: 'it is read-only',
  };
  const why = e?.code !== undefined ? reason[e.code] : undefined;
  if (why === undefined) return undefined;
  return new StartupError(`cannot use the data dir ${dataDir}: ${why}: set S3BATCH_DATA_DIR / --data-dir to a directory this user can write`, { cause: err });
}
