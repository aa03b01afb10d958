/**
 * The bucket browser's and the create-job wizard's part of the dashboard's internal API. Every
 * call goes through the signed-in account's own S3 and S3 Control clients (account-clients.ts): the
 * store its jobs run on, embedded or remote, with that account's rights and nothing more.
 *
 *   GET    buckets                               → {buckets: [{name, createdMs}]}
 *   POST   buckets                {name}         → create a bucket
 *   GET    buckets/{b}/objects?prefix=&next=     → {prefixes, objects, next} (one level, by "/")
 *   GET    buckets/{b}/object?key=               → the object's details (head, tags, versions, retention)
 *   GET    buckets/{b}/object/download?key=      → the object's bytes
 *   PUT    buckets/{b}/object?key=               (the bytes) → upload: multipart above one part
 *   DELETE buckets/{b}/object?key=               → delete
 *   POST   manifests              {bucket, keys, prefixes} → a CSV manifest of those objects
 *   POST   jobs                   (aws s3control create-job --cli-input-json) → {jobId}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, S3ControlServiceException, type CreateJobCommandInput } from '@aws-sdk/client-s3-control';
import { ManifestInputError, newManifestKey, objectsManifestBase, uploadManifest, writeManifestFile, type ManifestRow } from '../client/manifest-writer.js';
import { manifestKey } from '../client/csv.js';
import { createJobInput } from '../client/create-request.js';
import type { BucketObjectsPage, BucketView, MadeManifest, ObjectDetails } from './api-types.js';

/** Bytes of one part of a browser's upload: a bigger file goes up as a multipart upload. */
export const DEFAULT_UPLOAD_PART_BYTES = 8 * 1024 * 1024;
const MAX_SELECTION = 1000;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface BucketsApiOptions {
  readonly clientsOf: (accountId: string) => { readonly s3: S3Client; readonly control: CreateJobClient };
  readonly uploadPartBytes: number;
  /** The API's refusal (api.ts's ApiError), built here without importing it back. */
  readonly refuse: (status: number, code: string, message: string) => Error;
  readonly jsonBody: (req: IncomingMessage) => Promise<Record<string, unknown>>;
  readonly send: (res: ServerResponse, status: number, body: unknown) => void;
}

interface CreateJobClient {
  send(command: CreateJobCommand): Promise<{ JobId?: string }>;
}

export interface BucketsCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly accountId: string;
}

/** Serves the route if it is one of these (true), else false. */
export type BucketsApi = (call: BucketsCall, method: string, route: string) => Promise<boolean>;

export function createBucketsApi(options: BucketsApiOptions): BucketsApi {
  const { refuse, send } = options;

  /** S3's refusals shown with S3's own code and words; anything else goes up as unexpected. */
  async function s3<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof S3ServiceException || err instanceof S3ControlServiceException) {
        const status = err.$metadata.httpStatusCode ?? 400;
        throw refuse(status >= 500 ? 502 : status, err.name, err.message && err.message !== 'UnknownError' ? err.message : err.name);
      }
      if (err instanceof ManifestInputError) throw refuse(400, 'InvalidRequest', err.message);
      throw err;
    }
  }

  function keyParam(url: URL): string {
    const key = url.searchParams.get('key') ?? '';
    if (key === '' || Buffer.byteLength(key) > 1024) throw refuse(400, 'InvalidRequest', 'key: required, 1 to 1024 bytes');
    return key;
  }

  async function listBuckets(call: BucketsCall): Promise<void> {
    const out = await s3(() => options.clientsOf(call.accountId).s3.send(new ListBucketsCommand({})));
    const buckets: BucketView[] = (out.Buckets ?? []).map((b) => ({ name: b.Name ?? '', createdMs: b.CreationDate?.getTime() ?? 0 }));
    send(call.res, 200, { buckets });
  }

  async function createBucket(call: BucketsCall): Promise<void> {
    const body = await options.jsonBody(call.req);
    const name = body.name;
    if (typeof name !== 'string' || !BUCKET_NAME.test(name)) {
      throw refuse(400, 'InvalidBucketName', 'name: 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit');
    }
    await s3(() => options.clientsOf(call.accountId).s3.send(new CreateBucketCommand({ Bucket: name })));
    send(call.res, 201, { name });
  }

  async function listObjects(call: BucketsCall, bucket: string): Promise<void> {
    const prefix = call.url.searchParams.get('prefix') ?? '';
    const next = call.url.searchParams.get('next') ?? undefined;
    const out = await s3(() =>
      options.clientsOf(call.accountId).s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', MaxKeys: 200, ...(next ? { ContinuationToken: next } : {}) }),
      ),
    );
    const page: BucketObjectsPage = {
      bucket,
      prefix,
      prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter((p) => p !== ''),
      objects: (out.Contents ?? []).map((o) => ({
        key: o.Key ?? '',
        size: o.Size ?? 0,
        lastModifiedMs: o.LastModified?.getTime() ?? 0,
        storageClass: o.StorageClass ?? 'STANDARD',
        etag: (o.ETag ?? '').replaceAll('"', ''),
      })),
      next: out.IsTruncated && out.NextContinuationToken ? out.NextContinuationToken : null,
    };
    send(call.res, 200, page);
  }

  async function details(call: BucketsCall, bucket: string): Promise<void> {
    const key = keyParam(call.url);
    const client = options.clientsOf(call.accountId).s3;
    const head = await s3(() => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    const tags = await s3(() => client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })));
    // A bucket without versioning or object lock answers these with a refusal: no versions, no retention.
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, MaxKeys: 50 })).catch(() => undefined);
    const retention = head.ObjectLockMode
      ? { mode: head.ObjectLockMode, retainUntil: head.ObjectLockRetainUntilDate?.toISOString() ?? null }
      : await client
          .send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key }))
          .then((r) => (r.Retention?.Mode ? { mode: r.Retention.Mode, retainUntil: r.Retention.RetainUntilDate?.toISOString() ?? null } : null))
          .catch(() => null);
    const view: ObjectDetails = {
      bucket,
      key,
      size: head.ContentLength ?? 0,
      etag: (head.ETag ?? '').replaceAll('"', ''),
      contentType: head.ContentType ?? '',
      lastModifiedMs: head.LastModified?.getTime() ?? 0,
      storageClass: head.StorageClass ?? 'STANDARD',
      versionId: head.VersionId ?? null,
      encryption: head.ServerSideEncryption ?? null,
      kmsKeyId: head.SSEKMSKeyId ?? null,
      legalHold: head.ObjectLockLegalHoldStatus ?? null,
      retention,
      tags: (tags.TagSet ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' })),
      versions: (versions?.Versions ?? [])
        .filter((v) => v.Key === key)
        .map((v) => ({ versionId: v.VersionId ?? 'null', size: v.Size ?? 0, lastModifiedMs: v.LastModified?.getTime() ?? 0, isLatest: v.IsLatest ?? false })),
    };
    send(call.res, 200, view);
  }

  async function download(call: BucketsCall, bucket: string): Promise<void> {
    const key = keyParam(call.url);
    const out = await s3(() => options.clientsOf(call.accountId).s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    const name = (key.split('/').pop() ?? 'object').replace(/[^A-Za-z0-9._-]/g, '_') || 'object';
    call.res.statusCode = 200;
    // Always a download, never rendered in the dashboard's origin (an uploaded HTML file stays inert).
    call.res.setHeader('Content-Type', 'application/octet-stream');
    call.res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    if (out.ContentLength !== undefined) call.res.setHeader('Content-Length', String(out.ContentLength));
    await pipeline(out.Body as Readable, call.res);
  }

  async function remove(call: BucketsCall, bucket: string): Promise<void> {
    const key = keyParam(call.url);
    await s3(() => options.clientsOf(call.accountId).s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    send(call.res, 200, { deleted: key });
  }

  /**
   * The request body streamed to S3 part by part: at most one part is held in memory. A body that
   * fits in one part is one PutObject; a bigger one a multipart upload, aborted if anything fails.
   */
  async function upload(call: BucketsCall, bucket: string): Promise<void> {
    const key = keyParam(call.url);
    const client = options.clientsOf(call.accountId).s3;
    const partBytes = options.uploadPartBytes;
    const contentType = call.req.headers['content-type'] ?? 'application/octet-stream';
    let uploadId: string | undefined;
    const parts: CompletedPart[] = [];
    let held: Buffer[] = [];
    let heldBytes = 0;
    let total = 0;
    const sendPart = async (body: Buffer): Promise<void> => {
      if (uploadId === undefined) {
        const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
        uploadId = created.UploadId;
      }
      const PartNumber = parts.length + 1;
      const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: body, ContentLength: body.length }));
      parts.push({ PartNumber, ETag: out.ETag });
    };
    try {
      await s3(async () => {
        for await (const chunk of call.req as AsyncIterable<Buffer>) {
          held.push(chunk);
          heldBytes += chunk.length;
          total += chunk.length;
          // A part is sent only once more bytes follow it, so the last part is never empty.
          while (heldBytes > partBytes) {
            const all = Buffer.concat(held);
            await sendPart(all.subarray(0, partBytes));
            held = [all.subarray(partBytes)];
            heldBytes = all.length - partBytes;
          }
        }
        const rest = Buffer.concat(held);
        if (uploadId === undefined) {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: rest, ContentLength: rest.length, ContentType: contentType }));
        } else {
          await sendPart(rest);
          await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
        }
      });
    } catch (err) {
      if (uploadId !== undefined) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
    send(call.res, 201, { bucket, key, size: total, parts: parts.length });
  }

  /**
   * "Make a manifest from this selection": the selected keys, and every object under the selected
   * prefixes, written by the CLI's own manifest writer to where its `--objects` puts one.
   */
  async function makeManifest(call: BucketsCall): Promise<void> {
    const body = await options.jsonBody(call.req);
    const bucket = body.bucket;
    if (typeof bucket !== 'string' || bucket === '') throw refuse(400, 'InvalidRequest', 'bucket: required');
    const keys = stringList(body.keys, 'keys');
    const prefixes = stringList(body.prefixes, 'prefixes');
    if (keys.length + prefixes.length === 0) throw refuse(400, 'InvalidRequest', 'keys, prefixes: select at least one object or folder');
    const client = options.clientsOf(call.accountId).s3;
    async function* rows(): AsyncGenerator<ManifestRow> {
      for (const key of keys) yield { bucket: bucket as string, encodedKey: manifestKey(key) };
      for (const prefix of prefixes) {
        let token: string | undefined;
        do {
          const out = await client.send(new ListObjectsV2Command({ Bucket: bucket as string, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
          for (const o of out.Contents ?? []) if (o.Key) yield { bucket: bucket as string, encodedKey: manifestKey(o.Key) };
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token);
      }
    }
    const made = await s3(async () => {
      const file = await writeManifestFile(rows());
      try {
        const base = objectsManifestBase(file);
        const at = { bucket: base.bucket, key: newManifestKey(base.key) };
        const { objectArn, etag } = await uploadManifest(client, file, at);
        const view: MadeManifest = { bucket: at.bucket, key: at.key, objectArn, etag, rows: file.rows, fields: file.fields };
        return view;
      } finally {
        await file.dispose();
      }
    });
    send(call.res, 201, made);
  }

  /**
   * A job from the JSON `aws s3control create-job --cli-input-json` takes, sent to this server's
   * own S3 Control API as the account (AccountId forced to it): the same validation, the same
   * refusals word for word, the same JobService.createJob behind it.
   */
  async function createJob(call: BucketsCall): Promise<void> {
    const body = await options.jsonBody(call.req);
    checkRequestShape(body, refuse);
    const input = withDates({ ...body, AccountId: call.accountId }, (field) => refuse(400, 'InvalidRequest', `${field}: not a date (give an ISO 8601 time)`)) as unknown as CreateJobCommandInput;
    const filled = createJobInput({
      accountId: call.accountId,
      operation: input.Operation ?? {},
      ...(input.Manifest ? { manifest: input.Manifest } : {}),
      ...(input.ManifestGenerator ? { manifestGenerator: input.ManifestGenerator } : {}),
      report: input.Report ?? { Enabled: false },
      ...(input.Priority !== undefined ? { priority: input.Priority } : {}),
      ...(input.RoleArn ? { roleArn: input.RoleArn } : {}),
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.Tags ? { tags: input.Tags } : {}),
      ...(input.ConfirmationRequired !== undefined ? { confirmationRequired: input.ConfirmationRequired } : {}),
    });
    const out = await s3(() => options.clientsOf(call.accountId).control.send(new CreateJobCommand({ ...filled, ...(input.ClientRequestToken ? { ClientRequestToken: input.ClientRequestToken } : {}) })));
    send(call.res, 201, { jobId: out.JobId ?? '' });
  }

  function stringList(value: unknown, name: string): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw refuse(400, 'InvalidRequest', `${name}: a list of non-empty strings`);
    if (value.length > MAX_SELECTION) throw refuse(400, 'InvalidRequest', `${name}: at most ${MAX_SELECTION}`);
    return value as string[];
  }

  return async (call, method, route) => {
    if (route === 'buckets') {
      if (method === 'GET') return listBuckets(call).then(() => true);
      if (method === 'POST') return createBucket(call).then(() => true);
    }
    if (route === 'manifests' && method === 'POST') return makeManifest(call).then(() => true);
    if (route === 'jobs' && method === 'POST') return createJob(call).then(() => true);
    const m = /^buckets\/([^/]{1,255})\/(objects|object|object\/download)$/.exec(route);
    if (!m) return false;
    let bucket: string;
    try {
      bucket = decodeURIComponent(m[1] as string);
    } catch {
      throw refuse(400, 'InvalidBucketName', 'The bucket name in the path is not URL-encoded UTF-8');
    }
    const what = m[2];
    if (what === 'objects' && method === 'GET') await listObjects(call, bucket);
    else if (what === 'object' && method === 'GET') await details(call, bucket);
    else if (what === 'object' && method === 'PUT') await upload(call, bucket);
    else if (what === 'object' && method === 'DELETE') await remove(call, bucket);
    else if (what === 'object/download' && method === 'GET') await download(call, bucket);
    else return false;
    return true;
  };
}

/** CreateJobRequest's members and the JSON type of each (the CLI refuses an unknown one as well). */
const REQUEST_MEMBERS: Readonly<Record<string, 'object' | 'string' | 'number' | 'boolean' | 'array'>> = {
  AccountId: 'string',
  ConfirmationRequired: 'boolean',
  Operation: 'object',
  Report: 'object',
  ClientRequestToken: 'string',
  Manifest: 'object',
  Description: 'string',
  Priority: 'number',
  RoleArn: 'string',
  Tags: 'array',
  ManifestGenerator: 'object',
};

/** The top level of the JSON, checked before the SDK serializes it (it would drop or mangle a wrong type). */
function checkRequestShape(body: Record<string, unknown>, refuse: BucketsApiOptions['refuse']): void {
  for (const [name, value] of Object.entries(body)) {
    const want = REQUEST_MEMBERS[name];
    if (want === undefined) throw refuse(400, 'InvalidRequest', `${name}: not a member of CreateJobRequest (${Object.keys(REQUEST_MEMBERS).join(', ')})`);
    const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (got !== want) throw refuse(400, 'InvalidRequest', `${name}: must be ${want === 'array' || want === 'object' ? 'an' : 'a'} ${want}, not ${got}`);
  }
}

/** The request's timestamps (ISO strings in JSON) as the SDK's Dates: the filter's and the retention's. */
function withDates(value: Record<string, unknown>, notADate: (field: string) => Error): Record<string, unknown> {
  const DATE_FIELDS = new Set(['CreatedAfter', 'CreatedBefore', 'RetainUntilDate', 'ObjectLockRetainUntilDate']);
  const walk = (v: unknown, name: string): unknown => {
    if (typeof v === 'string' && DATE_FIELDS.has(name)) {
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) throw notADate(name);
      return d;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, ''));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value, '') as Record<string, unknown>;
}
