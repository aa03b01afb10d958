/**
 * The S3 route table: (method, scope, subresource) → operation. The scope is what the path
 * names (the service, a bucket, an object); the subresource is the first query parameter of
 * SUBRESOURCES the request carries. Subresources S3 has and this server does not answer 501.
 */
import * as bucket from './routes/bucket.js';
import * as multipart from './routes/multipart.js';
import * as object from './routes/object.js';
import * as replication from './routes/replication.js';
import * as sub from './routes/subresource.js';
import { header, type S3Request } from './request.js';

export type Scope = 'service' | 'bucket' | 'object';

export interface S3Route {
  readonly operation: string;
  readonly method: string;
  readonly scope: Scope;
  /** The subresource query parameter, '' for none. */
  readonly sub: string;
  readonly when?: (r: S3Request) => boolean;
  readonly handle: (r: S3Request) => Promise<void>;
}

/** In priority order: the first one present names the subresource. */
export const SUBRESOURCES = [
  'uploadId',
  'uploads',
  'acl',
  'tagging',
  'versioning',
  'versions',
  'location',
  'delete',
  'restore',
  'retention',
  'legal-hold',
  'object-lock',
  'attributes',
  'cors',
  'policy',
  'policyStatus',
  'lifecycle',
  'website',
  'logging',
  'notification',
  'replication',
  'encryption',
  'accelerate',
  'requestPayment',
  'analytics',
  'inventory',
  'metrics',
  'intelligent-tiering',
  'ownershipControls',
  'publicAccessBlock',
  'select',
  'select-type',
  'torrent',
  'session',
  'renameObject',
  'metadataTable',
  'metadataConfiguration',
] as const;

const copying = (r: S3Request): boolean => header(r, 'x-amz-copy-source') !== undefined;
const notCopying = (r: S3Request): boolean => !copying(r);

const route = (
  operation: string,
  method: string,
  scope: Scope,
  subresource: string,
  handle: S3Route['handle'],
  when?: S3Route['when'],
): S3Route => ({ operation, method, scope, sub: subresource, handle, ...(when ? { when } : {}) });

export const ROUTES: readonly S3Route[] = [
  route('ListBuckets', 'GET', 'service', '', bucket.listBuckets),

  route('ListObjects', 'GET', 'bucket', '', bucket.listObjects),
  route('CreateBucket', 'PUT', 'bucket', '', bucket.createBucket),
  route('DeleteBucket', 'DELETE', 'bucket', '', bucket.deleteBucket),
  route('HeadBucket', 'HEAD', 'bucket', '', bucket.headBucket),
  route('GetBucketLocation', 'GET', 'bucket', 'location', bucket.getBucketLocation),
  route('GetBucketVersioning', 'GET', 'bucket', 'versioning', bucket.getBucketVersioning),
  route('PutBucketVersioning', 'PUT', 'bucket', 'versioning', bucket.putBucketVersioning),
  route('ListObjectVersions', 'GET', 'bucket', 'versions', bucket.listObjectVersions),
  route('ListMultipartUploads', 'GET', 'bucket', 'uploads', bucket.listMultipartUploads),
  route('DeleteObjects', 'POST', 'bucket', 'delete', bucket.deleteObjects),
  route('GetObjectLockConfiguration', 'GET', 'bucket', 'object-lock', bucket.getObjectLockConfiguration),
  route('PutObjectLockConfiguration', 'PUT', 'bucket', 'object-lock', bucket.putObjectLockConfiguration),
  route('GetBucketAcl', 'GET', 'bucket', 'acl', sub.getBucketAcl),
  route('PutBucketAcl', 'PUT', 'bucket', 'acl', sub.putBucketAcl),
  route('GetBucketEncryption', 'GET', 'bucket', 'encryption', bucket.getBucketEncryption),
  route('GetBucketCors', 'GET', 'bucket', 'cors', bucket.unsetConfiguration('NoSuchCORSConfiguration', 'The CORS configuration does not exist')),
  route('GetBucketPolicy', 'GET', 'bucket', 'policy', bucket.unsetConfiguration('NoSuchBucketPolicy', 'The bucket policy does not exist')),
  route(
    'GetBucketLifecycleConfiguration',
    'GET',
    'bucket',
    'lifecycle',
    bucket.unsetConfiguration('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'),
  ),
  route('GetBucketTagging', 'GET', 'bucket', 'tagging', bucket.unsetConfiguration('NoSuchTagSet', 'The TagSet does not exist')),
  route('GetBucketWebsite', 'GET', 'bucket', 'website', bucket.unsetConfiguration('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration')),
  route('GetBucketReplication', 'GET', 'bucket', 'replication', replication.getBucketReplication),
  route('PutBucketReplication', 'PUT', 'bucket', 'replication', replication.putBucketReplication),
  route('DeleteBucketReplication', 'DELETE', 'bucket', 'replication', replication.deleteBucketReplication),

  route('GetObject', 'GET', 'object', '', object.getObject),
  route('HeadObject', 'HEAD', 'object', '', object.headObject),
  route('CopyObject', 'PUT', 'object', '', object.copyObject, copying),
  route('PutObject', 'PUT', 'object', '', object.putObject, notCopying),
  route('DeleteObject', 'DELETE', 'object', '', object.deleteObject),
  route('GetObjectAttributes', 'GET', 'object', 'attributes', object.getObjectAttributes),

  route('CreateMultipartUpload', 'POST', 'object', 'uploads', multipart.createMultipartUpload),
  route('UploadPartCopy', 'PUT', 'object', 'uploadId', multipart.uploadPartCopy, copying),
  route('UploadPart', 'PUT', 'object', 'uploadId', multipart.uploadPart, notCopying),
  route('CompleteMultipartUpload', 'POST', 'object', 'uploadId', multipart.completeMultipartUpload),
  route('AbortMultipartUpload', 'DELETE', 'object', 'uploadId', multipart.abortMultipartUpload),
  route('ListParts', 'GET', 'object', 'uploadId', multipart.listParts),

  route('GetObjectTagging', 'GET', 'object', 'tagging', sub.getObjectTagging),
  route('PutObjectTagging', 'PUT', 'object', 'tagging', sub.putObjectTagging),
  route('DeleteObjectTagging', 'DELETE', 'object', 'tagging', sub.deleteObjectTagging),
  route('GetObjectAcl', 'GET', 'object', 'acl', sub.getObjectAcl),
  route('PutObjectAcl', 'PUT', 'object', 'acl', sub.putObjectAcl),
  route('RestoreObject', 'POST', 'object', 'restore', sub.restoreObject),
  route('GetObjectRetention', 'GET', 'object', 'retention', sub.getObjectRetention),
  route('PutObjectRetention', 'PUT', 'object', 'retention', sub.putObjectRetention),
  route('GetObjectLegalHold', 'GET', 'object', 'legal-hold', sub.getObjectLegalHold),
  route('PutObjectLegalHold', 'PUT', 'object', 'legal-hold', sub.putObjectLegalHold),
  route('UpdateObjectEncryption', 'PUT', 'object', 'encryption', sub.updateObjectEncryption),
];

const TABLE = new Map<string, S3Route[]>();
for (const r of ROUTES) {
  const k = `${r.method} ${r.scope} ${r.sub}`;
  TABLE.set(k, [...(TABLE.get(k) ?? []), r]);
}
const S3_METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);

export function subresourceOf(query: ReadonlyMap<string, string>): string {
  for (const s of SUBRESOURCES) if (query.has(s)) return s;
  return '';
}

export type RouteMatch = { route: S3Route } | { problem: 'not-implemented' | 'method-not-allowed' };

export function findRoute(method: string, scope: Scope, subresource: string, r: S3Request): RouteMatch {
  const candidates = TABLE.get(`${method} ${scope} ${subresource}`);
  const match = candidates?.find((c) => !c.when || c.when(r));
  if (match) return { route: match };
  return { problem: S3_METHODS.has(method) ? 'not-implemented' : 'method-not-allowed' };
}

/** The operation name for logs and metrics, before the request is authenticated. */
export function operationName(method: string, scope: Scope, subresource: string): string {
  return TABLE.get(`${method} ${scope} ${subresource}`)?.[0]?.operation ?? 'Unknown';
}
