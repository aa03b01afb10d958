/** Job ACL shapes (S3 Control's) to the port's. */
import type { S3CannedAccessControlList, S3Grant } from '../domain/job-spec.js';
import type { PortAcl, PortGrant, PortGrantee } from '../s3/s3-port.js';

function grantee(g: S3Grant['Grantee']): PortGrantee {
  const id = g?.Identifier ?? '';
  if (g?.TypeIdentifier === 'uri') return { type: 'Group', uri: id };
  if (g?.TypeIdentifier === 'emailAddress') return { type: 'AmazonCustomerByEmail', email: id };
  return { type: 'CanonicalUser', id, ...(g?.DisplayName !== undefined ? { displayName: g.DisplayName } : {}) };
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
