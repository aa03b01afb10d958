import { describe, expect, it } from 'vitest';
import { prepareJob, WAITING_FOR_CONFIRMATION } from '../../src/engine/preparer.js';
import { S3PortError } from '../../src/s3/s3-port.js';
import { openBench } from './harness.js';

const lines = (n: number): string[] => Array.from({ length: n }, (_, i) => `data,key-${i}`);

describe('prepareJob', () => {
  it('New → Preparing → Ready, counting the tasks and storing final chunks', async () => {
    const b = await openBench();
    const job = await b.createJob({}, lines(2_500));
    const out = await prepareJob(b.ctx, job);
    expect(out?.status).toBe('Ready');
    expect((await b.job(job.id)).progress.totalTasks).toBe(2_500);
    expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 3, pending: 3, final: true });
    expect(b.statusLog.map((e) => `${e.from}>${e.to}`)).toEqual(['New>Preparing', 'Preparing>Ready']);
  });

  it('stores more than one addChunks batch (1000 chunks per call)', async () => {
    const b = await openBench();
    const job = await b.createJob({}, lines(2_003));
    await prepareJob(b.ctx, job, { chunkSize: 2 });
    expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 1_002, final: true });
  });

  it('waits in Suspended when confirmation is required, and goes Ready when it came early', async () => {
    const b = await openBench();
    const waiting = await b.createJob({ ConfirmationRequired: true });
    const out = await prepareJob(b.ctx, waiting);
    expect([out?.status, out?.suspendedCause]).toEqual(['Suspended', WAITING_FOR_CONFIRMATION]);

    const early = await b.createJob({ ConfirmationRequired: true });
    await b.store.requestStatus(early.accountId, early.id, 'Ready', undefined, b.clock.now);
    expect((await prepareJob(b.ctx, early))?.status).toBe('Ready');
  });

  it('fails the job with the manifest error: wrong ETag, missing manifest', async () => {
    const b = await openBench();
    const job = await b.createJob();
    const wrong = await b.createJob({
      Manifest: { ...job.spec.Manifest!, Location: { ...job.spec.Manifest!.Location, ETag: '"0123"' } },
    });
    const out = await prepareJob(b.ctx, wrong);
    expect(out?.status).toBe('Failed');
    expect(out?.failureReasons[0]?.FailureCode).toBe('ManifestETagMismatch');

    const missing = await b.createJob({
      Manifest: { ...job.spec.Manifest!, Location: { ...job.spec.Manifest!.Location, ObjectArn: 'arn:aws:s3:::manifests/nope.csv' } },
    });
    expect((await prepareJob(b.ctx, missing))?.failureReasons[0]?.FailureCode).toBe('ManifestNotFound');
  });

  it('a manifest found malformed after chunks were stored fails the job and leaves no chunk behind', async () => {
    const b = await openBench();
    const job = await b.createJob({}, [...lines(2_500), 'data']);
    const out = await prepareJob(b.ctx, job, { chunkSize: 10 });
    expect(out?.status).toBe('Failed');
    expect(out?.failureReasons[0]?.FailureReason).toMatch(/^Line 2501 of s3:\/\/manifests\/m-1\.csv has 1 field/);
    expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 0, final: false });
  });

  it('each attempt starts from no chunks: a leftover of a crashed attempt with another chunk size is replaced', async () => {
    const b = await openBench();
    const job = await b.createJob({}, lines(95));
    await b.store.transition(job.id, ['New'], 'Preparing', b.clock.now);
    await b.store.addChunks(job.id, [{ index: 0, taskCount: 3, locator: { stale: true } }], { final: false });
    const out = await prepareJob(b.ctx, (await b.job(job.id)), { chunkSize: 10 });
    expect(out?.status).toBe('Ready');
    expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 10, final: true });
    expect((await b.job(job.id)).progress.totalTasks).toBe(95);
  });

  it('retries a manifest read that failed transiently', async () => {
    const b = await openBench();
    const job = await b.createJob();
    let injected = 0;
    b.s3.fault = () => (injected < 2 ? (injected++, new S3PortError('SlowDown', 503, 'slow down')) : undefined);
    expect((await prepareJob(b.ctx, job))?.status).toBe('Ready');
    expect(injected).toBe(2);
  });

  it('fails operations and manifest generators it does not implement, naming them', async () => {
    const b = await openBench();
    const lambda = await b.createJob({ Operation: { LambdaInvoke: { FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f' } } });
    const out = await prepareJob(b.ctx, lambda);
    expect(out?.failureReasons).toEqual([{ FailureCode: 'UnsupportedOperation', FailureReason: expect.stringContaining('LambdaInvoke') }]);
    const generated = await b.createJob({ ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::data', EnableManifestOutput: false } } });
    expect((await prepareJob(b.ctx, generated))?.failureReasons[0]?.FailureCode).toBe('UnsupportedManifestGenerator');
  });

  it('prepares again after a crash mid-preparation, and starts over on conflicting leftovers', async () => {
    const b = await openBench();
    const job = await b.createJob({}, lines(30));
    await b.store.transition(job.id, ['New'], 'Preparing', b.clock.now);
    // A crashed earlier attempt stored chunks of another cut (different sizes).
    await b.store.addChunks(job.id, [{ index: 0, locator: { stale: true }, taskCount: 7 }], { final: false });
    const out = await prepareJob(b.ctx, (await b.job(job.id)), { chunkSize: 10 });
    expect(out?.status).toBe('Ready');
    expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 3, final: true });
    expect((await b.job(job.id)).progress.totalTasks).toBe(30);
  });

  it('leaves a job cancelled during preparation alone', async () => {
    const b = await openBench();
    const job = await b.createJob();
    const preparing = await b.store.transition(job.id, ['New'], 'Preparing', b.clock.now);
    await b.store.requestStatus(job.accountId, job.id, 'Cancelled', undefined, b.clock.now);
    expect(await prepareJob(b.ctx, preparing)).toBeUndefined();
    expect((await b.job(job.id)).status).toBe('Cancelled');
  });
});
