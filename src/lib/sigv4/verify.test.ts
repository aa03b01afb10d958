import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ListJobsCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHeaderValue, canonicalQueryComponent, splitRequestTarget } from './canonical.js';
import { EMPTY_SHA256, deriveSigningKey, sha256Hex } from './hash.js';
import { verifyRequest, type SigV4Request, type VerifyOptions, type VerifyResult } from './verify.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const MIN = 60_000;

type SmithyRequest = Parameters<SignatureV4['presign']>[0];

function makeSigner(opts: { uriEscapePath?: boolean; region?: string; service?: string; secret?: string; akid?: string } = {}) {
  return new SignatureV4({
    service: opts.service ?? 's3',
    region: opts.region ?? REGION,
    credentials: {
      accessKeyId: opts.akid ?? CREDS.accessKeyId,
      secretAccessKey: opts.secret ?? CREDS.secretAccessKey,
    },
    sha256: Sha256,
    uriEscapePath: opts.uriEscapePath ?? false,
  });
}

const signer = makeSigner();

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    region: REGION,
    service: 's3',
    nowMs: NOW,
    lookupKey: (id) => (id === CREDS.accessKeyId ? { secretAccessKey: CREDS.secretAccessKey, accountId: ACCOUNT } : undefined),
    ...overrides,
  };
}

/** The SDK's escapeUri: encodeURIComponent plus !'()* */
function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

type Query = Record<string, string | string[] | null>;

/** What the SDK's query-string builder puts on the wire. */
function sdkQueryString(query: Query | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (Array.isArray(v)) for (const x of v) parts.push(`${escapeUri(k)}=${escapeUri(x)}`);
    else if (v === null) parts.push(escapeUri(k));
    else parts.push(`${escapeUri(k)}=${escapeUri(v)}`);
  }
  return parts.join('&');
}

interface Spec {
  method?: string;
  host?: string;
  /** wire form (already percent-encoded) */
  path?: string;
  query?: Query;
  headers?: Record<string, string>;
  body?: string;
}

function smithyRequest(spec: Spec): SmithyRequest {
  const host = spec.host ?? 'bucket.s3.us-east-1.amazonaws.com';
  return {
    method: spec.method ?? 'GET',
    protocol: 'http:',
    hostname: host.replace(/:\d+$/, ''),
    path: spec.path ?? '/bucket/key',
    query: (spec.query ?? {}) as SmithyRequest['query'],
    headers: { host, ...(spec.headers ?? {}) },
    body: spec.body,
  };
}

function lowerHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

interface SignOpts {
  signer?: SignatureV4;
  date?: number;
}

/** Sign with the real signer (header form) and return what the server would see. */
async function signed(spec: Spec, o: SignOpts = {}): Promise<SigV4Request> {
  const req = await (o.signer ?? signer).sign(smithyRequest(spec), { signingDate: new Date(o.date ?? NOW) });
  return {
    method: req.method,
    rawPath: req.path,
    rawQuery: sdkQueryString(spec.query),
    headers: lowerHeaders(req.headers),
  };
}

/** Presign the way @aws-sdk/s3-request-presigner does (UNSIGNED-PAYLOAD, content-type unsigned). */
async function presigned(
  spec: Spec,
  o: SignOpts & { expiresIn?: number; unhoistable?: string[] } = {},
): Promise<SigV4Request> {
  const request = smithyRequest(spec);
  if (!Object.keys(request.headers).some((h) => h.toLowerCase() === 'x-amz-content-sha256')) {
    request.headers['X-Amz-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
  }
  const req = await (o.signer ?? signer).presign(request, {
    signingDate: new Date(o.date ?? NOW),
    expiresIn: o.expiresIn ?? 900,
    unsignableHeaders: new Set(['content-type']),
    unhoistableHeaders: new Set(o.unhoistable ?? []),
  });
  return {
    method: req.method,
    rawPath: req.path,
    rawQuery: sdkQueryString(req.query as Query),
    headers: lowerHeaders(req.headers),
  };
}

function expectOk(r: VerifyResult): asserts r is Extract<VerifyResult, { ok: true }> {
  if (!r.ok) expect.fail(`expected ok, got ${r.code}: ${r.message}`);
}

function expectError(r: VerifyResult, code: string, status: number): string {
  if (r.ok) expect.fail(`expected ${code}, got ok`);
  expect(r.code).toBe(code);
  expect(r.status).toBe(status);
  return r.message;
}

function withAuth(req: SigV4Request, edit: (auth: string) => string): SigV4Request {
  return { ...req, headers: { ...req.headers, authorization: edit(String(req.headers.authorization)) } };
}

const ODD_QUERY: Query = {
  'a b': 'c d',
  plus: 'a+b',
  slash: 'x/y',
  eq: 'k=v&w',
  uni: 'héllo ✓ 😀',
  empty: '',
  rep: ['2', '1', '10', 'b', 'a'],
  'list-type': '2',
  prefix: '~tilde/',
  star: "it's (*)!",
  percent: '100%',
  'x-id': 'GetObject',
  Z: 'upper',
};

const ODD_PATHS = [
  '/bucket/key',
  '/bucket/dir%2Fsub/a%20b',
  '/bucket/%C3%A9%E2%9C%93/%F0%9F%98%80',
  '/bucket/~user/x%2By%3Dz',
  '/bucket/a%25b/c%27d%28e%29',
  '/bucket/trailing/',
  '/',
  '/bucket',
];

describe('verifyRequest: header form with the real signer', () => {
  it('accepts a plain GET and reports the signing context', async () => {
    const req = await signed({});
    const r = verifyRequest(req, options());
    expectOk(r);
    expect(r.accessKeyId).toBe(CREDS.accessKeyId);
    expect(r.accountId).toBe(ACCOUNT);
    expect(r.payloadHash).toBe(EMPTY_SHA256);
    expect(r.amzDate).toBe('20250115T120000Z');
    expect(r.scope).toBe('20250115/us-east-1/s3/aws4_request');
    expect(r.presigned).toBe(false);
    expect(r.signingKey.equals(deriveSigningKey(CREDS.secretAccessKey, '20250115', REGION, 's3'))).toBe(true);
    expect(String(req.headers.authorization)).toContain(`Signature=${r.seedSignature}`);
  });

  it('accepts odd query parameters (spaces, +, /, =, unicode, repeats, empty values)', async () => {
    expectOk(verifyRequest(await signed({ query: ODD_QUERY }), options()));
  });

  it('accepts query strings encoded differently from the canonical form', async () => {
    const req = await signed({ query: { slash: 'x/y', sp: 'a b', q: "it's", uploads: '', t: '~' } });
    for (const rawQuery of [
      "slash=x/y&sp=a%20b&q=it's&uploads&t=~",
      "uploads=&t=%7E&q=it%27s&sp=a%20b&slash=x%2f%79",
      '&slash=x%2Fy&&sp=a%20b&q=it%27s&uploads=&t=~&',
    ]) {
      expectOk(verifyRequest({ ...req, rawQuery }, options()));
    }
    // '+' is a literal plus, never a space
    expectError(verifyRequest({ ...req, rawQuery: "slash=x/y&sp=a+b&q=it's&uploads&t=~" }, options()), 'SignatureDoesNotMatch', 403);
  });

  it.each(ODD_PATHS)('accepts the path %s as received', async (path) => {
    expectOk(verifyRequest(await signed({ path, query: { 'x-id': 'GetObject' } }), options()));
  });

  it.each(ODD_PATHS.concat(['/bucket/a//b', '/bucket/./x/../y']))(
    'accepts uriEscapePath: true (double-encoded) signatures for %s',
    async (path) => {
      const req = await signed({ path }, { signer: makeSigner({ uriEscapePath: true }) });
      expectOk(verifyRequest(req, options()));
    },
  );

  it('accepts a POST with a body hash and reports it', async () => {
    const body = '<Delete><Object><Key>a</Key></Object></Delete>';
    const req = await signed({
      method: 'POST',
      path: '/bucket',
      query: { delete: '' },
      headers: { 'content-type': 'application/xml', 'content-length': String(body.length), 'content-md5': 'abc==' },
      body,
    });
    const r = verifyRequest(req, options());
    expectOk(r);
    expect(r.payloadHash).toBe(sha256Hex(body));
  });

  it.each(['123456789012.localhost:9090', '127.0.0.1:8080', 'localhost', '[::1]:9000', 'Bucket.S3.example.com'])(
    'accepts the host %s',
    async (host) => {
      expectOk(verifyRequest(await signed({ host }), options()));
    },
  );

  it('accepts a path given in absolute form', async () => {
    const req = await signed({ host: '123456789012.localhost:9090', path: '/v20180820/jobs' });
    expectOk(verifyRequest({ ...req, rawPath: 'http://123456789012.localhost:9090/v20180820/jobs' }, options()));
  });

  it('canonicalises header values (whitespace) and accepts arrays (headersDistinct)', async () => {
    const req = await signed({ headers: { 'x-amz-meta-a': '  one   two\t three ', 'x-amz-meta-b': 'v' } });
    expectOk(verifyRequest(req, options()));
    const distinct: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) distinct[k] = [String(v)];
    expectOk(verifyRequest({ ...req, headers: distinct }, options()));
    // node gives the value untrimmed-inside; a different inner text is a different value
    expectError(
      verifyRequest({ ...req, headers: { ...req.headers, 'x-amz-meta-a': 'one two three!' } }, options()),
      'SignatureDoesNotMatch',
      403,
    );
    expectOk(verifyRequest({ ...req, headers: { ...req.headers, 'x-amz-meta-a': 'one two three' } }, options()));
  });

  it('tolerates spacing variants in the Authorization header', async () => {
    const req = await signed({});
    for (const edit of [
      (a: string) => a.replace(/, /g, ','),
      (a: string) => a.replace(/, /g, ' ,   '),
      (a: string) => a.replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256    '),
      (a: string) => a.replace(/=/g, ' = ') + '  ',
    ]) {
      expectOk(verifyRequest(withAuth(req, edit), options()));
    }
  });

  describe('rejects tampering with SignatureDoesNotMatch', () => {
    const base = (): Promise<SigV4Request> =>
      signed({
        method: 'PUT',
        path: '/bucket/dir/key',
        query: { partNumber: '1', uploadId: 'abc' },
        headers: { 'x-amz-meta-color': 'blue', 'content-type': 'text/plain' },
        body: 'hello',
      });
    const cases: [string, (r: SigV4Request) => SigV4Request][] = [
      ['method', (r) => ({ ...r, method: 'POST' })],
      ['path', (r) => ({ ...r, rawPath: '/bucket/dir/kez' })],
      ['path encoding', (r) => ({ ...r, rawPath: '/bucket/dir%2Fkey' })],
      ['query value', (r) => ({ ...r, rawQuery: r.rawQuery.replace('abc', 'abd') })],
      ['added query param', (r) => ({ ...r, rawQuery: r.rawQuery + '&versionId=1' })],
      ['removed query param', (r) => ({ ...r, rawQuery: 'partNumber=1' })],
      ['signed header', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-meta-color': 'red' } })],
      ['host', (r) => ({ ...r, headers: { ...r.headers, host: 'other.s3.us-east-1.amazonaws.com' } })],
      ['payload hash', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-content-sha256': sha256Hex('other') } })],
      ['payload hash to UNSIGNED', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })],
      ['signed header removed', (r) => ({ ...r, headers: { ...r.headers, 'content-type': undefined } })],
      ['signature', (r) => withAuth(r, (a) => a.replace(/Signature=[0-9a-f]/, 'Signature=x'))],
      ['signature case', (r) => withAuth(r, (a) => a.replace(/Signature=(\w+)/, (_m, s: string) => `Signature=${s.toUpperCase()}`))],
      ['signature length', (r) => withAuth(r, (a) => a + '00')],
      ['signed headers list', (r) => withAuth(r, (a) => a.replace('content-type;', ''))],
    ];
    it.each(cases)('%s', async (_name, tamper) => {
      const req = await base();
      expectOk(verifyRequest(req, options()));
      const message = expectError(verifyRequest(tamper(req), options()), 'SignatureDoesNotMatch', 403);
      expect(message).toBe(
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
    });
  });

  it('rejects a wrong secret and an unknown key', async () => {
    const wrongSecret = await signed({}, { signer: makeSigner({ secret: 'not-the-secret' }) });
    expectError(verifyRequest(wrongSecret, options()), 'SignatureDoesNotMatch', 403);
    const unknown = await signed({}, { signer: makeSigner({ akid: 'AKIDUNKNOWN' }) });
    expectError(verifyRequest(unknown, options()), 'InvalidAccessKeyId', 403);
  });

  it('rejects anonymous requests', () => {
    const message = expectError(
      verifyRequest({ method: 'GET', rawPath: '/bucket/key', rawQuery: 'a=1', headers: { host: 'x' } }, options()),
      'AccessDenied',
      403,
    );
    expect(message).toMatch(/Anonymous/);
  });

  it('enforces the clock skew both ways', async () => {
    for (const offset of [16 * MIN, -16 * MIN]) {
      const req = await signed({}, { date: NOW + offset });
      expectError(verifyRequest(req, options()), 'RequestTimeTooSkewed', 403);
    }
    for (const offset of [14 * MIN, -14 * MIN]) {
      const req = await signed({}, { date: NOW + offset });
      expectOk(verifyRequest(req, options()));
    }
    const old = await signed({}, { date: NOW - 40 * MIN });
    expectOk(verifyRequest(old, options({ maxSkewMs: 60 * MIN })));
  });

  it('uses the Date header when x-amz-date is absent', async () => {
    // Sign by hand with the date of a Date header (the signer always adds x-amz-date).
    const dateHeader = new Date(NOW).toUTCString();
    const base = await signed({});
    const headers: SigV4Request['headers'] = { ...base.headers, date: dateHeader };
    delete headers['x-amz-date'];
    const auth = String(base.headers.authorization);
    // The signature is over x-amz-date; re-sign over the same timestamp via the Date header.
    const signedHeaders = 'date;host;x-amz-content-sha256';
    const canonical = [
      'GET',
      '/bucket/key',
      '',
      `date:${dateHeader}\nhost:${String(headers.host)}\nx-amz-content-sha256:${EMPTY_SHA256}\n`,
      signedHeaders,
      EMPTY_SHA256,
    ].join('\n');
    const key = deriveSigningKey(CREDS.secretAccessKey, '20250115', REGION, 's3');
    const { createHmac } = await import('node:crypto');
    const sts = `AWS4-HMAC-SHA256\n20250115T120000Z\n20250115/us-east-1/s3/aws4_request\n${sha256Hex(canonical)}`;
    const sig = createHmac('sha256', key).update(sts).digest('hex');
    headers.authorization = auth
      .replace(/SignedHeaders=[^,]+/, `SignedHeaders=${signedHeaders}`)
      .replace(/Signature=\w+/, `Signature=${sig}`);
    const r = verifyRequest({ ...base, headers }, options());
    expectOk(r);
    expect(r.amzDate).toBe('20250115T120000Z');
    expectError(verifyRequest({ ...base, headers }, options({ nowMs: NOW + 20 * MIN })), 'RequestTimeTooSkewed', 403);
  });

  describe('headers the signature must cover: every x-amz-* header, and the Date a request takes its time from', () => {
    /** Signs `spec`, then removes `name` from SignedHeaders and re-signs by hand over the rest. */
    async function signedWithout(spec: Spec, name: string): Promise<SigV4Request> {
      const req = await signed(spec);
      const auth = String(req.headers.authorization);
      const names = (/SignedHeaders=([^,]+)/.exec(auth)?.[1] ?? '').split(';').filter((n) => n !== name);
      const headers = req.headers as Record<string, string>;
      const canonical = [
        req.method,
        req.rawPath,
        '',
        names.map((n) => `${n}:${canonicalHeaderValue(headers[n] ?? '')}\n`).join(''),
        names.join(';'),
        headers['x-amz-content-sha256'],
      ].join('\n');
      const amzDate = headers['x-amz-date'] ?? '20250115T120000Z';
      const key = deriveSigningKey(CREDS.secretAccessKey, '20250115', REGION, 's3');
      const { createHmac } = await import('node:crypto');
      const sig = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n${amzDate}\n20250115/us-east-1/s3/aws4_request\n${sha256Hex(canonical)}`).digest('hex');
      return {
        ...req,
        headers: {
          ...req.headers,
          authorization: auth.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${names.join(';')}`).replace(/Signature=\w+/, `Signature=${sig}`),
        },
      };
    }

    it('x-amz-date present but not signed: 403 AccessDenied naming it in HeadersNotSigned', async () => {
      const req = await signedWithout({}, 'x-amz-date');
      const r = verifyRequest(req, options());
      expect(expectError(r, 'AccessDenied', 403)).toBe('There were headers present in the request which were not signed: x-amz-date');
      expect(r.ok ? undefined : r.fields).toEqual({ HeadersNotSigned: 'x-amz-date' });
    });

    it.each(['x-amz-content-sha256', 'x-amz-meta-color', 'x-amz-acl', 'x-amz-security-token'])('%s present but not signed: AccessDenied', async (name) => {
      const req = await signedWithout({ headers: { 'x-amz-meta-color': 'blue', 'x-amz-acl': 'private', 'x-amz-security-token': 'token' } }, name);
      const r = verifyRequest(req, options());
      expectError(r, 'AccessDenied', 403);
      expect(r.ok ? undefined : r.fields).toEqual({ HeadersNotSigned: name });
    });

    it('an x-amz-* header added after signing is refused, whatever its value; several are listed in order', async () => {
      const req = await signed({});
      expectOk(verifyRequest(req, options()));
      const added = verifyRequest({ ...req, headers: { ...req.headers, 'x-amz-tagging': 'a=b', 'x-amz-acl': 'public-read' } }, options());
      expectError(added, 'AccessDenied', 403);
      expect(added.ok ? undefined : added.fields).toEqual({ HeadersNotSigned: 'x-amz-acl, x-amz-tagging' });
      // Other headers may go unsigned (user-agent, content-length, …), as every SDK leaves some.
      expectOk(verifyRequest({ ...req, headers: { ...req.headers, 'user-agent': 'x', 'amz-sdk-request': 'attempt=1' } }, options()));
    });

    it('a Date header the request takes its time from must be signed', async () => {
      const dateHeader = new Date(NOW).toUTCString();
      const base = await signed({});
      const headers: SigV4Request['headers'] = { ...base.headers, date: dateHeader };
      delete headers['x-amz-date'];
      // The signature covers host and x-amz-content-sha256 only; the time comes from Date.
      const names = ['host', 'x-amz-content-sha256'];
      const canonical = ['GET', '/bucket/key', '', `host:${String(headers.host)}\nx-amz-content-sha256:${EMPTY_SHA256}\n`, names.join(';'), EMPTY_SHA256].join('\n');
      const key = deriveSigningKey(CREDS.secretAccessKey, '20250115', REGION, 's3');
      const { createHmac } = await import('node:crypto');
      const sig = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n20250115T120000Z\n20250115/us-east-1/s3/aws4_request\n${sha256Hex(canonical)}`).digest('hex');
      headers.authorization = String(base.headers.authorization)
        .replace(/SignedHeaders=[^,]+/, `SignedHeaders=${names.join(';')}`)
        .replace(/Signature=\w+/, `Signature=${sig}`);
      const r = verifyRequest({ ...base, headers }, options());
      expectError(r, 'AccessDenied', 403);
      expect(r.ok ? undefined : r.fields).toEqual({ HeadersNotSigned: 'date' });
    });

    it('presigned: an x-amz-* header sent along but not in X-Amz-SignedHeaders is refused; X-Amz-Date in the query needs no header', async () => {
      const req = await presigned({ method: 'PUT' });
      expectOk(verifyRequest(req, options()));
      for (const name of ['x-amz-acl', 'x-amz-date', 'x-amz-content-sha256']) {
        const r = verifyRequest({ ...req, headers: { ...req.headers, [name]: name === 'x-amz-content-sha256' ? 'UNSIGNED-PAYLOAD' : 'x' } }, options());
        expectError(r, 'AccessDenied', 403);
        expect(r.ok ? undefined : r.fields, name).toEqual({ HeadersNotSigned: name });
      }
      // A header the URL signed is fine.
      expectOk(verifyRequest(await presigned({ method: 'PUT', headers: { 'x-amz-acl': 'private' } }, { unhoistable: ['x-amz-acl'] }), options()));
    });
  });

  it('rejects a wrong region or service with AuthorizationHeaderMalformed', async () => {
    const wrongRegion = await signed({}, { signer: makeSigner({ region: 'eu-west-1' }) });
    const message = expectError(verifyRequest(wrongRegion, options()), 'AuthorizationHeaderMalformed', 400);
    expect(message).toContain("the region 'eu-west-1' is wrong; expecting 'us-east-1'");
    const wrongService = await signed({}, { signer: makeSigner({ service: 'execute-api' }) });
    expect(expectError(verifyRequest(wrongService, options()), 'AuthorizationHeaderMalformed', 400)).toContain(
      "incorrect service 'execute-api'",
    );
  });

  describe('malformed Authorization headers are 400 AuthorizationHeaderMalformed, never a throw', () => {
    const cases: [string, (a: string) => string][] = [
      ['garbage', () => 'garbage'],
      ['algorithm only', () => 'AWS4-HMAC-SHA256'],
      ['algorithm and space', () => 'AWS4-HMAC-SHA256 '],
      ['no SignedHeaders', (a) => a.replace(/SignedHeaders=[^,]+, /, '')],
      ['no Signature', (a) => a.replace(/, Signature=\w+/, '')],
      ['empty Signature', (a) => a.replace(/Signature=\w+/, 'Signature=')],
      ['no Credential', (a) => a.replace(/Credential=[^,]+, /, '')],
      ['credential without scope', (a) => a.replace(/Credential=[^,]+/, 'Credential=AKIAIOSFODNN7EXAMPLE')],
      ['credential with short scope', (a) => a.replace(/Credential=[^,]+/, `Credential=${CREDS.accessKeyId}/20250115/us-east-1/s3`)],
      ['credential without key id', (a) => a.replace(/Credential=[^,]+/, 'Credential=/20250115/us-east-1/s3/aws4_request')],
      ['credential with bad terminal', (a) => a.replace('aws4_request', 'aws5_request')],
      ['credential with bad date', (a) => a.replace('/20250115/', '/2025011X/')],
      ['credential date not the request date', (a) => a.replace('/20250115/', '/20250114/')],
      ['signed headers without host', (a) => a.replace('host;', '')],
      ['signed headers with an empty name', (a) => a.replace('host;', 'host;;')],
      ['SigV2', () => `AWS ${CREDS.accessKeyId}:frJIUN8DYpKDtOLCwo//yllqDzg=`],
      ['SigV4a', (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256')],
      ['empty', () => ''],
      ['lowercase algorithm', (a) => a.toLowerCase()],
    ];
    it.each(cases)('%s', async (_name, edit) => {
      const req = await signed({});
      const r = verifyRequest(withAuth(req, edit), options());
      expectError(r, 'AuthorizationHeaderMalformed', 400);
    });

    it('bad or missing dates', async () => {
      const req = await signed({});
      for (const date of ['2025-01-15T12:00:00Z', '20250115T120000', '20251315T120000Z', '20250230T120000Z', 'x', '']) {
        const r = verifyRequest({ ...req, headers: { ...req.headers, 'x-amz-date': date } }, options());
        expect(expectError(r, 'AuthorizationHeaderMalformed', 400)).toMatch(/Date/);
      }
      const noDate = { ...req.headers };
      delete noDate['x-amz-date'];
      expectError(verifyRequest({ ...req, headers: noDate }, options()), 'AuthorizationHeaderMalformed', 400);
      expectError(
        verifyRequest({ ...req, headers: { ...noDate, date: 'not a date' } }, options()),
        'AuthorizationHeaderMalformed',
        400,
      );
    });

    it('missing or invalid x-amz-content-sha256', async () => {
      const req = await signed({});
      const headers = { ...req.headers };
      delete headers['x-amz-content-sha256'];
      expectError(verifyRequest({ ...req, headers }, options()), 'InvalidRequest', 400);
      expectError(
        verifyRequest({ ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'abc' } }, options()),
        'InvalidArgument',
        400,
      );
    });

    it('signed header names that are not headers (prototype keys) do not crash', async () => {
      const req = await signed({});
      for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        const r = verifyRequest(withAuth(req, (a) => a.replace('host;', `host;${name};`)), options());
        expectError(r, 'SignatureDoesNotMatch', 403);
      }
    });

    it('random mutations of the header never throw', async () => {
      const req = await signed({ query: ODD_QUERY });
      const auth = String(req.headers.authorization);
      let seed = 42;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const alphabet = ' ,=/;AWS4-HMAC-SHA256Credential%\u00e9\u0000\n';
      for (let i = 0; i < 2000; i++) {
        let a = auth;
        for (let k = 0, m = 1 + rand(4); k < m; k++) {
          const at = rand(a.length + 1);
          const op = rand(3);
          if (op === 0) a = a.slice(0, at) + a.slice(at + 1 + rand(8));
          else if (op === 1) a = a.slice(0, at) + alphabet[rand(alphabet.length)] + a.slice(at);
          else a = a.slice(0, at);
        }
        const r = verifyRequest(withAuth(req, () => a), options());
        // only whitespace-only changes (around ',' and '=') may still verify
        if (r.ok) expect(a.replace(/\s/g, '')).toBe(auth.replace(/\s/g, ''));
        if (!r.ok) expect([400, 403]).toContain(r.status);
      }
    });
  });

  it('rejects mixing the header and query forms', async () => {
    const req = await signed({});
    expectError(
      verifyRequest({ ...req, rawQuery: 'X-Amz-Signature=abc' }, options()),
      'InvalidArgument',
      400,
    );
  });
});

describe('verifyRequest: presigned URLs with the real signer', () => {
  it('accepts a presigned GET with odd path and query', async () => {
    const req = await presigned({ path: '/bucket/dir%2Fa%20b/%C3%A9~', query: ODD_QUERY });
    expect(req.rawQuery).toContain('X-Amz-Signature=');
    expect(req.rawQuery).toContain('X-Amz-Content-Sha256=UNSIGNED-PAYLOAD');
    const r = verifyRequest(req, options());
    expectOk(r);
    expect(r.presigned).toBe(true);
    expect(r.payloadHash).toBe('UNSIGNED-PAYLOAD');
    expect(r.amzDate).toBe('20250115T120000Z');
    expect(req.rawQuery).toContain(`X-Amz-Signature=${r.seedSignature}`);
  });

  it('accepts presigned requests at odd hosts, with extra signed headers, and double-encoded', async () => {
    expectOk(verifyRequest(await presigned({ host: '123456789012.localhost:9090' }), options()));
    expectOk(
      verifyRequest(
        await presigned({ method: 'PUT', headers: { 'content-type': 'text/plain', 'content-md5': 'abc==' } }),
        options(),
      ),
    );
    expectOk(
      verifyRequest(await presigned({ path: '/bucket/a%20b' }, { signer: makeSigner({ uriEscapePath: true }) }), options()),
    );
  });

  it('uses the x-amz-content-sha256 header when it is signed', async () => {
    const hash = sha256Hex('body');
    const req = await presigned(
      { method: 'PUT', headers: { 'x-amz-content-sha256': hash } },
      { unhoistable: ['x-amz-content-sha256'] },
    );
    const r = verifyRequest(req, options());
    expectOk(r);
    expect(r.payloadHash).toBe(hash);
    expectError(
      verifyRequest({ ...req, headers: { ...req.headers, 'x-amz-content-sha256': sha256Hex('other') } }, options()),
      'SignatureDoesNotMatch',
      403,
    );
  });

  it('rejects tampering', async () => {
    const req = await presigned({ query: { 'response-content-type': 'text/plain' } });
    expectOk(verifyRequest(req, options()));
    for (const bad of [
      { ...req, method: 'DELETE' },
      { ...req, rawPath: '/bucket/other' },
      { ...req, rawQuery: req.rawQuery.replace('text%2Fplain', 'text%2Fhtml') },
      { ...req, rawQuery: req.rawQuery + '&extra=1' },
      { ...req, headers: { ...req.headers, host: 'evil.example.com' } },
      { ...req, rawQuery: req.rawQuery.replace('X-Amz-Expires=900', 'X-Amz-Expires=901') },
    ]) {
      expectError(verifyRequest(bad, options()), 'SignatureDoesNotMatch', 403);
    }
  });

  it('rejects expired and not-yet-valid URLs with AccessDenied', async () => {
    const req = await presigned({}, { expiresIn: 60 });
    expectOk(verifyRequest(req, options({ nowMs: NOW + 60_000 })));
    expect(expectError(verifyRequest(req, options({ nowMs: NOW + 61_000 })), 'AccessDenied', 403)).toBe('Request has expired');
    // Long-lived URLs are not subject to the 15-minute skew...
    const week = await presigned({}, { expiresIn: 604800 });
    expectOk(verifyRequest(week, options({ nowMs: NOW + 6 * 24 * 60 * MIN })));
    // ...but one dated in the future is not valid yet.
    expect(expectError(verifyRequest(req, options({ nowMs: NOW - 16 * MIN })), 'AccessDenied', 403)).toMatch(/not valid yet/);
  });

  it('rejects malformed query parameters with AuthorizationQueryParametersError', async () => {
    const req = await presigned({});
    const q = req.rawQuery;
    const variants = [
      q.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801'),
      q.replace('X-Amz-Expires=900', 'X-Amz-Expires=0'),
      q.replace('X-Amz-Expires=900', 'X-Amz-Expires=-5'),
      q.replace('X-Amz-Expires=900', 'X-Amz-Expires=abc'),
      q.replace(/X-Amz-Signature=\w+/, ''),
      q.replace(/X-Amz-Credential=[^&]+/, ''),
      q.replace(/X-Amz-SignedHeaders=[^&]+/, ''),
      q.replace(/X-Amz-Date=[^&]+/, 'X-Amz-Date=2025-01-15'),
      q.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-HMAC-SHA1'),
      q.replace('us-east-1', 'eu-west-1'),
      q.replace('%2F20250115%2F', '%2F20250114%2F'),
      q.replace(/X-Amz-SignedHeaders=[^&]+/, 'X-Amz-SignedHeaders=x-amz-date'),
      q + '&X-Amz-Signature=' + '0'.repeat(64),
      'X-Amz-Signature=abc',
      'X-Amz-Credential=%E0%A4%A&X-Amz-Algorithm=AWS4-HMAC-SHA256',
    ];
    for (const rawQuery of variants) {
      expectError(verifyRequest({ ...req, rawQuery }, options()), 'AuthorizationQueryParametersError', 400);
    }
    expect(
      expectError(
        verifyRequest({ ...req, rawQuery: q.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801') }, options()),
        'AuthorizationQueryParametersError',
        400,
      ),
    ).toMatch(/604800/);
    expect(
      expectError(verifyRequest({ ...req, rawQuery: q.replace('us-east-1', 'eu-west-1') }, options()), 'AuthorizationQueryParametersError', 400),
    ).toContain("the region 'eu-west-1' is wrong; expecting 'us-east-1'");
  });

  it('rejects unknown keys and SigV2 query authentication', async () => {
    const req = await presigned({}, { signer: makeSigner({ akid: 'AKIDUNKNOWN' }) });
    expectError(verifyRequest(req, options()), 'InvalidAccessKeyId', 403);
    expectError(
      verifyRequest(
        { ...req, rawQuery: 'AWSAccessKeyId=AKID&Expires=1700000000&Signature=abc%3D' },
        options(),
      ),
      'AuthorizationQueryParametersError',
      400,
    );
  });
});

describe('the AWS documentation examples', () => {
  const docOptions = (nowMs: number): VerifyOptions => options({ nowMs });
  const MAY_24_2013 = Date.UTC(2013, 4, 24, 0, 0, 30);

  it('GET Object with a Range header (header form)', () => {
    const r = verifyRequest(
      {
        method: 'GET',
        rawPath: '/test.txt',
        rawQuery: '',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          range: 'bytes=0-9',
          'x-amz-content-sha256': EMPTY_SHA256,
          'x-amz-date': '20130524T000000Z',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
        },
      },
      docOptions(MAY_24_2013),
    );
    expectOk(r);
    expect(r.payloadHash).toBe(EMPTY_SHA256);
  });

  it('presigned GET Object', () => {
    const req: SigV4Request = {
      method: 'GET',
      rawPath: '/test.txt',
      rawQuery:
        'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
      headers: { host: 'examplebucket.s3.amazonaws.com' },
    };
    expectOk(verifyRequest(req, docOptions(MAY_24_2013)));
    expect(expectError(verifyRequest(req, docOptions(MAY_24_2013 + 86_400_000)), 'AccessDenied', 403)).toBe('Request has expired');
  });
});

describe('canonical helpers', () => {
  it('canonicalQueryComponent re-encodes with RFC 3986 rules only', () => {
    expect(canonicalQueryComponent('abc-_.~XYZ09')).toBe('abc-_.~XYZ09');
    expect(canonicalQueryComponent('a b+c/d=e')).toBe('a%20b%2Bc%2Fd%3De');
    expect(canonicalQueryComponent('%2f%7e%41%2B')).toBe('%2F~A%2B');
    expect(canonicalQueryComponent("it's(*)!")).toBe('it%27s%28%2A%29%21');
    expect(canonicalQueryComponent('é😀')).toBe('%C3%A9%F0%9F%98%80');
    expect(canonicalQueryComponent('100%')).toBe('100%25');
    expect(canonicalQueryComponent('%zz%4')).toBe('%25zz%254');
    expect(canonicalQueryComponent('%FF%FE')).toBe('%FF%FE'); // not UTF-8: bytes kept as they are
  });

  it('canonicalHeaderValue trims and collapses whitespace', () => {
    expect(canonicalHeaderValue('a b')).toBe('a b');
    expect(canonicalHeaderValue('  a   b\t\tc  ')).toBe('a b c');
    expect(canonicalHeaderValue('a\r\n b')).toBe('a b');
    expect(canonicalHeaderValue('   ')).toBe('');
  });

  it('splitRequestTarget splits origin- and absolute-form targets', () => {
    expect(splitRequestTarget('/b/k?x=1&y')).toEqual({ rawPath: '/b/k', rawQuery: 'x=1&y' });
    expect(splitRequestTarget('/b/k')).toEqual({ rawPath: '/b/k', rawQuery: '' });
    expect(splitRequestTarget('http://h:1/b/k?q')).toEqual({ rawPath: '/b/k', rawQuery: 'q' });
    expect(splitRequestTarget('http://h:1?q')).toEqual({ rawPath: '/', rawQuery: 'q' });
    expect(splitRequestTarget('http://h:1')).toEqual({ rawPath: '/', rawQuery: '' });
  });
});

describe('verifyRequest against requests sent by the real SDK clients over HTTP', () => {
  const seen: { req: SigV4Request; result: VerifyResult }[] = [];
  let server: http.Server;
  let endpoint = '';
  const serverOptions = (): VerifyOptions => options({ nowMs: Date.now() });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const { rawPath, rawQuery } = splitRequestTarget(req.url ?? '/');
        const sigReq: SigV4Request = { method: req.method ?? 'GET', rawPath, rawQuery, headers: req.headers };
        seen.push({ req: sigReq, result: verifyRequest(sigReq, serverOptions()) });
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('S3Client requests verify', async () => {
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: REGION,
      credentials: CREDS,
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      maxAttempts: 1,
    });
    seen.length = 0;
    const attempts = [
      () => client.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: "a b/+c=d&é~'(x)*!", Delimiter: '/', StartAfter: '%2F' })),
      () => client.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'dir/a b+c%d/é😀~.txt', Range: 'bytes=0-9' })),
      () => client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'x y', Body: Buffer.from('hello'), Metadata: { a: '  b  c ' } })),
      () => client.send(new CreateMultipartUploadCommand({ Bucket: 'bucket', Key: 'k' })),
    ];
    for (const attempt of attempts) await attempt().catch(() => undefined);
    client.destroy();
    expect(seen).toHaveLength(attempts.length);
    for (const { req, result } of seen) {
      expectOk(result);
      expect(result.payloadHash).toMatch(/^[0-9a-f]{64}$|^UNSIGNED-PAYLOAD$|^STREAMING-/);
      // and a byte of tampering breaks it
      expectError(verifyRequest({ ...req, rawPath: req.rawPath + 'x' }, serverOptions()), 'SignatureDoesNotMatch', 403);
    }
    expect(seen.map((s) => s.req.rawQuery)).toContain('uploads=');
  });

  it('hand-signed requests sent with node:http verify on the server side', async () => {
    seen.length = 0;
    const host = `123456789012.localhost:${endpoint.split(':').pop() ?? ''}`;
    const specs: Spec[] = [
      { host, path: '/v20180820/jobs', query: { jobStatuses: ['Active', 'New'], maxResults: '10' } },
      { host, path: '/bucket/%C3%A9%20x%2Fy~', query: ODD_QUERY },
      { host, method: 'POST', path: '/bucket/k', query: { uploads: '' }, body: 'abc', headers: { 'content-length': '3' } },
    ];
    for (const spec of specs) {
      const s = await makeSigner().sign(smithyRequest(spec), { signingDate: new Date() });
      const query = sdkQueryString(spec.query);
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: Number(endpoint.split(':').pop()),
            method: s.method,
            path: s.path + (query ? `?${query}` : ''),
            headers: s.headers,
            setHost: false,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end(spec.body);
      });
    }
    expect(seen).toHaveLength(specs.length);
    for (const { result } of seen) expectOk(result);
  });

  it('S3ControlClient requests (account-id host prefix) verify', async () => {
    const captured: SmithyRequest[] = [];
    const client = new S3ControlClient({
      endpoint: 'http://localhost:9090',
      region: REGION,
      credentials: CREDS,
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: SmithyRequest) => {
          captured.push(request);
          throw new Error('captured');
        },
      },
    });
    await client.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ['Active', 'New'], MaxResults: 5 })).catch(() => undefined);
    client.destroy();
    expect(captured).toHaveLength(1);
    const c = captured[0] as SmithyRequest;
    const headers = lowerHeaders(c.headers);
    expect(headers.host).toBe('123456789012.localhost:9090');
    const r = verifyRequest(
      { method: c.method, rawPath: c.path, rawQuery: sdkQueryString(c.query as Query), headers },
      options({ nowMs: Date.now() }),
    );
    expectOk(r);
  });
});
