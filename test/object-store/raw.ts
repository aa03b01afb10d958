/**
 * Requests the SDK will not send: presigned URLs, aws-chunked bodies built by hand (signed and
 * unsigned, with trailers), tampered or missing pieces. Signed with the real AWS signer.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { deriveSigningKey, EMPTY_SHA256, sha256Hex } from '../../src/lib/sigv4/index.js';
import { ACCOUNT_A, REGION } from '../helpers/server.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Over a bare socket, so that nothing adds Content-Length or Transfer-Encoding. */
export function sendOverSocket(url: string, method: string, path: string, headers: Record<string, string>): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries({ ...headers, connection: 'close' }).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: {}, body: Buffer.from(body) });
    });
  });
}

export function send(url: string, method: string, pathAndQuery: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: pathAndQuery, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function signer(account = ACCOUNT_A): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region: REGION,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
  });
}

/** A presigned URL path (with its query) for `method path`. */
export async function presign(
  url: string,
  method: string,
  path: string,
  options: { expiresIn?: number; signingDate?: Date; account?: typeof ACCOUNT_A } = {},
): Promise<string> {
  const u = new URL(url);
  const signed = await signer(options.account).presign(
    // As the S3 presigner does: the payload is not signed.
    { method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    { expiresIn: options.expiresIn ?? 300, ...(options.signingDate ? { signingDate: options.signingDate } : {}) },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${path}?${query}`;
}

/** A header-signed request; `payloadHash` is what x-amz-content-sha256 says (default: the body's hash). */
export async function signedRequest(
  url: string,
  method: string,
  path: string,
  options: {
    headers?: Record<string, string>;
    body?: Buffer;
    payloadHash?: string;
    query?: Record<string, string>;
    account?: typeof ACCOUNT_A;
    /** Send over a bare socket: no Content-Length, no body. */
    bare?: boolean;
  } = {},
): Promise<Reply> {
  const u = new URL(url);
  const body = options.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    host: u.host,
    'x-amz-content-sha256': options.payloadHash ?? sha256Hex(body),
    ...(options.headers ?? {}),
  };
  if (body.length > 0 && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    headers['content-length'] = String(body.length);
  }
  const query = options.query ?? {};
  const signed = await signer(options.account).sign(
    { method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query, headers },
    { signingDate: new Date() },
  );
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const target = qs ? `${path}?${qs}` : path;
  if (options.bare) return sendOverSocket(url, method, target, signed.headers as Record<string, string>);
  return send(url, method, target, signed.headers as Record<string, string>, body);
}

/** An aws-chunked upload: `signed` chains chunk signatures from the request's; trailers optional. */
export async function chunkedPut(
  url: string,
  path: string,
  data: Buffer,
  options: { signed: boolean; chunkSize?: number; trailers?: Array<[string, string]>; corruptChunk?: boolean; headers?: Record<string, string> },
): Promise<Reply> {
  const u = new URL(url);
  const trailers = options.trailers;
  const mode = options.signed
    ? trailers
      ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
      : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
    : 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  const headers: Record<string, string> = {
    host: u.host,
    'x-amz-content-sha256': mode,
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(data.length),
    ...(trailers ? { 'x-amz-trailer': trailers.map(([n]) => n).join(',') } : {}),
    ...(options.headers ?? {}),
  };
  const date = new Date();
  const signed = await signer().sign({ method: 'PUT', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query: {}, headers }, { signingDate: date });
  const h = signed.headers as Record<string, string>;
  const seed = /Signature=([0-9a-f]{64})/.exec(h.authorization ?? h.Authorization ?? '')?.[1] ?? '';
  const amzDate = h['x-amz-date'] ?? '';
  const scope = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const key = deriveSigningKey(ACCOUNT_A.secretAccessKey, amzDate.slice(0, 8), REGION, 's3');
  const size = options.chunkSize ?? 64 * 1024;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  const parts: Buffer[] = [];
  let previous = seed;
  const chunkSig = (chunk: Buffer): string =>
    createHmac('sha256', key).update(['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, sha256Hex(chunk)].join('\n')).digest('hex');
  for (const [i, chunk] of [...chunks, Buffer.alloc(0)].entries()) {
    if (options.signed) {
      let sig = chunkSig(chunk);
      if (options.corruptChunk && i === 0) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`));
      previous = sig;
    } else {
      parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`));
    }
    if (chunk.length > 0) parts.push(chunk, Buffer.from('\r\n'));
  }
  if (!trailers) {
    parts.push(Buffer.from('\r\n'));
  } else {
    for (const [n, v] of trailers) parts.push(Buffer.from(`${n}:${v}\r\n`));
    if (options.signed) {
      const text = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
      const sig = createHmac('sha256', key).update(['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256Hex(text)].join('\n')).digest('hex');
      parts.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`));
    }
    parts.push(Buffer.from('\r\n'));
  }
  const body = Buffer.concat(parts);
  return send(url, 'PUT', path, { ...h, 'content-length': String(body.length) }, body);
}

export const codeOf = (r: Reply): string | undefined => /<Code>([^<]*)<\/Code>/.exec(r.body.toString())?.[1];
