/**
 * The one error type of the embedded S3 store. The storage layer and the HTTP adapter only throw
 * S3Error; the adapter renders it once, as S3's `<Error>` document (HEAD: status only). The HTTP
 * status comes from the code's row in S3_ERROR_STATUS, which follows Amazon S3's error table.
 */

export const S3_ERROR_STATUS = {
  // 3xx
  NotModified: 304,
  // 400
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  ExpiredToken: 400,
  IllegalLocationConstraintException: 400,
  IncompleteBody: 400,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidBucketOwnerAWSAccountID: 400,
  InvalidDigest: 400,
  InvalidLocationConstraint: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRequest: 400,
  InvalidStorageClass: 400,
  InvalidTag: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedACLError: 400,
  MalformedXML: 400,
  MaxMessageLengthExceeded: 400,
  MetadataTooLarge: 400,
  MissingRequestBodyError: 400,
  RequestTimeout: 400,
  TooManyBuckets: 400,
  UnexpectedContent: 400,
  UnresolvableGrantByEmailAddress: 400,
  UserKeyMustBeSpecified: 400,
  XAmzContentSHA256Mismatch: 400,
  // 403
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  InvalidObjectState: 403,
  RequestTimeTooSkewed: 403,
  SignatureDoesNotMatch: 403,
  // 404
  NoSuchBucket: 404,
  NoSuchBucketPolicy: 404,
  NoSuchCORSConfiguration: 404,
  NoSuchKey: 404,
  NoSuchLifecycleConfiguration: 404,
  NoSuchObjectLockConfiguration: 404,
  NoSuchTagSet: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NoSuchWebsiteConfiguration: 404,
  ObjectLockConfigurationNotFoundError: 404,
  ReplicationConfigurationNotFoundError: 404,
  ServerSideEncryptionConfigurationNotFoundError: 404,
  // 405, 409, 411, 412, 416
  MethodNotAllowed: 405,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  ConditionalRequestConflict: 409,
  InvalidBucketState: 409,
  OperationAborted: 409,
  RestoreAlreadyInProgress: 409,
  MissingContentLength: 411,
  PreconditionFailed: 412,
  InvalidRange: 416,
  InvalidPartNumber: 416,
  // 5xx
  InternalError: 500,
  NotImplemented: 501,
  ServiceUnavailable: 503,
  SlowDown: 503,
} as const;

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

export interface S3ErrorExtra {
  /** Extra child elements of `<Error>` as S3 sends them (BucketName, Key, ArgumentName, ...). */
  readonly fields?: Readonly<Record<string, string | number>>;
  /** Response headers that go with the error (x-amz-delete-marker, ETag on a 304, ...). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Overrides the status of the code's row (used by nothing but rare S3 quirks). */
  readonly status?: number;
}

export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  readonly fields: Readonly<Record<string, string | number>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: S3ErrorCode, message: string, extra: S3ErrorExtra = {}) {
    super(message);
    this.name = 'S3Error';
    this.code = code;
    this.status = extra.status ?? S3_ERROR_STATUS[code];
    this.fields = extra.fields ?? {};
    this.headers = extra.headers ?? {};
  }
}

export function isS3Error(err: unknown): err is S3Error {
  return err instanceof S3Error;
}

export function isS3ErrorCode(code: string): code is S3ErrorCode {
  return Object.prototype.hasOwnProperty.call(S3_ERROR_STATUS, code);
}

// Errors every layer raises with the same wording.

export const noSuchBucket = (bucket: string): S3Error =>
  new S3Error('NoSuchBucket', 'The specified bucket does not exist', { fields: { BucketName: bucket } });

export const noSuchKey = (key: string, headers?: Record<string, string>): S3Error =>
  new S3Error('NoSuchKey', 'The specified key does not exist.', { fields: { Key: key }, ...(headers ? { headers } : {}) });

export const noSuchVersion = (key: string, versionId: string): S3Error =>
  new S3Error('NoSuchVersion', 'The specified version does not exist.', { fields: { Key: key, VersionId: versionId } });

export const noSuchUpload = (uploadId: string): S3Error =>
  new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { fields: { UploadId: uploadId } },
  );

export const accessDenied = (message = 'Access Denied'): S3Error => new S3Error('AccessDenied', message);

export const invalidArgument = (message: string, name?: string, value?: string): S3Error =>
  new S3Error('InvalidArgument', message, {
    fields: { ...(name !== undefined ? { ArgumentName: name } : {}), ...(value !== undefined ? { ArgumentValue: value } : {}) },
  });

export const malformedXml = (detail?: string): S3Error =>
  new S3Error(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema' + (detail ? ` (${detail})` : ''),
  );

export const preconditionFailed = (condition: string): S3Error =>
  new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
    fields: { Condition: condition },
  });

// UpdateObjectEncryption's refusals, worded as the S3 API Reference lists them.
export const UPDATE_ENCRYPTION_MESSAGES = {
  noType:
    'Requests that modify an object encryption configuration require a valid new encryption type. Valid values are SSEKMS. Modify the request to specify SSE-KMS for the updated encryption type, and then try again.',
  noKey:
    "Requests that modify an object's encryption type to SSE-KMS require an AWS KMS key Amazon Resource Name (ARN). Modify the request to specify a KMS key ARN, and then try again.",
  badKey:
    "Requests that modify an object's encryption type to SSE-KMS require a valid AWS KMS key Amazon Resource Name (ARN). Confirm that you have a correctly formatted KMS key ARN in your request, and then try again.",
  badBucketKey: "The BucketKeyEnabled value isn't valid. Valid values are true or false. Modify the request to specify a valid value, and then try again.",
  dsse: "The UpdateObjectEncryption operation doesn't support source objects with the encryption type DSSE-KMS or SSE-C. Only source objects encrypted with SSE-S3 or SSE-KMS are supported.",
  otherAccount:
    'The AWS KMS key in the request must be owned by the same account as the bucket. Modify the request to specify a KMS key from the same account, and then try again.',
  locked:
    "The encryption type for the specified object can't be updated because that object is protected by S3 Object Lock. If the object has a governance-mode retention period or a legal hold, you must first remove the Object Lock status on the object before you issue your UpdateObjectEncryption request. You can't use the UpdateObjectEncryption operation with objects that have an Object Lock compliance mode retention period applied to them.",
} as const;
