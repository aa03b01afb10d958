import { describe, expect, it } from 'vitest';
import { MemoryS3 } from '../manifests/test-support.js';
import { S3PortError } from '../s3/s3-port.js';
import { operationFor } from './registry.js';
import { initiateRestore, restoreRequestOf } from './restore.js';
import { TASK_CONTEXT } from './test-support.js';

const task = (key: string, versionId?: string) => ({ index: 0, line: 1, bucket: 'src', key, rawKey: key, ...(versionId ? { versionId } : {}) });

describe('S3InitiateRestoreObject', () => {
  it('maps ExpirationInDays to Days and GlacierJobTier to RestoreObject’s tier, each only when given', () => {
    expect(restoreRequestOf({ ExpirationInDays: 2, GlacierJobTier: 'BULK' })).toEqual({ days: 2, tier: 'Bulk' });
    expect(restoreRequestOf({ ExpirationInDays: 0, GlacierJobTier: 'STANDARD' })).toEqual({ days: 0, tier: 'Standard' });
    expect(restoreRequestOf({ GlacierJobTier: 'BULK' })).toEqual({ tier: 'Bulk' });
    expect(restoreRequestOf({})).toEqual({});
  });

  it('restores the version the task names; the registry builds it', async () => {
    const s3 = new MemoryS3(['src']);
    s3.versioned = true;
    const { versionId } = s3.put('src', 'k', 'v1');
    s3.put('src', 'k', 'v2');
    await operationFor({ S3InitiateRestoreObject: { ExpirationInDays: 3 } })(task('k', versionId), s3, TASK_CONTEXT);
    expect(s3.restoresOf.get(`src/k@${versionId}`)).toEqual([{ days: 3 }]);
    expect(s3.calls.map((c) => [c.op, c.ref])).toEqual([['restore', { bucket: 'src', key: 'k', versionId }]]);
  });

  it('a restore already in progress is a success (a re-run task must not fail); any other failure is the task’s', async () => {
    const s3 = new MemoryS3(['src']);
    s3.put('src', 'k', 'x');
    const op = initiateRestore({ ExpirationInDays: 1 });
    s3.fault = () => new S3PortError('RestoreAlreadyInProgress', 409, 'Object restore is already in progress');
    await expect(op(task('k'), s3, TASK_CONTEXT)).resolves.toBeUndefined();
    s3.fault = () => new S3PortError('InvalidObjectState', 403, "Restore is not allowed for the object's current storage class");
    await expect(op(task('k'), s3, TASK_CONTEXT)).rejects.toMatchObject({ code: 'InvalidObjectState', status: 403 });
    s3.fault = () => new S3PortError('SlowDown', 503, 'Please reduce your request rate.');
    await expect(op(task('k'), s3, TASK_CONTEXT)).rejects.toMatchObject({ code: 'SlowDown', status: 503 });
    s3.fault = undefined;
    await expect(op(task('missing'), s3, TASK_CONTEXT)).rejects.toMatchObject({ code: 'NoSuchKey', status: 404 });
  });
});
