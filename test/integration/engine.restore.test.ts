/**
 * S3InitiateRestoreObject end to end, on both S3 ports: the engine's embedded store (in process)
 * and a remote store (another server, over HTTP). Objects go in over S3 with their storage class,
 * the job over S3 Control; what the restore did is read back with HeadObject (x-amz-restore) and
 * GetObject, and the report's rows. The store's clock is moved to reach a restored copy's expiry.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client, type StorageClass } from '@aws-sdk/client-s3';
import type { JobDescriptor, JobOperation, S3ControlClient } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { createBuckets, manifestKey, reportRows, runCsvJob } from '../helpers/engine-jobs.js';
import { controlClient, startRemotePair, startTestServer, storeClock, type StoreClock } from '../helpers/server.js';
import { errorOf, s3Client } from '../object-store/helpers.js';

const DAY_MS = 86_400_000;

interface World {
  /** The store holding the objects, the manifest and the report. */
  readonly s3: S3Client;
  /** The jobs API of the server that runs the engine. */
  readonly control: S3ControlClient;
  readonly clock: StoreClock;
}

type Port = 'embedded store' | 'remote store';

async function world(port: Port, restoreDelayMs: number): Promise<World> {
  const clock = storeClock();
  const env = { S3BATCH_RESTORE_DELAY_MS: String(restoreDelayMs) };
  if (port === 'embedded store') {
    const server = await startTestServer(env, undefined, { engine: true, objectStoreNow: clock.now });
    const s3 = s3Client(server);
    await createBuckets(s3);
    return { s3, control: controlClient(server), clock };
  }
  const { store, engine } = await startRemotePair({}, undefined, { env, options: { objectStoreNow: clock.now } });
  const s3 = s3Client(store);
  await createBuckets(s3);
  return { s3, control: controlClient(engine), clock };
}

const put = (w: World, Key: string, StorageClass: StorageClass) => w.s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: `body of ${Key}`, StorageClass }));

const restoreHeader = async (w: World, Key: string): Promise<string | undefined> => (await w.s3.send(new HeadObjectCommand({ Bucket: 'data', Key }))).Restore;

/** The object's body, or the code of S3's refusal to read it. */
async function read(w: World, Key: string): Promise<string> {
  try {
    return await (await w.s3.send(new GetObjectCommand({ Bucket: 'data', Key }))).Body!.transformToString();
  } catch (err) {
    const e = await errorOf(Promise.reject(err));
    return `${e.status} ${e.name}`;
  }
}

/** x-amz-restore of a copy ready at one of `readyMs` and kept `days` (S3 rounds up to midnight UTC). */
const restoredAt = (readyMs: readonly number[], days: number): string[] =>
  readyMs.map((t) => `ongoing-request="false", expiry-date="${new Date(Math.ceil((t + days * DAY_MS) / DAY_MS) * DAY_MS).toUTCString()}"`);

function expectProgress(job: JobDescriptor, total: number, succeeded: number, failed: number): void {
  expect(job.Status, JSON.stringify(job.FailureReasons)).toBe('Complete');
  expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: total, NumberOfTasksSucceeded: succeeded, NumberOfTasksFailed: failed });
}

const NOT_ALLOWED = "Restore is not allowed for the object's current storage class";

describe.each<Port>(['embedded store', 'remote store'])('S3InitiateRestoreObject on the %s', (port) => {
  it('archived objects (GLACIER, DEEP_ARCHIVE) are restored and readable after the delay; readable classes fail 403 InvalidObjectState, a missing key 404', async () => {
    const delayMs = 400;
    const w = await world(port, delayMs);
    await put(w, 'cold/a b+c.txt', 'GLACIER');
    await put(w, 'deep', 'DEEP_ARCHIVE');
    for (const cls of ['STANDARD', 'INTELLIGENT_TIERING', 'GLACIER_IR'] as const) await put(w, cls, cls);
    expect(await read(w, 'deep')).toBe('403 InvalidObjectState');

    const keys = ['cold/a b+c.txt', 'deep', 'STANDARD', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'missing'];
    const started = w.clock.now();
    const job = await runCsvJob(w.s3, w.control, keys.map((k) => `data,${manifestKey(k)}`), { S3InitiateRestoreObject: { ExpirationInDays: 2, GlacierJobTier: 'BULK' } });
    const ended = w.clock.now();
    expectProgress(job, 6, 2, 4);
    expect((await reportRows(w.s3, job.JobId)).sort()).toEqual(
      [
        'data,cold/a+b%2Bc.txt,,succeeded,200,,Successful',
        'data,deep,,succeeded,200,,Successful',
        `data,STANDARD,,failed,403,InvalidObjectState,${NOT_ALLOWED}`,
        `data,INTELLIGENT_TIERING,,failed,403,InvalidObjectState,${NOT_ALLOWED}`,
        `data,GLACIER_IR,,failed,403,InvalidObjectState,${NOT_ALLOWED}`,
        'data,missing,,failed,404,NoSuchKey,The specified key does not exist.',
      ].sort(),
    );

    // Readable once the delay has run, in real time; the expiry counts 2 days from then.
    const deadline = Date.now() + 10_000;
    for (const key of ['cold/a b+c.txt', 'deep']) {
      while ((await restoreHeader(w, key)) === 'ongoing-request="true"' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
    for (const key of ['cold/a b+c.txt', 'deep']) {
      expect(restoredAt([started + delayMs, ended + delayMs], 2), key).toContain(await restoreHeader(w, key));
      expect(await read(w, key), key).toBe(`body of ${key}`);
    }
    for (const cls of ['STANDARD', 'INTELLIGENT_TIERING', 'GLACIER_IR']) expect(await restoreHeader(w, cls), cls).toBeUndefined();
  });

  it('a repeated job succeeds while the restore runs and once it is done (it extends the expiry); the copy expires after ExpirationInDays', async () => {
    const delayMs = 3_600_000; // an hour of the store's clock, which the test moves
    const w = await world(port, delayMs);
    await put(w, 'g', 'GLACIER');
    await put(w, 'd', 'DEEP_ARCHIVE');
    const lines = ['data,g', 'data,d'];
    const rows = ['data,d,,succeeded,200,,Successful', 'data,g,,succeeded,200,,Successful'];
    const restore = (days: number): JobOperation => ({ S3InitiateRestoreObject: { ExpirationInDays: days, GlacierJobTier: 'STANDARD' } });

    const started = w.clock.now();
    const first = await runCsvJob(w.s3, w.control, lines, restore(1));
    const ended = w.clock.now();
    expectProgress(first, 2, 2, 0);
    expect((await reportRows(w.s3, first.JobId)).sort()).toEqual(rows);
    for (const key of ['g', 'd']) {
      expect(await restoreHeader(w, key), key).toBe('ongoing-request="true"');
      expect(await read(w, key), key).toBe('403 InvalidObjectState');
    }

    // The same job again while the restores run: S3 answers 409 RestoreAlreadyInProgress, a success.
    const again = await runCsvJob(w.s3, w.control, lines, restore(1));
    expectProgress(again, 2, 2, 0);
    expect((await reportRows(w.s3, again.JobId)).sort()).toEqual(rows);

    w.clock.advance(delayMs);
    for (const key of ['g', 'd']) {
      expect(restoredAt([started + delayMs, ended + delayMs], 1), key).toContain(await restoreHeader(w, key));
      expect(await read(w, key), key).toBe(`body of ${key}`);
    }

    // Restored: a job with ExpirationInDays 3 on g extends its copy to 3 days from now (S3: 200).
    const extendedAt = w.clock.now();
    const extend = await runCsvJob(w.s3, w.control, ['data,g'], restore(3));
    expectProgress(extend, 1, 1, 0);
    expect(await reportRows(w.s3, extend.JobId)).toEqual(['data,g,,succeeded,200,,Successful']);
    expect(restoredAt([extendedAt, w.clock.now()], 3)).toContain(await restoreHeader(w, 'g'));

    // Two days on, d's 1-day copy has expired and is archived again; g's extended one has not.
    w.clock.advance(2 * DAY_MS);
    expect(await restoreHeader(w, 'd')).toBeUndefined();
    expect(await read(w, 'd')).toBe('403 InvalidObjectState');
    expect(await read(w, 'g')).toBe('body of g');
    w.clock.advance(2 * DAY_MS);
    expect(await restoreHeader(w, 'g')).toBeUndefined();
    expect(await read(w, 'g')).toBe('403 InvalidObjectState');

    // Expired, an object restores anew: the task succeeds and a restore runs again.
    const anew = await runCsvJob(w.s3, w.control, ['data,d'], restore(1));
    expectProgress(anew, 1, 1, 0);
    expect(await restoreHeader(w, 'd')).toBe('ongoing-request="true"');
  });

  it('a job without ExpirationInDays fails each GLACIER / DEEP_ARCHIVE task with 400 MalformedXML (S3 needs Days for them) and restores nothing', async () => {
    const w = await world(port, 3_600_000);
    await put(w, 'g', 'GLACIER');
    await put(w, 'd', 'DEEP_ARCHIVE');
    await put(w, 's', 'STANDARD');
    const job = await runCsvJob(w.s3, w.control, ['data,g', 'data,d', 'data,s'], { S3InitiateRestoreObject: { GlacierJobTier: 'BULK' } });
    expectProgress(job, 3, 0, 3);
    const malformed = 'The XML you provided was not well-formed or did not validate against our published schema';
    expect((await reportRows(w.s3, job.JobId)).sort()).toEqual([
      `data,d,,failed,400,MalformedXML,${malformed} (a restore of a DEEP_ARCHIVE object needs Days)`,
      `data,g,,failed,400,MalformedXML,${malformed} (a restore of a GLACIER object needs Days)`,
      `data,s,,failed,403,InvalidObjectState,${NOT_ALLOWED}`,
    ]);
    for (const key of ['g', 'd']) expect(await restoreHeader(w, key), key).toBeUndefined();
  });
});
