/**
 * Access control lists as S3 stores and returns them: canned ACLs expanded into grants, explicit
 * grants kept as given, the owner always the writing account. ACLs are recorded and returned; the
 * store's access rule stays "the bucket owner only" (as with S3's default BucketOwnerEnforced).
 */
import { createHash } from 'node:crypto';
import { S3Error, invalidArgument } from './errors.js';
import type { AccessControlPolicy, AclInput, Grant, Grantee, Owner, Permission } from './object-store.js';

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

export const PERMISSIONS: readonly Permission[] = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'];

export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;

/** S3's canonical user id for an account: stable, 64 hex digits. */
export function canonicalIdOf(account: string): string {
  return createHash('sha256').update(`s3batch canonical user ${account}`).digest('hex');
}

export function ownerOf(account: string): Owner {
  return { id: canonicalIdOf(account), displayName: account };
}

const group = (uri: string, permission: Permission): Grant => ({ grantee: { type: 'Group', uri }, permission });

/** Expands an ACL input into the policy to store, for an object/bucket owned by `account`. */
export function resolveAcl(input: AclInput | undefined, account: string, bucketOwner: string): AccessControlPolicy {
  const owner = ownerOf(account);
  const ownerFull: Grant = { grantee: { type: 'CanonicalUser', id: owner.id, displayName: owner.displayName }, permission: 'FULL_CONTROL' };
  if (input === undefined) return { owner, grants: [ownerFull] };
  if ('canned' in input) {
    const bucketOwnerGrantee: Grantee = { type: 'CanonicalUser', id: canonicalIdOf(bucketOwner), displayName: bucketOwner };
    switch (input.canned) {
      case 'private':
      case 'aws-exec-read':
        return { owner, grants: [ownerFull] };
      case 'public-read':
        return { owner, grants: [ownerFull, group(ALL_USERS, 'READ')] };
      case 'public-read-write':
        return { owner, grants: [ownerFull, group(ALL_USERS, 'READ'), group(ALL_USERS, 'WRITE')] };
      case 'authenticated-read':
        return { owner, grants: [ownerFull, group(AUTHENTICATED_USERS, 'READ')] };
      case 'bucket-owner-read':
        return { owner, grants: bucketOwner === account ? [ownerFull] : [ownerFull, { grantee: bucketOwnerGrantee, permission: 'READ' }] };
      case 'bucket-owner-full-control':
        return {
          owner,
          grants: bucketOwner === account ? [ownerFull] : [ownerFull, { grantee: bucketOwnerGrantee, permission: 'FULL_CONTROL' }],
        };
      case 'log-delivery-write':
        return { owner, grants: [ownerFull, group(LOG_DELIVERY, 'WRITE'), group(LOG_DELIVERY, 'READ_ACP')] };
      default:
        throw invalidArgument(`The canned ACL "${input.canned}" is not one of ${CANNED_ACLS.join(', ')}`, 'x-amz-acl', input.canned);
    }
  }
  if (input.owner !== undefined && input.owner.id !== owner.id) {
    throw new S3Error('AccessDenied', 'The Owner of an access control policy must be the requester');
  }
  if (input.grants.length > 100) throw new S3Error('MalformedACLError', 'An access control list holds at most 100 grants');
  validateGrantees(input.grants);
  return { owner, grants: input.grants.map((g) => ({ ...g })) };
}

/** The groups S3 knows (S3 User Guide, "Access control list (ACL) overview", Amazon S3 predefined groups). */
export const KNOWN_GROUPS: ReadonlySet<string> = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);
const CANONICAL_ID = /^[0-9a-f]{64}$/i;

/**
 * Refuses a grantee S3 refuses, whichever way the grants came (an AccessControlPolicy body,
 * x-amz-grant-* headers on PutObjectAcl/PutBucketAcl/PutObject/CopyObject/CreateMultipartUpload/
 * CreateBucket, or a job's operation through the in-process port): every path reaches resolveAcl.
 * - a Group URI that is none of S3's groups: 400 InvalidArgument "Invalid group uri";
 * - a canonical user id that is not 64 hex digits: 400 InvalidArgument "Invalid id";
 * - an e-mail grantee: S3 resolves the address to an account, and answers 400
 *   UnresolvableGrantByEmailAddress when it cannot. This server knows accounts only by id, so
 *   it can resolve none (and storing the grant as given would record a grant S3 never holds).
 */
export function validateGrantees(grants: readonly Grant[]): void {
  for (const { grantee } of grants) {
    if (grantee.type === 'Group') {
      if (!KNOWN_GROUPS.has(grantee.uri)) {
        throw invalidArgument(`Invalid group uri: ${grantee.uri} is not one of ${[...KNOWN_GROUPS].join(', ')}`, 'uri', grantee.uri);
      }
    } else if (grantee.type === 'CanonicalUser') {
      if (!CANONICAL_ID.test(grantee.id)) {
        throw invalidArgument('Invalid id: a canonical user id is 64 hexadecimal digits', 'CanonicalUser/ID', grantee.id);
      }
    } else {
      throw new S3Error('UnresolvableGrantByEmailAddress', 'The e-mail address you provided does not match any account on record.', {
        fields: { EmailAddress: grantee.email },
      });
    }
  }
}

const HEADER_PERMISSION: Record<string, Permission> = {
  'x-amz-grant-full-control': 'FULL_CONTROL',
  'x-amz-grant-read': 'READ',
  'x-amz-grant-read-acp': 'READ_ACP',
  'x-amz-grant-write': 'WRITE',
  'x-amz-grant-write-acp': 'WRITE_ACP',
};

/**
 * `x-amz-acl` or the `x-amz-grant-*` headers (`id="…", uri="…", emailAddress="…"`) as an ACL
 * input; undefined when the request has none. Both at once is S3's InvalidRequest.
 */
export function aclFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): AclInput | undefined {
  const canned = headers['x-amz-acl'];
  const grants: Grant[] = [];
  for (const [name, permission] of Object.entries(HEADER_PERMISSION)) {
    const value = headers[name];
    if (typeof value !== 'string' || value.trim() === '') continue;
    for (const item of splitGrantees(value)) grants.push({ grantee: parseGranteeSpec(item, name), permission });
  }
  if (typeof canned === 'string' && canned !== '') {
    if (grants.length > 0) {
      throw new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
    }
    return { canned };
  }
  return grants.length > 0 ? { grants } : undefined;
}

function splitGrantees(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

function parseGranteeSpec(item: string, header: string): Grantee {
  const m = /^(id|uri|emailAddress)\s*=\s*"?([^"]*)"?$/i.exec(item);
  if (!m) throw invalidArgument(`Invalid grantee in ${header}: "${item}"`, header, item);
  const kind = (m[1] ?? '').toLowerCase();
  const value = m[2] ?? '';
  if (kind === 'id') return { type: 'CanonicalUser', id: value };
  if (kind === 'uri') return { type: 'Group', uri: value };
  return { type: 'AmazonCustomerByEmail', email: value };
}
