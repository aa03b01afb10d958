/** Object tagging, ACLs (objects and buckets), restore, retention, legal hold and UpdateObjectEncryption. */
import { aclFromHeaders } from '../../acl.js';
import { S3Error, UPDATE_ENCRYPTION_MESSAGES, malformedXml } from '../../errors.js';
import type { AclInput, ObjectRef } from '../../object-store.js';
import { aclXml, doc, iso } from '../render.js';
import { replyEmpty, replyXml } from '../reply.js';
import { header, readXmlBody, type S3Request } from '../request.js';
import { aclFromXml, child, root, tagsFromXml, text } from '../xml-in.js';

function refOf(r: S3Request): ObjectRef {
  const versionId = r.query.get('versionId');
  return { bucket: r.bucket, key: r.key, ...(versionId !== undefined ? { versionId } : {}) };
}

const bypass = (r: S3Request): boolean => (header(r, 'x-amz-bypass-governance-retention') ?? '').toLowerCase() === 'true';

export async function getObjectTagging(r: S3Request): Promise<void> {
  const { tags, versionId } = await r.store.getObjectTagging(r.account, refOf(r));
  replyXml(r, doc('Tagging', { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } }), { 'x-amz-version-id': versionId });
}

export async function putObjectTagging(r: S3Request): Promise<void> {
  const tags = tagsFromXml(await readXmlBody(r));
  const { versionId } = await r.store.putObjectTagging(r.account, refOf(r), tags);
  replyEmpty(r, 200, { 'x-amz-version-id': versionId });
}

export async function deleteObjectTagging(r: S3Request): Promise<void> {
  const { versionId } = await r.store.deleteObjectTagging(r.account, refOf(r));
  replyEmpty(r, 204, { 'x-amz-version-id': versionId });
}

/** An ACL from the x-amz-acl / x-amz-grant-* headers, or else from the body. */
async function aclInput(r: S3Request): Promise<AclInput> {
  const fromHeaders = aclFromHeaders(r.req.headers);
  const body = await readXmlBody(r, { optional: fromHeaders !== undefined });
  if (fromHeaders && body) throw new S3Error('UnexpectedContent', 'This request does not support content when the ACL is given in headers');
  if (fromHeaders) return fromHeaders;
  const { ownerId, grants } = aclFromXml(body);
  if (ownerId !== undefined && ownerId !== r.store.canonicalIdOf(r.account)) {
    throw new S3Error('AccessDenied', 'Access Denied: the Owner of the access control policy must be the requester');
  }
  return { grants };
}

export async function getObjectAcl(r: S3Request): Promise<void> {
  const { acl, versionId } = await r.store.getObjectAcl(r.account, refOf(r));
  replyXml(r, aclXml(acl), { 'x-amz-version-id': versionId });
}

export async function putObjectAcl(r: S3Request): Promise<void> {
  const acl = await aclInput(r);
  const { versionId } = await r.store.putObjectAcl(r.account, refOf(r), acl);
  replyEmpty(r, 200, { 'x-amz-version-id': versionId });
}

export async function getBucketAcl(r: S3Request): Promise<void> {
  replyXml(r, aclXml(await r.store.getBucketAcl(r.account, r.bucket)));
}

export async function putBucketAcl(r: S3Request): Promise<void> {
  await r.store.putBucketAcl(r.account, r.bucket, await aclInput(r));
  replyEmpty(r);
}

export async function restoreObject(r: S3Request): Promise<void> {
  const body = await readXmlBody(r, { optional: true });
  const request = body ? root(body, 'RestoreRequest') : {};
  if (text(request, 'Type') !== undefined) throw new S3Error('NotImplemented', 'SELECT restore requests are not supported by this server');
  // Whether Days may be absent depends on the object (local/subresources.ts restoreObject); its
  // syntax does not.
  const daysText = text(request, 'Days');
  if (daysText !== undefined && !/^\d{1,10}$/.test(daysText)) throw malformedXml('Days must be a positive integer');
  const tierText = child(request, 'GlacierJobParameters') ? text(child(request, 'GlacierJobParameters') ?? {}, 'Tier') : undefined;
  if (tierText !== undefined && tierText !== 'Standard' && tierText !== 'Bulk' && tierText !== 'Expedited') {
    throw malformedXml('Tier must be Standard, Bulk or Expedited');
  }
  const { status, versionId } = await r.store.restoreObject(r.account, refOf(r), {
    ...(daysText !== undefined ? { days: Number(daysText) } : {}),
    ...(tierText !== undefined ? { tier: tierText } : {}),
  });
  replyEmpty(r, status === 'accepted' ? 202 : 200, { 'x-amz-version-id': versionId });
}

export async function getObjectRetention(r: S3Request): Promise<void> {
  const { mode, retainUntil } = await r.store.getObjectRetention(r.account, refOf(r));
  replyXml(r, doc('Retention', { Mode: mode, RetainUntilDate: iso(retainUntil) }));
}

export async function putObjectRetention(r: S3Request): Promise<void> {
  const retention = root(await readXmlBody(r), 'Retention');
  const mode = text(retention, 'Mode');
  const until = text(retention, 'RetainUntilDate');
  if (mode !== undefined && mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw malformedXml('Mode must be GOVERNANCE or COMPLIANCE');
  let retainUntil: number | undefined;
  if (until !== undefined) {
    retainUntil = Date.parse(until);
    if (Number.isNaN(retainUntil)) throw malformedXml('RetainUntilDate must be an ISO 8601 date');
  }
  const { versionId } = await r.store.putObjectRetention(
    r.account,
    refOf(r),
    { ...(mode !== undefined ? { mode } : {}), ...(retainUntil !== undefined ? { retainUntil } : {}) },
    { bypassGovernanceRetention: bypass(r) },
  );
  replyEmpty(r, 200, { 'x-amz-version-id': versionId });
}

export async function getObjectLegalHold(r: S3Request): Promise<void> {
  const { status } = await r.store.getObjectLegalHold(r.account, refOf(r));
  replyXml(r, doc('LegalHold', { Status: status }));
}

export async function putObjectLegalHold(r: S3Request): Promise<void> {
  const hold = root(await readXmlBody(r), 'LegalHold');
  const status = text(hold, 'Status');
  if (status !== 'ON' && status !== 'OFF') throw malformedXml('Status must be ON or OFF');
  const { versionId } = await r.store.putObjectLegalHold(r.account, refOf(r), status === 'ON');
  replyEmpty(r, 200, { 'x-amz-version-id': versionId });
}

/**
 * UpdateObjectEncryption: `PUT /{key}?encryption` with
 * `<ObjectEncryption><SSE-KMS><KMSKeyArn>…</KMSKeyArn><BucketKeyEnabled>…</BucketKeyEnabled></SSE-KMS></ObjectEncryption>`
 * (what @aws-sdk/client-s3's UpdateObjectEncryptionCommand sends); 200 with no body. Conditional
 * headers are not part of the call and are ignored, as S3 ignores them on calls that take none
 * (s3/http-s3-client.ts sends If-None-Match: * for a reason of its own).
 */
export async function updateObjectEncryption(r: S3Request): Promise<void> {
  const encryption = root(await readXmlBody(r), 'ObjectEncryption');
  const sseKms = child(encryption, 'SSE-KMS');
  let update = {};
  if (sseKms !== undefined) {
    const kmsKeyArn = text(sseKms, 'KMSKeyArn');
    const bucketKey = text(sseKms, 'BucketKeyEnabled');
    if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') throw new S3Error('InvalidRequest', UPDATE_ENCRYPTION_MESSAGES.badBucketKey);
    update = { sseKms: { ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}), ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey === 'true' } : {}) } };
  }
  await r.store.updateObjectEncryption(r.account, refOf(r), update);
  replyEmpty(r, 200);
}
