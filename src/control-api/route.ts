/** What every jobs-API route receives and answers. Routes only throw S3ControlError. */
import type { JobService } from '../engine/job-service.js';
import type { XmlOutElement } from '../lib/xml.js';

export interface ControlRequest {
  /** The authenticated account (the signed x-amz-account-id). */
  readonly accountId: string;
  /** The `{id}` path segment, percent-decoded; undefined on `/jobs`. */
  readonly jobId: string | undefined;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly jobs: JobService;
}

/** A document to send with 200, or nothing (200 with an empty body). */
export type ControlResponse = XmlOutElement | undefined;

export type RouteHandler = (req: ControlRequest) => Promise<ControlResponse>;

/** `jobs` = /v20180820/jobs, `job` = /jobs/{id}, `job/x` = /jobs/{id}/x. */
export type RoutePath = 'jobs' | 'job' | 'job/priority' | 'job/status' | 'job/tagging';

export interface Route {
  readonly operation: string;
  readonly method: string;
  readonly path: RoutePath;
  readonly handle: RouteHandler;
}
