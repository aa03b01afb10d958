/**
 * S3's rule for a copy onto its own source (S3 API Reference, CopyObject): "This copy request is
 * illegal because it is trying to copy an object to itself without changing the object's
 * metadata, storage class, website redirect location or encryption attributes" (400
 * InvalidRequest). One rule for the embedded store's CopyObject and for the S3PutObjectCopy
 * operation's multipart path (which S3 itself would let through: UploadPartCopy from the key being
 * written is legal), so that an in-place copy answers the same below and above the threshold.
 */

export const ILLEGAL_SELF_COPY_MESSAGE =
  "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.";

/** What a copy asks to change; absent members keep the source's. */
export interface CopyChanges {
  readonly metadataDirective?: 'COPY' | 'REPLACE';
  readonly storageClass?: string;
  /** A checksum to compute for the copy (x-amz-checksum-algorithm). */
  readonly checksumAlgorithm?: string;
  /** Any encryption header at all (a copy is encrypted as asked, never as its source). */
  readonly encryption?: object;
  readonly websiteRedirectLocation?: string;
}

/** Whether a copy of an object onto itself changes something S3 counts (else it is illegal). */
export function selfCopyChangesSomething(c: CopyChanges): boolean {
  return (
    c.metadataDirective === 'REPLACE' ||
    c.storageClass !== undefined ||
    c.checksumAlgorithm !== undefined ||
    c.encryption !== undefined ||
    c.websiteRedirectLocation !== undefined
  );
}
