/** Job ACL shapes (S3 Control's) to the port's. */
import type { S3CannedAccessControlList, S3Grant } from '../domain/job-spec.js';
import type { PortAcl, PortGrant, PortGrantee } from '../s3/s3-port.js';

function grantee(g: S3Grant['Grantee']): PortGrantee {
  const id = g?.Identifier ?? '';
  if (g?.TypeIdentifier === 'uri') return { type: 'Group', uri: id };
  if (g?.TypeIdentifier === 'emailAddress') return { type: 'AmazonCustomerByEmail', email: id };
  return { type: 'CanonicalUser', id, ...(g?.DisplayName !== undefined ? { displayName: g.DisplayName } : {}) };
}

/** S3's message for an ACL it cannot take (MalformedACLError, 400). */
export const MALFORMED_ACL_MESSAGE = 'The XML you provided was not well-formed or did not validate against our published schema';

/**
 * What makes S3 refuse these grants with MalformedACLError, or undefined when they are whole. The
 * model leaves every member of S3Grant optional, but S3's AccessControlPolicy needs a Grantee with
 * a type (xsi:type) and an identifier, and a Permission: a grant missing one of them must fail the
 * task as S3 would, never be completed with a guess (a READ grant, an empty canonical id).
 */
export function malformedGrant(grants: readonly S3Grant[]): string | undefined {
  for (const [i, g] of grants.entries()) {
    if (g.Grantee === undefined) return `Grants[${i}] has no Grantee`;
    if (g.Grantee.TypeIdentifier === undefined) return `Grants[${i}] has a Grantee without a TypeIdentifier`;
    if (g.Grantee.Identifier === undefined || g.Grantee.Identifier === '') return `Grants[${i}] has a Grantee without an Identifier`;
    if (g.Permission === undefined) return `Grants[${i}] has no Permission`;
  }
  return undefined;
}

export function portGrants(grants: readonly S3Grant[]): PortGrant[] {
  return grants.map((g) => ({ grantee: grantee(g.Grantee), permission: g.Permission ?? 'READ' }));
}

/** A canned ACL wins over grants, as S3 refuses both together anyway. */
export function portAcl(
  canned: S3CannedAccessControlList | undefined,
  grants: readonly S3Grant[] | undefined,
  owner?: { ID?: string; DisplayName?: string },
): PortAcl | undefined {
  if (canned !== undefined) return { canned };
  if (grants === undefined) return undefined;
  return {
    grants: portGrants(grants),
    ...(owner?.ID !== undefined ? { owner: { id: owner.ID, ...(owner.DisplayName !== undefined ? { displayName: owner.DisplayName } : {}) } } : {}),
  };
}
