/**
 * Authentication failures as plain data. This library knows nothing about HTTP responses or any
 * protocol's error format: callers turn an {@link AuthError} into their own error (S3 XML, the
 * S3 Control XML, ...). `status` is the HTTP status AWS S3 uses for that code.
 */

export type AuthErrorCode =
  | 'AccessDenied'
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'RequestTimeTooSkewed'
  | 'AuthorizationHeaderMalformed'
  | 'AuthorizationQueryParametersError'
  | 'InvalidArgument'
  | 'InvalidRequest'
  | 'IncompleteBody';

export interface AuthError {
  code: AuthErrorCode;
  status: number;
  message: string;
  /** Extra members of the error S3 sends with this failure (e.g. `HeadersNotSigned`). */
  fields?: Readonly<Record<string, string>>;
}

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/** An {@link AuthError} that is also an `Error`, for streams (the aws-chunked decoder) and throws. */
export class SigV4Error extends Error implements AuthError {
  readonly code: AuthErrorCode;
  readonly status: number;

  constructor(code: AuthErrorCode, status: number, message: string) {
    super(message);
    this.name = 'SigV4Error';
    this.code = code;
    this.status = status;
  }

  /** The plain-data view (code, status, message). */
  toAuthError(): AuthError {
    return { code: this.code, status: this.status, message: this.message };
  }
}

export function isSigV4Error(err: unknown): err is SigV4Error {
  return err instanceof SigV4Error;
}
