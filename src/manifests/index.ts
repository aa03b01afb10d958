/**
 * Manifest readers: preparation (read once, check, count, cut into chunks) and chunk reads.
 * See types.ts for the shapes, errors.ts for the failures.
 */
import type { JobManifest } from '../domain/job-spec.js';
import type { S3Port } from '../s3/s3-port.js';
import { prepareCsvManifest } from './csv-manifest.js';
import { ManifestError } from './errors.js';
import { prepareInventoryManifest } from './inventory-manifest.js';
import type { PreparedManifest, PrepareOptions } from './types.js';

export { createChunkReader, parseChunkRecords, readChunk, type ChunkReader, type ChunkReaderOptions } from './chunk-reader.js';
export type { ChunkWithRecords } from './chunk-bytes.js';
export { bareEtag, ManifestError, type ManifestFailureCode } from './errors.js';
export { decodeUrlKey } from './url-decode.js';
export {
  generateManifest,
  generatedTaskManifest,
  listsVersions,
  sourceBucketOf,
  START as LISTING_START,
  type GeneratedBatch,
  type GeneratorCursor,
  type GeneratorPosition,
} from './generator.js';
export { GENERATED_MANIFEST_FORMAT, manifestOutputPlace, writeGeneratedManifest, type WrittenManifest } from './generated-output.js';
export {
  MISSING_VERSION_ID_FAILURE,
  type ChunkLocator,
  type CsvChunkLocator,
  type InventoryChunkLocator,
  type ManifestTask,
  type PreparedManifest,
  type PreparedManifestPin,
  type PrepareOptions,
} from './types.js';

/**
 * Reads the whole manifest once, streaming, checks it and cuts it into chunks of
 * `options.chunkSize` tasks. Throws a ManifestError (the job's FailureReasons entry) when the
 * manifest cannot be used; the abort reason when `options.signal` aborts.
 */
export async function prepareManifest(manifest: JobManifest, s3: S3Port, options: PrepareOptions): Promise<PreparedManifest> {
  if (!Number.isSafeInteger(options.chunkSize) || options.chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, not ${options.chunkSize}`);
  }
  switch (manifest.Spec.Format) {
    case 'S3BatchOperations_CSV_20180820':
      return prepareCsvManifest(manifest, s3, options);
    case 'S3InventoryReport_CSV_20161130':
      return prepareInventoryManifest(manifest, s3, options);
    default:
      throw new ManifestError('InvalidManifestContent', `Manifest format ${String(manifest.Spec.Format)} is not supported`);
  }
}
