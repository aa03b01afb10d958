/** The request/response model of the jobs API: parsing and validating bodies, rendering specs. */
export { parseCreateJobRequest, parsePutJobTaggingRequest, type CreateJobInputBody } from './requests.js';
export { renderJobSpec, renderTags } from './render.js';
export { parseBucketArn, parseObjectArn, type BucketArn, type ObjectArn } from '../../domain/arn.js';
