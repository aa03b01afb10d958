/**
 * A bucket's replication configuration as S3 keeps it (S3 API Reference, PutBucketReplication:
 * ReplicationConfiguration, ReplicationRule), and the one decision every replicating path shares:
 * which rule an object version follows.
 *
 * A rule is either of S3's two schemas: the first (a rule-level `Prefix`, no priority; rules may
 * not overlap) or the current one (a `Filter` of a prefix, a tag, or an `And` of both, with a
 * `Priority`; where several rules match, the highest priority number wins — S3 User Guide,
 * "Replication configuration file elements").
 */

export interface ReplicationTag {
  readonly key: string;
  readonly value: string;
}

/** The current schema's Filter: one of Prefix, Tag or And (as sent, so that it renders back the same). */
export type ReplicationFilter =
  | { readonly prefix: string }
  | { readonly tag: ReplicationTag }
  | { readonly and: { readonly prefix?: string; readonly tags: readonly ReplicationTag[] } };

export interface ReplicationDestination {
  /** `arn:aws:s3:::bucket`. */
  readonly bucket: string;
  /** The destination bucket owner's account (cross-account replication). */
  readonly account?: string;
  readonly storageClass?: string;
  /** AccessControlTranslation Owner: `Destination` makes the replica the destination account's. */
  readonly ownerOverride?: 'Destination';
}

export interface ReplicationRule {
  readonly id?: string;
  readonly priority?: number;
  readonly status: 'Enabled' | 'Disabled';
  /** The first schema's rule-level prefix. */
  readonly prefix?: string;
  readonly filter?: ReplicationFilter;
  readonly destination: ReplicationDestination;
  readonly deleteMarkerReplication?: 'Enabled' | 'Disabled';
  readonly existingObjectReplication?: 'Enabled' | 'Disabled';
}

export interface ReplicationConfiguration {
  readonly role: string;
  readonly rules: readonly ReplicationRule[];
}

/** The rule's prefix and tags, whichever schema and filter kind expresses them. */
export function ruleCondition(rule: ReplicationRule): { prefix: string; tags: readonly ReplicationTag[] } {
  const f = rule.filter;
  if (f === undefined) return { prefix: rule.prefix ?? '', tags: [] };
  if ('prefix' in f) return { prefix: f.prefix, tags: [] };
  if ('tag' in f) return { prefix: '', tags: [f.tag] };
  return { prefix: f.and.prefix ?? '', tags: f.and.tags };
}

export function ruleMatches(rule: ReplicationRule, key: string, tags: readonly ReplicationTag[]): boolean {
  const cond = ruleCondition(rule);
  if (!key.startsWith(cond.prefix)) return false;
  return cond.tags.every((want) => tags.some((t) => t.key === want.key && t.value === want.value));
}

/**
 * The rule an object version follows: among the enabled rules that match its key and tags, the
 * one with the highest priority (the first-schema rules have none and cannot overlap: the first
 * match). Undefined when no enabled rule matches.
 */
export function ruleFor(config: ReplicationConfiguration, key: string, tags: readonly ReplicationTag[]): ReplicationRule | undefined {
  let best: ReplicationRule | undefined;
  for (const rule of config.rules) {
    if (rule.status !== 'Enabled' || !ruleMatches(rule, key, tags)) continue;
    if (best === undefined || (rule.priority ?? 0) > (best.priority ?? 0)) best = rule;
  }
  return best;
}

/** What S3 shows as x-amz-replication-status. */
export type ReplicationStatus = 'COMPLETED' | 'PENDING' | 'FAILED' | 'REPLICA';

export const REPLICATION_STATUSES: readonly ReplicationStatus[] = ['COMPLETED', 'PENDING', 'FAILED', 'REPLICA'];

/**
 * s3batch's extension for replicas written over HTTP to another s3batch (README, "Replication"):
 * on PutObject and CreateMultipartUpload, `x-s3batch-replication-status: REPLICA` marks the new
 * version a replica, and `x-s3batch-replica-version-id` gives it the source's version id. AWS
 * clients never send them; an s3batch takes them only when signed in the Authorization header.
 */
export const REPLICA_STATUS_HEADER = 'x-s3batch-replication-status';
export const REPLICA_VERSION_ID_HEADER = 'x-s3batch-replica-version-id';
