/**
 * PutBucketReplication, GetBucketReplication, DeleteBucketReplication: the ReplicationConfiguration
 * document (S3 API Reference) read into domain/replication.ts's shape and rendered back from it.
 * Members S3 has and this server does not keep (ReplicationTime, Metrics, SourceSelectionCriteria,
 * EncryptionConfiguration) are refused with 501 rather than dropped: a configuration read back is
 * always the one that was put.
 */
import type { ReplicationConfiguration, ReplicationFilter, ReplicationRule, ReplicationTag } from '../../../domain/replication.js';
import { S3Error, malformedXml } from '../../errors.js';
import type { XmlElement, XmlOutElement } from '../../../lib/xml.js';
import { doc } from '../render.js';
import { replyEmpty, replyXml } from '../reply.js';
import { readXmlBody, type S3Request } from '../request.js';
import { all, asElement, child, root, text } from '../xml-in.js';

const UNKEPT_RULE_MEMBERS = ['SourceSelectionCriteria'];
const UNKEPT_DESTINATION_MEMBERS = ['ReplicationTime', 'Metrics', 'EncryptionConfiguration'];

function status(el: XmlElement | undefined, where: string): 'Enabled' | 'Disabled' | undefined {
  if (el === undefined) return undefined;
  const s = text(el, 'Status');
  if (s !== 'Enabled' && s !== 'Disabled') throw malformedXml(`${where} Status must be Enabled or Disabled`);
  return s;
}

function tagOf(el: XmlElement): ReplicationTag {
  const key = text(el, 'Key');
  const value = text(el, 'Value');
  if (key === undefined || value === undefined) throw malformedXml('every <Tag> of a replication Filter needs a <Key> and a <Value>');
  return { key, value };
}

function filterOf(el: XmlElement): ReplicationFilter {
  const members = ['Prefix', 'Tag', 'And'].filter((m) => el[m] !== undefined);
  if (members.length > 1) throw malformedXml('a replication Filter holds one of Prefix, Tag or And');
  const and = child(el, 'And');
  if (and !== undefined) {
    const prefix = text(and, 'Prefix');
    const tags = all(and, 'Tag').map((t) => tagOf(asElement(t, 'Tag')));
    const keys = new Set(tags.map((t) => t.key));
    if (keys.size < tags.length) throw new S3Error('InvalidArgument', 'Duplicate Tag Keys are not allowed.');
    return { and: { ...(prefix !== undefined ? { prefix } : {}), tags } };
  }
  const tag = child(el, 'Tag');
  if (tag !== undefined) return { tag: tagOf(tag) };
  return { prefix: text(el, 'Prefix') ?? '' };
}

function ruleOf(el: XmlElement): ReplicationRule {
  for (const m of UNKEPT_RULE_MEMBERS) if (el[m] !== undefined) throw new S3Error('NotImplemented', `Replication rules with ${m} are not supported by this server`);
  const ruleStatus = text(el, 'Status');
  if (ruleStatus !== 'Enabled' && ruleStatus !== 'Disabled') throw malformedXml('Rule Status must be Enabled or Disabled');
  const dest = child(el, 'Destination');
  if (dest === undefined) throw malformedXml('every Rule needs a Destination');
  for (const m of UNKEPT_DESTINATION_MEMBERS) {
    if (dest[m] !== undefined) throw new S3Error('NotImplemented', `Replication destinations with ${m} are not supported by this server`);
  }
  const bucket = text(dest, 'Bucket');
  if (bucket === undefined) throw malformedXml('every Destination needs a Bucket');
  const account = text(dest, 'Account');
  const storageClass = text(dest, 'StorageClass');
  const translation = child(dest, 'AccessControlTranslation');
  if (translation !== undefined && text(translation, 'Owner') !== 'Destination') throw malformedXml('AccessControlTranslation Owner must be Destination');
  const id = text(el, 'ID');
  const priorityText = text(el, 'Priority');
  if (priorityText !== undefined && !/^-?\d{1,9}$/.test(priorityText)) throw malformedXml(`Priority must be an integer, not ${priorityText}`);
  const prefix = text(el, 'Prefix');
  const filterEl = child(el, 'Filter');
  if (prefix !== undefined && filterEl !== undefined) throw malformedXml('a Rule has a Prefix or a Filter, not both');
  const deleteMarkers = status(child(el, 'DeleteMarkerReplication'), 'DeleteMarkerReplication');
  const existing = status(child(el, 'ExistingObjectReplication'), 'ExistingObjectReplication');
  return {
    ...(id !== undefined ? { id } : {}),
    ...(priorityText !== undefined ? { priority: Number(priorityText) } : {}),
    status: ruleStatus,
    ...(prefix !== undefined ? { prefix } : {}),
    ...(filterEl !== undefined ? { filter: filterOf(filterEl) } : {}),
    destination: {
      bucket,
      ...(account !== undefined ? { account } : {}),
      ...(storageClass !== undefined ? { storageClass } : {}),
      ...(translation !== undefined ? { ownerOverride: 'Destination' as const } : {}),
    },
    ...(deleteMarkers !== undefined ? { deleteMarkerReplication: deleteMarkers } : {}),
    ...(existing !== undefined ? { existingObjectReplication: existing } : {}),
  };
}

export function replicationFromXml(document: XmlElement | undefined): ReplicationConfiguration {
  const config = root(document, 'ReplicationConfiguration');
  return { role: text(config, 'Role') ?? '', rules: all(config, 'Rule').map((r) => ruleOf(asElement(r, 'Rule'))) };
}

const tagXml = (t: ReplicationTag): XmlOutElement => ({ Key: t.key, Value: t.value });

function filterXml(f: ReplicationFilter): XmlOutElement {
  if ('prefix' in f) return { Prefix: f.prefix };
  if ('tag' in f) return { Tag: tagXml(f.tag) };
  return { And: { ...(f.and.prefix !== undefined ? { Prefix: f.and.prefix } : {}), Tag: f.and.tags.map(tagXml) } };
}

export function replicationXml(config: ReplicationConfiguration): string {
  return doc('ReplicationConfiguration', {
    Role: config.role,
    Rule: config.rules.map((rule) => {
      const d = rule.destination;
      return {
        ...(rule.id !== undefined ? { ID: rule.id } : {}),
        ...(rule.priority !== undefined ? { Priority: String(rule.priority) } : {}),
        ...(rule.prefix !== undefined ? { Prefix: rule.prefix } : {}),
        ...(rule.filter !== undefined ? { Filter: filterXml(rule.filter) } : {}),
        Status: rule.status,
        ...(rule.existingObjectReplication !== undefined ? { ExistingObjectReplication: { Status: rule.existingObjectReplication } } : {}),
        Destination: {
          Bucket: d.bucket,
          ...(d.account !== undefined ? { Account: d.account } : {}),
          ...(d.storageClass !== undefined ? { StorageClass: d.storageClass } : {}),
          ...(d.ownerOverride !== undefined ? { AccessControlTranslation: { Owner: d.ownerOverride } } : {}),
        },
        ...(rule.deleteMarkerReplication !== undefined ? { DeleteMarkerReplication: { Status: rule.deleteMarkerReplication } } : {}),
      };
    }),
  });
}

export async function putBucketReplication(r: S3Request): Promise<void> {
  const config = replicationFromXml(await readXmlBody(r));
  await r.store.putBucketReplication(r.account, r.bucket, config);
  replyEmpty(r);
}

export async function getBucketReplication(r: S3Request): Promise<void> {
  replyXml(r, replicationXml(await r.store.getBucketReplication(r.account, r.bucket)));
}

export async function deleteBucketReplication(r: S3Request): Promise<void> {
  await r.store.deleteBucketReplication(r.account, r.bucket);
  replyEmpty(r, 204);
}
