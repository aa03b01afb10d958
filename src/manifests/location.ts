/** The manifest object a job names, and the checked first read of it. */
import { parseObjectArn } from '../domain/arn.js';
import type { JobManifest } from '../domain/job-spec.js';
import type { GetObjectResult, ObjectRef, S3Port } from '../s3/s3-port.js';
import { bareEtag, clip, ManifestError, quoted, readFailure, s3Uri } from './errors.js';

export interface ManifestObject {
  readonly bucket: string;
  readonly key: string;
  /** `s3://bucket/key` for messages. */
  readonly uri: string;
}

/** The manifest's bucket and key from `Location.ObjectArn`, or a ManifestError. */
export function manifestObject(manifest: JobManifest): ManifestObject {
  const arn = parseObjectArn(manifest.Location.ObjectArn);
  if (!arn) {
    throw new ManifestError(
      'InvalidManifestLocation',
      `The manifest location ${clip(manifest.Location.ObjectArn, 120)} is not an object ARN (arn:aws:s3:::bucket/key)`,
    );
  }
  return { bucket: arn.bucket, key: arn.key, uri: s3Uri(arn.bucket, arn.key) };
}

/**
 * GETs the manifest (the version the job names, if any) and checks its ETag against the job's,
 * quotes ignored. The body is left unread for the caller.
 */
export async function openManifest(manifest: JobManifest, object: ManifestObject, s3: S3Port): Promise<GetObjectResult> {
  const ref: ObjectRef =
    manifest.Location.ObjectVersionId === undefined
      ? { bucket: object.bucket, key: object.key }
      : { bucket: object.bucket, key: object.key, versionId: manifest.Location.ObjectVersionId };
  let result: GetObjectResult;
  try {
    result = await s3.getObject(ref);
  } catch (error) {
    throw readFailure(error, 'the manifest');
  }
  if (bareEtag(result.etag) !== bareEtag(manifest.Location.ETag)) {
    result.body.destroy();
    throw new ManifestError(
      'ManifestETagMismatch',
      // The object's own ETag is not quoted: a reason shows nothing of an object beyond what the
      // job names (with shared credentials on a remote store, the read may have crossed accounts).
      `The manifest's ETag is not ${quoted(manifest.Location.ETag)} as the job says: the manifest changed since its ETag was looked up, or the job names another object`,
    );
  }
  return result;
}

/** Where a chunk read pins the manifest: the version read at preparation, if any. */
export function pinnedRef(object: ManifestObject, versionId: string | undefined): ObjectRef {
  return versionId === undefined ? { bucket: object.bucket, key: object.key } : { bucket: object.bucket, key: object.key, versionId };
}
