/** GetJobTagging / PutJobTagging / DeleteJobTagging: /v20180820/jobs/{id}/tagging */
import { parsePutJobTaggingRequest, renderTags } from '../model/index.js';
import { result } from '../render.js';
import type { Route } from '../route.js';
import { parseBody } from './create-job.js';

export const getJobTagging: Route = {
  operation: 'GetJobTagging',
  method: 'GET',
  path: 'job/tagging',
  async handle({ accountId, jobId, jobs }) {
    return result('GetJobTaggingResult', { Tags: renderTags(await jobs.getTags(accountId, jobId as string)) });
  },
};

export const putJobTagging: Route = {
  operation: 'PutJobTagging',
  method: 'PUT',
  path: 'job/tagging',
  async handle({ accountId, jobId, body, jobs }) {
    const tags = parsePutJobTaggingRequest(parseBody(body, 'PutJobTaggingRequest'));
    await jobs.putTags(accountId, jobId as string, tags);
    return undefined;
  },
};

export const deleteJobTagging: Route = {
  operation: 'DeleteJobTagging',
  method: 'DELETE',
  path: 'job/tagging',
  async handle({ accountId, jobId, jobs }) {
    await jobs.deleteTags(accountId, jobId as string);
    return undefined;
  },
};
