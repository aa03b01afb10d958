/**
 * The bucket browser's and the wizard's internal API over real HTTP: buckets, one level of a
 * bucket by prefix with paging, uploads (one PUT, and multipart above the part size), details,
 * download, delete, a manifest made from a selection (where the CLI's --objects puts one), a job
 * created from --cli-input-json JSON with the S3 Control API's own refusals, the CSRF check and the
 * account wall.
 */
import { CreateJobCommand, DescribeJobCommand, type CreateJobCommandInput } from '@aws-sdk/client-s3-control';
import { GetObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dashboardClient } from '../helpers/dashboard.js';
import { createBuckets, putAll } from '../helpers/engine-jobs.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const PART = 5 * 1024 * 1024;

async function put(server: { url: string }, api: ReturnType<typeof dashboardClient>, bucket: string, key: string, body: Buffer, csrf = true): Promise<Response> {
  return fetch(`${server.url}/_s3batch/api/buckets/${bucket}/object?key=${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { cookie: api.cookie ?? '', 'content-type': 'application/octet-stream', ...(csrf ? { 'x-s3batch-csrf': api.csrf ?? '' } : {}) },
    body,
  });
}

describe('dashboard: bucket browser API', () => {
  it('creates a bucket, uploads (single and multipart), lists by folder with paging, shows details, downloads and deletes', async () => {
    const server = await startTestServer({}, undefined, { dashboardUploadPartBytes: PART });
    const api = dashboardClient(server);
    await api.signIn();
    expect((await api.call('POST', 'buckets', { name: 'Bad_Name' })).body.error.message).toMatch(/^name: 3 to 63 lowercase/);
    expect((await api.call('POST', 'buckets', { name: 'photos' })).status).toBe(201);
    expect((await api.call('POST', 'buckets', { name: 'photos' })).body.error.code).toBe('BucketAlreadyOwnedByYou');
    expect((await api.call('GET', 'buckets')).body.buckets.map((b: { name: string }) => b.name)).toEqual(['photos']);

    const big = randomBytes(PART + 1000);
    const refused = await put(server, api, 'photos', 'x', Buffer.from('x'), false);
    expect(refused.status).toBe(403);
    const up = await put(server, api, 'photos', '2024/big.bin', big);
    expect(await up.json()).toEqual({ bucket: 'photos', key: '2024/big.bin', size: big.length, parts: 2 });
    expect(((await (await put(server, api, 'photos', 'a <b>.txt', Buffer.from('hello'))).json()) as { parts: number }).parts).toBe(0);
    const s3 = s3Client(server);
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: '2024/big.bin' }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(big)).toBe(true);
    expect(stored.ETag).toMatch(/-2"$/);

    const top = (await api.call('GET', 'buckets/photos/objects')).body;
    expect(top).toMatchObject({ prefixes: ['2024/'], next: null });
    expect(top.objects.map((o: { key: string }) => o.key)).toEqual(['a <b>.txt']);
    const folder = (await api.call('GET', 'buckets/photos/objects?prefix=2024%2F')).body;
    expect(folder.objects).toMatchObject([{ key: '2024/big.bin', size: big.length, storageClass: 'STANDARD' }]);

    await putAll(s3, Array.from({ length: 205 }, (_, i) => `many/${String(i).padStart(3, '0')}`), 'photos');
    const first = (await api.call('GET', 'buckets/photos/objects?prefix=many%2F')).body;
    expect(first.objects).toHaveLength(200);
    const second = (await api.call('GET', `buckets/photos/objects?prefix=many%2F&next=${encodeURIComponent(first.next)}`)).body;
    expect(second.objects.map((o: { key: string }) => o.key)).toEqual(['many/200', 'many/201', 'many/202', 'many/203', 'many/204']);

    await s3.send(new PutObjectTaggingCommand({ Bucket: 'photos', Key: 'a <b>.txt', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    const details = (await api.call('GET', `buckets/photos/object?key=${encodeURIComponent('a <b>.txt')}`)).body;
    expect(details).toMatchObject({ key: 'a <b>.txt', size: 5, storageClass: 'STANDARD', tags: [{ Key: 'k', Value: 'v' }], retention: null });
    const download = await api.call('GET', `buckets/photos/object/download?key=${encodeURIComponent('a <b>.txt')}`);
    expect(download.body).toBe('hello');
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="a__b_.txt"');

    expect((await api.call('DELETE', `buckets/photos/object?key=${encodeURIComponent('a <b>.txt')}`)).status).toBe(200);
    expect((await api.call('GET', `buckets/photos/object?key=${encodeURIComponent('a <b>.txt')}`)).status).toBe(404);
  });

  it('makes a URL-encoded CSV manifest of a selection where the CLI --objects writes one', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await createBuckets(s3, ['data']);
    await putAll(s3, ['one two.txt', 'dir/x', 'dir/y', 'other'], 'data');
    const api = dashboardClient(server);
    await api.signIn();
    const made = (await api.call('POST', 'manifests', { bucket: 'data', keys: ['one two.txt'], prefixes: ['dir/'] })).body;
    expect(made).toMatchObject({ bucket: 'data', rows: 3, fields: ['Bucket', 'Key'] });
    expect(made.key).toMatch(/^s3batch\/manifests\/\d{8}T\d{6}Z-[0-9a-f]{8}\.csv$/);
    const csv = await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: made.key }))).Body!.transformToString();
    expect(csv).toBe('data,one%20two.txt\ndata,dir/x\ndata,dir/y\n');
    expect((await api.call('POST', 'manifests', { bucket: 'data', keys: [] })).body.error.message).toMatch(/select at least one/);
  });

  it('creates a job from --cli-input-json JSON, refusing with the S3 Control API own words', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await createBuckets(s3, ['data']);
    await putAll(s3, ['k1'], 'data');
    const api = dashboardClient(server);
    await api.signIn();
    const made = (await api.call('POST', 'manifests', { bucket: 'data', keys: ['k1'] })).body;
    const request = {
      Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'a', Value: 'b' }] } },
      Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: made.objectArn, ETag: made.etag } },
      Report: { Enabled: false },
      Priority: 7,
      Description: 'from the wizard',
      ConfirmationRequired: true,
    };
    const created = await api.call('POST', 'jobs', request);
    expect(created.status).toBe(201);
    const job = (await controlClient(server).send(new DescribeJobCommand({ AccountId: ACCOUNT_A.accountId, JobId: created.body.jobId }))).Job!;
    expect(job).toMatchObject({ Description: 'from the wizard', Priority: 7, Status: expect.stringMatching(/New|Preparing|Suspended/) });

    const bad = { ...request, Priority: -1 };
    const refused = await api.call('POST', 'jobs', bad);
    expect(refused.status).toBe(400);
    const direct = await controlClient(server)
      .send(new CreateJobCommand({ ...(bad as unknown as CreateJobCommandInput), AccountId: ACCOUNT_A.accountId, RoleArn: 'arn:aws:iam::111122223333:role/x', ClientRequestToken: 'tok' }))
      .catch((e: Error) => e);
    expect(refused.body.error.message).toBe((direct as Error).message);
    expect(refused.body.error.message).toMatch(/Priority/);

    // Shapes the SDK cannot serialize are refused too, never a 500.
    for (const odd of [{ ...request, Operation: 'tag them' }, { ...request, Manifest: 5 }, { ...request, Priority: 'high' }, { ...request, Tags: {} }]) {
      const answer = await api.call('POST', 'jobs', odd);
      expect(answer.status, JSON.stringify(odd)).toBe(400);
    }
  });

  it('keeps account B out of account A buckets', async () => {
    const server = await startTestServer();
    await createBuckets(s3Client(server), ['a-private']);
    await putAll(s3Client(server), ['secret.txt'], 'a-private');
    const b = dashboardClient(server);
    await b.signIn(ACCOUNT_B);
    expect((await b.call('GET', 'buckets')).body.buckets).toEqual([]);
    const list = await b.call('GET', 'buckets/a-private/objects');
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('AccessDenied');
    expect((await b.call('GET', 'buckets/a-private/object/download?key=secret.txt')).status).toBe(403);
    expect((await b.call('POST', 'manifests', { bucket: 'a-private', prefixes: ['secret'] })).status).toBe(403);
    expect((await b.call('DELETE', 'buckets/a-private/object?key=secret.txt')).status).toBe(403);
    const a = dashboardClient(server);
    await a.signIn(ACCOUNT_A);
    expect((await a.call('GET', 'buckets')).body.buckets.map((x: { name: string }) => x.name)).toEqual(['a-private']);
  });
});
