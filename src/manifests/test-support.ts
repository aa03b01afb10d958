/**
 * Test helpers (excluded from the build): an in-memory S3Port backed by Buffers — the one thing
 * manifest and report tests may fake — with versions, ranges, If-Match, streamed bodies cut into
 * chosen sizes, injectable faults and a call log.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  S3PortError,
  type CopyObjectRequest,
  type CopyObjectResponse,
  type GetObjectOptions,
  type GetObjectResult,
  type PortAcl,
  type PortTag,
  type VersionResult,
  type ObjectHead,
  type ObjectRef,
  type PutObjectOptions,
  type RestoreObjectRequest,
  type RestoreObjectResult,
  type S3Port,
} from '../s3/s3-port.js';
import type { JobManifest } from '../domain/job-spec.js';
import { parseChunkRecords, prepareManifest, type ChunkWithRecords, type ManifestTask } from './index.js';

interface StoredVersion {
  readonly body: Buffer;
  readonly etag: string;
  readonly versionId: string | undefined;
  readonly contentType: string | undefined;
}

export type MemoryS3Op = 'get' | 'head' | 'put' | 'putTagging' | 'deleteTagging' | 'putAcl' | 'restore' | 'copy';

export interface MemoryS3Call {
  readonly op: MemoryS3Op;
  readonly ref: ObjectRef;
  readonly options?: GetObjectOptions | PutObjectOptions;
}

export class MemoryS3 implements S3Port {
  private readonly store = new Map<string, StoredVersion[]>();
  private readonly buckets = new Set<string>();
  private nextVersion = 1;
  /** New objects get version ids (else: unversioned, each put replaces). */
  versioned = false;
  /** Size of the chunks a body streams in; tests vary it to cross every boundary. */
  chunkBytes = 64 * 1024;
  /** Inject a failure: return an error to throw before the operation runs. */
  fault: ((op: MemoryS3Op, ref: ObjectRef) => Error | undefined) | undefined;
  readonly calls: MemoryS3Call[] = [];

  constructor(buckets: readonly string[] = []) {
    for (const b of buckets) this.buckets.add(b);
  }

  createBucket(bucket: string): void {
    this.buckets.add(bucket);
  }

  /** Stores an object directly (no call logged); returns its quoted ETag and version. */
  put(bucket: string, key: string, body: Buffer | string): { etag: string; versionId?: string } {
    this.buckets.add(bucket);
    return this.store_(bucket, key, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, undefined);
  }

  /** Stores gzip(body). */
  putGzip(bucket: string, key: string, body: Buffer | string): { etag: string; versionId?: string } {
    return this.put(bucket, key, gzipSync(typeof body === 'string' ? Buffer.from(body, 'utf8') : body));
  }

  /** The latest version's bytes, or undefined. */
  bytes(bucket: string, key: string): Buffer | undefined {
    return this.store.get(`${bucket}/${key}`)?.at(-1)?.body;
  }

  text(bucket: string, key: string): string | undefined {
    return this.bytes(bucket, key)?.toString('utf8');
  }

  contentType(bucket: string, key: string): string | undefined {
    return this.store.get(`${bucket}/${key}`)?.at(-1)?.contentType;
  }

  keys(bucket: string): string[] {
    return [...this.store.keys()].filter((k) => k.startsWith(`${bucket}/`)).map((k) => k.slice(bucket.length + 1));
  }

  async getObject(ref: ObjectRef, options?: GetObjectOptions): Promise<GetObjectResult> {
    this.calls.push(options === undefined ? { op: 'get', ref } : { op: 'get', ref, options });
    this.injected('get', ref);
    const version = this.find(ref);
    if (options?.ifMatch !== undefined && bare(options.ifMatch) !== bare(version.etag)) {
      throw new S3PortError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    }
    let body = version.body;
    if (options?.range) {
      const { start } = options.range;
      const end = Math.min(options.range.end ?? body.length - 1, body.length - 1);
      if (start >= body.length || end < start) throw new S3PortError('InvalidRange', 416, 'The requested range is not satisfiable');
      body = body.subarray(start, end + 1);
    }
    return { ...this.head(version), contentLength: body.length, body: this.stream(body) };
  }

  async headObject(ref: ObjectRef): Promise<ObjectHead> {
    this.calls.push({ op: 'head', ref });
    this.injected('head', ref);
    return this.head(this.find(ref));
  }

  async putObject(
    ref: Omit<ObjectRef, 'versionId'>,
    body: Buffer | Readable,
    options?: PutObjectOptions,
  ): Promise<{ etag: string; versionId?: string }> {
    this.calls.push(options === undefined ? { op: 'put', ref } : { op: 'put', ref, options });
    this.injected('put', ref);
    if (!this.buckets.has(ref.bucket)) throw new S3PortError('NoSuchBucket', 404, 'The specified bucket does not exist');
    let bytes: Buffer;
    if (Buffer.isBuffer(body)) {
      bytes = body;
    } else {
      if (options?.contentLength === undefined) throw new Error('MemoryS3: a streamed body needs contentLength');
      const parts: Buffer[] = [];
      for await (const chunk of body) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      bytes = Buffer.concat(parts);
    }
    if (options?.contentLength !== undefined && options.contentLength !== bytes.length) {
      throw new S3PortError('IncompleteBody', 400, `Got ${bytes.length} bytes, Content-Length said ${options.contentLength}`);
    }
    return this.store_(ref.bucket, ref.key, bytes, options?.contentType);
  }

  /** Tags and ACLs per version (`bucket/key@version`), for the operation tests of the engine. */
  readonly tagsOf = new Map<string, readonly PortTag[]>();
  readonly aclOf = new Map<string, PortAcl>();

  /** The tags of the latest (or given) version. */
  tags(bucket: string, key: string, versionId?: string): readonly PortTag[] | undefined {
    return this.tagsOf.get(this.versionKey({ bucket, key, ...(versionId !== undefined ? { versionId } : {}) }));
  }

  async putObjectTagging(ref: ObjectRef, tags: readonly PortTag[]): Promise<VersionResult> {
    return this.onVersion('putTagging', ref, (id) => this.tagsOf.set(id, [...tags]));
  }

  async deleteObjectTagging(ref: ObjectRef): Promise<VersionResult> {
    return this.onVersion('deleteTagging', ref, (id) => this.tagsOf.delete(id));
  }

  async putObjectAcl(ref: ObjectRef, acl: PortAcl): Promise<VersionResult> {
    return this.onVersion('putAcl', ref, (id) => this.aclOf.set(id, acl));
  }

  /** The restore requests each version received, in order (MemoryS3 has no storage classes: every object restores). */
  readonly restoresOf = new Map<string, RestoreObjectRequest[]>();

  async restoreObject(ref: ObjectRef, request: RestoreObjectRequest): Promise<RestoreObjectResult> {
    let status: RestoreObjectResult['status'] = 'accepted';
    const result = this.onVersion('restore', ref, (id) => {
      const seen = this.restoresOf.get(id) ?? [];
      if (seen.length > 0) status = 'extended';
      this.restoresOf.set(id, [...seen, { ...request }]);
    });
    return { status, ...result };
  }

  /** Copies bytes, and tags per the directive; metadata other than the content type is not kept. */
  async copyObject(request: CopyObjectRequest): Promise<CopyObjectResponse> {
    this.calls.push({ op: 'copy', ref: request.source });
    this.injected('copy', request.source);
    const source = this.find(request.source);
    if (!this.buckets.has(request.bucket)) throw new S3PortError('NoSuchBucket', 404, 'The specified bucket does not exist');
    const sourceTags = this.tagsOf.get(this.versionKey(request.source)) ?? [];
    const written = this.store_(request.bucket, request.key, source.body, source.contentType);
    const tags = request.taggingDirective === 'REPLACE' ? (request.tags ?? []) : sourceTags;
    this.tagsOf.set(this.versionKey({ bucket: request.bucket, key: request.key, ...written }), [...tags]);
    return { ...written, ...(source.versionId !== undefined ? { sourceVersionId: source.versionId } : {}) };
  }

  async getObjectTagging(ref: ObjectRef): Promise<{ tags: PortTag[]; versionId?: string }> {
    const version = this.find(ref);
    const tags = [...(this.tagsOf.get(this.versionKey({ ...ref, ...(version.versionId !== undefined ? { versionId: version.versionId } : {}) })) ?? [])];
    return version.versionId === undefined ? { tags } : { tags, versionId: version.versionId };
  }

  /** Retention, legal holds and encryption updates are exercised against the real ports (test/s3). */
  async putObjectRetention(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no Object Lock');
  }

  async putObjectLegalHold(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no Object Lock');
  }

  async updateObjectEncryption(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no encryption');
  }

  /** Multipart copy is exercised against the real ports (test/s3); MemoryS3 copies in one call. */
  async createMultipartUpload(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no multipart uploads');
  }

  async uploadPartCopy(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no multipart uploads');
  }

  async completeMultipartUpload(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no multipart uploads');
  }

  async abortMultipartUpload(): Promise<void> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no multipart uploads');
  }

  /** Listings are exercised against the real ports (test/s3, the generator's tests). */
  async listObjects(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no listings');
  }

  async listObjectVersions(): Promise<never> {
    throw new S3PortError('NotImplemented', 501, 'MemoryS3 has no listings');
  }

  private onVersion(op: MemoryS3Op, ref: ObjectRef, act: (id: string) => void): VersionResult {
    this.calls.push({ op, ref });
    this.injected(op, ref);
    const version = this.find(ref);
    act(this.versionKey({ bucket: ref.bucket, key: ref.key, ...(version.versionId !== undefined ? { versionId: version.versionId } : {}) }));
    return version.versionId === undefined ? {} : { versionId: version.versionId };
  }

  private versionKey(ref: ObjectRef): string {
    const versionId = ref.versionId ?? this.store.get(`${ref.bucket}/${ref.key}`)?.at(-1)?.versionId ?? 'null';
    return `${ref.bucket}/${ref.key}@${versionId}`;
  }

  private store_(bucket: string, key: string, body: Buffer, contentType: string | undefined): { etag: string; versionId?: string } {
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const versionId = this.versioned ? `v${String(this.nextVersion++).padStart(6, '0')}` : undefined;
    const id = `${bucket}/${key}`;
    const versions = this.versioned ? (this.store.get(id) ?? []) : [];
    versions.push({ body, etag, versionId, contentType });
    this.store.set(id, versions);
    return versionId === undefined ? { etag } : { etag, versionId };
  }

  private injected(op: MemoryS3Op, ref: ObjectRef): void {
    const error = this.fault?.(op, ref);
    if (error) throw error;
  }

  private find(ref: ObjectRef): StoredVersion {
    if (!this.buckets.has(ref.bucket)) throw new S3PortError('NoSuchBucket', 404, 'The specified bucket does not exist');
    const versions = this.store.get(`${ref.bucket}/${ref.key}`);
    if (!versions?.length) throw new S3PortError('NoSuchKey', 404, 'The specified key does not exist.');
    if (ref.versionId === undefined) return versions.at(-1)!;
    const found = versions.find((v) => (v.versionId ?? 'null') === ref.versionId);
    if (!found) throw new S3PortError('NoSuchVersion', 404, 'The specified version does not exist.');
    return found;
  }

  private head(v: StoredVersion): ObjectHead {
    return v.versionId === undefined
      ? { etag: v.etag, contentLength: v.body.length }
      : { etag: v.etag, versionId: v.versionId, contentLength: v.body.length };
  }

  private stream(body: Buffer): Readable {
    const size = Math.max(1, this.chunkBytes);
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
    }
    return Readable.from(chunks());
  }
}

function bare(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** A deterministic PRNG (mulberry32) for property tests: same seed, same cases. */
export function prng(seed: number): { next(): number; int(max: number): number; pick<T>(items: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** One CSV field, quoted when it must be (or always). */
export function csvField(value: string, always = false): string {
  return always || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Prepares with `onChunk` and reads every chunk back from the records it was handed (what the
 * engine stores): the chunks must be the prepared ones, in order, and their tasks `expected`.
 */
export async function expectStoredRecordsRead(
  manifest: JobManifest,
  s3: S3Port,
  chunkSize: number,
  expected: readonly ManifestTask[],
): Promise<void> {
  const handed: ChunkWithRecords[] = [];
  const prepared = await prepareManifest(manifest, s3, {
    chunkSize,
    // an asynchronous sink, as the engine's: preparation must wait for it and keep the order
    onChunk: (chunk) => new Promise<void>((resolve) => setImmediate(() => (handed.push(chunk), resolve()))),
  });
  if (JSON.stringify(handed.map((c) => c.locator)) !== JSON.stringify(prepared.chunks)) {
    throw new Error(`onChunk handed other chunks than prepared: ${JSON.stringify(handed.map((c) => c.locator))}`);
  }
  const tasks = handed.flatMap((c) => parseChunkRecords(manifest, c.locator, c.records));
  if (JSON.stringify(tasks) !== JSON.stringify(expected)) {
    throw new Error(`tasks read from stored records differ:\n${JSON.stringify(tasks)}\n≠\n${JSON.stringify(expected)}`);
  }
}
