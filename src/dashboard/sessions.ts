/**
 * Dashboard sessions: a random value in an HttpOnly, SameSite=Strict cookie (Secure when the
 * request came over TLS), its SHA-256 the session's id in the job store — so every node sharing
 * the store honours it, and a copy of the store holds no usable cookie. A session ends 8 hours
 * after its last use or 24 hours after sign-in, whichever comes first.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { DashboardSession, JobStore } from '../store/job-store.js';

export const IDLE_MS = 8 * 3_600_000;
export const ABSOLUTE_MS = 24 * 3_600_000;
export const COOKIE = 's3batch_session';
export const CSRF_HEADER = 'x-s3batch-csrf';
const COOKIE_PATH = '/_s3batch/';

export type SessionStore = Pick<JobStore, 'createSession' | 'useSession' | 'deleteSession' | 'deleteExpiredSessions'>;

const idOf = (cookieValue: string): string => createHash('sha256').update(cookieValue, 'utf8').digest('hex');

export function isTls(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

function cookieHeader(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  return `${COOKIE}=${value}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${isTls(req) ? '; Secure' : ''}`;
}

/** The session cookie's value in the request, if any (the last one wins, as browsers send the most specific first). */
export function sessionCookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === COOKIE) {
      found ??= part.slice(eq + 1).trim();
    }
  }
  return found !== undefined && /^[A-Za-z0-9_-]{43}$/.test(found) ? found : undefined;
}

export interface Sessions {
  /** Starts a session; returns it and the Set-Cookie header value. */
  start(req: IncomingMessage, accountId: string, accessKeyId: string): Promise<{ session: DashboardSession; setCookie: string }>;
  /** The request's live session (its use moves the idle expiry), or undefined. */
  current(req: IncomingMessage): Promise<DashboardSession | undefined>;
  /** Ends the request's session; returns the Set-Cookie header value that clears the cookie. */
  end(req: IncomingMessage): Promise<string>;
  /** The CSRF header matches the session's token. */
  csrfOk(req: IncomingMessage, session: DashboardSession): boolean;
}

export function createSessions(store: SessionStore, now: () => number): Sessions {
  let lastSweepMs = 0;
  return {
    async start(req, accountId, accessKeyId) {
      const nowMs = now();
      // Expired sessions are deleted as they are met; this sweeps the ones nobody comes back for.
      if (nowMs - lastSweepMs > 60_000) {
        lastSweepMs = nowMs;
        await store.deleteExpiredSessions(nowMs, 1000);
      }
      const value = randomBytes(32).toString('base64url');
      const session: DashboardSession = {
        id: idOf(value),
        accountId,
        accessKeyId,
        csrfToken: randomBytes(24).toString('base64url'),
        createdMs: nowMs,
        lastSeenMs: nowMs,
        idleExpiresMs: nowMs + IDLE_MS,
        absoluteExpiresMs: nowMs + ABSOLUTE_MS,
      };
      await store.createSession(session);
      return { session, setCookie: cookieHeader(req, value, ABSOLUTE_MS / 1000) };
    },
    async current(req) {
      const value = sessionCookie(req);
      return value === undefined ? undefined : store.useSession(idOf(value), now(), IDLE_MS);
    },
    async end(req) {
      const value = sessionCookie(req);
      if (value !== undefined) await store.deleteSession(idOf(value));
      return cookieHeader(req, '', 0);
    },
    csrfOk(req, session) {
      const given = req.headers[CSRF_HEADER];
      if (typeof given !== 'string') return false;
      const a = Buffer.from(given);
      const b = Buffer.from(session.csrfToken);
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}
