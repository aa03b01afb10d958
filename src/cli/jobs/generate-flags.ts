/**
 * `--generate s3://bucket[/prefix]` and its filters → CreateJob's `ManifestGenerator`
 * (S3JobManifestGenerator): S3 lists the bucket when the job is created, instead of reading a
 * manifest. `--save-manifest` keeps the generated manifest (EnableManifestOutput).
 */
import type { JobManifestGenerator, JobManifestGeneratorFilter, S3StorageClass } from '@aws-sdk/client-s3-control';
import { bucketArn, parseS3Url, trimSlashes, type S3Location } from '../../client/s3-url.js';
import { UsageError } from '../errors.js';

export interface GenerateFlags {
  readonly generate?: string;
  readonly prefix?: readonly string[];
  readonly suffix?: readonly string[];
  readonly contains?: readonly string[];
  readonly createdAfter?: string;
  readonly createdBefore?: string;
  readonly largerThan?: string;
  readonly smallerThan?: string;
  /** Filter classes (with --generate and without --copy-to). */
  readonly storageClass?: readonly string[];
  readonly saveManifest?: string;
  readonly replicate?: boolean;
}

const FILTER_FLAGS: Record<string, string> = {
  prefix: '--prefix',
  suffix: '--suffix',
  contains: '--contains',
  createdAfter: '--created-after',
  createdBefore: '--created-before',
  largerThan: '--larger-than',
  smallerThan: '--smaller-than',
  saveManifest: '--save-manifest',
};

/** Filter flags given without --generate: a usage error. */
export function strayFilterFlag(flags: GenerateFlags): string | undefined {
  const key = Object.keys(FILTER_FLAGS).find((k) => {
    const v = flags[k as keyof GenerateFlags];
    return v !== undefined && !(Array.isArray(v) && v.length === 0);
  });
  return key === undefined ? undefined : FILTER_FLAGS[key];
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `1048576`, `512K`, `10M`, `1.5G`, `2TiB` (binary units) → bytes. */
export function bytesOf(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toUpperCase()];
  if (!m || unit === undefined) throw new UsageError(`${flag} is a size in bytes, or with K, M, G or T (binary units), not "${text}"`);
  return Math.floor(Number(m[1]) * unit);
}

function dateOf(text: string | undefined, flag: string): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} is a date such as 2024-05-01 or 2024-05-01T12:00:00Z, not "${text}"`);
  return d;
}

export interface Generated {
  readonly generator: JobManifestGenerator;
  /** Where a default report goes: beside the saved manifest, or in the source bucket. */
  readonly reportBase: S3Location;
}

export function generatorOf(flags: GenerateFlags, classFilter: readonly string[]): Generated {
  const source = parseS3Url(flags.generate ?? '', '--generate');
  // AWS takes exactly one string in each MatchAny* list ("an array of strings with a length of 1
  // string", JobManifestGeneratorFilter): the URL's prefix and --prefix must agree.
  const one = (values: readonly string[], flag: string): string[] => {
    const distinct = [...new Set(values)];
    if (distinct.length > 1) throw new UsageError(`${flag} takes one value (S3 matches one prefix, suffix or substring per job), not ${distinct.map((v) => `"${v}"`).join(' and ')}`);
    return distinct;
  };
  const prefixes = one([...(source.key !== '' ? [source.key] : []), ...(flags.prefix ?? [])], '--prefix (with the prefix of --generate)');
  const suffixes = one(flags.suffix ?? [], '--suffix');
  const substrings = one(flags.contains ?? [], '--contains');
  const filter: JobManifestGeneratorFilter = {};
  if (prefixes.length > 0 || suffixes.length > 0 || substrings.length > 0) {
    filter.KeyNameConstraint = {
      ...(prefixes.length > 0 ? { MatchAnyPrefix: prefixes } : {}),
      ...(suffixes.length > 0 ? { MatchAnySuffix: suffixes } : {}),
      ...(substrings.length > 0 ? { MatchAnySubstring: substrings } : {}),
    };
  }
  const after = dateOf(flags.createdAfter, '--created-after');
  const before = dateOf(flags.createdBefore, '--created-before');
  if (after !== undefined) filter.CreatedAfter = after;
  if (before !== undefined) filter.CreatedBefore = before;
  if (flags.largerThan !== undefined) filter.ObjectSizeGreaterThanBytes = bytesOf(flags.largerThan, '--larger-than');
  if (flags.smallerThan !== undefined) filter.ObjectSizeLessThanBytes = bytesOf(flags.smallerThan, '--smaller-than');
  if (classFilter.length > 0) filter.MatchAnyStorageClass = classFilter.map((c) => c.toUpperCase() as S3StorageClass);
  // A replication job's manifest is every version its rules make eligible (AWS: EligibleForReplication).
  if (flags.replicate) filter.EligibleForReplication = true;
  const save = flags.saveManifest !== undefined ? parseS3Url(flags.saveManifest, '--save-manifest') : undefined;
  const savePrefix = save !== undefined ? trimSlashes(save.key) : '';
  return {
    generator: {
      S3JobManifestGenerator: {
        SourceBucket: bucketArn(source.bucket),
        EnableManifestOutput: save !== undefined,
        ...(save !== undefined
          ? {
              ManifestOutputLocation: {
                Bucket: bucketArn(save.bucket),
                ManifestFormat: 'S3InventoryReport_CSV_20211130',
                ...(savePrefix !== '' ? { ManifestPrefix: savePrefix } : {}),
              },
            }
          : {}),
        ...(Object.keys(filter).length > 0 ? { Filter: filter } : {}),
      },
    },
    reportBase: save !== undefined ? { bucket: save.bucket, key: `${savePrefix === '' ? '' : `${savePrefix}/`}reports` } : { bucket: source.bucket, key: 's3batch/reports' },
  };
}
