/** Reading request documents (parsed by lib/xml) with S3's MalformedXML for every shape error. */
import { S3Error, malformedXml } from '../errors.js';
import type { Grant, Grantee, Permission, Tag } from '../object-store.js';
import { PERMISSIONS } from '../acl.js';
import type { XmlElement, XmlValue } from '../../lib/xml.js';

export function root(doc: XmlElement | undefined, name: string): XmlElement {
  const el = doc?.[name];
  if (el === undefined) throw malformedXml(`expected a <${name}> document`);
  if (el === '') return {};
  if (typeof el !== 'object' || Array.isArray(el)) throw malformedXml(`<${name}> must be an element`);
  return el;
}

export function all(el: XmlElement, name: string): XmlValue[] {
  const v = el[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  const v = el[name];
  if (v === undefined) return undefined;
  if (v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw malformedXml(`<${name}> must appear once, as an element`);
  return v;
}

export function text(el: XmlElement, name: string): string | undefined {
  const v = el[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw malformedXml(`<${name}> must be a single text element`);
  return v;
}

export function asElement(v: XmlValue, name: string): XmlElement {
  if (v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw malformedXml(`<${name}> must be an element`);
  return v;
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>`. */
export function tagsFromXml(doc: XmlElement | undefined): Tag[] {
  const tagging = root(doc, 'Tagging');
  const set = child(tagging, 'TagSet');
  if (!set) throw malformedXml('<Tagging> needs a <TagSet>');
  return all(set, 'Tag').map((t) => {
    const tag = asElement(t, 'Tag');
    const key = text(tag, 'Key');
    const value = text(tag, 'Value');
    if (key === undefined || value === undefined) throw malformedXml('every <Tag> needs a <Key> and a <Value>');
    return { key, value };
  });
}

/** `<AccessControlPolicy><Owner/><AccessControlList><Grant>…` → owner id and grants. */
export function aclFromXml(doc: XmlElement | undefined): { ownerId?: string; grants: Grant[] } {
  const policy = root(doc, 'AccessControlPolicy');
  const owner = child(policy, 'Owner');
  const list = child(policy, 'AccessControlList');
  const grants = list
    ? all(list, 'Grant').map((g): Grant => {
        const grant = asElement(g, 'Grant');
        const permission = text(grant, 'Permission');
        if (permission === undefined || !(PERMISSIONS as readonly string[]).includes(permission)) {
          throw new S3Error('MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema (Permission)');
        }
        const granteeEl = child(grant, 'Grantee');
        if (!granteeEl) throw new S3Error('MalformedACLError', 'Every Grant needs a Grantee');
        let grantee: Grantee;
        const id = text(granteeEl, 'ID');
        const uri = text(granteeEl, 'URI');
        const email = text(granteeEl, 'EmailAddress');
        const displayName = text(granteeEl, 'DisplayName');
        if (id !== undefined) grantee = { type: 'CanonicalUser', id, ...(displayName !== undefined ? { displayName } : {}) };
        else if (uri !== undefined) grantee = { type: 'Group', uri };
        else if (email !== undefined) grantee = { type: 'AmazonCustomerByEmail', email };
        else throw new S3Error('MalformedACLError', 'A Grantee needs an ID, a URI or an EmailAddress');
        return { grantee, permission: permission as Permission };
      })
    : [];
  const ownerId = owner ? text(owner, 'ID') : undefined;
  return { ...(ownerId !== undefined ? { ownerId } : {}), grants };
}
