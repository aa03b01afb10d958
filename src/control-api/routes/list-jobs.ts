/** ListJobs: GET /v20180820/jobs?jobStatuses=…&maxResults=…&nextToken=… */
import { S3ControlError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../next-token.js';
import { parseJobStatuses, parseMaxResults, parseNextToken, QueryParams } from '../params.js';
import { renderJobListDescriptor, result } from '../render.js';
import type { Route } from '../route.js';

const TOKEN_SECRET = 'list-jobs-next-token';

export const listJobs: Route = {
  operation: 'ListJobs',
  method: 'GET',
  path: 'jobs',
  async handle({ accountId, query, jobs }) {
    const params = new QueryParams(query, 'InvalidRequestException');
    const statuses = parseJobStatuses(params);
    const maxResults = parseMaxResults(params);
    const token = parseNextToken(params);
    const secret = await jobs.secret(TOKEN_SECRET);
    const after = token === undefined ? undefined : decodeNextToken(secret, accountId, statuses, token);
    if (token !== undefined && after === undefined) {
      throw new S3ControlError(
        'InvalidNextTokenException',
        'The NextToken is not valid for this account and these jobStatuses; start again without it',
      );
    }
    if (maxResults === 0) return result('ListJobsResult', { Jobs: '' });
    // One extra row tells whether another page exists without a second query.
    const rows = await jobs.listJobs({ accountId, statuses, limit: maxResults + 1, after });
    const page = rows.slice(0, maxResults);
    const last = page[page.length - 1];
    const nextToken =
      rows.length > maxResults && last
        ? encodeNextToken(secret, accountId, statuses, { createdMs: last.createdMs, id: last.id })
        : undefined;
    const now = jobs.now();
    return result('ListJobsResult', {
      NextToken: nextToken,
      Jobs: page.length ? { member: page.map((job) => renderJobListDescriptor(job, now)) } : '',
    });
  },
};
