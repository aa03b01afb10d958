/**
 * A generated manifest written out (`EnableManifestOutput`, reference §5.8): S3 Inventory's
 * layout, format `S3InventoryReport_CSV_20211130` — a `manifest.json` naming gzipped CSV data
 * files (no header, values quoted, keys URL-encoded, columns `Bucket, Key` or
 * `Bucket, Key, VersionId`) with each file's size and MD5 — so that a later job can take it as
 * an `S3InventoryReport_CSV_20161130` manifest (inventory-manifest.ts reads it).
 *
 * Under `ManifestOutputLocation.Bucket`:
 *   {ManifestPrefix}/{job id}/manifest.json
 *   {ManifestPrefix}/{job id}/data/{n}.csv.gz      (n = 0, 1, …; at most FILE_RECORDS_BYTES of CSV each)
 * The data arrives as the generated chunks' records in order; one data file is held (gzipped)
 * in memory at a time, so memory stays flat however many objects were listed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseBucketArn } from '../domain/arn.js';
import type { S3JobManifestGenerator } from '../domain/job-spec.js';
import type { PortEncryption, PutObjectOptions, S3Port } from '../s3/s3-port.js';
import { ManifestError, readFailure } from './errors.js';
import { sourceBucketOf } from './generator.js';

/** CSV bytes per data file before it is gzipped and uploaded (~8 MiB: ~100,000 objects). */
const FILE_RECORDS_BYTES = 8 * 1024 * 1024;

export const GENERATED_MANIFEST_FORMAT = 'S3InventoryReport_CSV_20211130';

export interface WrittenManifest {
  readonly bucket: string;
  /** manifest.json's key. */
  readonly key: string;
  /** manifest.json's ETag, with its quotes. */
  readonly etag: string;
  readonly versionId?: string;
}

export interface ManifestOutputInput {
  readonly generator: S3JobManifestGenerator;
  readonly jobId: string;
  readonly versions: boolean;
  /** The generated data in order: each chunk's records (CSV lines). */
  readonly records: AsyncIterable<Buffer>;
  readonly nowMs: number;
}

/** Where the output goes: its bucket and the key prefix of this job's files (with a trailing `/`). */
export function manifestOutputPlace(generator: S3JobManifestGenerator, jobId: string): { bucket: string; prefix: string } {
  const location = generator.ManifestOutputLocation;
  if (!location) throw new ManifestError('InvalidManifestLocation', 'EnableManifestOutput is true but no ManifestOutputLocation is given');
  const bucket = location.Bucket.startsWith('arn:') ? parseBucketArn(location.Bucket)?.bucket : location.Bucket;
  if (!bucket) throw new ManifestError('InvalidManifestLocation', `ManifestOutputLocation.Bucket ${location.Bucket} is not a bucket ARN (arn:aws:s3:::bucket)`);
  const base = (location.ManifestPrefix ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, prefix: `${base === '' ? '' : `${base}/`}${jobId}/` };
}

/** Writes the data files, then manifest.json (last: a reader never finds a manifest whose files are missing). */
export async function writeGeneratedManifest(s3: S3Port, input: ManifestOutputInput): Promise<WrittenManifest> {
  const { bucket, prefix } = manifestOutputPlace(input.generator, input.jobId);
  const location = input.generator.ManifestOutputLocation!;
  const options: PutObjectOptions = {
    ...(location.ExpectedManifestBucketOwner !== undefined ? { expectedBucketOwner: location.ExpectedManifestBucketOwner } : {}),
    ...encryptionOf(location.ManifestEncryption),
  };
  const files: Array<{ key: string; size: number; MD5checksum: string }> = [];
  let parts: Buffer[] = [];
  let bytes = 0;
  const put = async (key: string, body: Buffer, contentType: string): Promise<{ etag: string; versionId?: string }> => {
    try {
      return await s3.putObject({ bucket, key }, body, { ...options, contentType });
    } catch (error) {
      throw readFailure(error, `the manifest output s3://${bucket}/${key}`);
    }
  };
  const writeFile = async (): Promise<void> => {
    if (bytes === 0) return;
    const body = gzipSync(Buffer.concat(parts, bytes));
    parts = [];
    bytes = 0;
    const key = `${prefix}data/${files.length}.csv.gz`;
    await put(key, body, 'application/gzip');
    files.push({ key, size: body.length, MD5checksum: createHash('md5').update(body).digest('hex') });
  };
  for await (const records of input.records) {
    parts.push(records);
    bytes += records.length;
    if (bytes >= FILE_RECORDS_BYTES) await writeFile();
  }
  await writeFile();
  const sourceBucket = sourceBucketOf(input.generator);
  const manifest = {
    sourceBucket,
    destinationBucket: `arn:aws:s3:::${bucket}`,
    version: '2021-11-30',
    creationTimestamp: String(input.nowMs),
    fileFormat: 'CSV',
    fileSchema: input.versions ? 'Bucket, Key, VersionId' : 'Bucket, Key',
    files,
  };
  const key = `${prefix}manifest.json`;
  const written = await put(key, Buffer.from(JSON.stringify(manifest), 'utf8'), 'application/json');
  return { bucket, key, etag: written.etag, ...(written.versionId !== undefined ? { versionId: written.versionId } : {}) };
}

function encryptionOf(encryption: NonNullable<S3JobManifestGenerator['ManifestOutputLocation']>['ManifestEncryption']): { encryption?: PortEncryption } {
  if (encryption?.SSEKMS !== undefined) return { encryption: { algorithm: 'aws:kms', kmsKeyId: encryption.SSEKMS.KeyId } };
  if (encryption?.SSES3 !== undefined) return { encryption: { algorithm: 'AES256' } };
  return {};
}
