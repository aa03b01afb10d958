/**
 * CreateJobRequest and its non-operation parts (reference §3.2): report, manifest, manifest
 * generator and filter, with the documented rules of §3.1 (exactly one of Manifest /
 * ManifestGenerator, enabled reports name a bucket and format, CSV manifests declare Bucket and
 * Key, generated manifests that are kept say where, ...).
 */
import type {
  EmptyOperation,
  JobManifest,
  JobManifestFieldName,
  JobManifestGenerator,
  JobManifestGeneratorFilter,
  JobReport,
  JobSpec,
  ObjectEncryptionFilter,
  S3JobManifestGenerator,
  S3Tag,
} from '../../domain/job-spec.js';
import { childPath, fail, itemPath } from './fail.js';
import { bool, type Check, enumOf, int, INT32_MAX, list, long, opt, pattern, req, str, struct, timestamp } from './shape.js';
import {
  accountId,
  jobTags,
  kmsKeyArn,
  nonEmptyKmsKeyArn,
  nonEmptyMaxLength1024,
  nonEmptyMaxLength256,
  nonEmptyMaxLength64,
  s3BucketArn,
  s3KeyArn,
  storageClass,
} from './shapes-common.js';
import { jobOperation } from './shapes-operation.js';

type Defined<T> = Exclude<T, undefined>;

const empty = struct<EmptyOperation>({});

const jobReport = struct<JobReport>(
  {
    Bucket: opt(s3BucketArn),
    Format: opt(enumOf<Defined<JobReport['Format']>>({ Report_CSV_20180820: true })),
    Enabled: req(bool),
    Prefix: opt(str({ min: 1, max: 512 })),
    ReportScope: opt(enumOf<Defined<JobReport['ReportScope']>>({ AllTasks: true, FailedTasksOnly: true })),
    ExpectedBucketOwner: opt(accountId),
  },
  {
    check: (report, path) => {
      if (!report.Enabled) return;
      if (report.Bucket === undefined) fail(childPath(path, 'Bucket'), 'is required when Enabled is true');
      if (report.Format === undefined) fail(childPath(path, 'Format'), 'is required when Enabled is true');
    },
  },
);

const CSV_MANIFEST = 'S3BatchOperations_CSV_20180820';

/** How often a CSV manifest may declare each named column: [min, max]. */
const CSV_FIELD_COUNTS: ReadonlyArray<readonly [JobManifestFieldName, number, number]> = [
  ['Bucket', 1, 1],
  ['Key', 1, 1],
  ['VersionId', 0, 1],
];

const manifestSpecRule: Check<JobManifest['Spec']> = (spec, path) => {
  if (spec.Format !== CSV_MANIFEST) return;
  const fieldsPath = childPath(path, 'Fields');
  if (spec.Fields === undefined) fail(fieldsPath, `is required when Format is ${CSV_MANIFEST}`);
  const fields = spec.Fields;
  for (const [name, min, max] of CSV_FIELD_COUNTS) {
    const at = fields.flatMap((field, i) => (field === name ? [i] : []));
    const rule = min === 1 ? 'exactly once' : 'at most once';
    if (at.length > max) fail(itemPath(fieldsPath, at[max] ?? 0), `repeats ${name}: Fields must name ${name} ${rule}`);
    if (at.length < min) fail(fieldsPath, `must contain ${name} (${rule}) when Format is ${CSV_MANIFEST}`);
  }
};

const jobManifest = struct<JobManifest>({
  Spec: req(
    struct<JobManifest['Spec']>(
      {
        Format: req(
          enumOf<JobManifest['Spec']['Format']>({ [CSV_MANIFEST]: true, S3InventoryReport_CSV_20161130: true }),
        ),
        Fields: opt(list(enumOf<JobManifestFieldName>({ Ignore: true, Bucket: true, Key: true, VersionId: true }))),
      },
      { check: manifestSpecRule },
    ),
  ),
  Location: req(
    struct<JobManifest['Location']>({
      ObjectArn: req(s3KeyArn),
      ObjectVersionId: opt(str({ min: 1, max: 2000 })),
      ETag: req(nonEmptyMaxLength1024),
    }),
  ),
});

const keyNameList = list(nonEmptyMaxLength1024, { min: 1, max: 1 });

const objectEncryptionFilter = struct<ObjectEncryptionFilter>(
  {
    SSES3: opt(empty, 'SSE-S3'),
    SSEKMS: opt(
      struct<Defined<ObjectEncryptionFilter['SSEKMS']>>({ KmsKeyArn: opt(nonEmptyKmsKeyArn), BucketKeyEnabled: opt(bool) }),
      'SSE-KMS',
    ),
    DSSEKMS: opt(struct<Defined<ObjectEncryptionFilter['DSSEKMS']>>({ KmsKeyArn: opt(nonEmptyKmsKeyArn) }), 'DSSE-KMS'),
    SSEC: opt(empty, 'SSE-C'),
    NOTSSE: opt(empty, 'NOT-SSE'),
  },
  { union: true },
);

type ReplicationStatus = Defined<JobManifestGeneratorFilter['ObjectReplicationStatuses']>[number];

const generatorFilter = struct<JobManifestGeneratorFilter>({
  EligibleForReplication: opt(bool),
  CreatedAfter: opt(timestamp),
  CreatedBefore: opt(timestamp),
  ObjectReplicationStatuses: opt(
    list(enumOf<ReplicationStatus>({ COMPLETED: true, FAILED: true, REPLICA: true, NONE: true })),
  ),
  KeyNameConstraint: opt(
    struct<Defined<JobManifestGeneratorFilter['KeyNameConstraint']>>({
      MatchAnyPrefix: opt(keyNameList),
      MatchAnySuffix: opt(keyNameList),
      MatchAnySubstring: opt(keyNameList),
    }),
  ),
  ObjectSizeGreaterThanBytes: opt(long(0)),
  ObjectSizeLessThanBytes: opt(long(0)),
  MatchAnyStorageClass: opt(list(storageClass)),
  MatchAnyObjectEncryption: opt(list(objectEncryptionFilter, { itemName: 'ObjectEncryption', min: 1, max: 1 })),
});

type OutputLocation = Defined<S3JobManifestGenerator['ManifestOutputLocation']>;
type ManifestEncryption = Defined<OutputLocation['ManifestEncryption']>;

const manifestEncryption = struct<ManifestEncryption>(
  {
    SSES3: opt(empty, 'SSE-S3'),
    SSEKMS: opt(struct<Defined<ManifestEncryption['SSEKMS']>>({ KeyId: req(kmsKeyArn) }), 'SSE-KMS'),
  },
  {
    check: (encryption, path) => {
      if (encryption.SSES3 !== undefined && encryption.SSEKMS !== undefined) {
        fail(childPath(path, 'SSE-KMS'), 'must not be given together with SSE-S3: give at most one of SSE-S3, SSE-KMS');
      }
    },
  },
);

const manifestOutputLocation = struct<OutputLocation>({
  ExpectedManifestBucketOwner: opt(accountId),
  Bucket: req(s3BucketArn),
  ManifestPrefix: opt(str({ min: 1, max: 512 })),
  ManifestEncryption: opt(manifestEncryption),
  ManifestFormat: req(enumOf<OutputLocation['ManifestFormat']>({ S3InventoryReport_CSV_20211130: true })),
});

const s3JobManifestGenerator = struct<S3JobManifestGenerator>(
  {
    ExpectedBucketOwner: opt(accountId),
    SourceBucket: req(s3BucketArn),
    ManifestOutputLocation: opt(manifestOutputLocation),
    Filter: opt(generatorFilter),
    EnableManifestOutput: req(bool),
  },
  {
    check: (generator, path) => {
      if (generator.EnableManifestOutput && generator.ManifestOutputLocation === undefined) {
        fail(childPath(path, 'ManifestOutputLocation'), 'is required when EnableManifestOutput is true');
      }
    },
  },
);

const jobManifestGenerator = struct<JobManifestGenerator>(
  { S3JobManifestGenerator: opt(s3JobManifestGenerator) },
  { union: true },
);

const priority = int(0, INT32_MAX);
const roleArn = str({ min: 1, max: 2048, pattern: pattern(String.raw`arn:[^:]+:iam::\d{12}:role/.*`) });

/** The CreateJob body as it is on the wire: the spec's members plus the token and tags. */
export interface CreateJobRequestBody extends Omit<JobSpec, 'Extensions' | 'ConfirmationRequired'> {
  ConfirmationRequired?: boolean;
  ClientRequestToken: string;
  Tags?: S3Tag[];
}

/** Spec members in JobSpec order; the wire-only members (token, tags) last. */
export const createJobRequest = struct<CreateJobRequestBody>(
  {
    Operation: req(jobOperation),
    Report: req(jobReport),
    Priority: req(priority),
    RoleArn: req(roleArn),
    ConfirmationRequired: opt(bool),
    Manifest: opt(jobManifest),
    ManifestGenerator: opt(jobManifestGenerator),
    Description: opt(nonEmptyMaxLength256),
    ClientRequestToken: req(nonEmptyMaxLength64),
    Tags: opt(jobTags),
  },
  {
    check: (request) => {
      if (request.Manifest !== undefined && request.ManifestGenerator !== undefined) {
        fail('ManifestGenerator', 'must not be given together with Manifest: a job takes exactly one of Manifest, ManifestGenerator');
      }
      if (request.Manifest === undefined && request.ManifestGenerator === undefined) {
        fail('Manifest', 'or ManifestGenerator is required: a job takes exactly one of Manifest, ManifestGenerator');
      }
    },
  },
);

/** JobSpec minus Extensions: the members a JobDescriptor echoes, in JobDescriptor (model) order. */
export const jobSpecMembers = struct<Omit<JobSpec, 'Extensions'>>({
  ConfirmationRequired: req(bool),
  Description: opt(nonEmptyMaxLength256),
  Manifest: opt(jobManifest),
  Operation: req(jobOperation),
  Priority: req(priority),
  Report: req(jobReport),
  RoleArn: req(roleArn),
  ManifestGenerator: opt(jobManifestGenerator),
});
