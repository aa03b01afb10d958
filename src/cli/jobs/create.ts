/**
 * `s3batch jobs create`: one command from "these objects, this operation" to a running job —
 * the manifest found (ETag looked up) or written from a list of objects and uploaded, a report
 * where it can be read back, and the request sent (or printed with `--dry-run`).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CreateJobCommand, type CreateJobCommandInput, type JobManifest, type JobManifestFieldName, type JobReport } from '@aws-sdk/client-s3-control';
import type { Connection } from '../../client/connection.js';
import { besideManifest, createJobInput, existingManifest, manifestAt, NO_REPORT, reportTo } from '../../client/create-request.js';
import { newManifestKey, objectsListRows, objectsManifestBase, uploadManifest, writeManifestFile } from '../../client/manifest-writer.js';
import { parseS3Url, type S3Location } from '../../client/s3-url.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { generatorOf, strayFilterFlag, type GenerateFlags } from './generate-flags.js';
import { operationOf, tagsOf, type OperationFlags } from './operation-flags.js';
import { watchJob, type WatchOptions } from './watch.js';

export interface CreateFlags extends OperationFlags, GenerateFlags {
  readonly manifest?: string;
  readonly fields?: string;
  readonly inventory?: string;
  readonly objects?: string;
  readonly manifestTo?: string;
  readonly report?: string | false;
  readonly allTasks?: boolean;
  readonly priority?: string;
  readonly description?: string;
  readonly jobTag?: readonly string[];
  readonly roleArn?: string;
  readonly confirmationRequired?: boolean;
  readonly dryRun?: boolean;
  readonly watch?: boolean;
  readonly quiet?: boolean;
  readonly fromJson?: string;
}

const OPERATION_FLAGS: readonly (keyof OperationFlags)[] = ['tag', 'deleteTags', 'copyTo', 'acl', 'restore', 'lambda', 'retention', 'legalHold', 'checksum', 'encryptKms', 'replicate'];

export async function createCommand(flags: CreateFlags, conn: Connection, out: Output, watch: WatchOptions): Promise<number> {
  if (flags.quiet && (flags.watch || flags.dryRun || out.json)) throw new UsageError('--quiet prints only the new job\'s id: it goes with neither --watch, --dry-run nor --json');
  const input = flags.fromJson !== undefined ? await fromJson(flags, conn) : await fromFlags(flags, conn, out);
  if (flags.dryRun) {
    out.printJson(input);
    return EXIT.ok;
  }
  const { JobId } = await conn.control.send(new CreateJobCommand(input));
  if (JobId === undefined) throw new CliError('CreateJob answered no JobId');
  if (flags.quiet) out.line(JobId);
  else if (out.json && !flags.watch) out.printJson({ JobId });
  else if (!out.json) {
    out.line(`${out.color.green('created job')} ${JobId}`);
    if (input.ConfirmationRequired) out.line(`it waits for confirmation: s3batch jobs confirm ${JobId}`);
    else if (!flags.watch) out.line(`follow it: s3batch jobs watch ${JobId}`);
  }
  if (!flags.watch) return EXIT.ok;
  return watchJob(conn, input.AccountId ?? (await conn.accountId()), JobId, out, watch);
}

async function fromJson(flags: CreateFlags, conn: Connection): Promise<CreateJobCommandInput> {
  const given = OPERATION_FLAGS.filter((k) => flags[k] !== undefined && !(Array.isArray(flags[k]) && (flags[k] as unknown[]).length === 0));
  if (given.length > 0 || flags.manifest !== undefined || flags.objects !== undefined || flags.inventory !== undefined || flags.generate !== undefined) {
    throw new UsageError('--from-json holds the whole request: give no operation or manifest flags with it');
  }
  const path = flags.fromJson ?? '';
  let text: string;
  try {
    text = path === '-' ? await readAll(process.stdin) : await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --from-json ${path}: ${(err as Error).message}`);
  }
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--from-json ${path} is not JSON: ${(err as Error).message}`);
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new UsageError(`--from-json ${path} must hold a JSON object (the input of aws s3control create-job --cli-input-json)`);
  }
  const r = request as Partial<CreateJobCommandInput>;
  return {
    ...r,
    AccountId: r.AccountId ?? (await conn.accountId()),
    ...(flags.confirmationRequired ? { ConfirmationRequired: true } : {}),
    ...(r.ClientRequestToken === undefined ? { ClientRequestToken: crypto.randomUUID() } : {}),
  } as CreateJobCommandInput;
}

async function fromFlags(flags: CreateFlags, conn: Connection, out: Output): Promise<CreateJobCommandInput> {
  const sources = (['manifest', 'inventory', 'objects', 'generate'] as const).filter((k) => flags[k] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError(
      sources.length === 0
        ? 'say which objects: --objects FILE (or - for stdin), --manifest s3://bucket/key.csv, --inventory s3://bucket/…/manifest.json or --generate s3://bucket[/prefix]'
        : `the objects come from one place: --${sources.join(' and --')} cannot go together`,
    );
  }
  const stray = flags.generate === undefined ? strayFilterFlag(flags) : undefined;
  if (stray !== undefined) throw new UsageError(`${stray} is a filter of --generate`);
  if (flags.fields !== undefined && flags.manifest === undefined) throw new UsageError('--fields belongs to --manifest');
  if (flags.manifestTo !== undefined && flags.objects === undefined) throw new UsageError('--manifest-to belongs to --objects');
  if (flags.allTasks && flags.report === false) throw new UsageError('--all-tasks needs a report: drop --no-report');
  const priority = priorityOf(flags.priority);
  // With --generate and no --copy-to, --storage-class filters the listing; with --copy-to it is the copies' class.
  const classFilter = flags.generate !== undefined && flags.copyTo === undefined ? (flags.storageClass ?? []) : [];
  const accountId = await conn.accountId();
  const operation = operationOf(classFilter.length > 0 ? { ...flags, storageClass: [] } : flags, { accountId, region: conn.region ?? 'us-east-1' });
  const reportAt = typeof flags.report === 'string' ? parseS3Url(flags.report, '--report') : undefined;

  if (flags.generate !== undefined) {
    const { generator, reportBase } = generatorOf(flags, classFilter);
    return createJobInput({
      accountId,
      operation,
      manifestGenerator: generator,
      report: flags.report === false ? NO_REPORT : reportTo(reportAt ?? reportBase, flags.allTasks ?? false),
      ...(priority !== undefined ? { priority } : {}),
      ...(flags.roleArn !== undefined ? { roleArn: flags.roleArn } : {}),
      ...(flags.description !== undefined ? { description: flags.description } : {}),
      tags: tagsOf(flags.jobTag, '--job-tag'),
      confirmationRequired: flags.confirmationRequired ?? false,
    });
  }
  let manifest: JobManifest;
  let manifestLocation: S3Location;
  if (flags.objects !== undefined) {
    const input = flags.objects === '-' ? process.stdin : await openFile(flags.objects);
    const file = await writeManifestFile(objectsListRows(input));
    try {
      const base = flags.manifestTo !== undefined
        ? parseS3Url(flags.manifestTo, '--manifest-to')
        : objectsManifestBase(file, reportAt);
      manifestLocation = { bucket: base.bucket, key: newManifestKey(base.key) };
      const etag = flags.dryRun ? file.md5 : (await uploadManifest(conn.s3, file, manifestLocation)).etag;
      manifest = manifestAt(manifestLocation, etag, 'csv', file.fields);
      if (!out.json && !flags.dryRun && !flags.quiet) out.line(`manifest of ${file.rows.toLocaleString('en-US')} objects: s3://${manifestLocation.bucket}/${manifestLocation.key}`);
    } finally {
      await file.dispose();
    }
  } else {
    const csv = flags.manifest !== undefined;
    manifestLocation = parseS3Url(csv ? (flags.manifest ?? '') : (flags.inventory ?? ''), csv ? '--manifest' : '--inventory');
    manifest = await existingManifest(conn.s3, manifestLocation, csv ? 'csv' : 'inventory', fieldsOf(flags.fields));
  }
  const report: JobReport =
    flags.report === false ? NO_REPORT : reportTo(reportAt ?? besideManifest(manifestLocation), flags.allTasks ?? false);
  return createJobInput({
    accountId,
    operation,
    manifest,
    report,
    ...(priority !== undefined ? { priority } : {}),
    ...(flags.roleArn !== undefined ? { roleArn: flags.roleArn } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
    tags: tagsOf(flags.jobTag, '--job-tag'),
    confirmationRequired: flags.confirmationRequired ?? false,
  });
}

export function priorityOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 2147483647) throw new UsageError(`--priority is a whole number from 0 to 2147483647, not "${text}"`);
  return n;
}

function fieldsOf(text: string | undefined): JobManifestFieldName[] {
  if (text === undefined) return ['Bucket', 'Key'];
  const fields = text.split(',').map((f) => f.trim());
  const ok = (fields.length === 2 && fields[0] === 'Bucket' && fields[1] === 'Key') || (fields.length === 3 && fields[0] === 'Bucket' && fields[1] === 'Key' && fields[2] === 'VersionId');
  if (!ok) throw new UsageError(`--fields is Bucket,Key or Bucket,Key,VersionId (a CSV manifest's columns), not "${text}"`);
  return fields as JobManifestFieldName[];
}

async function openFile(file: string): Promise<Readable> {
  const stream = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(new CliError(`cannot read --objects ${file}: ${err.message}`)));
  });
  return stream;
}

async function readAll(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
