/**
 * The two request bodies of the jobs API (reference §2): CreateJobRequest and
 * PutJobTaggingRequest, read from what lib/xml.ts `parseXml` returned and validated against every
 * constraint of the model plus the documented semantic rules. The first violation throws an
 * S3ControlError (BadRequestException, or TooManyTagsException for more than 50 job tags) whose
 * message names the field by its path from the request root, e.g. `Manifest.Spec.Fields[1]`.
 */
import { ENCRYPTION_FALLBACK_TAG, type JobSpec, type S3BatchExtensions, type S3Tag } from '../../domain/job-spec.js';
import type { XmlElement } from '../../lib/xml.js';
import { childPath, fail, itemPath } from './fail.js';
import { readDocument } from './reader.js';
import { req, struct } from './shape.js';
import { putJobTags } from './shapes-common.js';
import { createJobRequest, type CreateJobRequestBody } from './shapes-job.js';

/** What CreateJob carries besides the account: the spec, the idempotency token and the job tags. */
export interface CreateJobInputBody {
  spec: JobSpec;
  clientRequestToken: string;
  tags: S3Tag[];
}

export function parseCreateJobRequest(doc: XmlElement): CreateJobInputBody {
  const body = readDocument(doc, 'CreateJobRequest', createJobRequest) as unknown as CreateJobRequestBody;
  return { spec: toSpec(body), clientRequestToken: body.ClientRequestToken, tags: body.Tags ?? [] };
}

/** The spec in its canonical key order, optional members absent; no ConfirmationRequired ⇒ true (as AWS). */
function toSpec(body: CreateJobRequestBody): JobSpec {
  const spec: JobSpec = {
    Operation: body.Operation,
    Report: body.Report,
    Priority: body.Priority,
    RoleArn: body.RoleArn,
    ConfirmationRequired: body.ConfirmationRequired ?? true,
  };
  if (body.Manifest !== undefined) spec.Manifest = body.Manifest;
  if (body.ManifestGenerator !== undefined) spec.ManifestGenerator = body.ManifestGenerator;
  if (body.Description !== undefined) spec.Description = body.Description;
  const extensions = extensionsOf(body);
  if (extensions !== undefined) spec.Extensions = { s3batch: extensions };
  return spec;
}

/**
 * What a job asks of s3batch beyond AWS's model, by reserved job tags (the one part of CreateJob
 * every client — the AWS CLI, boto3, the SDKs — can send freely; AWS itself keeps them as tags):
 * `s3batch:encryption-fallback` = `copy` on an S3UpdateObjectEncryption job
 * (operations/update-encryption.ts). Read once, here: changing the job's tags later changes
 * nothing. Any other value, or the tag on another operation, is refused naming the tag.
 */
function extensionsOf(body: CreateJobRequestBody): S3BatchExtensions | undefined {
  const tags = body.Tags ?? [];
  const index = tags.findIndex((t) => t.Key === ENCRYPTION_FALLBACK_TAG);
  const tag = tags[index];
  if (tag === undefined) return undefined;
  const at = itemPath('Tags', index);
  if (body.Operation.S3UpdateObjectEncryption === undefined) {
    fail(childPath(at, 'Key'), `${ENCRYPTION_FALLBACK_TAG} applies only to S3UpdateObjectEncryption jobs`);
  }
  if (tag.Value !== 'copy') fail(childPath(at, 'Value'), `must be copy (the one fallback of ${ENCRYPTION_FALLBACK_TAG}); it is ${JSON.stringify(tag.Value)}`);
  return { encryptionFallback: 'copy' };
}

const putJobTaggingRequest = struct<{ Tags: S3Tag[] }>({ Tags: req(putJobTags) });

/** PutJobTagging: the job's complete new tag set (`<Tags/>` ⇒ [] removes all tags). */
export function parsePutJobTaggingRequest(doc: XmlElement): S3Tag[] {
  const body = readDocument(doc, 'PutJobTaggingRequest', putJobTaggingRequest) as unknown as { Tags: S3Tag[] };
  return body.Tags;
}
