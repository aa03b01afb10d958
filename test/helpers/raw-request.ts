/**
 * Hand-made requests to the server, signed by the real AWS signer (@smithy/signature-v4), for
 * what the SDK clients cannot send: tampered signatures, raw bodies, odd hosts, absolute-form
 * targets. Answers come back raw (status, headers, body text).
 */
import http from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { ACCOUNT_A, REGION } from './server.js';

export interface RawRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  account?: { accountId: string; accessKeyId: string; secretAccessKey: string };
  /** x-amz-account-id to send (default: the signing account's); null to omit */
  accountHeader?: string | null;
  region?: string;
  signingDate?: Date;
  /** skip signing entirely */
  unsigned?: boolean;
  /** change the request after signing */
  tamper?: (req: { method: string; path: string; rawQuery: string; headers: Record<string, string>; body: Buffer }) => void;
  /** request-target form: default origin-form */
  absoluteForm?: boolean;
  host?: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function encodeQuery(query: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const value of Array.isArray(v) ? v : [v]) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
  }
  return parts.join('&');
}

export async function rawRequest(serverUrl: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(serverUrl);
  const account = r.account ?? ACCOUNT_A;
  const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body ?? '', 'utf8');
  const host = r.host ?? `${account.accountId}.${url.host}`;
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    ...(r.accountHeader === null ? {} : { 'x-amz-account-id': r.accountHeader ?? account.accountId }),
    ...(r.headers ?? {}),
  };
  if (body.length > 0) headers['content-length'] = String(body.length);
  const queryObj: Record<string, string | string[]> = r.query ?? {};
  let signedHeaders = headers;
  if (!r.unsigned) {
    const signer = new SignatureV4({
      service: 's3',
      region: r.region ?? REGION,
      credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
      sha256: Sha256,
      uriEscapePath: false,
    });
    const signed = await signer.sign(
      { method: r.method, protocol: 'http:', hostname: host, path: r.path, query: queryObj, headers, body },
      { signingDate: r.signingDate ?? new Date() },
    );
    signedHeaders = signed.headers as Record<string, string>;
  }
  const final = { method: r.method, path: r.path, rawQuery: encodeQuery(queryObj), headers: { ...signedHeaders }, body };
  r.tamper?.(final);
  const target = final.path + (final.rawQuery ? `?${final.rawQuery}` : '');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: final.method,
        path: r.absoluteForm ? `http://${final.headers.host}${target}` : target,
        headers: final.headers,
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(final.body);
  });
}

/** `<Code>` of an error body. */
export function errorCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}
