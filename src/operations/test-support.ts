/** Test helpers (excluded from the build): the job context an operation's task runs in. */
import type { TaskContext } from './types.js';

export const TASK_CONTEXT: TaskContext = { jobId: 'test-job-0001', accountId: '111122223333', sleep: async () => {} };
