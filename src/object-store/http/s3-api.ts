/**
 * The S3 API surface: a thin protocol adapter over the ObjectStore. It finds the bucket and key
 * (path style, or `<bucket>.localhost` virtual-host style), authenticates (SigV4 header or
 * presigned), picks the route and runs it. Every failure leaves through `sendError`, the one
 * place that renders S3's `<Error>` document (HEAD and 304: status and headers only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Authenticator } from '../../http/auth.js';
import { hostIdFor } from '../../http/request-id.js';
import type { RequestTarget } from '../../http/request-target.js';
import { parseQuery } from '../../http/request-target.js';
import { baseHeaders } from '../../http/respond.js';
import type { SurfaceHandler } from '../../http/server.js';
import { isSigV4Error } from '../../lib/sigv4/index.js';
import { S3Error, isS3ErrorCode } from '../errors.js';
import type { ObjectStore } from '../object-store.js';
import { renderError } from './render.js';
import { checkExpectedBucketOwner, EXPECTED_BUCKET_OWNER, SOURCE_EXPECTED_BUCKET_OWNER } from '../expected-owner.js';
import { header, type S3Request } from './request.js';
import { copySourceOf } from './routes/object.js';
import { findRoute, subresourceOf, type Scope } from './routes.js';

export interface S3ApiOptions {
  readonly store: ObjectStore;
  readonly auth: Authenticator;
  readonly region: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Address {
  readonly bucket: string;
  readonly key: string;
  readonly scope: Scope;
  readonly resource: string;
}

const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.localhost(?::\d+)?$/;

function decodeStrict(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** `/bucket/key…` (or `/key…` on `bucket.localhost`) → bucket and key, decoded; the key keeps every byte. */
export function addressOf(rawPath: string, host: string | undefined): Address {
  const virtual = host !== undefined ? VIRTUAL_HOST.exec(host.toLowerCase()) : null;
  let bucketRaw: string;
  let keyRaw: string;
  if (virtual && !/^\d{12}$/.test(virtual[1] as string)) {
    bucketRaw = virtual[1] as string;
    keyRaw = rawPath.slice(1);
  } else {
    const rest = rawPath.slice(1);
    const slash = rest.indexOf('/');
    bucketRaw = slash < 0 ? rest : rest.slice(0, slash);
    keyRaw = slash < 0 ? '' : rest.slice(slash + 1);
    // Only `/` is the service: `//`, `//bucket/key` name an empty bucket, not ListBuckets.
    if (bucketRaw === '' && rest !== '') {
      throw new S3Error('InvalidBucketName', 'The specified bucket is not valid: the path names an empty bucket name (it begins with //).', {
        fields: { BucketName: '' },
      });
    }
  }
  const bucket = decodeStrict(bucketRaw);
  const key = decodeStrict(keyRaw);
  const scope: Scope = bucket === '' ? 'service' : key === '' ? 'bucket' : 'object';
  return { bucket, key, scope, resource: scope === 'service' ? '/' : scope === 'bucket' ? `/${bucket}` : `/${bucket}/${key}` };
}

export function createS3Api(options: S3ApiOptions): SurfaceHandler {
  const { store, auth, region, logger } = options;
  const now = options.now ?? Date.now;

  return async function s3Api(req: IncomingMessage, res: ServerResponse, target: RequestTarget, requestId: string) {
    let resource = target.rawPath;
    let operation = 'Unknown';
    try {
      const verified = auth.authenticate(req, target.rawPath, target.rawQuery, now());
      if (!verified.ok) {
        throw new S3Error(isS3ErrorCode(verified.code) ? verified.code : 'AccessDenied', verified.message, {
          status: verified.status,
          ...(verified.fields ? { fields: verified.fields } : {}),
        });
      }
      const address = addressOf(target.rawPath, req.headers.host);
      resource = address.resource;
      const query = new Map<string, string>();
      for (const [k, v] of parseQuery(target.rawQuery)) if (!query.has(k)) query.set(k, v);
      const r: S3Request = {
        req,
        res,
        requestId,
        store,
        account: verified.accountId,
        auth: verified,
        region,
        bucket: address.bucket,
        key: address.key,
        query,
        resource,
      };
      const method = req.method ?? 'GET';
      const match = findRoute(method, address.scope, subresourceOf(query), r);
      if ('problem' in match) {
        const what = `${method} ${address.scope === 'object' ? 'on an object' : address.scope === 'bucket' ? 'on a bucket' : 'on the service'}${subresourceOf(query) ? ` with ?${subresourceOf(query)}` : ''}`;
        if (match.problem === 'method-not-allowed') {
          throw new S3Error('MethodNotAllowed', `The specified method is not allowed against this resource (${what}).`, {
            fields: { Method: method, ResourceType: address.scope.toUpperCase() },
          });
        }
        throw new S3Error('NotImplemented', `A header or query you provided implies functionality that is not implemented (${what}).`);
      }
      operation = match.route.operation;
      await checkExpectedOwners(r, match.route.operation);
      await match.route.handle(r);
    } catch (caught) {
      sendError(req, res, toS3Error(caught), resource, requestId);
      if (!(caught instanceof S3Error) && !isSigV4Error(caught)) {
        logger.error({ err: caught, requestId, operation }, 'S3 request failed');
      }
    }
  };
}

/** Calls that name no existing bucket, for which S3 has no ExpectedBucketOwner. */
const NO_BUCKET_OWNER = new Set(['ListBuckets', 'CreateBucket']);

/**
 * x-amz-expected-bucket-owner on every bucket and object call, and x-amz-source-expected-bucket-owner
 * on the copies (CopyObject, UploadPartCopy), checked here once, before the call runs.
 */
async function checkExpectedOwners(r: S3Request, operation: string): Promise<void> {
  if (NO_BUCKET_OWNER.has(operation)) return;
  await checkExpectedBucketOwner(r.store, r.account, r.bucket, header(r, EXPECTED_BUCKET_OWNER));
  const sourceOwner = header(r, SOURCE_EXPECTED_BUCKET_OWNER);
  if (sourceOwner !== undefined && header(r, 'x-amz-copy-source') !== undefined) {
    await checkExpectedBucketOwner(r.store, r.account, copySourceOf(r).bucket, sourceOwner, SOURCE_EXPECTED_BUCKET_OWNER);
  }
}

export function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (isSigV4Error(err)) return new S3Error(isS3ErrorCode(err.code) ? err.code : 'InvalidRequest', err.message, { status: err.status });
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return new S3Error('ServiceUnavailable', 'The server is out of disk space.');
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new S3Error('IncompleteBody', 'The request body terminated unexpectedly');
  }
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.');
}

function sendError(req: IncomingMessage, res: ServerResponse, err: S3Error, resource: string, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Headers a successful answer had begun to set (object headers before a failed read) go.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  baseHeaders(res, requestId);
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  // A body the client is still sending is not read: close rather than drain it.
  const cl = req.headers['content-length'];
  const hasBody = (cl !== undefined && cl !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.complete) res.setHeader('Connection', 'close');
  res.statusCode = err.status;
  if (req.method === 'HEAD' || err.status === 304) {
    res.end();
    return;
  }
  const body = Buffer.from(renderError(err, resource, requestId, hostIdFor(requestId)), 'utf8');
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}
