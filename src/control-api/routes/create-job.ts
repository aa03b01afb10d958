/** CreateJob: POST /v20180820/jobs */
import { parseXml, XmlSyntaxError } from '../../lib/xml.js';
import { S3ControlError } from '../errors.js';
import { parseCreateJobRequest } from '../model/index.js';
import { result } from '../render.js';
import type { Route } from '../route.js';

export const createJob: Route = {
  operation: 'CreateJob',
  method: 'POST',
  path: 'jobs',
  async handle({ accountId, body, jobs }) {
    const parsed = parseCreateJobRequest(parseBody(body, 'CreateJobRequest'));
    const { job } = await jobs.createJob({ accountId, ...parsed });
    return result('CreateJobResult', { JobId: job.id });
  },
};

/** Parses an XML request body; anything not well-formed is a BadRequestException. */
export function parseBody(body: Buffer, root: string): ReturnType<typeof parseXml> {
  if (body.length === 0) throw new S3ControlError('BadRequestException', `The request body must be a ${root} XML document`);
  try {
    return parseXml(body);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new S3ControlError('BadRequestException', err.message);
    throw err;
  }
}
