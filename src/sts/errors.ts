/**
 * The one error type of the STS surface, rendered once, in `renderStsError`, in the awsQuery
 * envelope that STS clients parse (`<ErrorResponse><Error><Type/><Code/><Message/></Error>…`,
 * AWS STS API Reference, "Common Errors").
 */
import { buildXml } from '../lib/xml.js';

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const STATUS = {
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  MissingAuthenticationToken: 403,
  AccessDenied: 403,
  InvalidAction: 400,
  MissingAction: 400,
  InvalidParameterValue: 400,
  RequestTimeout: 400,
  InternalFailure: 500,
} as const;

export type StsErrorCode = keyof typeof STATUS;

export class StsError extends Error {
  readonly code: StsErrorCode;
  readonly status: number;
  constructor(code: StsErrorCode, message: string) {
    super(message);
    this.name = 'StsError';
    this.code = code;
    this.status = STATUS[code];
  }
}

/**
 * A SigV4 failure in STS's words: STS calls an unknown key `InvalidClientTokenId`, and a request
 * signed wrongly, or too long ago, `SignatureDoesNotMatch`.
 */
export function fromAuthFailure(failure: { code: string; message: string }): StsError {
  switch (failure.code) {
    case 'InvalidAccessKeyId':
      return new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    case 'AuthorizationHeaderMalformed':
    case 'AuthorizationQueryParametersError':
      return new StsError('IncompleteSignature', failure.message);
    case 'AccessDenied':
      return new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    default:
      return new StsError('SignatureDoesNotMatch', failure.message);
  }
}

export function toStsError(err: unknown): StsError {
  if (err instanceof StsError) return err;
  return new StsError('InternalFailure', 'The request processing has failed because of an unknown error.');
}

export function renderStsError(err: StsError, requestId: string): string {
  return buildXml({
    ErrorResponse: {
      '@xmlns': STS_NS,
      Error: { Type: err.status >= 500 ? 'Receiver' : 'Sender', Code: err.code, Message: err.message },
      RequestId: requestId,
    },
  });
}
