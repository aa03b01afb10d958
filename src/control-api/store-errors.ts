/** The one mapping from job-store refusals (as the engine facade surfaces them) to jobs-API errors. */
import { JobStoreError } from '../engine/job-service.js';
import { S3ControlError } from './errors.js';

export function fromStoreError(err: unknown): unknown {
  if (!(err instanceof JobStoreError)) return err;
  switch (err.code) {
    case 'NotFound':
      return new S3ControlError('NotFoundException', 'The specified job does not exist');
    case 'IdempotencyMismatch':
      return new S3ControlError(
        'IdempotencyException',
        'The ClientRequestToken was already used for a different CreateJob request; use a new token for a new job',
      );
    case 'StatusConflict':
      return new S3ControlError('JobStatusException', err.message);
    case 'TerminalJob':
      return new S3ControlError('BadRequestException', err.message);
    case 'Unavailable':
      return new S3ControlError('ServiceUnavailable', 'The job store is unavailable for a moment. Please try again.');
    default:
      // Engine-side refusals (leases, chunks) never come from an API call; if one does, it is a
      // bug and answers InternalServiceException.
      return err;
  }
}
