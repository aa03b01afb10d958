/**
 * Authentication shared by every signed surface: SigV4 (header or presigned) against the
 * configured accounts. It answers with data — the account, or the failure's code, status and
 * message — and each protocol turns a failure into its own error type.
 */
import type { IncomingMessage } from 'node:http';
import type { Account } from '../config/config.js';
import { verifyRequest, type VerifyResult } from '../lib/sigv4/index.js';

export interface Authenticator {
  /**
   * `service` is the signing name (default `s3`, which S3 Control shares); `bodySha256` the body's
   * hash, read first, for a service whose clients do not declare it in a header (STS).
   */
  authenticate(req: IncomingMessage, rawPath: string, rawQuery: string, nowMs: number, signed?: { service: string; bodySha256: string }): VerifyResult;
  accountOf(accessKeyId: string): Account | undefined;
}

export function createAuthenticator(accounts: readonly Account[], region: string): Authenticator {
  const byKey = new Map(accounts.map((a) => [a.accessKeyId, a]));
  const lookupKey = (accessKeyId: string): { secretAccessKey: string; accountId: string } | undefined =>
    byKey.get(accessKeyId);
  return {
    authenticate(req, rawPath, rawQuery, nowMs, signed) {
      return verifyRequest(
        { method: req.method ?? 'GET', rawPath, rawQuery, headers: req.headers },
        { region, service: signed?.service ?? 's3', nowMs, lookupKey, ...(signed ? { bodySha256: signed.bodySha256 } : {}) },
      );
    },
    accountOf: (accessKeyId) => byKey.get(accessKeyId),
  };
}
