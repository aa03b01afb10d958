/**
 * Server-side AWS Signature Version 4 verification (`AWS4-HMAC-SHA256`), both the
 * `Authorization` header form and the presigned-URL (query string) form, computed the way
 * Amazon S3 does it:
 *
 * - the canonical URI is the path exactly as received (S3 neither normalises nor re-encodes it);
 *   when that does not match, the "double-encoded" variant produced by generic signers
 *   (`uriEscapePath: true`: path normalised, then every segment URI-encoded again) is tried too;
 * - the canonical query is every parameter as received, percent-decoded and re-encoded with only
 *   RFC 3986 unreserved characters left bare (`+` is a literal plus), sorted by name then value;
 * - canonical headers are the `SignedHeaders`, in the order given, with trimmed values whose
 *   inner whitespace runs are collapsed; several values are joined with `,`.
 *
 * Nothing here reads the body. For header-signed requests the result's `payloadHash` is the
 * declared `x-amz-content-sha256`: when it is a hex digest, the caller must hash the body and
 * compare; when it is `STREAMING-*`, the body is `aws-chunked` (see `createAwsChunkedDecoder`).
 *
 * Multi-valued headers: node joins repeated headers with `", "` (and drops repeats of a few such
 * as `host`), which differs from SigV4's `","` join. Pass `req.headersDistinct` instead of
 * `req.headers` where exact repeated-header semantics matter; arrays are joined with `,`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  canonicalHeaderValue,
  canonicalQueryString,
  decodeCanonical,
  encodePathSegments,
  needsNormalization,
  normalizePath,
  parseCanonicalQuery,
  stripAuthority,
  type CanonicalParam,
} from './canonical.js';
import { SIGNATURE_MISMATCH_MESSAGE, type AuthError, type AuthErrorCode } from './errors.js';
import { deriveSigningKey, isLowerHex64 } from './hash.js';

export interface SigV4Request {
  method: string;
  /** The path as received: percent-encoded, without the query. */
  rawPath: string;
  /** The query string as received, without the leading `?`. */
  rawQuery: string;
  /** Node's `IncomingHttpHeaders` (lower-case names), or `req.headersDistinct`. */
  headers: Record<string, string | string[] | undefined>;
}

export interface SigningCredentials {
  secretAccessKey: string;
  accountId: string;
}

export interface VerifyOptions {
  region: string;
  /** The signing name, `'s3'` for S3 and S3 Control. */
  service: string;
  nowMs: number;
  /** Largest accepted difference between the request time and `nowMs`; default 15 minutes. */
  maxSkewMs?: number;
  /**
   * The body's SHA-256 (lower-case hex), hashed by the caller, for services whose clients send no
   * `x-amz-content-sha256` (STS: only S3 and S3 Control require that header). Used only when the
   * header is absent; without it the header is required.
   */
  bodySha256?: string;
  lookupKey(accessKeyId: string): SigningCredentials | undefined;
}

export interface VerifySuccess {
  ok: true;
  accessKeyId: string;
  accountId: string;
  /**
   * The declared `x-amz-content-sha256` (lower-case hex, `UNSIGNED-PAYLOAD` or `STREAMING-…`);
   * `UNSIGNED-PAYLOAD` for presigned requests unless that header was signed.
   */
  payloadHash: string;
  /** The request time in ISO 8601 basic format, as used in the string to sign. */
  amzDate: string;
  /** `date/region/service/aws4_request`. */
  scope: string;
  /** The derived signing key. Shared with the key cache: never mutate it. */
  signingKey: Buffer;
  /** The request signature (lower-case hex): the seed of an aws-chunked signature chain. */
  seedSignature: string;
  presigned: boolean;
}

export interface VerifyFailure extends AuthError {
  ok: false;
}

export type VerifyResult = VerifySuccess | VerifyFailure;

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** Longest presigned-URL lifetime SigV4 allows: 7 days, in seconds. */
export const MAX_PRESIGNED_EXPIRES = 604_800;

const HEADER_MALFORMED = 'The authorization header is malformed; ';
const CREDENTIAL_PARSE = 'Error parsing the X-Amz-Credential parameter; ';
const QUERY_PARAMS_REQUIRED =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';
const UNSUPPORTED_MECHANISM =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';
const STREAMING_VALUES = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
]);

function fail(code: AuthErrorCode, status: number, message: string, fields?: Readonly<Record<string, string>>): VerifyFailure {
  return { ok: false, code, status, message, ...(fields ? { fields } : {}) };
}

/**
 * The headers a request carries that its signature must cover and does not: every `x-amz-*`
 * header (S3 API Reference, "Signature Calculations for the Authorization Header" and
 * "Authenticating Requests: Using Query Parameters": the signed headers include "any x-amz-*
 * headers that you plan to add to the request"), and, for a header-signed request that takes its
 * time from `Date`, that header. Unsigned, they could be changed or added by anyone on the way:
 * an unsigned x-amz-date would let a captured request be replayed at any time. S3 refuses such a
 * request with 403 AccessDenied, listing them in HeadersNotSigned. The SDKs, boto3 and the CLI
 * sign every x-amz-* header they send, and a presigned URL carries its X-Amz-Date in the query.
 */
function headersNotSigned(headers: SigV4Request['headers'], signed: readonly string[], timeHeader: string | undefined): string[] {
  const names = new Set(signed.map((n) => n.toLowerCase()));
  const missing: string[] = [];
  for (const name of Object.keys(headers)) {
    if (headers[name] !== undefined && name.startsWith('x-amz-') && !names.has(name)) missing.push(name);
  }
  if (timeHeader !== undefined && !names.has(timeHeader) && !missing.includes(timeHeader)) missing.push(timeHeader);
  return missing.sort();
}

function unsignedHeadersFailure(missing: readonly string[]): VerifyFailure {
  return fail('AccessDenied', 403, `There were headers present in the request which were not signed: ${missing.join(', ')}`, {
    HeadersNotSigned: missing.join(', '),
  });
}

const signatureMismatch = (): VerifyFailure => fail('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH_MESSAGE);

/** A header's value as one string (arrays joined with `,`); undefined when absent. */
function headerValue(headers: SigV4Request['headers'], name: string): string | undefined {
  const v = headers[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(',');
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Signing-key cache: secret → (scope → key). Bounded FIFO at both levels. Only keys that passed
// the access-key lookup and a scope whose date is within the allowed skew ever get here, so the
// cache cannot be flooded by unauthenticated traffic.

const MAX_CACHED_SECRETS = 1024;
const MAX_SCOPES_PER_SECRET = 4;
const keyCache = new Map<string, Map<string, Buffer>>();

function signingKeyFor(secret: string, cred: ParsedCredential): Buffer {
  let scopes = keyCache.get(secret);
  if (scopes !== undefined) {
    const hit = scopes.get(cred.scope);
    if (hit !== undefined) return hit;
  } else {
    if (keyCache.size >= MAX_CACHED_SECRETS) {
      const oldest = keyCache.keys().next();
      if (oldest.done !== true) keyCache.delete(oldest.value);
    }
    scopes = new Map();
    keyCache.set(secret, scopes);
  }
  const key = deriveSigningKey(secret, cred.date, cred.region, cred.service);
  if (scopes.size >= MAX_SCOPES_PER_SECRET) {
    const oldest = scopes.keys().next();
    if (oldest.done !== true) scopes.delete(oldest.value);
  }
  scopes.set(cred.scope, key);
  return key;
}

/** Empty the signing-key cache (tests; rotating secrets does not need it). */
export function clearSigningKeyCache(): void {
  keyCache.clear();
}

// ---------------------------------------------------------------------------------------------
// Parsing helpers.

interface ParsedCredential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  scope: string;
}

/** `AKID/YYYYMMDD/region/service/aws4_request`, or a problem description. */
function parseCredential(cred: string, opts: VerifyOptions): ParsedCredential | string {
  const malformed = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
  const s4 = cred.lastIndexOf('/');
  const s3 = s4 > 0 ? cred.lastIndexOf('/', s4 - 1) : -1;
  const s2 = s3 > 0 ? cred.lastIndexOf('/', s3 - 1) : -1;
  const s1 = s2 > 0 ? cred.lastIndexOf('/', s2 - 1) : -1;
  if (s1 <= 0) return malformed;
  const date = cred.slice(s1 + 1, s2);
  const region = cred.slice(s2 + 1, s3);
  const service = cred.slice(s3 + 1, s4);
  const terminal = cred.slice(s4 + 1);
  if (!isDigits(date, 0, date.length) || date.length !== 8 || region === '' || service === '') return malformed;
  if (terminal !== 'aws4_request') return `incorrect terminal '${terminal}'. This endpoint uses 'aws4_request'.`;
  if (region !== opts.region) return `the region '${region}' is wrong; expecting '${opts.region}'`;
  if (service !== opts.service) return `incorrect service '${service}'. This endpoint belongs to '${opts.service}'.`;
  return { accessKeyId: cred.slice(0, s1), date, region, service, scope: cred.slice(s1 + 1) };
}

function isDigits(s: string, from: number, to: number): boolean {
  if (to > s.length) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function num(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 0x30);
  return n;
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, or NaN. */
export function parseAmzDate(s: string): number {
  if (s.length !== 16 || s.charCodeAt(8) !== 0x54 || s.charCodeAt(15) !== 0x5a) return NaN;
  if (!isDigits(s, 0, 8) || !isDigits(s, 9, 15)) return NaN;
  const year = num(s, 0, 4);
  const month = num(s, 4, 6);
  const day = num(s, 6, 8);
  const hour = num(s, 9, 11);
  const minute = num(s, 11, 13);
  const second = num(s, 13, 15);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Reject dates that roll over (20250230 → March 2).
  if (new Date(ms).getUTCDate() !== day) return NaN;
  return ms;
}

/** Epoch ms → `YYYYMMDDTHHMMSSZ`. */
export function formatAmzDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
}

function isValidPayloadHash(v: string): boolean {
  return v === UNSIGNED_PAYLOAD || isLowerHex64(v) || STREAMING_VALUES.has(v);
}

/** SignedHeaders → names; `'empty'` when it has an empty name, `'nohost'` when `host` is not signed. */
function parseSignedHeaders(raw: string): string[] | 'empty' | 'nohost' {
  if (raw === '') return 'empty';
  const names = raw.split(';');
  let host = false;
  for (const n of names) {
    if (n === '') return 'empty';
    if (n === 'host') host = true;
  }
  return host ? names : 'nohost';
}

interface AuthorizationParts {
  credential: string | undefined;
  signedHeaders: string | undefined;
  signature: string | undefined;
}

/** The components after `AWS4-HMAC-SHA256 `; spaces around `,` and `=` are tolerated. */
function parseAuthorizationParams(s: string, from: number): AuthorizationParts {
  const parts: AuthorizationParts = { credential: undefined, signedHeaders: undefined, signature: undefined };
  const len = s.length;
  let start = from;
  while (start < len) {
    let end = s.indexOf(',', start);
    if (end === -1) end = len;
    const eq = s.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      const key = s.slice(start, eq).trim();
      const value = s.slice(eq + 1, end).trim();
      if (key === 'Credential') parts.credential = value;
      else if (key === 'SignedHeaders') parts.signedHeaders = value;
      else if (key === 'Signature') parts.signature = value;
    }
    start = end + 1;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Signature computation.

function canonicalHeaders(headers: SigV4Request['headers'], names: readonly string[]): string {
  let out = '';
  for (const name of names) {
    let v = headers[name];
    if (v === undefined && hasUpper(name)) v = headers[name.toLowerCase()];
    let value: string;
    if (typeof v === 'string') value = canonicalHeaderValue(v);
    else if (Array.isArray(v)) value = v.map(canonicalHeaderValue).join(',');
    else value = ''; // absent (or not a header value at all): the signature will not match
    out += name + ':' + value + '\n';
  }
  return out;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

/** A decoded provided signature, or a dummy of the right size when it is not 64 lower-hex. */
const DUMMY_SIGNATURE = Buffer.alloc(32);

interface SignatureInput {
  method: string;
  path: string;
  /** `\n` + canonical query … payload hash: the canonical request after the URI. */
  tail: string;
  /** `AWS4-HMAC-SHA256\n` + date + `\n` + scope + `\n`. */
  stsPrefix: string;
  key: Buffer;
}

function signatureFor(input: SignatureInput, uri: string): Buffer {
  const crHash = createHash('sha256').update(input.method).update('\n').update(uri).update(input.tail).digest('hex');
  return createHmac('sha256', input.key).update(input.stsPrefix).update(crHash).digest();
}

/**
 * Whether `provided` (hex) is the signature of the request, under the canonical URI S3 uses or,
 * failing that, the double-encoded variants. Constant-time on the signature bytes.
 */
function signatureMatches(input: SignatureInput, provided: string): boolean {
  const validFormat = isLowerHex64(provided);
  const providedBytes = validFormat ? Buffer.from(provided, 'hex') : DUMMY_SIGNATURE;
  const path = input.path;
  if (timingSafeEqual(signatureFor(input, path), providedBytes) && validFormat) return true;
  if (!validFormat) return false;

  const normalise = needsNormalization(path);
  const doubled = encodePathSegments(normalise ? normalizePath(path) : path);
  if (doubled !== path && timingSafeEqual(signatureFor(input, doubled), providedBytes)) return true;
  if (normalise) {
    const doubledRaw = encodePathSegments(path);
    if (doubledRaw !== path && doubledRaw !== doubled && timingSafeEqual(signatureFor(input, doubledRaw), providedBytes)) {
      return true;
    }
  }
  return false;
}

function canonicalPath(rawPath: string): string {
  if (rawPath === '') return '/';
  if (rawPath.charCodeAt(0) !== 0x2f) {
    const stripped = stripAuthority(rawPath);
    return stripped === '' ? '/' : stripped;
  }
  return rawPath;
}

// ---------------------------------------------------------------------------------------------
// The two forms.

interface PresignedParams {
  algorithm?: CanonicalParam;
  credential?: CanonicalParam;
  date?: CanonicalParam;
  expires?: CanonicalParam;
  signedHeaders?: CanonicalParam;
  signature?: CanonicalParam;
  duplicate: boolean;
  any: boolean;
  sigV2: boolean;
}

function findPresignedParams(params: readonly CanonicalParam[]): PresignedParams {
  const found: PresignedParams = { duplicate: false, any: false, sigV2: false };
  for (const p of params) {
    const n = p.name;
    let slot: 'algorithm' | 'credential' | 'date' | 'expires' | 'signedHeaders' | 'signature';
    if (n.length < 10 || n.charCodeAt(0) !== 0x58 /* X */) {
      if (n === 'AWSAccessKeyId' || n === 'Signature') found.sigV2 = true;
      continue;
    }
    switch (n) {
      case 'X-Amz-Algorithm':
        slot = 'algorithm';
        break;
      case 'X-Amz-Credential':
        slot = 'credential';
        break;
      case 'X-Amz-Date':
        slot = 'date';
        break;
      case 'X-Amz-Expires':
        slot = 'expires';
        break;
      case 'X-Amz-SignedHeaders':
        slot = 'signedHeaders';
        break;
      case 'X-Amz-Signature':
        slot = 'signature';
        break;
      default:
        continue;
    }
    if (found[slot] !== undefined) found.duplicate = true;
    found[slot] = p;
    found.any = true;
  }
  return found;
}

/**
 * Verify a SigV4-signed request (header or presigned form). Never throws on any input.
 */
export function verifyRequest(req: SigV4Request, opts: VerifyOptions): VerifyResult {
  const params = parseCanonicalQuery(req.rawQuery);
  const presigned = findPresignedParams(params);
  const authorization = headerValue(req.headers, 'authorization');
  if (authorization !== undefined) {
    if (presigned.algorithm !== undefined || presigned.credential !== undefined || presigned.signature !== undefined) {
      return fail(
        'InvalidArgument',
        400,
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    return verifyHeaderForm(req, opts, authorization, params);
  }
  if (presigned.any) return verifyPresignedForm(req, opts, presigned, params);
  if (presigned.sigV2) return fail('AuthorizationQueryParametersError', 400, UNSUPPORTED_MECHANISM);
  return fail(
    'AccessDenied',
    403,
    'Anonymous/unsigned requests are not allowed: sign the request with AWS Signature Version 4 (AWS4-HMAC-SHA256).',
  );
}

function verifyHeaderForm(
  req: SigV4Request,
  opts: VerifyOptions,
  authorization: string,
  params: CanonicalParam[],
): VerifyResult {
  const malformed = (problem: string): VerifyFailure => fail('AuthorizationHeaderMalformed', 400, HEADER_MALFORMED + problem);

  let algEnd = authorization.indexOf(' ');
  if (algEnd === -1) algEnd = authorization.length;
  const algorithm = authorization.slice(0, algEnd);
  if (algorithm !== SIGV4_ALGORITHM) {
    return fail('AuthorizationHeaderMalformed', 400, UNSUPPORTED_MECHANISM);
  }
  const parts = parseAuthorizationParams(authorization, algEnd + 1);
  if (parts.credential === undefined || parts.credential === '') {
    return malformed('a non-empty Credential is required.');
  }
  if (parts.signedHeaders === undefined || parts.signedHeaders === '') {
    return malformed('a non-empty SignedHeaders is required.');
  }
  if (parts.signature === undefined || parts.signature === '') {
    return malformed('a non-empty Signature is required.');
  }
  const cred = parseCredential(parts.credential, opts);
  if (typeof cred === 'string') return malformed(cred);

  let amzDate = headerValue(req.headers, 'x-amz-date');
  let timeMs: number;
  const timeHeader = amzDate !== undefined ? 'x-amz-date' : 'date';
  if (amzDate !== undefined) {
    timeMs = parseAmzDate(amzDate);
  } else {
    const date = headerValue(req.headers, 'date');
    timeMs = date === undefined ? NaN : Date.parse(date);
    if (timeMs === timeMs) amzDate = formatAmzDate(timeMs);
  }
  if (timeMs !== timeMs || amzDate === undefined) {
    return malformed('AWS authentication requires a valid Date or x-amz-date header.');
  }
  if (cred.date !== amzDate.slice(0, 8)) {
    return malformed('Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  const signedHeaders = parseSignedHeaders(parts.signedHeaders);
  if (signedHeaders === 'empty') return malformed('the SignedHeaders list is mal-formed.');
  if (signedHeaders === 'nohost') return malformed("the 'host' header must be signed.");

  const payloadHash = headerValue(req.headers, 'x-amz-content-sha256') ?? opts.bodySha256;
  if (payloadHash === undefined) {
    return fail('InvalidRequest', 400, 'Missing required header for this request: x-amz-content-sha256');
  }
  if (!isValidPayloadHash(payloadHash)) {
    return fail(
      'InvalidArgument',
      400,
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    );
  }

  const account = opts.lookupKey(cred.accessKeyId);
  if (account === undefined) {
    return fail('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
  }
  const skew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (timeMs - opts.nowMs > skew || opts.nowMs - timeMs > skew) {
    return fail('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.');
  }
  const unsigned = headersNotSigned(req.headers, signedHeaders, timeHeader);
  if (unsigned.length > 0) return unsignedHeadersFailure(unsigned);

  return checkSignature(req, account, cred, {
    query: canonicalQueryString(params),
    headerNames: signedHeaders,
    signedHeadersText: parts.signedHeaders,
    payloadHash,
    amzDate,
    signature: parts.signature,
    presigned: false,
  });
}

function verifyPresignedForm(
  req: SigV4Request,
  opts: VerifyOptions,
  found: PresignedParams,
  params: CanonicalParam[],
): VerifyResult {
  const queryError = (message: string): VerifyFailure => fail('AuthorizationQueryParametersError', 400, message);
  const { algorithm, credential, date, expires, signedHeaders, signature } = found;
  if (
    algorithm === undefined ||
    credential === undefined ||
    date === undefined ||
    expires === undefined ||
    signedHeaders === undefined ||
    signature === undefined
  ) {
    return queryError(QUERY_PARAMS_REQUIRED);
  }
  if (found.duplicate) {
    return queryError('Each of the X-Amz-* authentication parameters may appear only once.');
  }
  if (algorithm.value !== SIGV4_ALGORITHM) return queryError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');

  const credText = decodeCanonical(credential.value);
  if (credText === undefined) return queryError(CREDENTIAL_PARSE + 'the Credential is not valid UTF-8.');
  const cred = parseCredential(credText, opts);
  if (typeof cred === 'string') return queryError(CREDENTIAL_PARSE + cred);

  const amzDate = date.value; // canonical: only digits, 'T' and 'Z' survive unencoded
  const timeMs = parseAmzDate(amzDate);
  if (timeMs !== timeMs) {
    return queryError('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  }
  if (cred.date !== amzDate.slice(0, 8)) {
    return queryError(CREDENTIAL_PARSE + 'Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  const exp = expires.value;
  if (exp === '' || exp.length > 12 || !isDigits(exp, 0, exp.length)) {
    return queryError('X-Amz-Expires should be a number');
  }
  const expiresSeconds = Number(exp);
  if (expiresSeconds < 1) return queryError('X-Amz-Expires must be positive');
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES) {
    return queryError('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  }
  const signedHeadersText = decodeCanonical(signedHeaders.value) ?? '';
  const names = parseSignedHeaders(signedHeadersText);
  if (names === 'empty') return queryError('X-Amz-SignedHeaders is mal-formed.');
  if (names === 'nohost') return queryError("X-Amz-SignedHeaders must include the 'host' header.");

  let payloadHash = UNSIGNED_PAYLOAD;
  if (names.includes('x-amz-content-sha256')) {
    const declared = headerValue(req.headers, 'x-amz-content-sha256');
    if (declared === undefined || !isValidPayloadHash(declared)) return signatureMismatch();
    payloadHash = declared;
  }

  const account = opts.lookupKey(cred.accessKeyId);
  if (account === undefined) {
    return fail('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (opts.nowMs > timeMs + expiresSeconds * 1000) return fail('AccessDenied', 403, 'Request has expired');
  if (timeMs - opts.nowMs > (opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return fail('AccessDenied', 403, 'Request is not valid yet');
  }
  // The time is X-Amz-Date of the query, which the signature covers.
  const unsigned = headersNotSigned(req.headers, names, undefined);
  if (unsigned.length > 0) return unsignedHeadersFailure(unsigned);

  // The signature is hex: its canonical form is itself (anything else will not match).
  return checkSignature(req, account, cred, {
    query: canonicalQueryString(params, signature),
    headerNames: names,
    signedHeadersText,
    payloadHash,
    amzDate,
    signature: signature.value,
    presigned: true,
  });
}

/** The last step of both forms: build the canonical request, compare, and describe the success. */
function checkSignature(
  req: SigV4Request,
  account: { secretAccessKey: string; accountId: string },
  cred: ParsedCredential,
  c: {
    query: string;
    headerNames: readonly string[];
    signedHeadersText: string;
    payloadHash: string;
    amzDate: string;
    signature: string;
    presigned: boolean;
  },
): VerifyResult {
  const input: SignatureInput = {
    method: req.method,
    path: canonicalPath(req.rawPath),
    tail: `\n${c.query}\n${canonicalHeaders(req.headers, c.headerNames)}\n${c.signedHeadersText}\n${c.payloadHash}`,
    stsPrefix: `${SIGV4_ALGORITHM}\n${c.amzDate}\n${cred.scope}\n`,
    key: signingKeyFor(account.secretAccessKey, cred),
  };
  if (!signatureMatches(input, c.signature)) return signatureMismatch();
  return {
    ok: true,
    accessKeyId: cred.accessKeyId,
    accountId: account.accountId,
    payloadHash: c.payloadHash,
    amzDate: c.amzDate,
    scope: cred.scope,
    signingKey: input.key,
    seedSignature: c.signature,
    presigned: c.presigned,
  };
}
