/**
 * The web dashboard on the server's one port: its pages under /_s3batch/ui/, its internal API
 * under /_s3batch/api/, and the redirect of a browser opening `/`. Every answer carries a strict
 * Content-Security-Policy (no inline script, nothing from elsewhere, no framing).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Account } from '../config/config.js';
import type { JobEvents } from '../domain/events.js';
import type { JobService } from '../engine/job-service.js';
import type { RequestTarget } from '../http/request-target.js';
import { createAccountClients, type RemoteStorage } from './account-clients.js';
import { API_PREFIX, createApi } from './api.js';
import { createSessions, type SessionStore } from './sessions.js';
import { createSignInThrottle } from './sign-in.js';
import { serveUi, UI_PREFIX } from './static-files.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Pico CSS draws its icons (checkboxes, selects) as data: SVG images.
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface DashboardOptions {
  readonly jobs: JobService;
  readonly events: JobEvents;
  readonly sessions: SessionStore;
  readonly accounts: readonly Account[];
  readonly region: string;
  readonly uiDir: string;
  readonly selfUrl: () => string;
  readonly remoteStorage: (accountId: string) => RemoteStorage | undefined;
  readonly logger: Logger;
  /** The sessions' clock (tests move it to see a session expire). */
  readonly now: () => number;
  /** Bytes per part of a browser's upload (multipart above one part; default 8 MiB). */
  readonly uploadPartBytes?: number;
}

export interface Dashboard {
  /** Serves the request if it is the dashboard's (true), else leaves it alone (false). */
  handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<boolean>;
  close(): void;
}

/** An unsigned `GET /` from a browser (it accepts HTML): redirected to the dashboard. */
export function isBrowserOpeningRoot(req: IncomingMessage, target: RequestTarget): boolean {
  if (target.rawPath !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  if (req.headers.authorization !== undefined || /(^|&)X-Amz-(Signature|Credential)=/i.test(target.rawQuery)) return false;
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}

export function createDashboard(options: DashboardOptions): Dashboard {
  const clients = createAccountClients(options);
  const api = createApi({
    jobs: options.jobs,
    events: options.events,
    accounts: options.accounts,
    sessions: createSessions(options.sessions, options.now),
    throttle: createSignInThrottle(),
    clients,
    logger: options.logger,
    now: options.now,
    ...(options.uploadPartBytes !== undefined ? { uploadPartBytes: options.uploadPartBytes } : {}),
  });
  return {
    async handle(req, res, target) {
      const p = target.rawPath;
      const isRoot = p === '/';
      if (!isRoot && p !== '/_s3batch/ui' && !p.startsWith(UI_PREFIX) && !p.startsWith(API_PREFIX)) return false;
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      if (isRoot || p === '/_s3batch/ui') {
        res.statusCode = 302;
        res.setHeader('Location', UI_PREFIX);
        res.end();
      } else if (p.startsWith(API_PREFIX)) {
        await api(req, res, p, target.rawQuery);
      } else {
        await serveUi(req, res, options.uiDir, p);
      }
      return true;
    },
    close: () => clients.close(),
  };
}
