/**
 * The S3 Control jobs API (`/v20180820/…`): authenticate, check the body and the account, find
 * the route, run it, render. Every failure on this surface — authentication included — leaves
 * through `renderErrorResponse`, in the `<ErrorResponse>` envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { JobService } from '../engine/job-service.js';
import { sha256Hex } from '../lib/sigv4/index.js';
import { buildXml } from '../lib/xml.js';
import type { Authenticator } from '../http/auth.js';
import { BodyTimeoutError, BodyTooLargeError, readBody } from '../http/body.js';
import type { RequestTarget } from '../http/request-target.js';
import { parseQuery, safeDecode } from '../http/request-target.js';
import { hostIdFor } from '../http/request-id.js';
import { sendXml } from '../http/respond.js';
import { fromAuthFailure, renderErrorResponse, S3ControlError, toS3ControlError } from './errors.js';
import { checkQueryCharacters, validateJobId } from './params.js';
import type { Route, RoutePath } from './route.js';
import { createJob } from './routes/create-job.js';
import { describeJob } from './routes/describe-job.js';
import { deleteJobTagging, getJobTagging, putJobTagging } from './routes/job-tagging.js';
import { listJobs } from './routes/list-jobs.js';
import { updateJobPriority } from './routes/update-job-priority.js';
import { updateJobStatus } from './routes/update-job-status.js';
import { fromStoreError } from './store-errors.js';

export const CONTROL_API_PREFIX = '/v20180820';

const ROUTES: readonly Route[] = [
  createJob,
  listJobs,
  describeJob,
  updateJobPriority,
  updateJobStatus,
  getJobTagging,
  putJobTagging,
  deleteJobTagging,
];
const ROUTE_TABLE = new Map(ROUTES.map((r) => [`${r.method} ${r.path}`, r]));
const PATHS = new Set<RoutePath>(ROUTES.map((r) => r.path));

export interface ControlApiOptions {
  readonly jobs: JobService;
  readonly auth: Authenticator;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

export type ControlApiHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  requestId: string,
) => Promise<void>;

export function createControlApi(options: ControlApiOptions): ControlApiHandler {
  const { jobs, auth, maxBodyBytes, logger } = options;

  return async function controlApi(req, res, target, requestId) {
    let operation = 'Unknown';
    try {
      const { path, jobId } = matchPath(target.rawPath);
      const route = path ? ROUTE_TABLE.get(`${req.method} ${path}`) : undefined;
      operation = route?.operation ?? operation;

      const verified = auth.authenticate(req, target.rawPath, target.rawQuery, jobs.now());
      if (!verified.ok) throw fromAuthFailure(verified);
      const accountId = checkAccount(req, verified.accountId);

      const body = await readBody(req, maxBodyBytes);
      checkPayloadHash(verified.payloadHash, body);

      if (!path) throw new S3ControlError('NotImplemented', `s3batch does not implement ${req.method} ${target.rawPath}`);
      if (!route) {
        throw new S3ControlError('MethodNotAllowed', `The ${req.method} method is not allowed on ${target.rawPath}`);
      }
      const query = parseQuery(target.rawQuery);
      checkQueryCharacters(query);
      const response = await route
        .handle({
          accountId,
          jobId: jobId === undefined ? undefined : validateJobId(jobId, route.operation === 'ListJobs' ? 'InvalidRequestException' : 'BadRequestException'),
          query,
          body,
          jobs,
        })
        .catch((err: unknown) => {
          throw fromStoreError(err);
        });
      sendXml(res, 200, requestId, response === undefined ? undefined : buildXml(response));
    } catch (caught) {
      const error = toS3ControlError(
        caught instanceof BodyTooLargeError ? tooLarge(res, caught) : caught instanceof BodyTimeoutError ? timedOut(res, caught) : caught,
      );
      if (error.status >= 500) logger.error({ err: caught, requestId, operation }, 'jobs API request failed');
      sendXml(res, error.status, requestId, renderErrorResponse(error, requestId, hostIdFor(requestId)));
    }
  };
}

/** A body over the cap: answer and close the connection rather than drain an unbounded body. */
function tooLarge(res: ServerResponse, err: BodyTooLargeError): S3ControlError {
  res.setHeader('Connection', 'close');
  return new S3ControlError(
    'MaxMessageLengthExceeded',
    `Your request was too big: the jobs API accepts bodies of at most ${err.limit} bytes`,
  );
}

/** A body that stopped arriving: answered as S3's front end does, and the connection closed. */
function timedOut(res: ServerResponse, err: BodyTimeoutError): S3ControlError {
  res.setHeader('Connection', 'close');
  return new S3ControlError('RequestTimeout', err.message);
}

/** `/v20180820/jobs[/{id}[/priority|status|tagging]]` → the route path and the decoded id. */
function matchPath(rawPath: string): { path: RoutePath | undefined; jobId: string | undefined } {
  const rest = rawPath.slice(CONTROL_API_PREFIX.length);
  const parts = rest.split('/');
  // parts[0] is '' (leading slash)
  if (parts[0] !== '' || parts[1] !== 'jobs') return { path: undefined, jobId: undefined };
  if (parts.length === 2) return { path: 'jobs', jobId: undefined };
  const jobId = safeDecode(parts[2] ?? '');
  if (parts.length === 3) return { path: 'job', jobId };
  const sub = `job/${parts[3]}` as RoutePath;
  if (parts.length === 4 && PATHS.has(sub)) return { path: sub, jobId };
  return { path: undefined, jobId: undefined };
}

const ACCOUNT_ID = /^\d{12}$/;
const HOST_ACCOUNT_PREFIX = /^(\d{12})\./;

/**
 * The signed `x-amz-account-id` names the account; it must be the signing key's. A host that
 * carries an account prefix (as every SDK sends) must carry the same one.
 */
function checkAccount(req: IncomingMessage, keyAccountId: string): string {
  const header = req.headers['x-amz-account-id'];
  if (typeof header !== 'string' || header === '') {
    throw new S3ControlError('AccessDenied', 'The x-amz-account-id header is required on every jobs API request');
  }
  if (!ACCOUNT_ID.test(header)) {
    throw new S3ControlError('AccessDenied', `The x-amz-account-id header must be a 12-digit account id; got "${header.slice(0, 64)}"`);
  }
  if (header !== keyAccountId) {
    throw new S3ControlError('AccessDenied', `Access denied: the access key does not belong to account ${header}`);
  }
  const hostPrefix = HOST_ACCOUNT_PREFIX.exec(req.headers.host ?? '');
  if (hostPrefix && hostPrefix[1] !== header) {
    throw new S3ControlError(
      'AccessDenied',
      `The account in the host name (${hostPrefix[1]}) does not match the x-amz-account-id header (${header})`,
    );
  }
  return header;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function checkPayloadHash(declared: string, body: Buffer): void {
  if (declared === 'UNSIGNED-PAYLOAD') return;
  if (!HEX_SHA256.test(declared)) {
    throw new S3ControlError(
      'InvalidRequest',
      'The jobs API takes x-amz-content-sha256 as the hex SHA-256 of the body or UNSIGNED-PAYLOAD',
    );
  }
  if (sha256Hex(body) !== declared) {
    throw new S3ControlError(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
}
