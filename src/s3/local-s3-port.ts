/**
 * The S3Port over the embedded store, in-process: no HTTP, no signing, the same semantics (the
 * HTTP adapter is a thin layer over the same ObjectStore calls). Every call acts as one account,
 * as a request signed with that account's keys would. The store's S3Errors become S3PortErrors
 * with the same code and status, so that reports and retries cannot tell the two paths apart.
 *
 * `requestPayer` is accepted and has no effect: the embedded store has no Requester Pays buckets,
 * and S3 takes the header on any bucket (it changes only who is charged on a Requester Pays one),
 * which is what the HTTP adapter does with it too.
 */
import type { ObjectStore, Conditions, CopyObjectInput, CreateMultipartUploadInput, ChecksumAlgorithm, ObjectInfo } from '../object-store/object-store.js';
import { isS3Error } from '../object-store/errors.js';
import { checkExpectedBucketOwner } from '../object-store/expected-owner.js';
import {
  S3PortError,
  replicaAttributes,
  type CopyObjectRequest,
  type CreateMultipartUploadRequest,
  type ObjectHead,
  type PortAcl,
  type S3Port,
  type S3ReplicationPort,
} from './s3-port.js';

export function createLocalS3Port(store: ObjectStore, accountId: string): S3Port {
  return {
    getObject: (ref, options = {}) =>
      mapped(async () => {
        const conditions: Conditions | undefined = options.ifMatch === undefined ? undefined : { ifMatch: options.ifMatch };
        const result = await store.getObject(accountId, { bucket: ref.bucket, key: ref.key }, {
          ...(ref.versionId !== undefined ? { versionId: ref.versionId } : {}),
          ...(options.range ? { range: { start: options.range.start, ...(options.range.end !== undefined ? { end: options.range.end } : {}) } } : {}),
          ...(conditions ? { conditions } : {}),
          ...(options.partNumber !== undefined ? { partNumber: options.partNumber } : {}),
        });
        return {
          etag: result.info.etag,
          contentLength: result.contentLength,
          ...(result.info.versionId !== undefined ? { versionId: result.info.versionId } : {}),
          ...(options.partNumber !== undefined && result.info.partsCount !== undefined ? { partsCount: result.info.partsCount } : {}),
          body: result.body,
        };
      }),
    headObject: (ref) =>
      mapped(async () => {
        const { info, contentLength } = await store.headObject(
          accountId,
          { bucket: ref.bucket, key: ref.key },
          ref.versionId !== undefined ? { versionId: ref.versionId } : {},
        );
        return headOf(info, contentLength);
      }),
    putObject: (ref, body, options = {}) =>
      mapped(async () => {
        await checkExpectedBucketOwner(store, accountId, ref.bucket, options.expectedBucketOwner);
        const length = Buffer.isBuffer(body) ? body.length : options.contentLength;
        const result = await store.putObject(
          accountId,
          {
            bucket: ref.bucket,
            key: ref.key,
            ...(options.contentType ? { metadata: { system: { contentType: options.contentType }, user: {} } } : {}),
            ...(length !== undefined ? { integrity: { contentLength: length } } : {}),
            ...(options.encryption ? { encryption: options.encryption } : {}),
          },
          body,
        );
        return { etag: result.etag, ...(result.versionId !== undefined ? { versionId: result.versionId } : {}) };
      }),
    putObjectTagging: (ref, tags) => mapped(() => store.putObjectTagging(accountId, ref, tags)),
    deleteObjectTagging: (ref) => mapped(() => store.deleteObjectTagging(accountId, ref)),
    putObjectAcl: (ref, acl) => mapped(() => store.putObjectAcl(accountId, ref, aclForStore(store, accountId, acl))),
    restoreObject: (ref, request) => mapped(() => store.restoreObject(accountId, ref, request)),
    putObjectRetention: (ref, retention, options = {}) =>
      mapped(() =>
        store.putObjectRetention(accountId, ref, retention, options.bypassGovernanceRetention === true ? { bypassGovernanceRetention: true } : {}),
      ),
    putObjectLegalHold: (ref, on) => mapped(() => store.putObjectLegalHold(accountId, ref, on)),
    updateObjectEncryption: (ref, request) =>
      mapped(() =>
        store.updateObjectEncryption(accountId, ref, {
          sseKms: { kmsKeyArn: request.kmsKeyArn, ...(request.bucketKeyEnabled !== undefined ? { bucketKeyEnabled: request.bucketKeyEnabled } : {}) },
        }),
      ),
    copyObject: (request) =>
      mapped(async () => {
        const result = await store.copyObject(accountId, copyInput(store, accountId, request));
        return {
          etag: result.etag,
          ...(result.versionId !== undefined ? { versionId: result.versionId } : {}),
          ...(result.sourceVersionId !== undefined ? { sourceVersionId: result.sourceVersionId } : {}),
        };
      }),
    getObjectTagging: (ref) =>
      mapped(async () => {
        const result = await store.getObjectTagging(accountId, ref);
        return { tags: result.tags.map((t) => ({ key: t.key, value: t.value })), ...(result.versionId !== undefined ? { versionId: result.versionId } : {}) };
      }),
    createMultipartUpload: (request) => mapped(() => store.createMultipartUpload(accountId, createInput(store, accountId, request))),
    uploadPartCopy: (r) =>
      mapped(async () => {
        const sourceConditions: Conditions = {
          ...(r.ifMatch !== undefined ? { ifMatch: r.ifMatch } : {}),
          ...(r.ifModifiedSince !== undefined ? { ifModifiedSince: r.ifModifiedSince } : {}),
          ...(r.ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince: r.ifUnmodifiedSince } : {}),
        };
        const result = await store.uploadPartCopy(accountId, {
          bucket: r.bucket,
          key: r.key,
          uploadId: r.uploadId,
          partNumber: r.partNumber,
          source: r.source,
          range: r.range,
          sourceConditions,
        });
        return { etag: result.etag, ...(result.checksum ? { checksum: { algorithm: result.checksum.algorithm, value: result.checksum.value } } : {}) };
      }),
    completeMultipartUpload: (r) =>
      mapped(async () => {
        const result = await store.completeMultipartUpload(accountId, {
          bucket: r.bucket,
          key: r.key,
          uploadId: r.uploadId,
          parts: r.parts.map((p) => ({
            partNumber: p.partNumber,
            etag: p.etag,
            ...(p.checksum ? { checksums: { [p.checksum.algorithm as ChecksumAlgorithm]: p.checksum.value } } : {}),
          })),
        });
        return { etag: result.etag, ...(result.versionId !== undefined ? { versionId: result.versionId } : {}) };
      }),
    abortMultipartUpload: (u) => mapped(() => store.abortMultipartUpload(accountId, u.bucket, u.key, u.uploadId)),
    listObjects: (bucket, options = {}) =>
      mapped(async () => {
        await checkExpectedBucketOwner(store, accountId, bucket, options.expectedBucketOwner);
        const page = await store.listObjects(accountId, bucket, {
          ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
          ...(options.startAfter !== undefined ? { after: options.startAfter } : {}),
          maxKeys: options.maxKeys ?? 1000,
        });
        return {
          objects: page.objects.map((o) => ({ key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass })),
          isTruncated: page.isTruncated,
        };
      }),
    listObjectVersions: (bucket, options = {}) =>
      mapped(async () => {
        await checkExpectedBucketOwner(store, accountId, bucket, options.expectedBucketOwner);
        const page = await store.listObjectVersions(accountId, bucket, {
          ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
          ...(options.keyMarker !== undefined ? { keyMarker: options.keyMarker } : {}),
          ...(options.versionIdMarker !== undefined ? { versionIdMarker: options.versionIdMarker } : {}),
          maxKeys: options.maxKeys ?? 1000,
        });
        return {
          versions: page.versions
            .filter((v) => !v.deleteMarker)
            .map((v) => ({ key: v.key, size: v.size, etag: v.etag, lastModified: v.lastModified, storageClass: v.storageClass, versionId: v.versionId, isLatest: v.isLatest })),
          isTruncated: page.isTruncated,
          ...(page.nextKeyMarker !== undefined ? { nextKeyMarker: page.nextKeyMarker } : {}),
          ...(page.nextVersionIdMarker !== undefined ? { nextVersionIdMarker: page.nextVersionIdMarker } : {}),
        };
      }),
    replication: localReplication(store, accountId),
  };
}

/** The replication calls in-process: a replica keeps its source's version id and is marked REPLICA. */
function localReplication(store: ObjectStore, accountId: string): S3ReplicationPort {
  return {
    getBucketReplication: (bucket) => mapped(() => store.getBucketReplication(accountId, bucket)),
    getReplicationSource: (ref) =>
      mapped(async () => {
        const options = ref.versionId !== undefined ? { versionId: ref.versionId } : {};
        const { info, contentLength } = await store.headObject(accountId, { bucket: ref.bucket, key: ref.key }, options);
        // The version itself from here on: a newer write to the key cannot slip in between.
        const pinned = { bucket: ref.bucket, key: ref.key, ...(info.versionId !== undefined ? { versionId: info.versionId } : {}) };
        const [tagging, acl] = await Promise.all([store.getObjectTagging(accountId, pinned), store.getObjectAcl(accountId, pinned)]);
        return {
          head: headOf(info, contentLength),
          tags: tagging.tags.map((t) => ({ key: t.key, value: t.value })),
          grants: acl.acl.grants,
          lock: info.lock,
          ...(info.replicationStatus !== undefined ? { replicationStatus: info.replicationStatus } : {}),
        };
      }),
    putReplica: (r, body) =>
      mapped(async () => {
        const result = await store.putObject(
          accountId,
          {
            ...createInput(store, accountId, replicaAttributes(r)),
            integrity: { contentLength: r.contentLength },
            replica: r.replica !== undefined ? { versionId: r.replica.versionId } : {},
          },
          body,
        );
        return { etag: result.etag, ...(result.versionId !== undefined ? { versionId: result.versionId } : {}) };
      }),
    setReplicationStatus: (ref, status) => mapped(() => store.setReplicationStatus(accountId, ref, status)),
  };
}

/** HeadObject's answer on the port. */
function headOf(info: ObjectInfo, contentLength: number): ObjectHead {
  return {
    etag: info.etag,
    contentLength,
    lastModified: info.lastModified,
    metadata: { system: { ...info.metadata.system }, user: { ...info.metadata.user } },
    storageClass: info.storageClass,
    encryption: {
      algorithm: info.encryption.algorithm,
      ...(info.encryption.kmsKeyId !== undefined ? { kmsKeyId: info.encryption.kmsKeyId } : {}),
      ...(info.encryption.bucketKeyEnabled === true ? { bucketKeyEnabled: true } : {}),
    },
    ...(info.replicationStatus !== undefined ? { replicationStatus: info.replicationStatus } : {}),
    ...(info.versionId !== undefined ? { versionId: info.versionId } : {}),
  };
}

/**
 * The HTTP adapter refuses an AccessControlPolicy whose Owner is not the requester; the store
 * takes the owner as implied, so the same check is made here to keep both paths equal.
 */
function aclForStore(store: ObjectStore, accountId: string, acl: PortAcl): Parameters<ObjectStore['putObjectAcl']>[2] {
  if ('canned' in acl) return { canned: acl.canned };
  if (acl.owner !== undefined && acl.owner.id !== store.canonicalIdOf(accountId)) {
    throw new S3PortError('AccessDenied', 403, 'Access Denied: the Owner of the access control policy must be the requester');
  }
  return { grants: acl.grants };
}

function copyInput(store: ObjectStore, accountId: string, r: CopyObjectRequest): CopyObjectInput {
  const sourceConditions: Conditions = {
    ...(r.ifModifiedSince !== undefined ? { ifModifiedSince: r.ifModifiedSince } : {}),
    ...(r.ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince: r.ifUnmodifiedSince } : {}),
  };
  return {
    source: r.source,
    bucket: r.bucket,
    key: r.key,
    ...(r.metadataDirective ? { metadataDirective: r.metadataDirective } : {}),
    ...(r.metadataDirective === 'REPLACE' ? { metadata: r.metadata ?? { system: {}, user: {} } } : {}),
    ...(r.taggingDirective ? { taggingDirective: r.taggingDirective } : {}),
    ...(r.taggingDirective === 'REPLACE' ? { tags: r.tags ?? [] } : {}),
    ...(r.storageClass ? { storageClass: r.storageClass as NonNullable<CopyObjectInput['storageClass']> } : {}),
    ...(r.checksumAlgorithm ? { checksumAlgorithm: r.checksumAlgorithm as NonNullable<CopyObjectInput['checksumAlgorithm']> } : {}),
    ...(r.lock ? { lock: r.lock } : {}),
    ...(r.acl ? { acl: aclForStore(store, accountId, r.acl) } : {}),
    ...(r.encryption ? { encryption: r.encryption } : {}),
    ...(r.websiteRedirectLocation !== undefined ? { websiteRedirectLocation: r.websiteRedirectLocation } : {}),
    sourceConditions,
  };
}

function createInput(store: ObjectStore, accountId: string, r: CreateMultipartUploadRequest): CreateMultipartUploadInput {
  return {
    bucket: r.bucket,
    key: r.key,
    ...(r.metadata ? { metadata: r.metadata } : {}),
    ...(r.tags ? { tags: r.tags } : {}),
    ...(r.storageClass ? { storageClass: r.storageClass as NonNullable<CreateMultipartUploadInput['storageClass']> } : {}),
    ...(r.checksumAlgorithm ? { checksumAlgorithm: r.checksumAlgorithm as NonNullable<CreateMultipartUploadInput['checksumAlgorithm']> } : {}),
    ...(r.lock ? { lock: r.lock } : {}),
    ...(r.acl ? { acl: aclForStore(store, accountId, r.acl) } : {}),
    ...(r.encryption ? { encryption: r.encryption } : {}),
  };
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isS3Error(err)) throw new S3PortError(err.code, err.status, err.message, { cause: err });
    // A full disk is a condition, not a bug: the S3 API answers it 503 ServiceUnavailable
    // (object-store/http/s3-api.ts toS3Error), so the in-process path does too. Any other error
    // of the embedded store is s3batch's own failure and stays as it is (an internal error).
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC') {
      throw new S3PortError('ServiceUnavailable', 503, 'The server is out of disk space.', { cause: err });
    }
    throw err;
  }
}
