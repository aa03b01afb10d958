/**
 * A generated manifest over 100,000 objects (issue 13), in a server process of its own: the
 * objects are made in process (the embedded store's own putObject, not over HTTP), then a tagging
 * job with a ManifestGenerator and several filters (prefix, suffix, substring, size) is created
 * over S3 Control. The engine reaches the store over HTTP (S3BATCH_STORAGE_ENDPOINT = the server
 * itself, as in engine.crash.test.ts), so that listing and tasks last long enough to watch:
 *
 * - tasks finish while the listing is still going (TotalNumberOfTasks still growing);
 * - the server is killed with SIGKILL in the middle of the listing and started again: the listing
 *   resumes from its last committed position;
 * - in the end the report holds exactly the objects a listing done here (ListObjectsV2 with the
 *   same filters) finds, each once, and the counts agree;
 * - the generated manifest written out (EnableManifestOutput) is read back by the inventory
 *   reader: a job naming it as an S3 Inventory manifest counts the same objects.
 *
 * Time: ~30 s alone on a 2-core machine (a third of it making the objects).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateJobCommand } from '@aws-sdk/client-s3-control';
import { afterEach, describe, expect, it } from 'vitest';
import { kill, killChildren, selfStoreEnv, startChild } from '../helpers/child-server.js';
import { describe as describeJob, reportRows, reportTo, until } from '../helpers/engine-jobs.js';
import { jobInput } from '../helpers/jobs.js';
import { ACCOUNT_A, controlClient, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const OBJECTS = 100_000;
let dataDir: string | undefined;

afterEach(async () => {
  killChildren();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Keys d/000000-cat.jpg …: a third .jpg, a quarter with "-cat", some under e/ (outside the prefix). */
function keyOf(i: number): string {
  const dir = i % 10 === 9 ? 'e' : 'd';
  return `${dir}/${String(i).padStart(6, '0')}${i % 4 === 0 ? '-cat' : ''}.${['jpg', 'png', 'txt'][i % 3]}`;
}

describe('generated manifest over 100,000 objects', () => {
  it('runs tasks while listing, survives SIGKILL mid-listing without a duplicate or a gap, and its output reads back as an inventory', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 's3batch-gen-crash-'));
    // 1. The objects, made in process. Empty bodies: no data file each, only the store's rows.
    const seeding = await startTestServer({}, dataDir, { engine: false });
    for (const bucket of ['data', 'reports', 'out']) await seeding.objects.createBucket(ACCOUNT_A.accountId, bucket);
    const empty = Buffer.alloc(0);
    for (let i = 0; i < OBJECTS; i += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, j) => seeding.objects.putObject(ACCOUNT_A.accountId, { bucket: 'data', key: keyOf(i + j) }, empty)));
    }
    await seeding.close();

    const { url, env } = await selfStoreEnv(dataDir, { S3BATCH_CHUNK_SIZE: '100' });
    let child = await startChild(env);
    const s3 = s3Client({ url });
    const control = controlClient({ url });

    // 2. The listing done here: what the job must find.
    const expected: string[] = [];
    for (let token: string | undefined, first = true; first || token !== undefined; first = false) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'd/', ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key!.endsWith('.jpg') && o.Key!.includes('-cat') && (o.Size ?? 0) < 1) expected.push(o.Key!);
      token = page.NextContinuationToken;
    }
    expect(expected.length).toBeGreaterThan(5_000);

    const { JobId } = await control.send(
      new CreateJobCommand(
        jobInput({
          Manifest: undefined,
          ManifestGenerator: {
            S3JobManifestGenerator: {
              SourceBucket: 'arn:aws:s3:::data',
              EnableManifestOutput: true,
              ManifestOutputLocation: { Bucket: 'arn:aws:s3:::out', ManifestPrefix: 'gen', ManifestFormat: 'S3InventoryReport_CSV_20211130' },
              Filter: { KeyNameConstraint: { MatchAnyPrefix: ['d/'], MatchAnySuffix: ['.jpg'], MatchAnySubstring: ['-cat'] }, ObjectSizeLessThanBytes: 1 },
            },
          },
          Report: reportTo(),
        }),
      ),
    );
    const jobId = JobId!;

    // 3. Tasks finish while the listing goes on; then SIGKILL in the middle of the listing.
    let seenRunningWhileListing = false;
    for (let end = Date.now() + 30_000; Date.now() < end; await sleep(5)) {
      const job = await describeJob(control, jobId);
      const total = job.ProgressSummary?.TotalNumberOfTasks ?? 0;
      const succeeded = job.ProgressSummary?.NumberOfTasksSucceeded ?? 0;
      expect(total).toBeLessThanOrEqual(expected.length);
      if (succeeded > 0 && total < expected.length) {
        seenRunningWhileListing = true;
        expect(job.Status).toBe('Active');
        break;
      }
      if (total === expected.length) break;
    }
    expect(seenRunningWhileListing).toBe(true);
    await kill(child);
    child = await startChild(env);

    let job = await describeJob(control, jobId);
    for (let end = Date.now() + 90_000; job.Status !== 'Complete' && job.Status !== 'Failed' && Date.now() < end; await sleep(100)) job = await describeJob(control, jobId);
    expect(job.FailureReasons ?? []).toEqual([]);
    expect(job.Status).toBe('Complete');
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: expected.length, NumberOfTasksSucceeded: expected.length, NumberOfTasksFailed: 0 });
    const rows = await reportRows(s3, jobId);
    const reported = rows.map((r) => decodeURIComponent(r.split(',')[1]!));
    expect(reported.length).toBe(expected.length);
    expect(new Set(reported).size).toBe(expected.length);
    expect([...reported].sort()).toEqual([...expected].sort());

    // 4. The output, read by the inventory reader: a job over it counts the same objects.
    const location = job.GeneratedManifestDescriptor?.Location;
    expect(location?.ObjectArn).toBe(`arn:aws:s3:::out/gen/${jobId}/manifest.json`);
    const { JobId: again } = await control.send(
      new CreateJobCommand(
        jobInput({
          Manifest: { Spec: { Format: 'S3InventoryReport_CSV_20161130' }, Location: { ObjectArn: location!.ObjectArn!, ETag: location!.ETag! } },
          ConfirmationRequired: true,
        }),
      ),
    );
    const prepared = await until(control, again!, ['Suspended', 'Failed'], 30_000);
    expect(prepared.FailureReasons ?? []).toEqual([]);
    expect(prepared.ProgressSummary?.TotalNumberOfTasks).toBe(expected.length);
  }, 180_000);
});
