/**
 * S3PutObjectRetention and S3PutObjectLegalHold end to end, on both S3 ports: the engine's
 * embedded store (in process) and a remote store (another server, over HTTP). Objects go in over
 * S3, the job over S3 Control; what the job did is read back with GetObjectRetention,
 * GetObjectLegalHold and DeleteObject, and every refusal is read in the report's rows as S3 words
 * it: a bucket without Object Lock, a COMPLIANCE retention shortened, a GOVERNANCE one shortened
 * without the bypass.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { JobDescriptor, JobOperation, S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, manifestKey, putCsvManifest, reportRows, runCsvJob, until as until_ } from '../helpers/engine-jobs.js';
import { rawRequest } from '../helpers/raw-request.js';
import { controlClient, startRemotePair, startTestServer } from '../helpers/server.js';
import { errorOf, s3Client } from '../object-store/helpers.js';

interface World {
  /** The store holding the objects, the manifest and the report. */
  readonly s3: S3Client;
  /** The jobs API of the server that runs the engine. */
  readonly control: S3ControlClient;
}

type Port = 'embedded store' | 'remote store';

async function world(port: Port): Promise<World> {
  let s3: S3Client;
  let control: S3ControlClient;
  if (port === 'embedded store') {
    const server = await startTestServer({}, undefined, { engine: true });
    s3 = s3Client(server);
    control = controlClient(server);
  } else {
    const { store, engine } = await startRemotePair();
    s3 = s3Client(store);
    control = controlClient(engine);
  }
  await createBuckets(s3);
  await s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
  return { s3, control };
}

function expectProgress(job: JobDescriptor, total: number, succeeded: number, failed: number): void {
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: total, NumberOfTasksSucceeded: succeeded, NumberOfTasksFailed: failed });
}

const put = (w: World, Bucket: string, Key: string) => w.s3.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}` }));

async function retentionOf(w: World, Key: string, VersionId?: string): Promise<[string | undefined, string | undefined]> {
  try {
    const r = (await w.s3.send(new GetObjectRetentionCommand({ Bucket: 'vault', Key, VersionId }))).Retention;
    return [r?.Mode, r?.RetainUntilDate?.toISOString()];
  } catch (err) {
    const e = await errorOf(Promise.reject(err));
    return [e.name, undefined];
  }
}

const holdOf = async (w: World, Key: string, VersionId?: string) => (await w.s3.send(new GetObjectLegalHoldCommand({ Bucket: 'vault', Key, VersionId }))).LegalHold?.Status;

const retention = (Mode: 'GOVERNANCE' | 'COMPLIANCE' | undefined, until: Date | undefined, BypassGovernanceRetention?: boolean): JobOperation => ({
  S3PutObjectRetention: {
    Retention: { ...(Mode ? { Mode } : {}), ...(until ? { RetainUntilDate: until } : {}) },
    ...(BypassGovernanceRetention !== undefined ? { BypassGovernanceRetention } : {}),
  },
});

const MISSING_LOCK = 'Bucket is missing Object Lock Configuration';
const NO_KEY = 'The specified key does not exist.';

describe.each<Port>(['embedded store', 'remote store'])('Object Lock jobs on the %s', (port) => {
  it('S3PutObjectRetention sets GOVERNANCE and COMPLIANCE retentions; an object outside an Object Lock bucket fails 400 InvalidRequest, a missing one 404', async () => {
    const w = await world(port);
    for (const key of ['gov/a b+c', 'gov/two']) await put(w, 'vault', key);
    const compVersion = (await put(w, 'vault', 'comp')).VersionId;
    await put(w, 'data', 'plain');
    // Whole seconds: the remote path carries RetainUntilDate as ISO text, S3 keeps it as given.
    const until = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const gov = await runCsvJob(w.s3, w.control, ['vault,gov/a+b%2Bc', 'vault,gov/two', 'data,plain', 'vault,missing'], retention('GOVERNANCE', until));
    expectProgress(gov, 4, 2, 2);
    expect((await reportRows(w.s3, gov.JobId)).sort()).toEqual(
      [
        'vault,gov/a+b%2Bc,,succeeded,200,,Successful',
        'vault,gov/two,,succeeded,200,,Successful',
        `data,plain,,failed,400,InvalidRequest,${MISSING_LOCK}`,
        `vault,missing,,failed,404,NoSuchKey,${NO_KEY}`,
      ].sort(),
    );
    const comp = await runCsvJob(w.s3, w.control, ['vault,comp'], retention('COMPLIANCE', until));
    expectProgress(comp, 1, 1, 0);
    expect(await retentionOf(w, 'gov/a b+c')).toEqual(['GOVERNANCE', until.toISOString()]);
    expect(await retentionOf(w, 'gov/two')).toEqual(['GOVERNANCE', until.toISOString()]);
    expect(await retentionOf(w, 'comp')).toEqual(['COMPLIANCE', until.toISOString()]);
    // The retention protects the version: deleting it is refused, bypass or not.
    const refused = await errorOf(w.s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'comp', VersionId: compVersion, BypassGovernanceRetention: true })));
    expect([refused.name, refused.status]).toEqual(['AccessDenied', 403]);

    // Run again (a repeat after a crash, or on purpose): the same retention is set again, and succeeds.
    const again = await runCsvJob(w.s3, w.control, ['vault,gov/two'], retention('GOVERNANCE', until));
    expectProgress(again, 1, 1, 0);
  });

  it('shortening: COMPLIANCE never (403 Access Denied), GOVERNANCE only with BypassGovernanceRetention; removal with the bypass', async () => {
    const w = await world(port);
    for (const key of ['g', 'c']) await put(w, 'vault', key);
    const until = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const sooner = new Date(until.getTime() - 600_000);
    expectProgress(await runCsvJob(w.s3, w.control, ['vault,g'], retention('GOVERNANCE', until)), 1, 1, 0);
    expectProgress(await runCsvJob(w.s3, w.control, ['vault,c'], retention('COMPLIANCE', until)), 1, 1, 0);
    const lines = ['vault,g', 'vault,c'];

    const noBypass = await runCsvJob(w.s3, w.control, lines, retention('GOVERNANCE', sooner));
    expectProgress(noBypass, 2, 0, 2);
    expect((await reportRows(w.s3, noBypass.JobId)).sort()).toEqual(['vault,c,,failed,403,AccessDenied,Access Denied', 'vault,g,,failed,403,AccessDenied,Access Denied']);
    const compliance = await runCsvJob(w.s3, w.control, ['vault,c'], retention('COMPLIANCE', sooner, true));
    expectProgress(compliance, 1, 0, 1);
    expect(await reportRows(w.s3, compliance.JobId)).toEqual(['vault,c,,failed,403,AccessDenied,Access Denied']);
    expect(await retentionOf(w, 'g')).toEqual(['GOVERNANCE', until.toISOString()]);
    expect(await retentionOf(w, 'c')).toEqual(['COMPLIANCE', until.toISOString()]);

    const bypass = await runCsvJob(w.s3, w.control, lines, retention('GOVERNANCE', sooner, true));
    expectProgress(bypass, 2, 1, 1);
    expect((await reportRows(w.s3, bypass.JobId)).sort()).toEqual(['vault,c,,failed,403,AccessDenied,Access Denied', 'vault,g,,succeeded,200,,Successful']);
    expect(await retentionOf(w, 'g')).toEqual(['GOVERNANCE', sooner.toISOString()]);

    const removal = await runCsvJob(w.s3, w.control, lines, retention(undefined, undefined, true));
    expectProgress(removal, 2, 1, 1);
    expect((await reportRows(w.s3, removal.JobId)).sort()).toEqual(['vault,c,,failed,403,AccessDenied,Access Denied', 'vault,g,,succeeded,200,,Successful']);
    expect(await retentionOf(w, 'g')).toEqual(['NoSuchObjectLockConfiguration', undefined]);
    expect(await retentionOf(w, 'c')).toEqual(['COMPLIANCE', until.toISOString()]);
  });

  it('S3PutObjectLegalHold ON protects the version named (a delete is 403), OFF releases it; a bucket without Object Lock fails 400 InvalidRequest', async () => {
    const w = await world(port);
    const old = await put(w, 'vault', 'k');
    const current = await put(w, 'vault', 'k');
    const other = await put(w, 'vault', 'other');
    const plain = await put(w, 'data', 'plain');
    const fields = ['Bucket', 'Key', 'VersionId'] as const;
    // data is not versioned: its object's version is `null`, which a manifest names as such.
    expect(plain.VersionId).toBeUndefined();
    const lines = [`vault,k,${old.VersionId}`, `vault,other,${other.VersionId}`, 'data,plain,null'];
    const on = await runCsvJob(w.s3, w.control, lines, { S3PutObjectLegalHold: { LegalHold: { Status: 'ON' } } }, { fields });
    expectProgress(on, 3, 2, 1);
    expect((await reportRows(w.s3, on.JobId)).sort()).toEqual(
      [`vault,k,${old.VersionId},succeeded,200,,Successful`, `vault,other,${other.VersionId},succeeded,200,,Successful`, `data,plain,null,failed,400,InvalidRequest,${MISSING_LOCK}`].sort(),
    );
    expect(await holdOf(w, 'k', old.VersionId)).toBe('ON');
    expect(await holdOf(w, 'other')).toBe('ON');
    expect((await errorOf(w.s3.send(new GetObjectLegalHoldCommand({ Bucket: 'vault', Key: 'k', VersionId: current.VersionId })))).name).toBe('NoSuchObjectLockConfiguration');
    const refused = await errorOf(w.s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'k', VersionId: old.VersionId })));
    expect([refused.name, refused.status]).toEqual(['AccessDenied', 403]);

    const off = await runCsvJob(w.s3, w.control, [`vault,k,${old.VersionId}`, `vault,${manifestKey('other')},${other.VersionId}`], { S3PutObjectLegalHold: { LegalHold: { Status: 'OFF' } } }, { fields });
    expectProgress(off, 2, 2, 0);
    expect([await holdOf(w, 'k', old.VersionId), await holdOf(w, 'other')]).toEqual(['OFF', 'OFF']);
    await w.s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'k', VersionId: old.VersionId }));
  });
});

describe('S3PutObjectRetention with the newest members', () => {
  it('EventHold or EventHoldDuration: accepted by CreateJob, then the job fails in preparation saying they are not supported yet', async () => {
    const server = await startTestServer({}, undefined, { engine: true });
    const w: World = { s3: s3Client(server), control: controlClient(server) };
    await createBuckets(w.s3);
    await w.s3.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
    await put(w, 'vault', 'k');
    const { ObjectArn, ETag } = await putCsvManifest(w.s3, ['vault,k']);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    // The installed JS SDK predates these members: the request is the model's XML, sent as is.
    for (const [i, retention] of ['<EventHold>ON</EventHold>', '<EventHoldDuration><Days>30</Days></EventHoldDuration>', `<Mode>GOVERNANCE</Mode><RetainUntilDate>${until}</RetainUntilDate><EventHold>OFF</EventHold>`].entries()) {
      const body =
        '<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">' +
        `<Operation><S3PutObjectRetention><Retention>${retention}</Retention></S3PutObjectRetention></Operation>` +
        '<Report><Enabled>false</Enabled></Report><Priority>1</Priority><RoleArn>arn:aws:iam::111122223333:role/batch</RoleArn>' +
        `<ConfirmationRequired>false</ConfirmationRequired><ClientRequestToken>event-hold-${i}</ClientRequestToken>` +
        `<Manifest><Spec><Format>S3BatchOperations_CSV_20180820</Format><Fields><member>Bucket</member><member>Key</member></Fields></Spec><Location><ObjectArn>${ObjectArn}</ObjectArn><ETag>${ETag!.replaceAll('"', '&quot;')}</ETag></Location></Manifest>` +
        '</CreateJobRequest>';
      const created = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body });
      expect(created.status, created.body).toBe(200);
      const jobId = /<JobId>([^<]+)</.exec(created.body)![1]!;
      const job = await until_(w.control, jobId, ['Complete', 'Failed']);
      expect(job.Status, retention).toBe('Failed');
      expect(job.FailureReasons, retention).toEqual([
        { FailureCode: 'UnsupportedOperation', FailureReason: expect.stringMatching(/^S3PutObjectRetention with Retention\.EventHold or Retention\.EventHoldDuration is not supported by this s3batch version yet/) },
      ]);
    }
    expect(await retentionOf(w, 'k')).toEqual(['NoSuchObjectLockConfiguration', undefined]);
  });
});
