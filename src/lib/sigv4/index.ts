/**
 * AWS Signature Version 4, server side: request verification (header and presigned forms) and
 * aws-chunked streaming-upload decoding. Leaf code: node built-ins only.
 */
export {
  verifyRequest,
  clearSigningKeyCache,
  parseAmzDate,
  formatAmzDate,
  SIGV4_ALGORITHM,
  UNSIGNED_PAYLOAD,
  DEFAULT_MAX_SKEW_MS,
  MAX_PRESIGNED_EXPIRES,
  type SigV4Request,
  type SigningCredentials,
  type VerifyOptions,
  type VerifyResult,
  type VerifySuccess,
  type VerifyFailure,
} from './verify.js';
export {
  createAwsChunkedDecoder,
  isAwsChunkedMode,
  AwsChunkedDecoder,
  STREAMING_SIGNED_PAYLOAD,
  STREAMING_SIGNED_PAYLOAD_TRAILER,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  type AwsChunkedMode,
  type AwsChunkedDecoderOptions,
  type ChunkSigningContext,
} from './chunked.js';
export { sha256Hex, hmacSha256, deriveSigningKey, EMPTY_SHA256 } from './hash.js';
export { SigV4Error, isSigV4Error, SIGNATURE_MISMATCH_MESSAGE, type AuthError, type AuthErrorCode } from './errors.js';
export { splitRequestTarget } from './canonical.js';
export { createSigner, type Signer, type SignerOptions, type RequestToSign } from './sign.js';
