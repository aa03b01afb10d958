/**
 * The one error type of the S3 Control jobs API. Routes and the auth layer only throw it; the
 * server renders it once, in `renderErrorResponse`, inside the `<ErrorResponse>` envelope that
 * every SDK parses (reference §1.1). HTTP status comes from the code's row in STATUS_BY_CODE.
 */
import { buildXml } from '../lib/xml.js';

export const S3_CONTROL_ERROR_STATUS = {
  BadRequestException: 400,
  IdempotencyException: 400,
  TooManyRequestsException: 400,
  NotFoundException: 400,
  JobStatusException: 400,
  TooManyTagsException: 400,
  InvalidRequestException: 400,
  InvalidNextTokenException: 400,
  InternalServiceException: 500,
  // the job store is unreachable for a while (a database restart): every AWS SDK retries a 503
  ServiceUnavailable: 503,
  // authentication and transport, shared with S3
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  RequestTimeTooSkewed: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  XAmzContentSHA256Mismatch: 400,
  InvalidRequest: 400,
  MalformedXML: 400,
  MaxMessageLengthExceeded: 400,
  RequestTimeout: 400,
  MethodNotAllowed: 405,
  NotImplemented: 501,
} as const;

export type S3ControlErrorCode = keyof typeof S3_CONTROL_ERROR_STATUS;

export class S3ControlError extends Error {
  readonly code: S3ControlErrorCode;
  readonly status: number;
  constructor(code: S3ControlErrorCode, message: string) {
    super(message);
    this.name = 'S3ControlError';
    this.code = code;
    this.status = S3_CONTROL_ERROR_STATUS[code];
  }
}

/** An authentication failure (plain data from lib/sigv4) as a jobs-API error. */
export function fromAuthFailure(failure: { code: string; message: string }): S3ControlError {
  const code = failure.code in S3_CONTROL_ERROR_STATUS ? (failure.code as S3ControlErrorCode) : 'AccessDenied';
  return new S3ControlError(code, failure.message);
}

/** Anything thrown that is not an S3ControlError becomes an opaque InternalServiceException. */
export function toS3ControlError(err: unknown): S3ControlError {
  if (err instanceof S3ControlError) return err;
  return new S3ControlError('InternalServiceException', 'We encountered an internal error. Please try again.');
}

export function renderErrorResponse(err: S3ControlError, requestId: string, hostId: string): string {
  return buildXml({
    ErrorResponse: {
      Error: { Code: err.code, Message: err.message },
      RequestId: requestId,
      HostId: hostId,
    },
  });
}
