/**
 * Live progress through a real server and the AWS SDK: the engine (server A) tags objects on a
 * remote store (server B) through a proxy that holds half the tagging requests, so the job's one
 * chunk cannot commit. DescribeJob/ListJobs show the finished half, job:progress publishes it,
 * ElapsedTimeInActiveSeconds grows, and once released the final counts equal the report.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListJobsCommand } from '@aws-sdk/client-s3-control';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job.js';
import { createBuckets, createTaggingJob, describe as describeJob, putAll, reportRows, until } from '../helpers/engine-jobs.js';
import { ACCOUNT_A, controlClient, REGION, startTestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Forwards to `target`; `PUT /data/k<n>?tagging` with n ≥ `from` waits until release(). */
async function gateProxy(target: string, from: number): Promise<{ url: string; release: () => void }> {
  const t = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    const forward = (): void => {
      const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    const m = req.method === 'PUT' ? /^\/data\/k(\d+)\?tagging/.exec(req.url ?? '') : null;
    if (m && Number(m[1]) >= from) void gate.then(forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    release();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    agent.destroy();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, release };
}

describe('live progress end to end', () => {
  it('DescribeJob and ListJobs count tasks of a running chunk; job:progress publishes them; final counts equal the report', async () => {
    const store = await startTestServer();
    const proxy = await gateProxy(store.url, 150);
    const engine = await startTestServer(
      {
        S3BATCH_STORAGE_ENDPOINT: proxy.url,
        S3BATCH_STORAGE_ACCESS_KEY_ID: ACCOUNT_A.accessKeyId,
        S3BATCH_STORAGE_SECRET_ACCESS_KEY: ACCOUNT_A.secretAccessKey,
        S3BATCH_STORAGE_REGION: REGION,
      },
      undefined,
      { engine: true },
    );
    const events: Job[] = [];
    engine.events.on('job:progress', ({ job }) => events.push(job));
    const s3 = s3Client(store);
    const control = controlClient(engine);
    await createBuckets(s3);
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await putAll(s3, keys);
    // The missing key first: once the held requests take every slot, no other task starts.
    const jobId = await createTaggingJob(s3, control, ['data,missing', ...keys.map((k) => `data,${k}`)]);

    let live = await describeJob(control, jobId);
    for (const end = Date.now() + 20_000; live.ProgressSummary?.NumberOfTasksSucceeded !== 150 || live.ProgressSummary.NumberOfTasksFailed !== 1; ) {
      if (Date.now() > end) throw new Error(`no live progress: ${JSON.stringify(live.ProgressSummary)}`);
      await new Promise((r) => setTimeout(r, 50));
      live = await describeJob(control, jobId);
    }
    expect(live.Status).toBe('Active');
    expect(live.ProgressSummary!.TotalNumberOfTasks).toBe(301);
    // The chunk has not committed: the store still counts nothing.
    const stored = (await engine.store.getJob(ACCOUNT_A.accountId, jobId))!;
    expect([stored.progress.succeededTasks, stored.progress.failedTasks]).toEqual([0, 0]);
    const { Jobs } = await control.send(new ListJobsCommand({ AccountId: ACCOUNT_A.accountId }));
    expect(Jobs!.find((j) => j.JobId === jobId)!.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 150, NumberOfTasksFailed: 1 });

    // job:progress carries the live numbers (published within about a second).
    for (const end = Date.now() + 5_000; events.at(-1)?.progress.succeededTasks !== 150; ) {
      if (Date.now() > end) throw new Error(`no live job:progress: ${JSON.stringify(events.at(-1)?.progress)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(events.at(-1)!.progress).toMatchObject({ totalTasks: 301, succeededTasks: 150, failedTasks: 1 });

    // The active timer runs while the job is Active.
    const elapsed = live.ProgressSummary!.Timers!.ElapsedTimeInActiveSeconds!;
    await new Promise((r) => setTimeout(r, 1_100));
    const later = await describeJob(control, jobId);
    expect(later.ProgressSummary!.Timers!.ElapsedTimeInActiveSeconds!).toBeGreaterThan(elapsed);

    proxy.release();
    const done = await until(control, jobId, ['Complete', 'Failed']);
    expect(done.Status).toBe('Complete');
    expect(done.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 301, NumberOfTasksSucceeded: 300, NumberOfTasksFailed: 1 });
    const rows = await reportRows(s3, jobId);
    expect(rows.filter((r) => r.includes(',succeeded,'))).toHaveLength(300);
    expect(rows.filter((r) => r.includes(',failed,'))).toHaveLength(1);
    for (const e of events) expect(e.progress.succeededTasks + e.progress.failedTasks).toBeLessThanOrEqual(301);
  });
});
