/**
 * LambdaInvoke: one invocation per task, synchronously, with the event and the report rows of AWS
 * S3 Batch Operations (reference §5.10, §5.9). The functions themselves are behind the
 * LambdaFunctions port (src/functions/ implements it: local Node.js and Python modules, HTTP
 * endpoints).
 *
 * Rows:
 * - `Succeeded`                          → succeeded,200,,<resultString>
 * - `PermanentFailure`                   → failed,200,PermanentFailure,<resultString>
 * - `TemporaryFailure`                   → redriven up to REDRIVES times with backoff, then
 *                                          failed,200,TemporaryFailure,<resultString> (AWS does not
 *                                          document the last row; this is s3batch's choice)
 * - the task missing from `results`      → as `treatMissingKeysAs` says (default PermanentFailure)
 * - the function threw, or timed out     → failed,200,PermanentFailure,Lambda returned function error: {"errorMessage":…,"errorType":…}
 * - an answer that is not the response   → failed,200,PermanentFailure,Invalid JSON returned in Lambda payload
 * - an HTTP endpoint's 429 or 5xx        → retried like S3's SlowDown (thrown as transient);
 *   its other non-2xx                    → failed,<status>,<code>,<message>
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LambdaInvokeOperation } from '../domain/job-spec.js';
import type { ManifestTask } from '../manifests/index.js';
import type { TaskResult } from '../reports/index.js';
import { S3PortError } from '../s3/s3-port.js';
import type { TaskOperation } from './types.js';

/** One invocation, as the port receives it. */
export interface LambdaInvocation {
  readonly functionArn: string;
  readonly accountId: string;
  readonly jobId: string;
  readonly taskId: string;
  /** The invocation event (JSON-able). */
  readonly event: LambdaEvent;
}

/** What came back from one invocation. */
export type LambdaAnswer =
  /** The function returned: the JSON text of its return value (Lambda's response payload). */
  | { readonly kind: 'returned'; readonly payload: string }
  /** The function threw, could not be loaded, died or timed out (Lambda's "function error"). */
  | { readonly kind: 'functionError'; readonly errorType: string; readonly errorMessage: string }
  /** An HTTP endpoint answered with a status other than 2xx. */
  | { readonly kind: 'httpError'; readonly status: number; readonly message: string };

/** Why a job's function cannot run (a FailureReasons entry). */
export interface LambdaRefusal {
  readonly code: string;
  readonly reason: string;
}

/** The functions LambdaInvoke jobs call (src/functions/). */
export interface LambdaFunctions {
  /** At preparation: can a job of `accountId` run `functionArn`? The reason when not. */
  check(functionArn: string, accountId: string): Promise<LambdaRefusal | undefined>;
  /** One invocation; rejects only for transport failures (a refused connection), which are retried. */
  invoke(invocation: LambdaInvocation): Promise<LambdaAnswer>;
}

export interface LambdaEvent {
  readonly invocationSchemaVersion: '1.0' | '2.0';
  readonly invocationId: string;
  readonly job: { readonly id: string; readonly userArguments?: Readonly<Record<string, string>> };
  readonly tasks: ReadonlyArray<{
    readonly taskId: string;
    readonly s3Key: string;
    readonly s3VersionId: string | null;
    readonly s3BucketArn?: string;
    readonly s3Bucket?: string;
  }>;
}

/** A TemporaryFailure is redriven this many times (Lambda's documented behaviour gives no number). */
export const REDRIVES = 3;
const REDRIVE_BASE_MS = 200;

export const INVALID_PAYLOAD = 'Invalid JSON returned in Lambda payload';

/**
 * The task's id: the same for every invocation of the task — its redrives, a re-run after a
 * crash or a lost lease — so that a function can recognise a repeat; different for every task of
 * every job. (AWS documents taskId as opaque.)
 */
export function taskIdOf(jobId: string, task: ManifestTask): string {
  return createHash('sha256').update(`${jobId}\n${task.index}`).digest('base64url').slice(0, 32);
}

export function lambdaEvent(op: LambdaInvokeOperation, jobId: string, task: ManifestTask, taskId: string): LambdaEvent {
  const v2 = op.InvocationSchemaVersion === '2.0';
  return {
    invocationSchemaVersion: v2 ? '2.0' : '1.0',
    invocationId: randomBytes(24).toString('base64url'),
    job: v2 ? { id: jobId, userArguments: op.UserArguments ?? {} } : { id: jobId },
    tasks: [
      {
        taskId,
        // As the manifest has it, URL-encoded (reference §5.10): the function decodes it.
        s3Key: task.rawKey,
        s3VersionId: task.versionId ?? null,
        ...(v2 ? { s3Bucket: task.bucket } : { s3BucketArn: `arn:aws:s3:::${task.bucket}` }),
      },
    ],
  };
}

type ResultCode = 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure';
const RESULT_CODES: readonly string[] = ['Succeeded', 'TemporaryFailure', 'PermanentFailure'];

/** What the response says of the task: its code and string, or undefined when it is not a response. */
export function taskOutcome(payload: string, taskId: string): { code: ResultCode; resultString: string } | undefined {
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return undefined;
  const { results, treatMissingKeysAs } = response as { results?: unknown; treatMissingKeysAs?: unknown };
  if (!Array.isArray(results)) return undefined;
  const mine = results.find((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && (r as { taskId?: unknown }).taskId === taskId);
  if (!mine) {
    const code = typeof treatMissingKeysAs === 'string' && RESULT_CODES.includes(treatMissingKeysAs) ? (treatMissingKeysAs as ResultCode) : 'PermanentFailure';
    return { code, resultString: code === 'Succeeded' ? '' : `The response of the function has no result for this task (treatMissingKeysAs: ${code})` };
  }
  if (typeof mine.resultCode !== 'string' || !RESULT_CODES.includes(mine.resultCode)) return undefined;
  const resultString = mine.resultString === undefined || mine.resultString === null ? '' : String(mine.resultString);
  return { code: mine.resultCode as ResultCode, resultString };
}

export function functionErrorMessage(errorType: string, errorMessage: string): string {
  return `Lambda returned function error: ${JSON.stringify({ errorMessage, errorType })}`;
}

export function lambdaInvoke(op: LambdaInvokeOperation, functions: LambdaFunctions | undefined): TaskOperation {
  const functionArn = op.FunctionArn ?? '';
  return async (task, _s3, context): Promise<TaskResult> => {
    if (!functions) throw new Error('LambdaInvoke needs the functions of the server (OperationOptions.lambda)');
    const taskId = taskIdOf(context.jobId, task);
    for (let redrive = 0; ; redrive++) {
      const answer = await functions.invoke({ functionArn, accountId: context.accountId, jobId: context.jobId, taskId, event: lambdaEvent(op, context.jobId, task, taskId) });
      if (answer.kind === 'httpError') {
        if (answer.status === 429) throw new S3PortError('TooManyRequests', 429, answer.message);
        if (answer.status >= 500) throw new S3PortError('ServiceUnavailable', answer.status, answer.message);
        return { status: 'failed', httpStatus: answer.status, errorCode: `HTTP${answer.status}`, message: answer.message };
      }
      if (answer.kind === 'functionError') {
        return { status: 'failed', httpStatus: 200, errorCode: 'PermanentFailure', message: functionErrorMessage(answer.errorType, answer.errorMessage) };
      }
      const outcome = taskOutcome(answer.payload, taskId);
      if (!outcome) return { status: 'failed', httpStatus: 200, errorCode: 'PermanentFailure', message: INVALID_PAYLOAD };
      if (outcome.code === 'Succeeded') return { status: 'succeeded', httpStatus: 200, message: outcome.resultString };
      if (outcome.code === 'PermanentFailure' || redrive >= REDRIVES) {
        return { status: 'failed', httpStatus: 200, errorCode: outcome.code, message: outcome.resultString };
      }
      await context.sleep(REDRIVE_BASE_MS * 2 ** redrive);
    }
  };
}
