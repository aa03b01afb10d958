/**
 * Crash safety (issue 4): a server process running a 5,000-task tagging job with a report is
 * killed with SIGKILL while preparing, while running and while writing the report, stopped with
 * SIGTERM while running, and started again on the same data dir each time. In the end the job is Complete, the report holds each
 * manifest line exactly once, the counts equal the report, and each result file's MD5 is right.
 *
 * The engine reaches the store over HTTP (S3BATCH_STORAGE_ENDPOINT = the server itself): a task
 * then costs a request, so the run lasts long enough for a kill to land in it.
 *
 * The kill points (how long after CreateJob, after how many tasks) are drawn from a seed, which
 * the test's name shows. To replay a failed run: S3BATCH_CRASH_SEED=<seed> npx vitest run
 * test/integration/engine.crash.test.ts (the timing of the processes still varies from run to run).
 *
 * Time: about 20 s alone on a 2-core machine, 40 s with both cores busy (two CPU-bound processes
 * beside it); the limit is 180 s.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { children, kill, killChildren, selfStoreEnv, startChild } from '../helpers/child-server.js';
import { createBuckets, createTaggingJob, describe as describeJob, objectText, putAll, reportManifest } from '../helpers/engine-jobs.js';
import { prng, seedFrom } from '../helpers/seed.js';
import { controlClient } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

let dataDir: string | undefined;

afterEach(async () => {
  killChildren();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const SEED = seedFrom('S3BATCH_CRASH_SEED');

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('engine crash safety', () => {
  it(`survives SIGKILL while preparing, running and writing the report, and SIGTERM while running: each manifest line counted and reported once (seed ${SEED})`, async () => {
    const random = prng(SEED).next;
    dataDir = await mkdtemp(path.join(os.tmpdir(), 's3batch-crash-'));
    const { url, env } = await selfStoreEnv(dataDir);
    let child = await startChild(env);
    const s3 = s3Client({ url });
    const control = controlClient({ url });
    await createBuckets(s3);
    const keys = Array.from({ length: 5_000 }, (_, i) => `c/${i}`);
    await putAll(s3, keys);
    const lines = keys.map((k) => `data,${k}`);
    const jobId = await createTaggingJob(s3, control, lines);
    const restart = async (): Promise<void> => {
      await kill(child);
      child = await startChild(env);
    };
    const kills: string[] = [];

    // 1. While preparing (or just before): 0–40 ms after CreateJob.
    await sleep(random() * 40);
    kills.push((await describeJob(control, jobId)).Status!);
    await restart();

    /** Waits until `n` tasks ran (or the job is past running); answers the status then. */
    const ranAtLeast = async (n: number): Promise<string> => {
      for (let end = Date.now() + 15_000; Date.now() < end; await sleep(10)) {
        const job = await describeJob(control, jobId);
        const ran = (job.ProgressSummary?.NumberOfTasksSucceeded ?? 0) + (job.ProgressSummary?.NumberOfTasksFailed ?? 0);
        if (ran >= n || (job.Status !== 'Active' && job.Status !== 'Ready' && job.Status !== 'Preparing' && job.Status !== 'New')) break;
      }
      return (await describeJob(control, jobId)).Status!;
    };

    // 2. A graceful stop (SIGTERM) while running: the chunks cut short are checkpointed, and the
    // next start runs only what is left of them.
    kills.push(`SIGTERM in ${await ranAtLeast(300 + Math.floor(random() * 1_200))}`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    children.delete(child);
    child = await startChild(env);

    // 3. SIGKILL while running: once a random share of the tasks is done.
    kills.push(await ranAtLeast(1_600 + Math.floor(random() * 2_400)));
    await restart();

    // 4. While writing the report: as soon as the job is seen Completing (if the poll catches it).
    for (let end = Date.now() + 20_000; Date.now() < end; await sleep(2)) {
      const status = (await describeJob(control, jobId)).Status!;
      if (status === 'Completing') {
        kills.push(status);
        await restart();
        break;
      }
      if (status === 'Complete' || status === 'Failed') break;
    }

    let job = await describeJob(control, jobId);
    for (let end = Date.now() + 60_000; job.Status !== 'Complete' && job.Status !== 'Failed' && Date.now() < end; await sleep(50)) job = await describeJob(control, jobId);
    expect(job.FailureReasons ?? []).toEqual([]);
    expect(job.Status, `killed in ${kills.join(', ')}`).toBe('Complete');

    const manifest = await reportManifest(s3, jobId);
    const rows: string[] = [];
    for (const result of manifest.Results) {
      const text = await objectText(s3, 'reports', result.Key);
      expect(md5(text), result.Key).toBe(result.MD5Checksum);
      rows.push(...text.split('\n').filter(Boolean));
    }
    expect(rows.map((r) => r.split(',').slice(0, 2).join(',')).sort()).toEqual([...lines].sort());
    expect(rows.every((r) => r.includes(',succeeded,200,,'))).toBe(true);
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 5_000, NumberOfTasksSucceeded: rows.length, NumberOfTasksFailed: 0 });
    expect(kills.length).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
