/**
 * `s3batch jobs create`'s operation flags → the CreateJob `Operation`: one flag family per
 * operation that runs. Values are checked here only as far as the CLI must understand them;
 * everything else is left to the server, which words its refusal as AWS does.
 */
import type { JobOperation, S3StorageClass } from '@aws-sdk/client-s3-control';
import { parseS3Url, bucketArn } from '../../client/s3-url.js';
import { UsageError } from '../errors.js';

export interface OperationFlags {
  readonly tag?: readonly string[];
  readonly deleteTags?: boolean;
  readonly copyTo?: string;
  readonly storageClass?: readonly string[];
  readonly metadataDirective?: string;
  readonly metadata?: readonly string[];
  readonly contentType?: string;
  readonly sse?: string;
  readonly kmsKeyId?: string;
  readonly bucketKey?: boolean;
  readonly acl?: string;
  readonly restore?: string;
  readonly tier?: string;
  readonly lambda?: string;
  readonly arg?: readonly string[];
  readonly schema?: string;
  readonly retention?: string;
  readonly until?: string;
  readonly bypassGovernance?: boolean;
  readonly legalHold?: string;
  readonly checksum?: string;
  readonly composite?: boolean;
  readonly encryptKms?: string;
  readonly replicate?: boolean;
}

/** `k=v` → [k, v] (the value may hold `=`). */
export function keyValue(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} takes key=value, not "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export function tagsOf(values: readonly string[] | undefined, flag: string): { Key: string; Value: string }[] {
  return (values ?? []).map((v) => {
    const [Key, Value] = keyValue(v, flag);
    return { Key, Value };
  });
}

const COPY_ONLY = ['storageClass', 'metadataDirective', 'metadata', 'contentType', 'sse', 'kmsKeyId'] as const;
const FLAG_NAMES: Record<string, string> = {
  storageClass: '--storage-class',
  metadataDirective: '--metadata-directive',
  metadata: '--metadata',
  contentType: '--content-type',
  sse: '--sse',
  kmsKeyId: '--kms-key-id',
};

export function operationOf(flags: OperationFlags, context: { accountId: string; region: string }): JobOperation {
  const chosen = [
    flags.tag !== undefined && flags.tag.length > 0 ? '--tag' : undefined,
    flags.deleteTags ? '--delete-tags' : undefined,
    flags.copyTo !== undefined ? '--copy-to' : undefined,
    flags.acl !== undefined && flags.copyTo === undefined ? '--acl' : undefined,
    flags.restore !== undefined ? '--restore' : undefined,
    flags.lambda !== undefined ? '--lambda' : undefined,
    flags.retention !== undefined ? '--retention' : undefined,
    flags.legalHold !== undefined ? '--legal-hold' : undefined,
    flags.checksum !== undefined ? '--checksum' : undefined,
    flags.encryptKms !== undefined ? '--encrypt-kms' : undefined,
    flags.replicate ? '--replicate' : undefined,
  ].filter((f): f is string => f !== undefined);
  if (chosen.length === 0) {
    throw new UsageError(
      'say what to do to the objects: --tag k=v, --delete-tags, --copy-to s3://bucket/prefix, --acl CANNED, --restore DAYS, --lambda NAME, --retention MODE --until DATE, --legal-hold on|off, --checksum ALGO, --encrypt-kms ARN, --replicate (or --from-json FILE)',
    );
  }
  if (chosen.length > 1) throw new UsageError(`a job runs one operation: ${chosen.join(' and ')} cannot go together`);
  if (flags.copyTo === undefined) {
    const stray = COPY_ONLY.find((k) => flags[k] !== undefined && !(Array.isArray(flags[k]) && (flags[k] as unknown[]).length === 0));
    if (stray !== undefined) throw new UsageError(`${FLAG_NAMES[stray]} belongs to --copy-to`);
  }
  if (flags.bucketKey && flags.copyTo === undefined && flags.encryptKms === undefined) throw new UsageError('--bucket-key belongs to --copy-to or --encrypt-kms');
  if (flags.tier !== undefined && flags.restore === undefined) throw new UsageError('--tier belongs to --restore');
  if ((flags.until !== undefined || flags.bypassGovernance) && flags.retention === undefined) throw new UsageError('--until and --bypass-governance belong to --retention');
  if (flags.composite && flags.checksum === undefined) throw new UsageError('--composite belongs to --checksum');
  if ((flags.arg !== undefined && flags.arg.length > 0 && flags.lambda === undefined) || (flags.schema !== undefined && flags.lambda === undefined)) {
    throw new UsageError('--arg and --schema belong to --lambda');
  }
  const what = chosen[0];
  switch (what) {
    case '--tag':
      return { S3PutObjectTagging: { TagSet: tagsOf(flags.tag, '--tag') } };
    case '--delete-tags':
      return { S3DeleteObjectTagging: {} };
    case '--acl':
      return { S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: flags.acl as never } } };
    case '--restore':
      return { S3InitiateRestoreObject: restoreOf(flags) };
    case '--lambda':
      return { LambdaInvoke: lambdaOf(flags, context) };
    case '--retention':
      return { S3PutObjectRetention: retentionOf(flags) };
    case '--legal-hold': {
      const status = flags.legalHold?.toUpperCase();
      if (status !== 'ON' && status !== 'OFF') throw new UsageError(`--legal-hold is on or off, not "${flags.legalHold}"`);
      return { S3PutObjectLegalHold: { LegalHold: { Status: status } } };
    }
    case '--checksum':
      return {
        S3ComputeObjectChecksum: {
          ChecksumAlgorithm: (flags.checksum ?? '').toUpperCase() as never,
          ChecksumType: flags.composite ? 'COMPOSITE' : 'FULL_OBJECT',
        },
      };
    case '--encrypt-kms':
      return {
        S3UpdateObjectEncryption: {
          ObjectEncryption: { SSEKMS: { KMSKeyArn: flags.encryptKms ?? '', ...(flags.bucketKey ? { BucketKeyEnabled: true } : {}) } },
        },
      };
    case '--replicate':
      return { S3ReplicateObject: {} };
    default:
      return { S3PutObjectCopy: copyOf(flags) };
  }
}

function copyOf(flags: OperationFlags): NonNullable<JobOperation['S3PutObjectCopy']> {
  const target = parseS3Url(flags.copyTo ?? '', '--copy-to');
  const metadata = flags.metadata ?? [];
  const userMetadata = Object.fromEntries(metadata.map((m) => keyValue(m, '--metadata')));
  const newMetadata = {
    ...(metadata.length > 0 ? { UserMetadata: userMetadata } : {}),
    ...(flags.contentType !== undefined ? { ContentType: flags.contentType } : {}),
    ...(flags.sse !== undefined ? { SSEAlgorithm: flags.sse as never } : {}),
  };
  const directive = flags.metadataDirective?.toUpperCase();
  if (directive !== undefined && directive !== 'COPY' && directive !== 'REPLACE') {
    throw new UsageError(`--metadata-directive is COPY or REPLACE, not "${flags.metadataDirective}"`);
  }
  if (directive === 'COPY' && Object.keys(newMetadata).length > 0) {
    throw new UsageError('--metadata, --content-type and --sse replace the metadata: they need --metadata-directive REPLACE (the default when any is given)');
  }
  return {
    TargetResource: bucketArn(target.bucket),
    ...(target.key !== '' ? { TargetKeyPrefix: target.key } : {}),
    ...(flags.storageClass !== undefined && flags.storageClass.length > 0 ? { StorageClass: oneClass(flags.storageClass) } : {}),
    ...(directive !== undefined ? { MetadataDirective: directive as 'COPY' | 'REPLACE' } : {}),
    ...(Object.keys(newMetadata).length > 0 ? { NewObjectMetadata: newMetadata } : {}),
    ...(flags.acl !== undefined ? { CannedAccessControlList: flags.acl as never } : {}),
    ...(flags.kmsKeyId !== undefined ? { SSEAwsKmsKeyId: flags.kmsKeyId } : {}),
    ...(flags.bucketKey ? { BucketKeyEnabled: true } : {}),
  };
}

function retentionOf(flags: OperationFlags): NonNullable<JobOperation['S3PutObjectRetention']> {
  const mode = flags.retention?.toUpperCase();
  if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw new UsageError(`--retention is GOVERNANCE or COMPLIANCE, not "${flags.retention}"`);
  if (flags.until === undefined) throw new UsageError('--retention needs --until DATE (e.g. 2030-01-01 or 2030-01-01T12:00:00Z)');
  const until = new Date(flags.until);
  if (Number.isNaN(until.getTime())) throw new UsageError(`--until is a date such as 2030-01-01 or 2030-01-01T12:00:00Z, not "${flags.until}"`);
  return {
    Retention: { Mode: mode, RetainUntilDate: until },
    ...(flags.bypassGovernance ? { BypassGovernanceRetention: true } : {}),
  };
}

function oneClass(classes: readonly string[]): S3StorageClass {
  if (classes.length > 1) throw new UsageError('--copy-to takes one --storage-class (the copies\' class)');
  return (classes[0] ?? '').toUpperCase() as S3StorageClass;
}

function restoreOf(flags: OperationFlags): NonNullable<JobOperation['S3InitiateRestoreObject']> {
  const days = Number(flags.restore);
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`--restore takes the number of days the restored copy stays, not "${flags.restore}"`);
  const tier = flags.tier?.toUpperCase();
  if (tier !== undefined && tier !== 'BULK' && tier !== 'STANDARD') throw new UsageError(`--tier is BULK or STANDARD (S3 Batch Operations' tiers), not "${flags.tier}"`);
  return { ExpirationInDays: days, ...(tier !== undefined ? { GlacierJobTier: tier } : {}) };
}

function lambdaOf(flags: OperationFlags, context: { accountId: string; region: string }): NonNullable<JobOperation['LambdaInvoke']> {
  const name = flags.lambda ?? '';
  const functionArn = name.startsWith('arn:') ? name : `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}`;
  const args = flags.arg ?? [];
  const schema = flags.schema ?? (args.length > 0 ? '2.0' : '1.0');
  if (schema !== '1.0' && schema !== '2.0') throw new UsageError(`--schema is 1.0 or 2.0, not "${flags.schema}"`);
  if (args.length > 0 && schema !== '2.0') throw new UsageError('--arg needs --schema 2.0 (user arguments are part of the 2.0 event)');
  return {
    FunctionArn: functionArn,
    InvocationSchemaVersion: schema,
    ...(args.length > 0 ? { UserArguments: Object.fromEntries(args.map((a) => keyValue(a, '--arg'))) } : {}),
  };
}
