/**
 * Where S3ReplicateObject writes a rule's replicas (operations/replicate.ts ReplicationDestinations):
 *
 * - a destination bucket ARN mapped in the config file's `replication.destinations`: that
 *   endpoint over HTTP, with the credentials given there. Whether it is another s3batch (which
 *   keeps the replica extension) is asked once of its unsigned `GET /_s3batch/health`;
 * - else the store the job's account runs on. On the embedded store a rule naming another
 *   account (Destination.Account) writes as that account, and only when the destination bucket's
 *   ACL grants the job's account WRITE (or FULL_CONTROL): this store has no bucket policies, and
 *   the bucket ACL is how S3 lets another account write into a bucket. Without the grant the
 *   task fails 403 AccessDenied, saying so.
 */
import type { Logger } from 'pino';
import { parseBucketArn } from '../domain/arn.js';
import type { ReplicationRule } from '../domain/replication.js';
import type { Config, StoreConnection } from '../config/config.js';
import type { ObjectStore } from '../object-store/object-store.js';
import type { ReplicaTarget, ReplicationDestinations } from '../operations/replicate.js';
import { createHttpS3Client, type HttpS3Client } from '../s3/http-s3-client.js';
import { S3PortError } from '../s3/s3-port.js';
import type { StorePorts } from './engine-wiring.js';
import { storageFor } from '../config/config.js';
import { isS3Error } from '../object-store/errors.js';

/**
 * Warns, once at start-up, that a destination of `replication.destinations` is written with one
 * set of credentials whichever account's rules name it: with several accounts configured, each
 * can replicate into it (the operator maps only buckets every account may write).
 */
export function logReplicationWarnings(config: Pick<Config, 'replication' | 'accounts'>, logger: Pick<Logger, 'warn'>): void {
  const arns = [...config.replication.destinations.keys()];
  if (arns.length === 0 || config.accounts.length < 2) return;
  logger.warn(
    { destinations: arns },
    `replication: the destinations ${arns.join(', ')} are written with the credentials of the config file whichever account's rules name them: ` +
      `every account of this server (${config.accounts.map((a) => a.accountId).join(', ')}) can replicate into them`,
  );
}

export interface WiredReplicationDestinations extends ReplicationDestinations {
  close(): void;
}

/**
 * Whether the endpoint answers as an s3batch does (service/service-endpoints.ts health). Any
 * answer decides; no answer at all (the destination is down) is a transient NetworkError, retried
 * with the task, and is not remembered.
 */
async function isS3batch(endpoint: string): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch(new URL('/_s3batch/health', endpoint), { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new S3PortError('NetworkError', 0, `The replication destination ${endpoint} does not answer: ${(err as Error).message}`, { cause: err });
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    return false;
  }
  try {
    const body = (await res.json()) as { status?: unknown; version?: unknown };
    return body.status === 'ok' && typeof body.version === 'string';
  } catch {
    return false;
  }
}

export function createReplicationDestinations(
  config: Pick<Config, 'replication' | 'storage' | 'region'>,
  /** undefined on a worker node (no embedded store: its accounts' jobs all run on a remote store) */
  objects: ObjectStore | undefined,
  ports: StorePorts,
): WiredReplicationDestinations {
  const clients = new Map<string, HttpS3Client>();
  const kinds = new Map<string, Promise<'s3batch' | 'other'>>();
  const remote = (connection: StoreConnection): ReplicaTarget | Promise<ReplicaTarget> => {
    const key = JSON.stringify([connection.endpoint, connection.region, connection.accessKeyId, connection.secretAccessKey]);
    let client = clients.get(key);
    if (!client) clients.set(key, (client = createHttpS3Client(connection)));
    let kind = kinds.get(connection.endpoint);
    if (!kind) {
      kind = isS3batch(connection.endpoint).then((yes) => (yes ? 's3batch' : 'other'));
      kinds.set(connection.endpoint, kind);
      kind.catch(() => kinds.delete(connection.endpoint));
    }
    const port = client;
    return kind.then((k) => ({ port, kind: k }));
  };

  return {
    async targetFor(rule: ReplicationRule, accountId: string): Promise<ReplicaTarget> {
      const mapped = config.replication.destinations.get(rule.destination.bucket);
      if (mapped) return remote(mapped);
      const storage = storageFor(config, accountId);
      if (storage.kind === 'remote') return remote(storage.connection);
      if (storage.kind === 'unconfigured') return { port: ports.forAccount(accountId), kind: 'other' };
      const owner = rule.destination.account ?? accountId;
      if (owner !== accountId) {
        if (!objects) throw new Error('unreachable: an embedded-store account on a node without the embedded store');
        await checkCrossAccountGrant(objects, rule, owner, accountId);
      }
      return { port: ports.forAccount(owner), kind: 'embedded' };
    },
    close() {
      for (const client of clients.values()) client.close();
    },
  };
}

async function checkCrossAccountGrant(objects: ObjectStore, rule: ReplicationRule, owner: string, accountId: string): Promise<void> {
  const bucket = parseBucketArn(rule.destination.bucket)?.bucket ?? '';
  let grants;
  try {
    grants = (await objects.getBucketAcl(owner, bucket)).grants;
  } catch (err) {
    if (isS3Error(err)) {
      throw new S3PortError(err.code, err.status, `The destination ${rule.destination.bucket} of account ${owner}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  const id = objects.canonicalIdOf(accountId);
  const granted = grants.some((g) => g.grantee.type === 'CanonicalUser' && g.grantee.id === id && (g.permission === 'WRITE' || g.permission === 'FULL_CONTROL'));
  if (!granted) {
    throw new S3PortError(
      'AccessDenied',
      403,
      `Access Denied: the destination bucket ${bucket} of account ${owner} does not grant account ${accountId} WRITE in its bucket ACL ` +
        '(on this store a cross-account replication destination grants it there: there are no bucket policies)',
    );
  }
}
