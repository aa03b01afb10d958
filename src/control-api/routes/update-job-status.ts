/** UpdateJobStatus: POST /v20180820/jobs/{id}/status?requestedJobStatus=…&statusUpdateReason=… */
import { parseRequestedJobStatus, parseStatusUpdateReason, QueryParams } from '../params.js';
import { result } from '../render.js';
import type { Route } from '../route.js';

export const updateJobStatus: Route = {
  operation: 'UpdateJobStatus',
  method: 'POST',
  path: 'job/status',
  async handle({ accountId, jobId, query, jobs }) {
    const params = new QueryParams(query, 'BadRequestException');
    const requested = parseRequestedJobStatus(params);
    const reason = parseStatusUpdateReason(params);
    const job = await jobs.requestStatus(accountId, jobId as string, requested, reason);
    return result('UpdateJobStatusResult', {
      JobId: job.id,
      Status: job.status,
      StatusUpdateReason: job.statusUpdateReason ?? undefined,
    });
  },
};
