/** DescribeJob: GET /v20180820/jobs/{id} */
import { S3ControlError } from '../errors.js';
import { renderJobDescriptor, result } from '../render.js';
import type { Route } from '../route.js';

export const describeJob: Route = {
  operation: 'DescribeJob',
  method: 'GET',
  path: 'job',
  async handle({ accountId, jobId, jobs }) {
    const job = await jobs.describeJob(accountId, jobId as string);
    if (!job) throw new S3ControlError('NotFoundException', 'The specified job does not exist');
    return result('DescribeJobResult', { Job: renderJobDescriptor(job, jobs.now()) });
  },
};
