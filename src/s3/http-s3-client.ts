/**
 * The S3Port over HTTP, for any S3-compatible endpoint (AWS S3, MinIO, Ceph, another s3batch):
 * path-style requests signed with lib/sigv4's signer over one keep-alive agent. Errors become
 * S3PortErrors carrying S3's code and HTTP status; transport failures get status 0 (see
 * transportFailure).
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { REPLICA_STATUS_HEADER, REPLICA_VERSION_ID_HEADER, type ReplicationConfiguration, type ReplicationFilter, type ReplicationRule, type ReplicationTag } from '../domain/replication.js';
import { createSigner, sha256Hex } from '../lib/sigv4/index.js';
import { parseXml, type XmlValue } from '../lib/xml.js';
import { networkFailure } from './failure-kind.js';
import {
  aclRequest,
  completeXml,
  contentMd5,
  copyHeaders,
  createUploadHeaders,
  encodeKey,
  encryptionHeaders,
  legalHoldXml,
  metadataFromHeaders,
  objectEncryptionXml,
  requestPayerHeader,
  restoreXml,
  retentionXml,
  taggingXml,
  uploadPartCopyHeaders,
} from './http-s3-requests.js';
import {
  S3PortError,
  replicaAttributes,
  type CompleteMultipartUploadRequest,
  type CompletedPortPart,
  type PutReplicaRequest,
  type CopyObjectRequest,
  type CreateMultipartUploadRequest,
  type GetObjectOptions,
  type ListedObject,
  type ListObjectsOptions,
  type ListVersionsOptions,
  type ObjectHead,
  type PortObjectLock,
  type ObjectRef,
  type PortAcl,
  type PortRetention,
  type PortTag,
  type PutObjectOptions,
  type ReadOptions,
  type RestoreObjectRequest,
  type S3Port,
  type UpdateObjectEncryptionRequest,
  type UploadPartCopyRequest,
  type UploadRef,
  type VersionResult,
} from './s3-port.js';

export { encodeKey } from './http-s3-requests.js';

export interface HttpS3ClientOptions {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Sockets kept open to the endpoint (default 64). */
  readonly maxSockets?: number;
  /** Replicas larger than this are written with a multipart upload of parts this size (default 16 MiB). */
  readonly replicaPartSize?: number;
  readonly now?: () => number;
}

export interface HttpS3Client extends S3Port {
  close(): void;
}

function objectPath(ref: { bucket: string; key: string }): string {
  return `/${encodeURIComponent(ref.bucket)}/${encodeKey(ref.key)}`;
}

const UNSIGNED = 'UNSIGNED-PAYLOAD';

/** An If-Match value no object can match: S3 ETags are hex digests, with a `-N` suffix at most. */
const NO_OBJECT_ETAG = '"s3batch-UpdateObjectEncryption-is-not-a-PutObject"';

export function createHttpS3Client(options: HttpS3ClientOptions): HttpS3Client {
  const endpoint = new URL(options.endpoint);
  const secure = endpoint.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const signer = createSigner({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    region: options.region,
    service: 's3',
  });
  const now = options.now ?? Date.now;
  const partSize = options.replicaPartSize ?? 16 * 1024 * 1024;
  const basePath = endpoint.pathname.replace(/\/$/, '');

  function send(
    method: string,
    path: string,
    query: string,
    headers: Record<string, string>,
    body: Buffer | Readable | undefined,
  ): Promise<http.IncomingMessage> {
    const payloadHash = Buffer.isBuffer(body) ? sha256Hex(body) : body ? UNSIGNED : sha256Hex('');
    const rawPath = basePath + path;
    const signed = signer.sign({ method, host: endpoint.host, rawPath, rawQuery: query, headers, payloadHash, nowMs: now() });
    return new Promise((resolve, reject) => {
      const req = transport.request(
        {
          agent,
          method,
          hostname: endpoint.hostname,
          port: endpoint.port,
          path: query ? `${rawPath}?${query}` : rawPath,
          headers: { ...headers, ...signed, host: endpoint.host },
        },
        resolve,
      );
      req.on('error', (err) => reject(transportFailure(err, `${method} ${path}`)));
      if (Buffer.isBuffer(body)) req.end(body);
      else if (body) {
        // pipe() does not pass a body's failure on: the request would wait for bytes that never come.
        body.once('error', (err) => req.destroy(err));
        body.pipe(req);
      } else req.end();
    });
  }

  async function fail(res: http.IncomingMessage, what: string): Promise<never> {
    throw errorFromBody(await readText(res), res.statusCode ?? 0, what);
  }

  async function versionOf(res: http.IncomingMessage, expected: number, what: string): Promise<VersionResult> {
    if (res.statusCode !== expected && res.statusCode !== 200) return fail(res, what);
    res.resume();
    const versionId = res.headers['x-amz-version-id'];
    return typeof versionId === 'string' ? { versionId } : {};
  }

  function head(res: http.IncomingMessage): ObjectHead {
    const versionId = res.headers['x-amz-version-id'];
    return {
      etag: String(res.headers.etag ?? ''),
      contentLength: Number(res.headers['content-length'] ?? 0),
      ...(typeof versionId === 'string' ? { versionId } : {}),
    };
  }

  /** HeadObject's answer (its body drained); a status other than 200 is an S3PortError (HEAD has no error body). */
  async function headResponse(ref: ObjectRef, opts: ReadOptions = {}): Promise<http.IncomingMessage> {
    const res = await send('HEAD', objectPath(ref), versionQuery(ref), requestPayerHeader(opts.requestPayer), undefined);
    res.resume();
    if (res.statusCode !== 200) {
      throw new S3PortError(defaultCode(res.statusCode ?? 0), res.statusCode ?? 0, `HeadObject s3://${ref.bucket}/${ref.key}: HTTP ${res.statusCode}`);
    }
    return res;
  }

  function fullHead(res: http.IncomingMessage): ObjectHead {
    const lastModified = Date.parse(String(res.headers['last-modified'] ?? ''));
    const storageClass = res.headers['x-amz-storage-class'];
    return {
      ...head(res),
      metadata: metadataFromHeaders(res.headers),
      storageClass: typeof storageClass === 'string' ? storageClass : 'STANDARD',
      ...(Number.isNaN(lastModified) ? {} : { lastModified }),
      encryption: encryptionFromHeaders(res.headers),
      ...replicationFromHeaders(res.headers),
    };
  }

  const versionQuery = (ref: ObjectRef): string => (ref.versionId ? `versionId=${encodeURIComponent(ref.versionId)}` : '');
  /** `tagging` / `acl` / `restore`, plus the version: the canonical query is sorted, and each < `versionId`. */
  const subresource = (name: string, ref: ObjectRef): string => (ref.versionId ? `${name}=&${versionQuery(ref)}` : `${name}=`);

  const client: HttpS3Client = {
    async getObject(ref: ObjectRef, opts: GetObjectOptions = {}) {
      const headers: Record<string, string> = {};
      if (opts.range) headers.range = `bytes=${opts.range.start}-${opts.range.end ?? ''}`;
      if (opts.ifMatch) headers['if-match'] = opts.ifMatch.startsWith('"') ? opts.ifMatch : `"${opts.ifMatch}"`;
      // The canonical query is sorted: partNumber < versionId.
      const query = [...(opts.partNumber !== undefined ? [`partNumber=${opts.partNumber}`] : []), ...(ref.versionId ? [versionQuery(ref)] : [])].join('&');
      const res = await send('GET', objectPath(ref), query, headers, undefined);
      if (res.statusCode !== 200 && res.statusCode !== 206) return fail(res, `GetObject s3://${ref.bucket}/${ref.key}`);
      const partsCount = Number(res.headers['x-amz-mp-parts-count']);
      return { ...head(res), ...(opts.partNumber !== undefined && Number.isInteger(partsCount) && partsCount > 0 ? { partsCount } : {}), body: res };
    },
    async headObject(ref: ObjectRef, opts: ReadOptions = {}) {
      return fullHead(await headResponse(ref, opts));
    },
    async putObject(ref, body: Buffer | Readable, opts: PutObjectOptions = {}) {
      const headers: Record<string, string> = {};
      if (opts.contentType) headers['content-type'] = opts.contentType;
      if (opts.expectedBucketOwner !== undefined) headers['x-amz-expected-bucket-owner'] = opts.expectedBucketOwner;
      Object.assign(headers, encryptionHeaders(opts.encryption));
      const length = Buffer.isBuffer(body) ? body.length : opts.contentLength;
      if (length === undefined) throw new S3PortError('MissingContentLength', 411, 'putObject of a stream needs contentLength');
      headers['content-length'] = String(length);
      const res = await send('PUT', objectPath(ref), '', headers, body);
      if (res.statusCode !== 200) return fail(res, `PutObject s3://${ref.bucket}/${ref.key}`);
      res.resume();
      const versionId = res.headers['x-amz-version-id'];
      return { etag: String(res.headers.etag ?? ''), ...(typeof versionId === 'string' ? { versionId } : {}) };
    },
    async putObjectTagging(ref: ObjectRef, tags: readonly PortTag[]) {
      const body = taggingXml(tags);
      const headers = { 'content-type': 'application/xml', 'content-md5': contentMd5(body), 'content-length': String(body.length) };
      const res = await send('PUT', objectPath(ref), subresource('tagging', ref), headers, body);
      return versionOf(res, 200, `PutObjectTagging s3://${ref.bucket}/${ref.key}`);
    },
    async deleteObjectTagging(ref: ObjectRef) {
      const res = await send('DELETE', objectPath(ref), subresource('tagging', ref), {}, undefined);
      return versionOf(res, 204, `DeleteObjectTagging s3://${ref.bucket}/${ref.key}`);
    },
    async putObjectAcl(ref: ObjectRef, acl: PortAcl) {
      const { headers, body } = aclRequest(acl);
      if (body) Object.assign(headers, { 'content-md5': contentMd5(body), 'content-length': String(body.length) });
      const res = await send('PUT', objectPath(ref), subresource('acl', ref), headers, body);
      return versionOf(res, 200, `PutObjectAcl s3://${ref.bucket}/${ref.key}`);
    },
    async restoreObject(ref: ObjectRef, request: RestoreObjectRequest) {
      const body = restoreXml(request);
      const headers = { 'content-type': 'application/xml', 'content-md5': contentMd5(body), 'content-length': String(body.length) };
      const res = await send('POST', objectPath(ref), subresource('restore', ref), headers, body);
      // 202: a restore started; 200: a restored copy had its expiry moved (S3 API Reference, RestoreObject).
      if (res.statusCode !== 202 && res.statusCode !== 200) return fail(res, `RestoreObject s3://${ref.bucket}/${ref.key}`);
      res.resume();
      const versionId = res.headers['x-amz-version-id'];
      return { status: res.statusCode === 202 ? 'accepted' : 'extended', ...(typeof versionId === 'string' ? { versionId } : {}) } as const;
    },
    async putObjectRetention(ref: ObjectRef, retention: PortRetention, opts: { readonly bypassGovernanceRetention?: boolean } = {}) {
      const body = retentionXml(retention);
      // S3 requires Content-MD5 (or a checksum) on PutObjectRetention and PutObjectLegalHold.
      const headers: Record<string, string> = { 'content-type': 'application/xml', 'content-md5': contentMd5(body), 'content-length': String(body.length) };
      if (opts.bypassGovernanceRetention === true) headers['x-amz-bypass-governance-retention'] = 'true';
      const res = await send('PUT', objectPath(ref), subresource('retention', ref), headers, body);
      return versionOf(res, 200, `PutObjectRetention s3://${ref.bucket}/${ref.key}`);
    },
    async putObjectLegalHold(ref: ObjectRef, on: boolean) {
      const body = legalHoldXml(on);
      const headers = { 'content-type': 'application/xml', 'content-md5': contentMd5(body), 'content-length': String(body.length) };
      const res = await send('PUT', objectPath(ref), subresource('legal-hold', ref), headers, body);
      return versionOf(res, 200, `PutObjectLegalHold s3://${ref.bucket}/${ref.key}`);
    },
    async updateObjectEncryption(ref: ObjectRef, request: UpdateObjectEncryptionRequest) {
      const what = `UpdateObjectEncryption s3://${ref.bucket}/${ref.key}`;
      const body = objectEncryptionXml(request);
      const headers = {
        'content-type': 'application/xml',
        'content-md5': contentMd5(body),
        'content-length': String(body.length),
        // A store that does not know this call may take `PUT /{key}?encryption` for a PutObject
        // and replace the object with this XML (MinIO's router sends every object PUT it does not
        // recognise to PutObject). Two conditions that no object can meet — an ETag no object has,
        // and "only if there is no object" — make any such store refuse the write with 412,
        // whether the key exists or not; S3 ignores conditional headers on calls that take none.
        'if-match': NO_OBJECT_ETAG,
        'if-none-match': '*',
      };
      const res = await send('PUT', objectPath(ref), subresource('encryption', ref), headers, body);
      if (res.statusCode === 412) {
        res.resume();
        const message = 'The store does not implement UpdateObjectEncryption: it answered 412 PreconditionFailed, as to a PutObject whose conditions failed';
        throw new S3PortError('NotImplemented', 501, `${what}: ${message}`, { storeMessage: message });
      }
      if (res.statusCode !== 200) return fail(res, what);
      res.resume();
    },
    async copyObject(request: CopyObjectRequest) {
      const what = `CopyObject s3://${request.source.bucket}/${request.source.key} to s3://${request.bucket}/${request.key}`;
      const res = await send('PUT', objectPath(request), '', copyHeaders(request), undefined);
      if (res.statusCode !== 200) return fail(res, what);
      // S3 may answer 200 and still fail: the error is then the body (a long copy's late failure).
      const text = await readText(res);
      if (text.includes('<Error>')) throw errorFromBody(text, 200, what);
      const versionId = res.headers['x-amz-version-id'];
      const sourceVersionId = res.headers['x-amz-copy-source-version-id'];
      return {
        etag: /<ETag>([^<]*)<\/ETag>/.exec(text)?.[1]?.replaceAll('&quot;', '"') ?? '',
        ...(typeof versionId === 'string' ? { versionId } : {}),
        ...(typeof sourceVersionId === 'string' ? { sourceVersionId } : {}),
      };
    },
    async getObjectTagging(ref: ObjectRef, opts: ReadOptions = {}) {
      const res = await send('GET', objectPath(ref), subresource('tagging', ref), requestPayerHeader(opts.requestPayer), undefined);
      if (res.statusCode !== 200) return fail(res, `GetObjectTagging s3://${ref.bucket}/${ref.key}`);
      const doc = parseXml(await readText(res));
      const tags = list(field(field(doc.Tagging, 'TagSet'), 'Tag')).map((t) => ({ key: leaf(field(t, 'Key')), value: leaf(field(t, 'Value')) }));
      const versionId = res.headers['x-amz-version-id'];
      return { tags, ...(typeof versionId === 'string' ? { versionId } : {}) };
    },
    async createMultipartUpload(request: CreateMultipartUploadRequest) {
      const res = await send('POST', objectPath(request), 'uploads=', createUploadHeaders(request), undefined);
      if (res.statusCode !== 200) return fail(res, `CreateMultipartUpload s3://${request.bucket}/${request.key}`);
      const doc = parseXml(await readText(res));
      const uploadId = leaf(field(doc.InitiateMultipartUploadResult, 'UploadId'));
      if (!uploadId) throw new S3PortError('InternalError', 200, `CreateMultipartUpload s3://${request.bucket}/${request.key}: no UploadId in the answer`);
      return { uploadId };
    },
    async uploadPartCopy(request: UploadPartCopyRequest) {
      const what = `UploadPartCopy ${request.partNumber} s3://${request.source.bucket}/${request.source.key} to s3://${request.bucket}/${request.key}`;
      const query = `partNumber=${request.partNumber}&uploadId=${encodeURIComponent(request.uploadId)}`;
      const res = await send('PUT', objectPath(request), query, uploadPartCopyHeaders(request), undefined);
      if (res.statusCode !== 200) return fail(res, what);
      const text = await readText(res);
      if (text.includes('<Error>')) throw errorFromBody(text, 200, what);
      const result = parseXml(text).CopyPartResult;
      const etag = leaf(field(result, 'ETag'));
      const checksumName = result && typeof result === 'object' && !Array.isArray(result) ? Object.keys(result).find((k) => /^Checksum[A-Z0-9]+$/.test(k) && k !== 'ChecksumType') : undefined;
      return {
        etag,
        ...(checksumName ? { checksum: { algorithm: checksumName.slice('Checksum'.length), value: leaf(field(result, checksumName)) } } : {}),
      };
    },
    async completeMultipartUpload(request: CompleteMultipartUploadRequest) {
      const what = `CompleteMultipartUpload s3://${request.bucket}/${request.key}`;
      const body = completeXml(request.parts);
      const headers = { 'content-type': 'application/xml', 'content-length': String(body.length), ...requestPayerHeader(request.requestPayer) };
      const res = await send('POST', objectPath(request), `uploadId=${encodeURIComponent(request.uploadId)}`, headers, body);
      if (res.statusCode !== 200) return fail(res, what);
      // Like CopyObject, a 200 may carry the error in its body.
      const text = await readText(res);
      if (text.includes('<Error>')) throw errorFromBody(text, 200, what);
      const versionId = res.headers['x-amz-version-id'];
      return {
        etag: leaf(field(parseXml(text).CompleteMultipartUploadResult, 'ETag')),
        ...(typeof versionId === 'string' ? { versionId } : {}),
      };
    },
    async abortMultipartUpload(upload: UploadRef) {
      const res = await send('DELETE', objectPath(upload), `uploadId=${encodeURIComponent(upload.uploadId)}`, requestPayerHeader(upload.requestPayer), undefined);
      if (res.statusCode !== 204 && res.statusCode !== 200) return fail(res, `AbortMultipartUpload s3://${upload.bucket}/${upload.key}`);
      res.resume();
    },
    async listObjects(bucket: string, opts: ListObjectsOptions = {}) {
      // The canonical query is sorted: encoding-type < list-type < max-keys < prefix < start-after.
      const query = queryOf([
        ['encoding-type', 'url'],
        ['list-type', '2'],
        ['max-keys', String(opts.maxKeys ?? 1000)],
        ['prefix', opts.prefix],
        ['start-after', opts.startAfter],
      ]);
      const res = await send('GET', `/${encodeURIComponent(bucket)}`, query, ownerHeader(opts.expectedBucketOwner), undefined);
      if (res.statusCode !== 200) return fail(res, `ListObjectsV2 s3://${bucket}`);
      const result = parseXml(await readText(res)).ListBucketResult;
      const keyOf = keyDecoder(result);
      return {
        objects: list(field(result, 'Contents')).map((c) => ({ ...listedObject(c), key: keyOf(leaf(field(c, 'Key'))) })),
        isTruncated: leaf(field(result, 'IsTruncated')) === 'true',
      };
    },
    async listObjectVersions(bucket: string, opts: ListVersionsOptions = {}) {
      // Sorted: encoding-type < key-marker < max-keys < prefix < version-id-marker < versions.
      const query = queryOf([
        ['encoding-type', 'url'],
        ['key-marker', opts.keyMarker],
        ['max-keys', String(opts.maxKeys ?? 1000)],
        ['prefix', opts.prefix],
        ['version-id-marker', opts.keyMarker !== undefined ? opts.versionIdMarker : undefined],
        ['versions', ''],
      ]);
      const res = await send('GET', `/${encodeURIComponent(bucket)}`, query, ownerHeader(opts.expectedBucketOwner), undefined);
      if (res.statusCode !== 200) return fail(res, `ListObjectVersions s3://${bucket}`);
      const result = parseXml(await readText(res)).ListVersionsResult;
      const keyOf = keyDecoder(result);
      const nextKey = leaf(field(result, 'NextKeyMarker'));
      const nextVersion = leaf(field(result, 'NextVersionIdMarker'));
      return {
        versions: list(field(result, 'Version')).map((v) => ({
          ...listedObject(v),
          key: keyOf(leaf(field(v, 'Key'))),
          versionId: leaf(field(v, 'VersionId')) || 'null',
          isLatest: leaf(field(v, 'IsLatest')) === 'true',
        })),
        isTruncated: leaf(field(result, 'IsTruncated')) === 'true',
        ...(nextKey !== '' ? { nextKeyMarker: keyOf(nextKey) } : {}),
        ...(nextVersion !== '' ? { nextVersionIdMarker: nextVersion } : {}),
      };
      },
    replication: {
      // A source on a remote store (MinIO, Ceph, AWS, another s3batch): the rules, the version and
      // its tags are read with S3's own calls; its status cannot be set (S3 has no call for it).
      async getBucketReplication(bucket: string) {
        const res = await send('GET', `/${encodeURIComponent(bucket)}`, 'replication=', {}, undefined);
        if (res.statusCode !== 200) return fail(res, `GetBucketReplication s3://${bucket}`);
        return replicationFromDocument(parseXml(await readText(res)).ReplicationConfiguration);
      },
      async getReplicationSource(ref: ObjectRef) {
        const res = await headResponse(ref);
        const found = fullHead(res);
        // The version itself from here on: a newer write to the key cannot slip in between.
        const pinned = { bucket: ref.bucket, key: ref.key, ...(found.versionId !== undefined ? { versionId: found.versionId } : {}) };
        const { tags } = await client.getObjectTagging(pinned);
        return {
          head: found,
          tags,
          // The ACL is not read: its grantees are the remote store's canonical ids, which mean
          // nothing (or someone else) on the destination; the replica gets the destination's default ACL.
          grants: [],
          lock: lockFromHeaders(res.headers),
          ...(found.replicationStatus !== undefined ? { replicationStatus: found.replicationStatus } : {}),
        };
      },
      setReplicationStatus: () => Promise.reject(notOverHttp('x-amz-replication-status')),
      async putReplica(request: PutReplicaRequest, body: Readable) {
        const what = `PutObject (replica) s3://${request.bucket}/${request.key}`;
        const headers = { ...createUploadHeaders(replicaAttributes(request)), ...replicaHeaders(request) };
        if (request.contentLength <= partSize) {
          const res = await send('PUT', objectPath(request), '', { ...headers, 'content-length': String(request.contentLength) }, body);
          if (res.statusCode !== 200) return fail(res, what);
          res.resume();
          const versionId = res.headers['x-amz-version-id'];
          return { etag: String(res.headers.etag ?? ''), ...(typeof versionId === 'string' ? { versionId } : {}) };
        }
        // Larger: a multipart upload of `partSize` parts, each streamed from the source as it is sent.
        const created = await send('POST', objectPath(request), 'uploads=', headers, undefined);
        if (created.statusCode !== 200) return fail(created, `CreateMultipartUpload (replica) s3://${request.bucket}/${request.key}`);
        const uploadId = leaf(field(parseXml(await readText(created)).InitiateMultipartUploadResult, 'UploadId'));
        if (!uploadId) throw new S3PortError('InternalError', 200, `${what}: no UploadId in the CreateMultipartUpload answer`);
        const upload = { bucket: request.bucket, key: request.key, uploadId };
        try {
          const parts: CompletedPortPart[] = [];
          for (const part of streamedParts(body, request.contentLength, partSize)) {
            const partNumber = parts.length + 1;
            const query = `partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`;
            const res = await send('PUT', objectPath(request), query, { 'content-length': String(part.length) }, part.stream);
            if (res.statusCode !== 200) return await fail(res, `UploadPart ${partNumber} (replica) s3://${request.bucket}/${request.key}`);
            res.resume();
            parts.push({ partNumber, etag: String(res.headers.etag ?? '') });
          }
          return await client.completeMultipartUpload({ ...upload, parts });
        } catch (err) {
          await client.abortMultipartUpload(upload).catch(() => undefined);
          throw err;
        }
      },
    },
    close() {
      agent.destroy();
    },
  };
  return client;
}

/** The replication call S3 has no HTTP request for (setting a replication status); replicate.ts leaves the status unset. */
function notOverHttp(what: string): S3PortError {
  const message = `S3 has no request that sets ${what}: a source on a remote store keeps the status it had`;
  return new S3PortError('NotImplemented', 501, message, { storeMessage: message });
}

/** s3batch's replica extension (domain/replication.ts): signed with the request, as a destination s3batch requires. */
function replicaHeaders(r: PutReplicaRequest): Record<string, string> {
  if (r.replica === undefined) return {};
  return { [REPLICA_STATUS_HEADER]: 'REPLICA', [REPLICA_VERSION_ID_HEADER]: r.replica.versionId };
}

/**
 * The stream cut into consecutive parts of `size` bytes (the last one shorter) of a body of
 * `total` bytes, each part itself a stream pulled from the body as the request sends it: nothing
 * is buffered beyond the chunk at hand. Each part must be read to its end before the next one.
 */
function* streamedParts(body: Readable, total: number, size: number): Generator<{ stream: Readable; length: number }> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let leftover: Buffer | undefined;
  for (let offset = 0; offset < total; offset += size) {
    const length = Math.min(size, total - offset);
    async function* piece(): AsyncGenerator<Buffer> {
      let missing = length;
      while (missing > 0) {
        let chunk = leftover;
        leftover = undefined;
        if (chunk === undefined) {
          const next = await chunks.next();
          if (next.done) throw new S3PortError('IncompleteBody', 0, `the source ended ${missing} bytes short of its ${total}-byte length`);
          chunk = next.value;
        }
        if (chunk.length > missing) {
          leftover = chunk.subarray(missing);
          chunk = chunk.subarray(0, missing);
        }
        missing -= chunk.length;
        yield chunk;
      }
    }
    yield { stream: Readable.from(piece(), { objectMode: false }), length };
  }
}

/** A query string from name/value pairs already in canonical (sorted) order; undefined values are left out. */
function queryOf(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  return pairs
    .filter((p): p is readonly [string, string] => p[1] !== undefined)
    .map(([name, value]) => `${name}=${rfc3986(value)}`)
    .join('&');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function ownerHeader(owner: string | undefined): Record<string, string> {
  return owner === undefined ? {} : { 'x-amz-expected-bucket-owner': owner };
}

/**
 * How a listing's keys are to be read: asked for with encoding-type=url, S3 says so
 * (`<EncodingType>url</EncodingType>`) and writes a space as `+`, a `+` as `%2B`; a store that
 * ignored the request sends the keys as they are.
 */
function keyDecoder(result: XmlValue | undefined): (value: string) => string {
  if (leaf(field(result, 'EncodingType')) !== 'url') return (value) => value;
  return (value) => decodeURIComponent(value.replace(/\+/g, ' '));
}

function listedObject(entry: XmlValue): Omit<ListedObject, 'key'> {
  const lastModified = Date.parse(leaf(field(entry, 'LastModified')));
  return {
    size: Number(leaf(field(entry, 'Size')) || 0),
    etag: leaf(field(entry, 'ETag')),
    lastModified: Number.isNaN(lastModified) ? 0 : lastModified,
    storageClass: leaf(field(entry, 'StorageClass')) || 'STANDARD',
  };
}

const SSE_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;

function encryptionFromHeaders(headers: http.IncomingHttpHeaders): NonNullable<ObjectHead['encryption']> {
  const algorithm = headers['x-amz-server-side-encryption'];
  const keyId = headers['x-amz-server-side-encryption-aws-kms-key-id'];
  const known = SSE_ALGORITHMS.find((a) => a === algorithm);
  return {
    ...(known !== undefined ? { algorithm: known } : {}),
    ...(typeof keyId === 'string' ? { kmsKeyId: keyId } : {}),
    ...(headers['x-amz-server-side-encryption-bucket-key-enabled'] === 'true' ? { bucketKeyEnabled: true } : {}),
    ...(headers['x-amz-server-side-encryption-customer-algorithm'] !== undefined ? { customerKey: true } : {}),
  };
}

/** The version's Object Lock settings as HeadObject sends them (x-amz-object-lock-*). */
function lockFromHeaders(headers: http.IncomingHttpHeaders): PortObjectLock {
  const mode = headers['x-amz-object-lock-mode'];
  const until = Date.parse(String(headers['x-amz-object-lock-retain-until-date'] ?? ''));
  const hold = headers['x-amz-object-lock-legal-hold'];
  return {
    ...(mode === 'GOVERNANCE' || mode === 'COMPLIANCE' ? { mode } : {}),
    ...(Number.isNaN(until) ? {} : { retainUntil: until }),
    ...(hold === 'ON' || hold === 'OFF' ? { legalHold: hold === 'ON' } : {}),
  };
}

/**
 * A remote store's ReplicationConfiguration (GetBucketReplication), read leniently: what S3
 * Batch Replication needs of each rule (ID, priority, status, prefix or filter, destination), and
 * members it does not use (ReplicationTime, Metrics…) passed over. The embedded store's own parser
 * (object-store/http/routes/replication.ts) validates what is put, and refuses those members.
 */
function replicationFromDocument(config: XmlValue | undefined): ReplicationConfiguration {
  const tagOf = (t: XmlValue): ReplicationTag => ({ key: leaf(field(t, 'Key')), value: leaf(field(t, 'Value')) });
  const statusOf = (v: XmlValue | undefined): 'Enabled' | 'Disabled' | undefined => {
    const s = leaf(field(v, 'Status'));
    return s === 'Enabled' || s === 'Disabled' ? s : undefined;
  };
  const rules = list(field(config, 'Rule')).map((r): ReplicationRule => {
    const filter = field(r, 'Filter');
    const and = field(filter, 'And');
    const tag = field(filter, 'Tag');
    const prefix = field(r, 'Prefix');
    const dest = field(r, 'Destination');
    const priority = Number(leaf(field(r, 'Priority')));
    const account = leaf(field(dest, 'Account'));
    const storageClass = leaf(field(dest, 'StorageClass'));
    const deleteMarkers = statusOf(field(r, 'DeleteMarkerReplication'));
    let parsedFilter: ReplicationFilter | undefined;
    if (and !== undefined) {
      const andPrefix = field(and, 'Prefix');
      parsedFilter = { and: { ...(andPrefix !== undefined ? { prefix: leaf(andPrefix) } : {}), tags: list(field(and, 'Tag')).map(tagOf) } };
    } else if (tag !== undefined) parsedFilter = { tag: tagOf(tag) };
    else if (filter !== undefined) parsedFilter = { prefix: leaf(field(filter, 'Prefix')) };
    return {
      ...(field(r, 'ID') !== undefined ? { id: leaf(field(r, 'ID')) } : {}),
      ...(Number.isInteger(priority) && field(r, 'Priority') !== undefined ? { priority } : {}),
      status: leaf(field(r, 'Status')) === 'Enabled' ? 'Enabled' : 'Disabled',
      ...(prefix !== undefined && parsedFilter === undefined ? { prefix: leaf(prefix) } : {}),
      ...(parsedFilter !== undefined ? { filter: parsedFilter } : {}),
      destination: {
        bucket: leaf(field(dest, 'Bucket')),
        ...(account !== '' ? { account } : {}),
        ...(storageClass !== '' ? { storageClass } : {}),
        ...(field(dest, 'AccessControlTranslation') !== undefined ? { ownerOverride: 'Destination' as const } : {}),
      },
      ...(deleteMarkers !== undefined ? { deleteMarkerReplication: deleteMarkers } : {}),
    };
  });
  return { role: leaf(field(config, 'Role')), rules };
}

const REPLICATION_STATUSES = ['PENDING', 'COMPLETED', 'FAILED', 'REPLICA'] as const;

function replicationFromHeaders(headers: http.IncomingHttpHeaders): Pick<ObjectHead, 'replicationStatus'> {
  const status = REPLICATION_STATUSES.find((s) => s === headers['x-amz-replication-status']);
  return status !== undefined ? { replicationStatus: status } : {};
}

/**
 * What a request that got no answer fails with (status 0), by s3/failure-kind.ts's lists. A
 * transient network failure (a reset, a refusal, a timeout) is NetworkError, retried. A known
 * failure that would come again — the host name does not resolve (ENOTFOUND), TLS refused the
 * certificate, the answer is not HTTP — keeps Node's code, so that the report row names it, and is
 * not retried. Any other error is none Node names for a connection: a bug here, passed on as it
 * is (an internal error).
 *
 * Errors of a response body cut short (Node's "aborted", ECONNRESET) surface raw from the body
 * stream and are classified by the same lists.
 */
function transportFailure(err: Error, what: string): Error {
  const network = networkFailure(err);
  if (!network) return err;
  return new S3PortError(network.transient ? 'NetworkError' : network.code, 0, `${what}: ${err.message}`, { cause: err });
}

async function readText(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A child of a parsed element (`''` = the element itself); undefined when absent. */
function field(value: XmlValue | undefined, name: string): XmlValue | undefined {
  if (name === '') return value;
  if (value === undefined || typeof value === 'string' || Array.isArray(value)) return undefined;
  return value[name];
}

function list(value: XmlValue | undefined): XmlValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function leaf(value: XmlValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function errorFromBody(text: string, status: number, what: string): S3PortError {
  // Parsed, so that entities are decoded (S3 sends `object&apos;s`): the report row then reads as
  // the in-process port's. A body that is no XML keeps the status's code.
  let error: XmlValue | undefined;
  try {
    error = parseXml(text).Error;
  } catch {
    error = undefined;
  }
  const code = leaf(field(error, 'Code')) || defaultCode(status);
  const message = leaf(field(error, 'Message')) || `HTTP ${status}`;
  return new S3PortError(code, status, `${what}: ${message}`, { storeMessage: message });
}

/** The code S3 implies by a status alone (HEAD answers carry no body). */
function defaultCode(status: number): string {
  switch (status) {
    case 301:
      return 'PermanentRedirect';
    case 304:
      return 'NotModified';
    case 400:
      return 'BadRequest';
    case 403:
      return 'AccessDenied';
    case 404:
      return 'NotFound';
    case 412:
      return 'PreconditionFailed';
    case 503:
      return 'SlowDown';
    default:
      return status >= 500 ? 'InternalError' : `Http${status}`;
  }
}
