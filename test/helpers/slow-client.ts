/**
 * Clients that take their time, over bare sockets: a request head signed by the real AWS signer
 * (@smithy/signature-v4), written when the test says, its body in pieces or not at all, and the
 * server's answer collected as it comes, with the moment the server closed the connection.
 */
import net from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ACCOUNT_A, REGION } from './server.js';

export interface SlowConnection {
  readonly socket: net.Socket;
  /** Writes and waits until the bytes are handed to the kernel; false when the socket is gone. */
  write(data: string | Buffer): Promise<boolean>;
  /** Everything received so far. */
  received(): Buffer;
  /** Settles when the connection closes (by the server, or an error): what came, and ms since connecting. */
  readonly closed: Promise<{ data: Buffer; afterMs: number; error?: Error }>;
  readonly connectedAt: number;
}

export function connect(url: string): Promise<SlowConnection> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(u.port), u.hostname);
    let error: Error | undefined;
    let connectedAt = 0;
    const closed = new Promise<{ data: Buffer; afterMs: number; error?: Error }>((settle) => {
      socket.on('close', () => settle({ data: Buffer.concat(chunks), afterMs: Date.now() - connectedAt, ...(error ? { error } : {}) }));
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', (err) => {
      error = err;
      if (connectedAt === 0) reject(err);
    });
    socket.once('connect', () => {
      connectedAt = Date.now();
      resolve({
        socket,
        connectedAt,
        closed,
        received: () => Buffer.concat(chunks),
        write: (data) =>
          new Promise((done) => {
            if (socket.destroyed || !socket.writable) return done(false);
            socket.write(data, (err) => done(!err));
          }),
      });
    });
  });
}

export interface ParsedResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** The first response in `data` (Content-Length framed, or up to the end). */
export function parseResponse(data: Buffer): ParsedResponse | undefined {
  const text = data.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const length = headers.has('content-length') ? Number(headers.get('content-length')) : undefined;
  const rest = data.subarray(end + 4);
  return { status, headers, body: (length === undefined ? rest : rest.subarray(0, length)).toString('utf8') };
}

export interface HeadOptions {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** x-amz-content-sha256 (default UNSIGNED-PAYLOAD). */
  readonly payloadHash?: string;
  /** Sign for the jobs API: the account's host prefix and x-amz-account-id. */
  readonly control?: boolean;
  readonly account?: typeof ACCOUNT_A;
}

/** A signed request head (request line, headers, blank line); the body is the caller's to send. */
export async function signedHead(url: string, options: HeadOptions): Promise<string> {
  const u = new URL(url);
  const account = options.account ?? ACCOUNT_A;
  const host = options.control ? `${account.accountId}.${u.host}` : u.host;
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': options.payloadHash ?? 'UNSIGNED-PAYLOAD',
    ...(options.control ? { 'x-amz-account-id': account.accountId } : {}),
    ...(options.headers ?? {}),
  };
  const signer = new SignatureV4({
    service: 's3',
    region: REGION,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
  });
  const [path = '/', rawQuery = ''] = options.path.split('?');
  const query: Record<string, string> = {};
  for (const pair of rawQuery.split('&').filter(Boolean)) {
    const [k = '', v = ''] = pair.split('=');
    query[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  const signed = await signer.sign({ method: options.method, protocol: 'http:', hostname: u.hostname, path, query, headers }, { signingDate: new Date() });
  const lines = [`${options.method} ${options.path} HTTP/1.1`, ...Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
