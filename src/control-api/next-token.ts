/**
 * ListJobs NextTokens: opaque to clients, bound to the account and the status filter, and valid
 * across restarts (the HMAC key lives in the job store). A token is
 * `base64url(createdMs:jobId) "." base64url(mac)`, all within the model's NextToken pattern.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JobStatus } from '../domain/job-status.js';
import type { JobCursor } from '../engine/job-service.js';

const MAC_BYTES = 18;

function filterKey(statuses: readonly JobStatus[]): string {
  return [...new Set(statuses)].sort().join(',');
}

function mac(secret: Buffer, accountId: string, statuses: readonly JobStatus[], position: string): Buffer {
  return createHmac('sha256', secret)
    .update(`list-jobs/v1\n${accountId}\n${filterKey(statuses)}\n${position}`)
    .digest()
    .subarray(0, MAC_BYTES);
}

export function encodeNextToken(
  secret: Buffer,
  accountId: string,
  statuses: readonly JobStatus[],
  cursor: JobCursor,
): string {
  const position = `${cursor.createdMs}:${cursor.id}`;
  return `${Buffer.from(position).toString('base64url')}.${mac(secret, accountId, statuses, position).toString('base64url')}`;
}

/** The cursor, or undefined if the token is forged, damaged, or from another account or filter. */
export function decodeNextToken(
  secret: Buffer,
  accountId: string,
  statuses: readonly JobStatus[],
  token: string,
): JobCursor | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const position = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, accountId, statuses, position);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const match = /^(\d{1,16}):([A-Za-z0-9_-]{5,36})$/.exec(position);
  if (!match) return undefined;
  return { createdMs: Number(match[1]), id: match[2] as string };
}
