/**
 * The dashboard's internal JSON API, under /_s3batch/api/ (internal: it changes with the pages).
 * Every route but sign-in needs a live session; every state-changing one also the session's CSRF
 * token in the X-S3batch-Csrf header. Jobs are read and changed through the JobService — the one
 * the S3 Control API calls — always in the session's account.
 *
 *   POST   session                    {accessKeyId, secretAccessKey} → sign in (sets the cookie)
 *   GET    session                    → {accountId, accessKeyId, csrfToken, …}
 *   DELETE session                    → sign out
 *   GET    jobs?status=A,B&q=&limit=&after=   → {jobs, next}
 *   GET    jobs/{id}                  → {job}
 *   POST   jobs/{id}/status           {status: Ready|Cancelled, reason?}
 *   POST   jobs/{id}/priority         {priority}
 *   PUT    jobs/{id}/tags             {tags: [{Key, Value}]}
 *   POST   jobs/{id}/rerun-failed     → {jobId}
 *   GET    jobs/{id}/report           → {index, results}
 *   GET    jobs/{id}/report/file?n=   → the file (n: "index" or the result's position)
 *   GET    jobs/{id}/failed?offset=&limit=&code=  → {total, byErrorCode, rows}
 *   GET    events                     → server-sent events: `job` with a job summary
 *   …and the bucket browser's and the wizard's routes (buckets/…, manifests, POST jobs): buckets-api.ts
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { Account } from '../config/config.js';
import type { JobEvents } from '../domain/events.js';
import type { Job } from '../domain/job.js';
import { JOB_STATUSES, type JobStatus } from '../domain/job-status.js';
import type { S3Tag } from '../domain/job-spec.js';
import type { JobService } from '../engine/job-service.js';
import { BodyTooLargeError, readBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { JobStoreError, type DashboardSession } from '../store/job-store.js';
import { ReportError } from '../client/report-reader.js';
import type { AccountClients } from './account-clients.js';
import { createBucketsApi, DEFAULT_UPLOAD_PART_BYTES } from './buckets-api.js';
import { decodeCursor, detailView, encodeCursor, summaryView } from './job-view.js';
import type { Sessions } from './sessions.js';
import { verifyKeyPair, type SignInThrottle } from './sign-in.js';

export const API_PREFIX = '/_s3batch/api/';
const MAX_BODY = 64 * 1024;
const MAX_PAGE = 200;
const TAG_LIMIT = 50;
// The model's S3Tag rules (as in the S3 Control API's shapes): lengths and characters.
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const SSE_HEARTBEAT_MS = 25_000;

export interface ApiOptions {
  readonly jobs: JobService;
  readonly events: JobEvents;
  readonly accounts: readonly Account[];
  readonly sessions: Sessions;
  readonly throttle: SignInThrottle;
  readonly clients: AccountClients;
  readonly logger: Logger;
  readonly now: () => number;
  /** Bytes per part of a browser's upload (multipart above one part). */
  readonly uploadPartBytes?: number;
}

/** A refusal with its HTTP status and a message for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly session: DashboardSession;
}

export function createApi(options: ApiOptions): (req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string) => Promise<void> {
  const { jobs, sessions, now } = options;
  const buckets = createBucketsApi({
    clientsOf: (accountId) => options.clients.of(accountId),
    uploadPartBytes: options.uploadPartBytes ?? DEFAULT_UPLOAD_PART_BYTES,
    refuse: (status, code, message) => new ApiError(status, code, message),
    jsonBody,
    send: sendJson,
  });

  async function jobOf(ctx: Ctx, id: string): Promise<Job> {
    const job = await jobs.describeJob(ctx.session.accountId, id);
    if (!job) throw new ApiError(404, 'NotFound', `No job ${id} in this account`);
    return job;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string): Promise<void> {
    const method = req.method ?? 'GET';
    const route = rawPath.slice(API_PREFIX.length);
    const url = new URL(`http://x/?${rawQuery}`);

    if (route === 'session' && method === 'POST') return signIn(req, res);

    const session = await sessions.current(req);
    if (!session) throw new ApiError(401, 'SignedOut', 'Not signed in, or the session has expired: sign in again');
    const changes = method !== 'GET' && method !== 'HEAD';
    if (changes && !sessions.csrfOk(req, session)) {
      throw new ApiError(403, 'CsrfTokenMismatch', 'This request needs the X-S3batch-Csrf header with the session\'s token');
    }
    const ctx: Ctx = { req, res, url, session };

    if (route === 'session') {
      if (method === 'GET') return sendJson(res, 200, sessionView(session));
      if (method === 'DELETE') {
        res.setHeader('Set-Cookie', await sessions.end(req));
        return sendJson(res, 200, { signedOut: true });
      }
    }
    if (route === 'jobs' && method === 'GET') return listJobs(ctx);
    if (route === 'events' && method === 'GET') return stream(ctx);
    if (await buckets({ req, res, url, accountId: session.accountId }, method, route)) return;

    const m = /^jobs\/([A-Za-z0-9-]{1,64})(?:\/(status|priority|tags|rerun-failed|report|report\/file|failed))?$/.exec(route);
    if (m) {
      const id = m[1] as string;
      const what = m[2];
      if (what === undefined && method === 'GET') return sendJson(res, 200, { job: detailView(await jobOf(ctx, id), now()) });
      if (what === 'status' && method === 'POST') return changeStatus(ctx, id);
      if (what === 'priority' && method === 'POST') return changePriority(ctx, id);
      if (what === 'tags' && method === 'PUT') return changeTags(ctx, id);
      if (what === 'rerun-failed' && method === 'POST') {
        const jobId = await options.clients.rerunFailed(await jobOf(ctx, id));
        return sendJson(res, 201, { jobId });
      }
      if (what === 'report' && method === 'GET') return sendJson(res, 200, await options.clients.reportFiles(await jobOf(ctx, id)));
      if (what === 'report/file' && method === 'GET') return downloadReportFile(ctx, id);
      if (what === 'failed' && method === 'GET') return failedRows(ctx, id);
    }
    throw new ApiError(404, 'NoSuchRoute', `No ${method} ${rawPath} in the dashboard's API`);
  }

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await jsonBody(req);
    const accessKeyId = stringField(body, 'accessKeyId', 128);
    const secret = stringField(body, 'secretAccessKey', 512);
    const address = req.socket.remoteAddress ?? '';
    const nowMs = Date.now();
    const wait = options.throttle.waitMs(accessKeyId, address, nowMs);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new ApiError(429, 'TooManyFailedSignIns', `Too many failed sign-ins for this access key or from this address: try again in ${seconds} s`, {
        'Retry-After': String(seconds),
      });
    }
    const account = verifyKeyPair(options.accounts, accessKeyId, secret);
    if (!account) {
      options.throttle.failed(accessKeyId, address, nowMs);
      options.logger.warn({ accessKeyId, address }, 'dashboard: failed sign-in');
      throw new ApiError(401, 'InvalidCredentials', 'The access key or the secret is wrong');
    }
    options.throttle.succeeded(accessKeyId, address);
    const { session, setCookie } = await sessions.start(req, account.accountId, account.accessKeyId);
    res.setHeader('Set-Cookie', setCookie);
    sendJson(res, 200, sessionView(session));
  }

  async function listJobs({ res, url, session }: Ctx): Promise<void> {
    const statuses = (url.searchParams.get('status') ?? '').split(',').filter((s) => s !== '');
    for (const s of statuses) {
      if (!(JOB_STATUSES as readonly string[]).includes(s)) throw new ApiError(400, 'InvalidRequest', `status: "${clip(s)}" is not one of ${JOB_STATUSES.join(', ')}`);
    }
    const limit = intParam(url, 'limit', 1, MAX_PAGE, 50);
    const afterText = url.searchParams.get('after');
    const after = afterText ? decodeCursor(afterText) : undefined;
    if (afterText && !after) throw new ApiError(400, 'InvalidRequest', 'after: not a cursor this API handed out');
    const text = (url.searchParams.get('q') ?? '').trim();
    if (text.length > 256) throw new ApiError(400, 'InvalidRequest', 'q: at most 256 characters');
    const query = { accountId: session.accountId, statuses: statuses as JobStatus[], limit: limit + 1, ...(after ? { after } : {}) };
    const found = text === '' ? await jobs.listJobs(query) : await jobs.searchJobs({ ...query, text });
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    const nowMs = now();
    sendJson(res, 200, { jobs: page.map((j) => summaryView(j, nowMs)), next: found.length > limit && last ? encodeCursor(last) : null });
  }

  async function changeStatus(ctx: Ctx, id: string): Promise<void> {
    const body = await jsonBody(ctx.req);
    const status = stringField(body, 'status', 16);
    if (status !== 'Ready' && status !== 'Cancelled') throw new ApiError(400, 'InvalidRequest', 'status: must be Ready (confirm) or Cancelled (cancel)');
    const reason = body.reason === undefined ? undefined : stringField(body, 'reason', 256);
    const job = await jobs.requestStatus(ctx.session.accountId, id, status, reason);
    sendJson(ctx.res, 200, { job: detailView(job, now()) });
  }

  async function changePriority(ctx: Ctx, id: string): Promise<void> {
    const body = await jsonBody(ctx.req);
    const priority = body.priority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 2147483647) {
      throw new ApiError(400, 'InvalidRequest', 'priority: must be an integer from 0 to 2147483647');
    }
    const job = await jobs.updatePriority(ctx.session.accountId, id, priority);
    sendJson(ctx.res, 200, { job: detailView(job, now()) });
  }

  async function changeTags(ctx: Ctx, id: string): Promise<void> {
    const tags = parseTags((await jsonBody(ctx.req)).tags);
    if (tags.length === 0) await jobs.deleteTags(ctx.session.accountId, id);
    else await jobs.putTags(ctx.session.accountId, id, tags);
    sendJson(ctx.res, 200, { job: detailView(await jobOf(ctx, id), now()) });
  }

  async function downloadReportFile(ctx: Ctx, id: string): Promise<void> {
    const job = await jobOf(ctx, id);
    const n = ctx.url.searchParams.get('n') ?? '';
    const files = await options.clients.reportFiles(job);
    const file = n === 'index' ? files.index : /^\d{1,6}$/.test(n) ? files.results[Number(n)] : undefined;
    if (!file) throw new ApiError(404, 'NotFound', `n: the report of job ${id} has no file "${clip(n)}" (give "index" or 0..${files.results.length - 1})`);
    const body = await options.clients.download(job, file);
    const name = file.key.split('/').pop() ?? 'report';
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'text/csv; charset=utf-8');
    ctx.res.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    await pipeline(body, ctx.res);
  }

  async function failedRows(ctx: Ctx, id: string): Promise<void> {
    const offset = intParam(ctx.url, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = intParam(ctx.url, 'limit', 1, MAX_PAGE, 50);
    const code = ctx.url.searchParams.get('code') ?? undefined;
    sendJson(ctx.res, 200, await options.clients.failedRows(await jobOf(ctx, id), offset, limit, code));
  }

  /** Server-sent events: every change of the account's jobs, from the job event channel. */
  async function stream({ req, res, session }: Ctx): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.write(': connected\n\n');
    const send = ({ job }: { job: Job }): void => {
      if (job.accountId !== session.accountId) return;
      res.write(`event: job\ndata: ${JSON.stringify(summaryView(job, now()))}\n\n`);
    };
    const offs = [
      options.events.on('job:created', send),
      options.events.on('job:statusChanged', send),
      options.events.on('job:priorityChanged', send),
      options.events.on('job:progress', send),
      options.events.on('job:tagsChanged', send),
    ];
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), SSE_HEARTBEAT_MS);
    // The stream ends with the session's idle expiry: the page reconnects, and a session that
    // expired meanwhile gets 401 (sign-in page) instead of events forever.
    const expiry = setTimeout(() => res.end(), Math.max(1000, Math.min(session.idleExpiresMs - now(), 2 ** 31 - 1)));
    await new Promise<void>((resolve) => {
      const done = (): void => {
        for (const off of offs) off();
        clearInterval(heartbeat);
        clearTimeout(expiry);
        resolve();
      };
      res.once('close', done);
      req.once('close', done);
    });
  }

  return async (req, res, rawPath, rawQuery) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      await handle(req, res, rawPath, rawQuery);
    } catch (err) {
      const e = toApiError(err);
      if (!e) options.logger.error({ err, path: rawPath }, 'dashboard API: unexpected error');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const shown = e ?? new ApiError(500, 'InternalError', 'The server failed; the log has the details');
      for (const [k, v] of Object.entries(shown.headers)) res.setHeader(k, v);
      if (err instanceof BodyTooLargeError) res.setHeader('Connection', 'close');
      sendJson(res, shown.status, { error: { code: shown.code, message: shown.message } });
    }
  };
}

function sessionView(s: DashboardSession): object {
  return { accountId: s.accountId, accessKeyId: s.accessKeyId, csrfToken: s.csrfToken, idleExpiresMs: s.idleExpiresMs, absoluteExpiresMs: s.absoluteExpiresMs };
}

function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof JobStoreError) {
    const status = err.code === 'NotFound' ? 404 : 409;
    return new ApiError(status, err.code, err.message);
  }
  if (err instanceof ReportError) return new ApiError(409, 'NoReport', err.message);
  if (err instanceof BodyTooLargeError) return new ApiError(413, 'TooLarge', `The request body is larger than ${MAX_BODY} bytes`);
  return undefined;
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  // Only JSON: a cross-site HTML form cannot send it without a CORS preflight, which is refused.
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    throw new ApiError(415, 'UnsupportedMediaType', 'The request body must be JSON (Content-Type: application/json)');
  }
  const text = (await readBody(req, MAX_BODY)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'InvalidJson', 'The request body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'InvalidJson', 'The request body must be a JSON object');
  return value as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string, max: number): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw new ApiError(400, 'InvalidRequest', `${name}: required, a non-empty string`);
  if ([...v].length > max) throw new ApiError(400, 'InvalidRequest', `${name}: at most ${max} characters`);
  return v;
}

function intParam(url: URL, name: string, min: number, max: number, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new ApiError(400, 'InvalidRequest', `${name}: must be an integer from ${min} to ${max}`);
  return n;
}

function parseTags(value: unknown): S3Tag[] {
  if (!Array.isArray(value)) throw new ApiError(400, 'InvalidRequest', 'tags: required, a list of {Key, Value}');
  if (value.length > TAG_LIMIT) throw new ApiError(400, 'TooManyTags', `tags: at most ${TAG_LIMIT}`);
  const seen = new Set<string>();
  return value.map((t: unknown, i) => {
    const tag = t as Partial<S3Tag> | null;
    const key = tag?.Key;
    const val = tag?.Value ?? '';
    if (typeof key !== 'string' || key.length < 1 || [...key].length > 128 || !TAG_CHARS.test(key)) {
      throw new ApiError(400, 'InvalidRequest', `tags[${i}].Key: 1 to 128 letters, digits, spaces or _ . : / = + - @`);
    }
    if (typeof val !== 'string' || [...val].length > 256 || !TAG_CHARS.test(val)) {
      throw new ApiError(400, 'InvalidRequest', `tags[${i}].Value: up to 256 letters, digits, spaces or _ . : / = + - @`);
    }
    if (seen.has(key)) throw new ApiError(400, 'InvalidRequest', `tags[${i}].Key: "${clip(key)}" appears twice`);
    seen.add(key);
    return { Key: key, Value: val };
  });
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
