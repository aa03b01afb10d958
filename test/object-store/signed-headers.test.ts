/**
 * SigV4's signed headers, through the server: a header-signed request must sign every x-amz-*
 * header it carries (x-amz-date above all: unsigned, a captured request could be replayed at any
 * time) and the Date it takes its time from; S3 answers 403 AccessDenied with HeadersNotSigned.
 * Raw requests signed by hand show the refusal (and that nothing is written); the real clients —
 * the SDK (every other test), boto3 with presigned URLs, the AWS CLI v1 and v2 — show that every
 * one of them still works.
 */
import { createHmac } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { canonicalHeaderValue } from '../../src/lib/sigv4/canonical.js';
import { deriveSigningKey, formatAmzDate, sha256Hex } from '../../src/lib/sigv4/index.js';
import { ACCOUNT_A, REGION, startTestServer } from '../helpers/server.js';
import { bodyBytes, errorOf, s3Client } from './helpers.js';
import { codeOf, send } from './raw.js';

/** A header-signed request whose signature covers only `signed` of `headers` (host always). */
function signOnly(method: string, url: string, rawPath: string, headers: Record<string, string>, signed: readonly string[], body: Buffer) {
  const host = new URL(url).host;
  const all: Record<string, string> = { host, ...headers };
  const names = [...new Set(['host', ...signed])].sort();
  const amzDate = all['x-amz-date'] ?? formatAmzDate(Date.parse(all.date ?? ''));
  const day = amzDate.slice(0, 8);
  const payload = all['x-amz-content-sha256'] ?? sha256Hex(body);
  const canonical = [method, rawPath, '', names.map((n) => `${n}:${canonicalHeaderValue(all[n] ?? '')}\n`).join(''), names.join(';'), payload].join('\n');
  const scope = `${day}/${REGION}/s3/aws4_request`;
  const signature = createHmac('sha256', deriveSigningKey(ACCOUNT_A.secretAccessKey, day, REGION, 's3'))
    .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`)
    .digest('hex');
  return send(url, method, rawPath, {
    ...all,
    'content-length': String(body.length),
    authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT_A.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  }, body);
}

describe('headers a signature must cover', () => {
  it('x-amz-date, x-amz-content-sha256, x-amz-meta-*, x-amz-acl sent unsigned: 403 AccessDenied with HeadersNotSigned, nothing written; all signed: 200', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'signed' }));
    const body = Buffer.from('payload');
    const headers = {
      'x-amz-date': formatAmzDate(Date.now()),
      'x-amz-content-sha256': sha256Hex(body),
      'x-amz-meta-color': 'blue',
      'x-amz-acl': 'public-read',
    };
    for (const unsigned of Object.keys(headers)) {
      const signed = Object.keys(headers).filter((n) => n !== unsigned);
      const r = await signOnly('PUT', server.url, `/signed/${unsigned}`, headers, signed, body);
      expect([r.status, codeOf(r)], unsigned).toEqual([403, 'AccessDenied']);
      expect(r.body.toString(), unsigned).toContain(`<HeadersNotSigned>${unsigned}</HeadersNotSigned>`);
      expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'signed', Key: unsigned })))).status, unsigned).toBe(404);
    }
    const ok = await signOnly('PUT', server.url, '/signed/all', headers, Object.keys(headers), body);
    expect(ok.status).toBe(200);
    expect((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: 'signed', Key: 'all' }))).Body)).toString()).toBe('payload');
  });

  it('a request timed by its Date header must sign it', async () => {
    const server = await startTestServer();
    await s3Client(server).send(new CreateBucketCommand({ Bucket: 'dated' }));
    const headers = { date: new Date().toUTCString(), 'x-amz-content-sha256': sha256Hex('') };
    const unsigned = await signOnly('GET', server.url, '/dated', headers, ['x-amz-content-sha256'], Buffer.alloc(0));
    expect([unsigned.status, codeOf(unsigned)]).toEqual([403, 'AccessDenied']);
    expect(unsigned.body.toString()).toContain('<HeadersNotSigned>date</HeadersNotSigned>');
    const signed = await signOnly('GET', server.url, '/dated', headers, ['date', 'x-amz-content-sha256'], Buffer.alloc(0));
    expect(signed.status).toBe(200);
  });
});

const run = async (file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> =>
  (
    await promisify(execFile)(file, args, {
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        HTTP_PROXY: '',
        HTTPS_PROXY: '',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_ACCESS_KEY_ID: ACCOUNT_A.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ACCOUNT_A.secretAccessKey,
        AWS_DEFAULT_REGION: REGION,
        ...env,
      },
    })
  ).stdout;

const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const CLIS = ['aws', '/usr/bin/aws'].filter((cli) => spawnSync(cli, ['--version'], { stdio: 'ignore' }).status === 0);

const BOTO3 = `
import json, sys, urllib.request, boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
# SigV4 presigned URLs (boto3 presigns with SigV2 unless told, which this server does not take).
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", config=Config(signature_version="s3v4"))
s3.create_bucket(Bucket="boto3")
s3.put_object(Bucket="boto3", Key="k", Body=b"data", ACL="public-read", Metadata={"a": "b"}, Tagging="t=1",
              ServerSideEncryption="AES256", StorageClass="STANDARD_IA", ChecksumAlgorithm="SHA256")
s3.copy_object(Bucket="boto3", Key="c", CopySource={"Bucket": "boto3", "Key": "k"}, MetadataDirective="REPLACE",
               Metadata={"x": "y"}, TaggingDirective="REPLACE", Tagging="u=2", ExpectedBucketOwner=sys.argv[2])
open(sys.argv[3], "wb").write(b"z" * (6 * 1024 * 1024))
s3.upload_file(sys.argv[3], "boto3", "multi", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
put = s3.generate_presigned_url("put_object", Params={"Bucket": "boto3", "Key": "presigned"}, ExpiresIn=300)
urllib.request.urlopen(urllib.request.Request(put, data=b"via url", method="PUT")).read()
get = s3.generate_presigned_url("get_object", Params={"Bucket": "boto3", "Key": "presigned"}, ExpiresIn=300)
print(json.dumps({
  "presigned": urllib.request.urlopen(get).read().decode(),
  "copy": s3.head_object(Bucket="boto3", Key="c")["Metadata"],
  "multi": s3.head_object(Bucket="boto3", Key="multi")["ETag"],
  "keys": [o["Key"] for o in s3.list_objects_v2(Bucket="boto3")["Contents"]],
}))
`;

describe('real clients sign what they send', () => {
  it.skipIf(!hasBoto3)('boto3: writes with x-amz-* headers, a copy, a multipart upload, presigned PUT and GET', async () => {
    const server = await startTestServer();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 's3batch-boto3-')), 'big');
    const out = JSON.parse(await run('python3', ['-c', BOTO3, server.url, ACCOUNT_A.accountId, file])) as Record<string, unknown>;
    expect(out).toMatchObject({ presigned: 'via url', copy: { x: 'y' }, keys: ['c', 'k', 'multi', 'presigned'] });
    expect(out.multi).toMatch(/-2"$/);
  });

  it.skipIf(CLIS.length === 0)('the AWS CLI (v1 on PATH, v2 where installed): mb, cp (multipart), s3api put-object with headers, presign', async () => {
    for (const cli of CLIS) {
      const server = await startTestServer();
      const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-cli-'));
      const big = path.join(dir, 'big');
      writeFileSync(big, Buffer.alloc(9 * 1024 * 1024, 7));
      // The CLI v1 presigns with SigV2 unless told (v2 presigns with SigV4 anyway).
      const config = path.join(dir, 'config');
      writeFileSync(config, '[default]\ns3 =\n  signature_version = s3v4\n');
      const cliRun = (args: string[]) => run(cli, ['--endpoint-url', server.url, ...args], { AWS_CONFIG_FILE: config });
      await cliRun(['s3', 'mb', 's3://cli']);
      await cliRun(['s3', 'cp', big, 's3://cli/big']);
      await cliRun(['s3api', 'put-object', '--bucket', 'cli', '--key', 'small', '--body', big, '--acl', 'private', '--metadata', 'a=b', '--tagging', 't=1', '--expected-bucket-owner', ACCOUNT_A.accountId]);
      const url = (await cliRun(['s3', 'presign', 's3://cli/small'])).trim();
      const got = await fetch(url);
      expect([cli, got.status, (await got.arrayBuffer()).byteLength]).toEqual([cli, 200, 9 * 1024 * 1024]);
      const head = await s3Client(server).send(new HeadObjectCommand({ Bucket: 'cli', Key: 'big' }));
      expect(head.ETag, cli).toMatch(/-\d+"$/);
      expect(existsSync(big)).toBe(true);
    }
  });
});
