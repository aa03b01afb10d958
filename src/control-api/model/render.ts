/**
 * The spec as a JobDescriptor echoes it (reference §4.2) and job tags as GetJobTagging returns
 * them, in the restXml form the SDKs parse. `Extensions` is s3batch's own and never rendered.
 */
import type { JobSpec, S3Tag } from '../../domain/job-spec.js';
import type { XmlOut, XmlOutElement } from '../../lib/xml.js';
import { s3Tag } from './shapes-common.js';
import { jobSpecMembers } from './shapes-job.js';
import { writeShape, writeStructure } from './writer.js';

/**
 * The JobDescriptor members that come from the spec (ConfirmationRequired, Description, Manifest,
 * Operation, Priority, Report, RoleArn, ManifestGenerator — those present), keyed by element name.
 */
export function renderJobSpec(spec: JobSpec): XmlOutElement {
  const out = writeStructure(jobSpecMembers, spec as unknown as Record<string, unknown>);
  return typeof out === 'object' && !Array.isArray(out) ? out : {};
}

/** `{ member: [...] }`, or '' for no tags (`<Tags></Tags>`). */
export function renderTags(tags: readonly S3Tag[]): XmlOut {
  return tags.length === 0 ? '' : { member: tags.map((tag) => writeShape(s3Tag, tag)) };
}
