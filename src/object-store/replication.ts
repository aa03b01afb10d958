/**
 * The checks PutBucketReplication makes of a configuration's shape, with S3's error codes (S3 API
 * Reference, PutBucketReplication; S3 User Guide, "Replication configuration file elements"):
 * what depends on the buckets (versioning, the destination's existence) is checked by the store.
 */
import { parseBucketArn } from '../domain/arn.js';
import { ruleCondition, type ReplicationConfiguration, type ReplicationRule } from '../domain/replication.js';
import { S3Error, invalidArgument, malformedXml } from './errors.js';
import { STORAGE_CLASSES, validateTags } from './validate.js';

/** S3's limit of rules per configuration. */
export const MAX_REPLICATION_RULES = 1000;
const MAX_RULE_ID = 255;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;
const ACCOUNT_ID = /^[0-9]{12}$/;

/** The destination bucket's name (the ARN checked). */
export function destinationBucketOf(rule: ReplicationRule): string {
  const arn = parseBucketArn(rule.destination.bucket);
  if (arn === undefined || arn.service !== 's3') {
    throw invalidArgument(`Invalid destination bucket ARN: ${rule.destination.bucket} (expected arn:aws:s3:::bucket)`, 'Destination.Bucket', rule.destination.bucket);
  }
  return arn.bucket;
}

export function validateReplicationConfiguration(config: ReplicationConfiguration, sourceBucket: string): void {
  if (config.role === '') throw malformedXml('ReplicationConfiguration needs a Role');
  if (!ROLE_ARN.test(config.role)) throw invalidArgument(`Invalid Role ARN: ${config.role}`, 'Role', config.role);
  if (config.rules.length === 0) throw malformedXml('ReplicationConfiguration needs at least one Rule');
  if (config.rules.length > MAX_REPLICATION_RULES) {
    throw new S3Error('InvalidRequest', `A replication configuration holds at most ${MAX_REPLICATION_RULES} rules (got ${config.rules.length})`);
  }
  const current = config.rules.filter((r) => r.filter !== undefined || r.priority !== undefined);
  if (current.length > 0 && current.length < config.rules.length) {
    throw new S3Error('InvalidRequest', 'Rules with Filter and Priority and rules with a rule-level Prefix cannot be mixed in one replication configuration');
  }
  const ids = new Set<string>();
  const priorities = new Set<number>();
  for (const rule of config.rules) {
    if (rule.id !== undefined) {
      if (rule.id.length > MAX_RULE_ID) throw invalidArgument(`Rule ID must be at most ${MAX_RULE_ID} characters`, 'ID', rule.id);
      if (ids.has(rule.id)) throw invalidArgument(`Rule ID must be unique. Found same ID for more than one rule: ${rule.id}`, 'ID', rule.id);
      ids.add(rule.id);
    }
    if (rule.filter !== undefined || rule.priority !== undefined) {
      if (rule.filter === undefined) throw malformedXml('a Rule with a Priority needs a Filter');
      if (rule.priority === undefined) throw malformedXml('a Rule with a Filter needs a Priority');
      if (rule.deleteMarkerReplication === undefined) {
        throw new S3Error('InvalidRequest', 'DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.');
      }
      if (priorities.has(rule.priority)) throw new S3Error('InvalidRequest', `Found overlapping rules with same priority ${rule.priority}`);
      priorities.add(rule.priority);
      const cond = ruleCondition(rule);
      if (cond.tags.length > 0) {
        validateTags(cond.tags);
        if (rule.deleteMarkerReplication === 'Enabled') {
          throw new S3Error('InvalidRequest', 'Delete marker replication is not supported if any Tag filter is specified.');
        }
      }
    } else if (rule.deleteMarkerReplication !== undefined) {
      throw new S3Error('InvalidRequest', 'DeleteMarkerReplication is only valid in a Rule with a Filter (the current replication configuration schema)');
    }
    const dest = rule.destination;
    if (destinationBucketOf(rule) === sourceBucket) {
      throw new S3Error('InvalidRequest', 'Destination bucket cannot be the same as the source bucket.');
    }
    if (dest.account !== undefined && !ACCOUNT_ID.test(dest.account)) {
      throw invalidArgument(`Destination Account must be a 12-digit account id: ${dest.account}`, 'Destination.Account', dest.account);
    }
    if (dest.ownerOverride !== undefined && dest.account === undefined) {
      throw new S3Error('InvalidRequest', 'AccessControlTranslation requires the Destination Account to be specified');
    }
    if (dest.storageClass !== undefined && !(STORAGE_CLASSES as readonly string[]).includes(dest.storageClass)) {
      throw malformedXml(`Destination StorageClass ${dest.storageClass} is not a storage class`);
    }
  }
}
