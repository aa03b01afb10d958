/**
 * Object keys may hold characters XML 1.0 does not allow (S3 accepts any UTF-8 key). S3 writes
 * them into listings as character references (`&#x1;`), which lenient parsers read back exactly
 * and strict ones avoid with `encoding-type=url`; request bodies that carry such characters, raw
 * or as references, are MalformedXML — as on S3 (lib/xml.ts).
 */
import { createHash } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../helpers/raw-request.js';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, startTestServer } from '../helpers/server.js';
import { bodyBytes, expectS3Error, s3Client } from './helpers.js';
import { signedRequest } from './raw.js';

const KEYS = ['ctl\x01key', 'nul\x00', 'esc\x1b[31m', 'non\uFFFEchar', 'cr\rlf\n', 'plain'];

describe('keys XML 1.0 cannot carry', () => {
  it('are listed as character references: the SDK reads every key back exactly, with and without encoding-type=url', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
    for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key, Body: Key }));
    const sorted = [...KEYS].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'bkt' }))).Contents?.map((o) => o.Key)).toEqual(sorted);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'bkt', EncodingType: 'url' }))).Contents?.map((o) => decodeURIComponent(o.Key!.replace(/\+/g, ' ')))).toEqual(sorted);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: 'bkt' }))).Versions?.map((o) => o.Key)).toEqual(sorted);
    for (const Key of KEYS) expect((await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key }))).Body)).toString()).toBe(Key);

    const raw = await signedRequest(server.url, 'GET', '/bkt', { query: { 'list-type': '2' } });
    expect(raw.body.toString()).toContain('<Key>ctl&#x1;key</Key>');
    expect(raw.body.toString()).toContain('<Key>cr&#13;lf\n</Key>');
    // eslint-disable-next-line no-control-regex -- no raw control character may be in the body
    expect(/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(raw.body.toString())).toBe(false);
  });

  it.skipIf(!hasBoto3)('boto3 (which asks for encoding-type=url) lists them exactly', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
    for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key, Body: 'x' }));
    const script = `
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
print(json.dumps([o["Key"] for o in s3.list_objects_v2(Bucket="bkt")["Contents"]]))`;
    const out = await runPython(script, [server.url, ACCOUNT_A.accessKeyId, ACCOUNT_A.secretAccessKey]);
    expect(new Set(JSON.parse(out) as string[])).toEqual(new Set(KEYS));
  });

  it('a request body holding one, raw or as a reference, is MalformedXML', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'ctl\x01key', Body: 'x' }));
    await expectS3Error(s3.send(new DeleteObjectsCommand({ Bucket: 'bkt', Delete: { Objects: [{ Key: 'ctl\x01key' }] } })), 'MalformedXML', 400);
    for (const key of ['ctl&#x1;key', 'ctl&#1;key']) {
      const body = `<Delete><Object><Key>${key}</Key></Object></Delete>`;
      const md5 = createHash('md5').update(body).digest('base64');
      const res = await signedRequest(server.url, 'POST', '/bkt', { query: { delete: '' }, body: Buffer.from(body), headers: { 'content-md5': md5 } });
      expect(res.status, res.body.toString()).toBe(400);
      expect(errorCode(res.body.toString())).toBe('MalformedXML');
    }
    // Nothing was deleted.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'bkt' }))).KeyCount).toBe(1);
  });
});
