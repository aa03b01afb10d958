/**
 * A CSV manifest made from a list of objects (`s3://bucket/key` URLs or `bucket/key` lines, keys
 * verbatim), written to a temporary file while it is read — so a list of any length takes no
 * memory — then uploaded with one PUT. Shared by the CLI's `--objects` and `rerun-failed`, and the
 * dashboard's "make a manifest from this selection".
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { csvLine, manifestKey } from './csv.js';
import { objectArn, parseS3Url, S3UrlError, trimSlashes, type S3Location } from './s3-url.js';

/** A manifest row: bucket, the key as the CSV holds it (URL-encoded), and a version id. */
export interface ManifestRow {
  readonly bucket: string;
  readonly encodedKey: string;
  readonly versionId?: string;
}

export interface ManifestFile {
  readonly path: string;
  readonly bytes: number;
  readonly rows: number;
  /** The hex MD5 of the file: the ETag S3 gives it on a single PUT. */
  readonly md5: string;
  /** `Bucket,Key` or `Bucket,Key,VersionId` (when any row names a version). */
  readonly fields: readonly ('Bucket' | 'Key' | 'VersionId')[];
  readonly firstBucket: string | undefined;
  /** Removes the temporary file. */
  dispose(): Promise<void>;
}

export class ManifestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestInputError';
  }
}

/**
 * One line of an objects list → a row. A line is `s3://bucket/key` or `bucket/key`, optionally
 * followed by a tab and a version id; blank lines and lines starting with `#` are skipped.
 */
export function parseObjectLine(line: string, lineNumber: number): ManifestRow | undefined {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '' || text.startsWith('#')) return undefined;
  const tab = text.lastIndexOf('\t');
  const url = tab < 0 ? text : text.slice(0, tab);
  const versionId = tab < 0 ? undefined : text.slice(tab + 1);
  let location: S3Location;
  try {
    location = parseS3Url(url, `line ${lineNumber}`, { bare: true });
  } catch (err) {
    if (err instanceof S3UrlError) throw new ManifestInputError(err.message);
    throw err;
  }
  if (location.key === '') throw new ManifestInputError(`line ${lineNumber}: "${url}" names a bucket, not an object`);
  return { bucket: location.bucket, encodedKey: manifestKey(location.key), ...(versionId ? { versionId } : {}) };
}

/** Rows of an objects list (a file or stdin), line by line. */
export async function* objectsListRows(input: Readable): AsyncGenerator<ManifestRow> {
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    n += 1;
    const row = parseObjectLine(line, n);
    if (row) yield row;
  }
}

/**
 * Writes rows to a temporary CSV manifest. Two passes are not possible over stdin, so whether the
 * manifest has a VersionId column is decided by the first row: a later row that differs is an
 * error (`versioned` forces the three columns, as rerun-failed does when its report has versions).
 */
export async function writeManifestFile(rows: AsyncIterable<ManifestRow>, options: { versioned?: boolean } = {}): Promise<ManifestFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-manifest-'));
  const file = path.join(dir, 'manifest.csv');
  const out = createWriteStream(file);
  const md5 = createHash('md5');
  let bytes = 0;
  let count = 0;
  let versioned = options.versioned;
  let firstBucket: string | undefined;
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    for await (const row of rows) {
      versioned ??= row.versionId !== undefined;
      if (!versioned && row.versionId !== undefined) {
        throw new ManifestInputError(`object ${count + 1} names a version but the ones before it do not: give every line a version id, or none`);
      }
      firstBucket ??= row.bucket;
      const line = csvLine(versioned ? [row.bucket, row.encodedKey, row.versionId ?? ''] : [row.bucket, row.encodedKey]);
      md5.update(line);
      bytes += Buffer.byteLength(line);
      count += 1;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    await dispose();
    throw err;
  }
  if (count === 0) {
    await dispose();
    throw new ManifestInputError('the objects list names no object');
  }
  return {
    path: file,
    bytes,
    rows: count,
    md5: md5.digest('hex'),
    fields: versioned ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'],
    firstBucket,
    dispose,
  };
}

/** Uploads a manifest file; returns its ARN and the ETag CreateJob must name. */
export async function uploadManifest(s3: S3Client, file: ManifestFile, to: S3Location): Promise<{ objectArn: string; etag: string }> {
  const out = await s3.send(
    new PutObjectCommand({ Bucket: to.bucket, Key: to.key, Body: createReadStream(file.path), ContentLength: file.bytes, ContentType: 'text/csv' }),
  );
  return { objectArn: objectArn(to), etag: (out.ETag ?? `"${file.md5}"`).replaceAll('"', '') };
}

/** A new manifest's key under a prefix: time-ordered and unique. */
export function newManifestKey(prefix: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${prefix}${prefix === '' || prefix.endsWith('/') ? '' : '/'}${stamp}-${randomUUID().slice(0, 8)}.csv`;
}

/**
 * Where a manifest made from a list of objects goes when no place is named: under `manifests/`
 * beside the job's report, else under `s3batch/manifests/` in the first object's bucket.
 */
export function objectsManifestBase(file: Pick<ManifestFile, 'firstBucket'>, reportAt?: S3Location): S3Location {
  if (reportAt !== undefined) return { bucket: reportAt.bucket, key: `${trimSlashes(reportAt.key) === '' ? '' : `${trimSlashes(reportAt.key)}/`}manifests/` };
  return { bucket: file.firstBucket ?? '', key: 's3batch/manifests/' };
}
