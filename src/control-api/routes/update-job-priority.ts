/** UpdateJobPriority: POST /v20180820/jobs/{id}/priority?priority=N */
import { parsePriority, QueryParams } from '../params.js';
import { result } from '../render.js';
import type { Route } from '../route.js';

export const updateJobPriority: Route = {
  operation: 'UpdateJobPriority',
  method: 'POST',
  path: 'job/priority',
  async handle({ accountId, jobId, query, jobs }) {
    const priority = parsePriority(new QueryParams(query, 'BadRequestException'));
    const job = await jobs.updatePriority(accountId, jobId as string, priority);
    return result('UpdateJobPriorityResult', { JobId: job.id, Priority: job.priority });
  },
};
