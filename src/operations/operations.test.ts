import { describe, expect, it } from 'vitest';
import { MemoryS3 } from '../manifests/test-support.js';
import { copy, copyTemplate } from './copy.js';
import { putAcl } from './put-acl.js';
import { operationFor } from './registry.js';
import { TASK_CONTEXT } from './test-support.js';

const task = (key: string, versionId?: string) => ({ index: 0, line: 1, bucket: 'src', key, rawKey: key, ...(versionId ? { versionId } : {}) });

describe('copyTemplate', () => {
  it('maps every S3PutObjectCopy member onto CopyObject', () => {
    expect(
      copyTemplate({
        TargetResource: 'arn:aws:s3:::dst',
        MetadataDirective: 'REPLACE',
        NewObjectMetadata: { ContentType: 'text/plain', CacheControl: 'no-cache', UserMetadata: { a: '1' }, HttpExpiresDate: '2030-01-01T00:00:00.000Z' },
        NewObjectTagging: [],
        StorageClass: 'GLACIER_IR',
        ChecksumAlgorithm: 'CRC32C',
        ModifiedSinceConstraint: '2020-01-01T00:00:00.000Z',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: '2031-01-01T00:00:00.000Z',
        ObjectLockLegalHoldStatus: 'ON',
        CannedAccessControlList: 'bucket-owner-full-control',
      }),
    ).toEqual({
      bucket: 'dst',
      metadataDirective: 'REPLACE',
      metadata: { system: { contentType: 'text/plain', cacheControl: 'no-cache', expires: 'Tue, 01 Jan 2030 00:00:00 GMT' }, user: { a: '1' } },
      taggingDirective: 'REPLACE',
      tags: [],
      storageClass: 'GLACIER_IR',
      checksumAlgorithm: 'CRC32C',
      ifModifiedSince: Date.parse('2020-01-01T00:00:00.000Z'),
      lock: { mode: 'GOVERNANCE', retainUntil: Date.parse('2031-01-01T00:00:00.000Z'), legalHold: true },
      acl: { canned: 'bucket-owner-full-control' },
    });
  });

  it('copies tags and metadata when NewObjectTagging and NewObjectMetadata are absent', () => {
    expect(copyTemplate({ TargetResource: 'arn:aws:s3:::dst' })).toEqual({ bucket: 'dst' });
  });
});

describe('operations against an S3Port', () => {
  it('copy writes TargetKeyPrefix + key from the task’s version, copying tags by default', async () => {
    const s3 = new MemoryS3(['src', 'dst']);
    s3.versioned = true;
    const { versionId } = s3.put('src', 'a/b', 'v1');
    await s3.putObjectTagging({ bucket: 'src', key: 'a/b' }, [{ key: 't', value: '1' }]);
    s3.put('src', 'a/b', 'v2');
    await copy({ TargetResource: 'arn:aws:s3:::dst', TargetKeyPrefix: 'out/' })(task('a/b', versionId), s3, TASK_CONTEXT);
    expect(s3.text('dst', 'out/a/b')).toBe('v1');
    expect(s3.tags('dst', 'out/a/b')).toEqual([{ key: 't', value: '1' }]);
  });

  it('put-acl sends an AccessControlList with its owner, and the registry builds each operation', async () => {
    const s3 = new MemoryS3(['src']);
    s3.put('src', 'k', 'x');
    await putAcl({ AccessControlPolicy: { AccessControlList: { Owner: { ID: 'me' }, Grants: [{ Grantee: { TypeIdentifier: 'uri', Identifier: 'http://g' }, Permission: 'READ' }] } } })(task('k'), s3, TASK_CONTEXT);
    expect(s3.aclOf.get('src/k@null')).toEqual({ owner: { id: 'me' }, grants: [{ grantee: { type: 'Group', uri: 'http://g' }, permission: 'READ' }] });
    await operationFor({ S3DeleteObjectTagging: {} })(task('k'), s3, TASK_CONTEXT);
    expect(() => operationFor({ S3ReplicateObject: {} })).toThrow('S3ReplicateObject');
  });
});
