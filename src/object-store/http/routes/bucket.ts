/** Service and bucket operations. */
import { ownerOf } from '../../acl.js';
import { S3Error, invalidArgument, malformedXml } from '../../errors.js';
import type { LockMode } from '../../object-store.js';
import { aclFromHeaders } from '../../acl.js';
import { doc, iso, listUploadsXml, listV1Xml, listV2Xml, listVersionsXml, ownerXml } from '../render.js';
import { replyEmpty, replyXml } from '../reply.js';
import { header, queryInt, readXmlBody, type S3Request } from '../request.js';
import { all, asElement, child, root, text } from '../xml-in.js';
import { MAX_LIST_KEYS } from '../../local/listing.js';

const MAX_BUCKETS = 10_000;
/** A ListBuckets continuation token: the last name of the page, marked so that a foreign token is refused. */
const bucketToken = (name: string): string => Buffer.from(`b:${name}`).toString('base64url');

/**
 * ListBuckets with S3's parameters: `prefix` (echoed as <Prefix>), `bucket-region` (only buckets
 * of that region), `max-buckets` (1 to 10,000) and `continuation-token`, which S3 answers with
 * <ContinuationToken> when more buckets follow (there is no NextContinuationToken here).
 */
export async function listBuckets(r: S3Request): Promise<void> {
  const prefix = r.query.get('prefix') ?? '';
  const region = r.query.get('bucket-region');
  const asked = queryInt(r, 'max-buckets');
  if (asked !== undefined && (asked < 1 || asked > MAX_BUCKETS)) {
    throw invalidArgument(`Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS}`, 'max-buckets', String(asked));
  }
  const max = asked ?? MAX_BUCKETS;
  const token = r.query.get('continuation-token');
  let after = '';
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || !decoded.startsWith('b:') || bucketToken(decoded.slice(2)) !== token) {
      throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
    }
    after = decoded.slice(2);
  }
  const all = (await r.store.listBuckets(r.account)).filter(
    (b) => b.name.startsWith(prefix) && b.name > after && (region === undefined || b.region === region),
  );
  const page = all.slice(0, max);
  const last = page[page.length - 1];
  replyXml(
    r,
    doc('ListAllMyBucketsResult', {
      Owner: ownerXml(ownerOf(r.account)),
      Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: iso(b.created), BucketRegion: b.region })) },
      ...(all.length > max && last ? { ContinuationToken: bucketToken(last.name) } : {}),
      ...(r.query.has('prefix') ? { Prefix: prefix } : {}),
    }),
  );
}

// An AWS region name: us-east-1, eu-central-2, ap-southeast-5, us-gov-west-1, cn-north-1, ...
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The region a CreateBucketConfiguration asks for, checked as S3 checks it: us-east-1 is asked by
 * sending no LocationConstraint, so naming it (or anything that is no region) is 400
 * InvalidLocationConstraint; another region than the endpoint's is 400
 * IllegalLocationConstraintException. `EU` is S3's old name of eu-west-1.
 */
function checkLocationConstraint(location: string | undefined, region: string): void {
  if (location === undefined || location === '') return;
  const asked = location === 'EU' ? 'eu-west-1' : location;
  if (asked === 'us-east-1' || !REGION_NAME.test(asked)) {
    throw new S3Error('InvalidLocationConstraint', `The specified location-constraint is not valid: ${location}${asked === 'us-east-1' ? ' (us-east-1 is asked for by sending no LocationConstraint)' : ''}`, {
      fields: { LocationConstraint: location },
    });
  }
  if (asked !== region) {
    throw new S3Error(
      'IllegalLocationConstraintException',
      `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to (${region}).`,
    );
  }
}

export async function createBucket(r: S3Request): Promise<void> {
  const body = await readXmlBody(r, { optional: true });
  if (body !== undefined) checkLocationConstraint(text(root(body, 'CreateBucketConfiguration'), 'LocationConstraint'), r.region);
  const lock = (header(r, 'x-amz-bucket-object-lock-enabled') ?? '').toLowerCase() === 'true';
  const acl = aclFromHeaders(r.req.headers);
  await r.store.createBucket(r.account, r.bucket, { objectLockEnabled: lock, ...(acl ? { acl } : {}) });
  replyEmpty(r, 200, { Location: `/${r.bucket}` });
}

export async function deleteBucket(r: S3Request): Promise<void> {
  await r.store.deleteBucket(r.account, r.bucket);
  replyEmpty(r, 204);
}

export async function headBucket(r: S3Request): Promise<void> {
  const info = await r.store.headBucket(r.account, r.bucket);
  replyEmpty(r, 200, { 'x-amz-bucket-region': info.region, 'x-amz-access-point-alias': 'false' });
}

export async function getBucketLocation(r: S3Request): Promise<void> {
  const info = await r.store.headBucket(r.account, r.bucket);
  // us-east-1 answers with an empty LocationConstraint, as S3 does.
  replyXml(r, doc('LocationConstraint', info.region === 'us-east-1' ? {} : { '#text': info.region }));
}

export async function getBucketVersioning(r: S3Request): Promise<void> {
  const status = await r.store.getBucketVersioning(r.account, r.bucket);
  replyXml(r, doc('VersioningConfiguration', status ? { Status: status } : {}));
}

export async function putBucketVersioning(r: S3Request): Promise<void> {
  const config = root(await readXmlBody(r), 'VersioningConfiguration');
  const status = text(config, 'Status');
  if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml('Status must be Enabled or Suspended');
  const mfa = text(config, 'MfaDelete');
  if (mfa === 'Enabled') throw new S3Error('NotImplemented', 'MFA Delete is not supported by this server');
  await r.store.putBucketVersioning(r.account, r.bucket, status);
  replyEmpty(r);
}

export async function getObjectLockConfiguration(r: S3Request): Promise<void> {
  const config = await r.store.getObjectLockConfiguration(r.account, r.bucket);
  const rule = config.defaultRetention;
  replyXml(
    r,
    doc('ObjectLockConfiguration', {
      ObjectLockEnabled: 'Enabled',
      ...(rule
        ? { Rule: { DefaultRetention: { Mode: rule.mode, ...(rule.days !== undefined ? { Days: rule.days } : { Years: rule.years }) } } }
        : {}),
    }),
  );
}

export async function putObjectLockConfiguration(r: S3Request): Promise<void> {
  const config = root(await readXmlBody(r), 'ObjectLockConfiguration');
  if (text(config, 'ObjectLockEnabled') !== 'Enabled') throw malformedXml('ObjectLockEnabled must be Enabled');
  const rule = child(config, 'Rule');
  const retention = rule ? child(rule, 'DefaultRetention') : undefined;
  let defaultRetention: { mode: LockMode; days?: number; years?: number } | undefined;
  if (retention) {
    const mode = text(retention, 'Mode');
    if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw malformedXml('DefaultRetention Mode must be GOVERNANCE or COMPLIANCE');
    const days = text(retention, 'Days');
    const years = text(retention, 'Years');
    const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : /^\d{1,6}$/.test(s) ? Number(s) : NaN);
    defaultRetention = {
      mode,
      ...(days !== undefined ? { days: num(days) as number } : {}),
      ...(years !== undefined ? { years: num(years) as number } : {}),
    };
  }
  await r.store.putObjectLockConfiguration(r.account, r.bucket, { enabled: true, ...(defaultRetention ? { defaultRetention } : {}) });
  replyEmpty(r);
}

function encodingType(r: S3Request): 'url' | undefined {
  const e = r.query.get('encoding-type');
  if (e === undefined || e === '') return undefined;
  if (e !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', e);
  return 'url';
}

function maxKeys(r: S3Request, name = 'max-keys'): number {
  const n = queryInt(r, name);
  if (n === undefined) return MAX_LIST_KEYS;
  if (n < 0) throw invalidArgument(`Argument ${name} must be an integer between 0 and 2147483647`, name, String(n));
  return Math.min(n, MAX_LIST_KEYS);
}

export async function listObjects(r: S3Request): Promise<void> {
  const prefix = r.query.get('prefix') ?? '';
  const delimiter = r.query.get('delimiter') || undefined;
  const max = maxKeys(r);
  const enc = encodingType(r);
  const owner = (a: string) => ownerOf(a);
  if (r.query.get('list-type') === '2') {
    const token = r.query.get('continuation-token');
    let after = r.query.get('start-after') || undefined;
    if (token !== undefined) {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (token === '' || !decoded.startsWith('k:')) {
        throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
      }
      after = decoded.slice(2);
    }
    const result = await r.store.listObjects(r.account, r.bucket, {
      prefix,
      ...(delimiter !== undefined ? { delimiter } : {}),
      ...(after !== undefined ? { after } : {}),
      maxKeys: max,
    });
    const fetchOwner = r.query.get('fetch-owner') === 'true';
    replyXml(
      r,
      listV2Xml(result, {
        bucket: r.bucket,
        prefix,
        ...(delimiter !== undefined ? { delimiter } : {}),
        maxKeys: max,
        ...(enc ? { encodingType: enc } : {}),
        ...(token !== undefined ? { continuationToken: token } : {}),
        ...(result.isTruncated && result.next !== undefined
          ? { nextContinuationToken: Buffer.from(`k:${result.next}`).toString('base64url') }
          : {}),
        ...(r.query.has('start-after') ? { startAfter: r.query.get('start-after') as string } : {}),
        ...(fetchOwner ? { owner } : {}),
      }),
    );
    return;
  }
  const marker = r.query.get('marker') ?? '';
  const result = await r.store.listObjects(r.account, r.bucket, {
    prefix,
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(marker !== '' ? { after: marker } : {}),
    maxKeys: max,
  });
  replyXml(
    r,
    listV1Xml(result, { bucket: r.bucket, prefix, ...(delimiter !== undefined ? { delimiter } : {}), marker, maxKeys: max, ...(enc ? { encodingType: enc } : {}), owner }),
  );
}

export async function listObjectVersions(r: S3Request): Promise<void> {
  const prefix = r.query.get('prefix') ?? '';
  const delimiter = r.query.get('delimiter') || undefined;
  const keyMarker = r.query.get('key-marker') ?? '';
  const versionIdMarker = r.query.get('version-id-marker') ?? '';
  if (versionIdMarker !== '' && keyMarker === '') {
    throw invalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', versionIdMarker);
  }
  const max = maxKeys(r);
  const enc = encodingType(r);
  const result = await r.store.listObjectVersions(r.account, r.bucket, {
    prefix,
    ...(delimiter !== undefined ? { delimiter } : {}),
    keyMarker,
    versionIdMarker,
    maxKeys: max,
  });
  replyXml(
    r,
    listVersionsXml(result, {
      bucket: r.bucket,
      prefix,
      ...(delimiter !== undefined ? { delimiter } : {}),
      keyMarker,
      versionIdMarker,
      maxKeys: max,
      ...(enc ? { encodingType: enc } : {}),
      owner: ownerOf,
    }),
  );
}

export async function listMultipartUploads(r: S3Request): Promise<void> {
  const prefix = r.query.get('prefix') ?? '';
  const delimiter = r.query.get('delimiter') || undefined;
  const keyMarker = r.query.get('key-marker') ?? '';
  const uploadIdMarker = r.query.get('upload-id-marker') ?? '';
  const max = maxKeys(r, 'max-uploads');
  const enc = encodingType(r);
  const result = await r.store.listMultipartUploads(r.account, r.bucket, {
    prefix,
    ...(delimiter !== undefined ? { delimiter } : {}),
    keyMarker,
    uploadIdMarker,
    maxUploads: max,
  });
  replyXml(
    r,
    listUploadsXml(result, {
      bucket: r.bucket,
      prefix,
      ...(delimiter !== undefined ? { delimiter } : {}),
      keyMarker,
      uploadIdMarker,
      maxUploads: max,
      ...(enc ? { encodingType: enc } : {}),
      owner: ownerOf,
    }),
  );
}

export async function deleteObjects(r: S3Request): Promise<void> {
  const del = root(await readXmlBody(r), 'Delete');
  const quiet = text(del, 'Quiet') === 'true';
  const objects = all(del, 'Object').map((o) => {
    const el = asElement(o, 'Object');
    const key = text(el, 'Key');
    if (key === undefined) throw malformedXml('every <Object> needs a <Key>');
    const versionId = text(el, 'VersionId');
    return { key, ...(versionId !== undefined ? { versionId } : {}) };
  });
  if (objects.length === 0) throw malformedXml('<Delete> lists no <Object>');
  if (objects.length > 1000) throw malformedXml('<Delete> lists more than 1000 objects');
  const bypass = (header(r, 'x-amz-bypass-governance-retention') ?? '').toLowerCase() === 'true';
  const result = await r.store.deleteObjects(r.account, r.bucket, objects, { bypassGovernanceRetention: bypass });
  replyXml(
    r,
    doc('DeleteResult', {
      Deleted: quiet
        ? []
        : result.deleted.map((d) => ({
            Key: d.key,
            ...(d.versionId !== undefined ? { VersionId: d.versionId } : {}),
            ...(d.deleteMarker ? { DeleteMarker: true } : {}),
            ...(d.deleteMarkerVersionId !== undefined ? { DeleteMarkerVersionId: d.deleteMarkerVersionId } : {}),
          })),
      Error: result.errors.map((e) => ({
        Key: e.key,
        ...(e.versionId !== undefined ? { VersionId: e.versionId } : {}),
        Code: e.code,
        Message: e.message,
      })),
    }),
  );
}

/** Bucket configurations this server does not keep: read as S3 reads an unset one. */
export function unsetConfiguration(code: S3Error['code'], message: string) {
  return async (r: S3Request): Promise<void> => {
    await r.store.headBucket(r.account, r.bucket);
    throw new S3Error(code, message, { fields: { BucketName: r.bucket } });
  };
}

export async function getBucketEncryption(r: S3Request): Promise<void> {
  await r.store.headBucket(r.account, r.bucket);
  replyXml(
    r,
    doc('ServerSideEncryptionConfiguration', {
      Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
    }),
  );
}
