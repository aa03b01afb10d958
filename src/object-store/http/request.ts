/**
 * One S3 request as the routes see it: who is asking, the bucket and key, the query, typed header
 * readers, and the body — decoded from aws-chunked when it is, with the payload hash (hex
 * x-amz-content-sha256) handed to the store to check while it streams.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { checksumHeader, checksumOf, isChecksumAlgorithm, type ChecksumAlgorithm } from '../checksums.js';
import { S3Error, invalidArgument } from '../errors.js';
import type { ObjectStore, UploadIntegrity } from '../object-store.js';
import { onBodyIdle, REQUEST_TIMEOUT_MESSAGE } from '../../http/body.js';
import { createAwsChunkedDecoder, isAwsChunkedMode, sha256Hex, type VerifySuccess } from '../../lib/sigv4/index.js';
import { parseXml, XmlSyntaxError, type XmlElement } from '../../lib/xml.js';

export interface S3Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly store: ObjectStore;
  readonly account: string;
  readonly auth: VerifySuccess;
  /** The server's region. */
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: ReadonlyMap<string, string>;
  /** The resource for error documents (`/bucket/key`). */
  readonly resource: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
export const MAX_XML_BODY = 2 * 1024 * 1024;

export function header(r: S3Request, name: string): string | undefined {
  const v = r.req.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

export function queryInt(r: S3Request, name: string): number | undefined {
  const v = r.query.get(name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d{1,15}$/.test(v)) throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, v);
  return Number(v);
}

export function httpDate(r: S3Request, name: string): number | undefined {
  const v = header(r, name);
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  // S3 ignores unparseable conditional dates.
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The request body as the client meant it: aws-chunked decoded (chunk signatures verified), or
 * the raw body. The request is never destroyed by a failing consumer, so an error can still be
 * answered. A client that goes silent mid-body fails it with `RequestTimeout` (src/http/body.ts
 * onBodyIdle), which the store's reader turns into "nothing written". `trailer(name)` yields a
 * trailing header once the body has ended.
 */
export function bodyOf(r: S3Request): { body: Readable; trailer: (name: string) => Promise<string | undefined>; decodedLength?: number } {
  const mode = r.auth.payloadHash;
  const encoding = header(r, 'content-encoding') ?? '';
  if (isAwsChunkedMode(mode) || /(^|,)\s*aws-chunked\s*(,|$)/i.test(encoding)) {
    if (!isAwsChunkedMode(mode)) {
      throw new S3Error('InvalidArgument', 'Content-Encoding aws-chunked needs a STREAMING-* x-amz-content-sha256');
    }
    const declared = header(r, 'x-amz-decoded-content-length');
    if (declared === undefined) {
      throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header (x-amz-decoded-content-length for aws-chunked uploads).');
    }
    const decoder = createAwsChunkedDecoder({
      mode,
      signing: r.auth,
      decodedContentLength: declared,
      ...(header(r, 'x-amz-trailer') !== undefined ? { declaredTrailers: header(r, 'x-amz-trailer') as string } : {}),
    });
    r.req.on('error', (err) => decoder.destroy(err));
    failOnIdle(r, decoder);
    r.req.pipe(decoder);
    return {
      body: decoder,
      trailer: async (name) => (await decoder.trailers)[name],
      decodedLength: Number(declared),
    };
  }
  const pass = new PassThrough({ highWaterMark: 256 * 1024 });
  r.req.on('error', (err) => pass.destroy(err));
  failOnIdle(r, pass);
  r.req.on('close', () => {
    if (!r.req.complete) pass.destroy(new S3Error('IncompleteBody', 'The request body terminated unexpectedly'));
  });
  r.req.pipe(pass);
  return { body: pass, trailer: async () => undefined };
}

/** Until `body` closes (a reader that gave up stops watching, so the server can close the connection). */
function failOnIdle(r: S3Request, body: Readable): void {
  const stop = onBodyIdle(r.req, () => body.destroy(new S3Error('RequestTimeout', REQUEST_TIMEOUT_MESSAGE)));
  body.once('close', stop);
}

/** Content-Length of a body that must have one (PUT object/part): 411 without it. */
export function requireContentLength(r: S3Request): number | undefined {
  const cl = header(r, 'content-length');
  const chunked = /chunked/i.test(header(r, 'transfer-encoding') ?? '');
  if (cl === undefined && !chunked) {
    throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  return cl === undefined ? undefined : Number(cl);
}

/** What the client claims about the body: Content-MD5, x-amz-checksum-*, a trailer, the payload hash. */
export function integrityOf(r: S3Request, trailer: (name: string) => Promise<string | undefined>, decodedLength?: number): UploadIntegrity {
  const contentMd5 = header(r, 'content-md5');
  const payloadHash = r.auth.payloadHash;
  const length = decodedLength ?? (header(r, 'content-length') !== undefined ? Number(header(r, 'content-length')) : undefined);
  const checksum = checksumClaim(r, trailer);
  return {
    ...(contentMd5 !== undefined ? { contentMd5 } : {}),
    ...(HEX64.test(payloadHash) ? { sha256Hex: payloadHash } : {}),
    ...(length !== undefined && Number.isFinite(length) ? { contentLength: length } : {}),
    ...(checksum ? { checksum } : {}),
  };
}

function checksumClaim(r: S3Request, trailer: (name: string) => Promise<string | undefined>): UploadIntegrity['checksum'] {
  const present: Array<{ algorithm: ChecksumAlgorithm; value: string }> = [];
  for (const name of Object.keys(r.req.headers)) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm' || name === 'x-amz-checksum-mode') continue;
    const algorithm = name.slice('x-amz-checksum-'.length).toUpperCase();
    if (!isChecksumAlgorithm(algorithm)) {
      throw new S3Error('InvalidRequest', `The algorithm of ${name} is not supported: use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256`);
    }
    present.push({ algorithm, value: header(r, name) ?? '' });
  }
  if (present.length > 1) {
    throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const declaredTrailer = (header(r, 'x-amz-trailer') ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .find((t) => t.startsWith('x-amz-checksum-'));
  const sdkAlgorithm = header(r, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
  if (present[0]) {
    if (sdkAlgorithm !== undefined && sdkAlgorithm !== present[0].algorithm) {
      throw new S3Error('InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid: ${checksumHeader(present[0].algorithm)} was sent`);
    }
    return present[0];
  }
  if (declaredTrailer !== undefined) {
    const algorithm = declaredTrailer.slice('x-amz-checksum-'.length).toUpperCase();
    if (!isChecksumAlgorithm(algorithm)) throw new S3Error('InvalidRequest', `The trailer ${declaredTrailer} is not a supported checksum`);
    return { algorithm, trailer: () => trailer(declaredTrailer) };
  }
  if (sdkAlgorithm !== undefined && sdkAlgorithm !== '') {
    if (!isChecksumAlgorithm(sdkAlgorithm)) throw invalidArgument('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]', 'x-amz-sdk-checksum-algorithm', sdkAlgorithm);
    // The algorithm without a value: computed and stored, nothing to compare.
    return { algorithm: sdkAlgorithm };
  }
  return undefined;
}

/** A small XML body (≤ 2 MB), hash-checked against x-amz-content-sha256; MalformedXML when it does not parse. */
export async function readXmlBody(
  r: S3Request,
  options: { optional?: boolean; checksumOfBody?: boolean } = {},
): Promise<XmlElement | undefined> {
  const raw = await readSmallBody(r, options.checksumOfBody ?? true);
  if (raw.length === 0) {
    if (options.optional) return undefined;
    throw new S3Error('MissingRequestBodyError', 'Request Body is empty');
  }
  try {
    return parseXml(raw);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new S3Error('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema: ${err.message}`);
    throw err;
  }
}

export async function readSmallBody(r: S3Request, checksumOfBody = true): Promise<Buffer> {
  const { body } = bodyOf(r);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_XML_BODY) {
      r.res.setHeader('Connection', 'close');
      throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: at most ${MAX_XML_BODY} bytes are accepted here`);
    }
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const payloadHash = r.auth.payloadHash;
  if (HEX64.test(payloadHash) && sha256Hex(raw) !== payloadHash) {
    throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const md5 = header(r, 'content-md5');
  if (md5 !== undefined && createHash('md5').update(raw).digest('base64') !== md5) {
    throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const claim = checksumOfBody ? checksumClaim(r, async () => undefined) : undefined;
  if (claim?.value !== undefined && checksumOf(claim.algorithm, raw) !== claim.value) {
    throw new S3Error('BadDigest', `The ${claim.algorithm} you specified did not match the calculated checksum.`);
  }
  return raw;
}
