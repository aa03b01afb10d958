/**
 * An S3Port that sends nothing: every call fails with the one error it was made with. The engine
 * gets it for the jobs of an account that has no credentials on the remote store (app/engine-wiring.ts),
 * so that those jobs fail saying what to configure instead of sending unsigned or empty-key
 * requests, which a store could answer as an anonymous (public) caller.
 */
import type { S3Port, S3PortError } from './s3-port.js';

export function createRefusingS3Port(error: () => S3PortError): S3Port {
  const refuse = (): Promise<never> => Promise.reject(error());
  return {
    getObject: refuse,
    headObject: refuse,
    putObject: refuse,
    putObjectTagging: refuse,
    deleteObjectTagging: refuse,
    putObjectAcl: refuse,
    restoreObject: refuse,
    putObjectRetention: refuse,
    putObjectLegalHold: refuse,
    updateObjectEncryption: refuse,
    copyObject: refuse,
    getObjectTagging: refuse,
    createMultipartUpload: refuse,
    uploadPartCopy: refuse,
    completeMultipartUpload: refuse,
    abortMultipartUpload: refuse,
    listObjects: refuse,
    listObjectVersions: refuse,
  };
}
