import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { prepareJob, WAITING_FOR_CONFIRMATION } from '../../src/engine/preparer.js';
import { S3PortError } from '../../src/s3/s3-port.js';
import { capturingLogger } from '../helpers/logs.js';
import { openBench, type Bench } from './harness.js';

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

  it('stores chunks in full batches: one addChunks per 1000 chunks, however many are cut from one buffer', async () => {
    const b = await openBench();
    const job = await b.createJob({}, lines(1_500));
    const calls: Array<{ chunks: number; final: boolean }> = [];
    const addChunks = b.store.addChunks.bind(b.store);
    const ctx = { ...b.ctx, store: Object.assign(Object.create(b.store) as typeof b.store, { addChunks: (id: string, chunks: Parameters<typeof addChunks>[1], o: { final: boolean }) => (calls.push({ chunks: chunks.length, final: o.final }), addChunks(id, chunks, o)) }) };
    expect((await prepareJob(ctx, job, { chunkSize: 1 }))?.status).toBe('Ready');
    expect(calls).toEqual([
      { chunks: 1000, final: false },
      { chunks: 500, final: true },
    ]);
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

  it('fails operations it does not implement, naming them', async () => {
    const b = await openBench();
    // S3ReplicateObject runs only where the engine was given replication destinations.
    const replicate = await b.createJob({ Operation: { S3ReplicateObject: {} } });
    expect((await prepareJob(b.ctx, replicate))?.failureReasons).toEqual([{ FailureCode: 'UnsupportedOperation', FailureReason: expect.stringContaining('S3ReplicateObject jobs cannot run here') }]);
    // LambdaInvoke runs only where the engine was given functions to run.
    const lambda = await b.createJob({ Operation: { LambdaInvoke: { FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f' } } });
    const out = await prepareJob(b.ctx, lambda);
    expect(out?.failureReasons).toEqual([{ FailureCode: 'UnsupportedOperation', FailureReason: expect.stringContaining('LambdaInvoke') }]);
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

  describe('errors are classified, never guessed', () => {
    /** The bench's context with a logger whose records the test reads. */
    const logged = (b: Bench) => {
      const { logger, lines } = capturingLogger('debug');
      return { ctx: { ...b.ctx, logger }, lines };
    };
    /** Makes the manifest's body fail with `error` after its first bytes, the first `times` reads. */
    const cutBody = (b: Bench, error: () => Error, times: number): { reads: number } => {
      const state = { reads: 0 };
      const get = b.s3.getObject.bind(b.s3);
      b.s3.getObject = async (ref, options) => {
        const result = await get(ref, options);
        if (ref.bucket !== 'manifests' || state.reads++ >= times) return result;
        const head = (await result.body.toArray())[0] as Buffer;
        return { ...result, body: Readable.from((async function* () { yield head.subarray(0, 8); throw error(); })()) };
      };
      return state;
    };

    it('a bug while reading the manifest fails the job at once with S3BatchInternalError, logged with its stack', async () => {
      const b = await openBench();
      const { ctx, lines: log } = logged(b);
      const job = await b.createJob({}, lines(50));
      let gets = 0;
      b.s3.fault = (op) => (op === 'get' ? (gets++, new TypeError("Cannot read properties of undefined (reading 'etag')")) : undefined);
      const out = await prepareJob(ctx, job, { chunkSize: 10 });
      expect(gets).toBe(1);
      expect(out?.status).toBe('Failed');
      expect(out?.failureReasons).toEqual([
        {
          FailureCode: 'S3BatchInternalError',
          FailureReason: expect.stringMatching(/^An internal error in s3batch failed the job while preparing it: a bug in s3batch, not a problem of your request or of the store\. Please report it/),
        },
      ]);
      expect(out?.failureReasons[0]?.FailureReason).not.toMatch(/Reading the manifest/);
      const errors = log.filter((l) => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ jobId: job.id, err: { type: 'TypeError', message: "Cannot read properties of undefined (reading 'etag')" } });
      expect((errors[0]!.err as { stack: string }).stack).toMatch(/^TypeError: .*\n\s+at /);
      expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 0 });
    });

    it('a bug in the middle of the body is an internal error too; a connection reset there is retried', async () => {
      const b = await openBench();
      const { ctx } = logged(b);
      const buggy = await b.createJob({}, lines(50));
      const bug = cutBody(b, () => new TypeError('chunk.subarray is not a function'), Infinity);
      const out = await prepareJob(ctx, buggy, { chunkSize: 10 });
      expect([out?.status, out?.failureReasons[0]?.FailureCode, bug.reads]).toEqual(['Failed', 'S3BatchInternalError', 1]);

      const b2 = await openBench();
      const reset = await b2.createJob({}, lines(50));
      const cut = cutBody(b2, () => Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), 2);
      const ready = await prepareJob(b2.ctx, reset, { chunkSize: 10 });
      expect([ready?.status, cut.reads]).toEqual(['Ready', 3]);
      expect((await b2.job(reset.id)).progress.totalTasks).toBe(50);
    });

    it('a host name that does not resolve fails the job at once (not retried), naming ENOTFOUND', async () => {
      const b = await openBench();
      const job = await b.createJob();
      let gets = 0;
      b.s3.fault = (op) => (op === 'get' ? (gets++, new S3PortError('ENOTFOUND', 0, 'GET /manifests/m-1.csv: getaddrinfo ENOTFOUND store.invalid')) : undefined);
      const out = await prepareJob(b.ctx, job);
      expect([gets, out?.status, out?.failureReasons[0]]).toEqual([1, 'Failed', { FailureCode: 'ManifestReadFailed', FailureReason: 'Reading the manifest failed: ENOTFOUND' }]);
    });

    it('a job store that fails under the read is the store failing, not a bug: the job stays Preparing and prepares later', async () => {
      const b = await openBench({ busyTimeoutMs: 50 });
      const { ctx, lines: log } = logged(b);
      // 1,500 chunks of one task: the first batch of 1,000 is stored while the manifest is still read
      // (in small buffers, so that few chunks are cut between two waits for the store).
      const job = await b.createJob({}, lines(1_500));
      b.s3.chunkBytes = 64;
      const other = new Database(b.dbPath);
      try {
        let locked = false;
        b.s3.fault = (op) => {
          if (op === 'get' && !locked) {
            other.exec('BEGIN EXCLUSIVE');
            locked = true;
          }
          return undefined;
        };
        await expect(prepareJob(ctx, job, { chunkSize: 1 })).rejects.toMatchObject({ name: 'SqliteStoreError', code: 'Busy' });
        other.exec('ROLLBACK');
        expect((await b.job(job.id)).status).toBe('Preparing');
        expect(log.filter((l) => l.level === 50)).toEqual([]);
        const out = await prepareJob(ctx, await b.job(job.id), { chunkSize: 1 });
        expect(out?.status).toBe('Ready');
        expect(await b.store.chunkCounts(job.id)).toMatchObject({ total: 1_500, final: true });
      } finally {
        other.close();
      }
    });
  });
});
