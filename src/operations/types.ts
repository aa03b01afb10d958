/**
 * An operation runs one task (one manifest object). An S3 operation makes its S3 call and resolves
 * with nothing: the task succeeded, and its report row reads `Successful`. An operation whose
 * outcome is more than that (LambdaInvoke's resultString and result codes) resolves with the
 * task's result itself. A failure of the call is thrown (the port's S3PortError): the engine
 * retries the transient ones and reports the rest.
 */
import type { ManifestTask } from '../manifests/index.js';
import type { TaskResult } from '../reports/index.js';
import type { ObjectRef, S3Port } from '../s3/s3-port.js';

/** The job a task belongs to, as its operation may need it. */
export interface TaskContext {
  readonly jobId: string;
  readonly accountId: string;
  /** Waits between the attempts an operation makes itself (the engine's clock; tests make it instant). */
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Thrown by an operation whose task was stopped before it finished (the server is shutting
 * down): the task did not run, as far as the job is concerned, and runs again after the restart.
 */
export class TaskAbandoned extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskAbandoned';
  }
}

export type TaskOperation = (task: ManifestTask, s3: S3Port, context: TaskContext) => Promise<TaskResult | void>;

/** The object a task names: the manifest's bucket, decoded key and version (if any). */
export function taskRef(task: ManifestTask): ObjectRef {
  return { bucket: task.bucket, key: task.key, ...(task.versionId !== undefined ? { versionId: task.versionId } : {}) };
}
