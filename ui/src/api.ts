/**
 * The pages' one way to the server: fetch on the dashboard's internal API (same origin, the
 * session cookie sent by the browser), the CSRF token added to every state-changing request, and
 * refusals turned into ApiError with the server's message.
 */
import type { ApiErrorBody } from '../../src/dashboard/api-types.js';

export const API = '/_s3batch/api/';
export const UI = '/_s3batch/ui/';

let csrfToken: string | undefined;
/** Set on sign-in and when the session is read; cleared on sign-out. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The session's CSRF token, for a request made without api() (an upload with progress). */
export const csrf = (): string | undefined => csrfToken;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when any request finds the session gone (the app shows the sign-in page). */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}
/** For a request made without api(): the session was found gone. */
export const signedOut = (): void => onSignedOut();

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-s3batch-csrf'] = csrfToken;
  const res = await fetch(`${API}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'NotJson', `The server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const err = (parsed as Partial<ApiErrorBody> | undefined)?.error;
    if (res.status === 401 && path !== 'session') onSignedOut();
    throw new ApiError(res.status, err?.code ?? 'HttpError', err?.message ?? `The server answered ${res.status}`);
  }
  return parsed as T;
}

/** A query string of the defined values. */
export function qs(params: Record<string, string | number | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s === '' ? '' : `?${s}`;
}
