/**
 * The CLI's exit codes (external contract) and its one error type. Every failure leaves through
 * `explain`, which says what went wrong and what to do; a stack is printed only with `--debug`.
 */
import type { JobDescriptor } from '@aws-sdk/client-s3-control';

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  completeWithFailures: 3,
  failed: 4,
  cancelled: 5,
} as const;

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.error) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Flags that do not fit together, or a value a flag cannot take: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** A finished job's exit code: 0 Complete with no failed task, 3 with some, 4 Failed, 5 Cancelled. */
export function jobExitCode(job: JobDescriptor): number {
  switch (job.Status) {
    case 'Complete':
      return (job.ProgressSummary?.NumberOfTasksFailed ?? 0) > 0 ? EXIT.completeWithFailures : EXIT.ok;
    case 'Failed':
      return EXIT.failed;
    case 'Cancelled':
      return EXIT.cancelled;
    default:
      return EXIT.ok;
  }
}

export interface ExplainContext {
  readonly endpoint: string;
  readonly isDefaultLocal: boolean;
  readonly accessKeyId?: string;
  readonly jobId?: string;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** One message for an error: what went wrong, then what to do. */
export function explain(err: unknown, context: ExplainContext): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
  const netCode = e.code ?? e.cause?.code;
  if (netCode !== undefined && UNREACHABLE.has(netCode)) {
    const start = context.isDefaultLocal ? 'start one with `npx s3batch serve` (or `npm start`), or' : '';
    return {
      message: `no s3batch server answers at ${context.endpoint} (${netCode}): ${start} point --endpoint or S3BATCH_ENDPOINT at yours`.replace(':  point', ': point'),
      exitCode: EXIT.error,
    };
  }
  const key = context.accessKeyId !== undefined ? ` ${context.accessKeyId}` : '';
  switch (e.name) {
    case 'InvalidAccessKeyId':
    case 'InvalidClientTokenId':
      return {
        message: `the server at ${context.endpoint} does not know the access key${key}: check --access-key-id, AWS_ACCESS_KEY_ID or your profile${
          context.isDefaultLocal ? " (the local server's built-in key is s3batch / s3batch-secret)" : ''
        }`,
        exitCode: EXIT.error,
      };
    case 'SignatureDoesNotMatch':
      return { message: `the secret access key of${key || ' your key'} is wrong (the server at ${context.endpoint} refused the signature): check --secret-access-key, AWS_SECRET_ACCESS_KEY or your profile`, exitCode: EXIT.error };
    case 'RequestTimeTooSkewed':
      return { message: `this machine's clock is more than 15 minutes off the server's: set the clock right (${e.message ?? ''})`, exitCode: EXIT.error };
    case 'NotFoundException':
      return { message: `no such job${context.jobId !== undefined ? ` ${context.jobId}` : ''} in this account: \`s3batch jobs ls\` lists the jobs there are`, exitCode: EXIT.error };
    case 'CredentialsProviderError':
      return { message: `no AWS credentials found: give --access-key-id and --secret-access-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile with --profile`, exitCode: EXIT.error };
    default:
      break;
  }
  if (e.$metadata?.httpStatusCode !== undefined && e.name !== undefined) {
    return { message: `${e.name}: ${e.message ?? ''}`, exitCode: EXIT.error };
  }
  if (e.name === 'ConnectionError' || e.name === 'ManifestInputError' || e.name === 'ReportError' || e.name === 'S3UrlError') {
    return { message: e.message ?? String(err), exitCode: e.name === 'S3UrlError' ? EXIT.usage : EXIT.error };
  }
  return { message: `unexpected error: ${e.message ?? String(err)} (run again with --debug for the stack, and please report it)`, exitCode: EXIT.error };
}
