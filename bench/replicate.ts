/**
 * S3ReplicateObject between two s3batch servers, each in its own process: the source runs the
 * engine, its config file maps the destination buckets to the second server. Two phases: 5,000
 * small (4 KiB) objects, in objects/s, and 20 × 64 MiB objects, in MB/s — each a job timed from
 * CreateJob to Complete — next to `rclone copy` of the same objects between the same two
 * endpoints (into buckets of its own), as ratios. rclone reads each object from the source and
 * writes it to the destination, as the engine does; it gets 16 transfers and 16 MiB chunks, the
 * engine its default 64 tasks in flight and 16 MiB parts. The source server's peak RSS is printed
 * too: it stays flat however large the objects (parts are streamed, not buffered). Without rclone installed the ratios are
 * left out.
 *
 *   npm run bench              5,000 + 20 × 64 MiB, median of 3 runs (~2 min)
 *   npm run bench -- --quick   200 + 2 × 20 MiB, one run (what the test suite runs so the bench cannot rot)
 *   --json                     one JSON line instead of the table
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { startServerChild, type Child } from './children.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const SMALL_COUNT = QUICK ? 200 : 5_000;
const SMALL_SIZE = 4096;
const LARGE_COUNT = QUICK ? 2 : 20;
const LARGE_SIZE = (QUICK ? 20 : 64) * 1024 * 1024;
const RUNS = QUICK ? 1 : 3;
const ACCOUNT = '123456789012';
const KEYS = { accessKeyId: 'bench', secretAccessKey: 'bench-secret' };
const REGION = 'us-east-1';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const hasRclone = spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;

const s3Of = (url: string): S3Client => new S3Client({ region: REGION, endpoint: url, forcePathStyle: true, credentials: KEYS });

async function versioned(s3: S3Client, Bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

async function putMany(s3: S3Client, Bucket: string, count: number, body: Buffer, inFlight: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await s3.send(new PutObjectCommand({ Bucket, Key: `obj/${String(i).padStart(6, '0')}`, Body: body }));
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function countObjects(s3: S3Client, Bucket: string): Promise<number> {
  let n = 0;
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
    n += page.KeyCount ?? 0;
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return n;
}

/** Seconds from CreateJob to Complete of a replication job over every object of `bucket`. */
async function replicateSeconds(source: S3Client, control: S3ControlClient, bucket: string, count: number, destination: string): Promise<number> {
  await source.send(
    new PutBucketReplicationCommand({
      Bucket: bucket,
      ReplicationConfiguration: {
        Role: `arn:aws:iam::${ACCOUNT}:role/bench`,
        Rules: [{ ID: 'all', Priority: 1, Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: `arn:aws:s3:::${destination}` } }],
      },
    }),
  );
  const manifest = Array.from({ length: count }, (_, i) => `${bucket},obj/${String(i).padStart(6, '0')}\n`).join('');
  const { ETag } = await source.send(new PutObjectCommand({ Bucket: 'manifests', Key: `${destination}.csv`, Body: manifest }));
  const start = process.hrtime.bigint();
  const { JobId } = await control.send(
    new CreateJobCommand({
      AccountId: ACCOUNT,
      ConfirmationRequired: false,
      Priority: 10,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/bench`,
      Operation: { S3ReplicateObject: {} },
      Manifest: { Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: `arn:aws:s3:::manifests/${destination}.csv`, ETag } },
      Report: { Enabled: false },
    }),
  );
  for (;;) {
    const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }));
    if (Job?.Status === 'Complete') {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const done = Job.ProgressSummary?.NumberOfTasksSucceeded ?? 0;
      if (done !== count) throw new Error(`replication job ${JobId}: ${done} of ${count} tasks succeeded`);
      return seconds;
    }
    if (Job?.Status === 'Failed' || Job?.Status === 'Cancelled') throw new Error(`replication job ${JobId} ${Job.Status}: ${JSON.stringify(Job.FailureReasons)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Seconds of `rclone copy` of `bucket` on the source into `destination` on the other server. */
function rcloneSeconds(source: Child, target: Child, bucket: string, destination: string): number {
  const remote = (name: string, url: string): NodeJS.ProcessEnv => ({
    [`RCLONE_CONFIG_${name}_TYPE`]: 's3',
    [`RCLONE_CONFIG_${name}_PROVIDER`]: 'Other',
    [`RCLONE_CONFIG_${name}_ENDPOINT`]: url,
    [`RCLONE_CONFIG_${name}_ACCESS_KEY_ID`]: KEYS.accessKeyId,
    [`RCLONE_CONFIG_${name}_SECRET_ACCESS_KEY`]: KEYS.secretAccessKey,
    [`RCLONE_CONFIG_${name}_REGION`]: REGION,
    [`RCLONE_CONFIG_${name}_FORCE_PATH_STYLE`]: 'true',
  });
  // AWS_CA_BUNDLE (set on some machines) makes rclone's S3 backend fail to start over plain HTTP.
  const { AWS_CA_BUNDLE: _bundle, ...env } = process.env;
  const start = process.hrtime.bigint();
  const run = spawnSync(
    'rclone',
    ['copy', `src:${bucket}`, `dst:${destination}`, '--transfers', '16', '--checkers', '16', '--s3-chunk-size', '16M', '--s3-upload-cutoff', '16M', '--no-check-dest'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...env, RCLONE_CONFIG: '/dev/null', ...remote('SRC', source.url), ...remote('DST', target.url) } },
  );
  if (run.status !== 0) throw new Error(`rclone copy failed: ${run.stderr?.toString() ?? ''}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3batch-replicate-bench-'));
  const target = await startServerChild('store');
  const buckets = Array.from({ length: RUNS }, (_, run) => [`dst-small-${run}`, `dst-large-${run}`]).flat();
  const configFile = path.join(dir, 'config.json');
  const connection = { endpoint: target.url, region: REGION, ...KEYS };
  await writeFile(configFile, JSON.stringify({ replication: { destinations: Object.fromEntries(buckets.map((b) => [`arn:aws:s3:::${b}`, connection])) } }));
  const source = await startServerChild('engine', [], { S3BATCH_CONFIG: configFile });
  const src = s3Of(source.url);
  const dst = s3Of(target.url);
  const control = new S3ControlClient({ region: REGION, credentials: KEYS, endpointProvider: () => ({ url: new URL(`${source.url}/`) }) });
  try {
    await src.send(new CreateBucketCommand({ Bucket: 'manifests' }));
    await versioned(src, 'small');
    await versioned(src, 'large');
    await putMany(src, 'small', SMALL_COUNT, Buffer.alloc(SMALL_SIZE, 's'), 32);
    await putMany(src, 'large', LARGE_COUNT, Buffer.alloc(LARGE_SIZE, 'l'), 2);
    const times = { small: [] as number[], large: [] as number[], rcloneSmall: [] as number[], rcloneLarge: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      await versioned(dst, `dst-small-${run}`);
      await versioned(dst, `dst-large-${run}`);
      times.small.push(await replicateSeconds(src, control, 'small', SMALL_COUNT, `dst-small-${run}`));
      times.large.push(await replicateSeconds(src, control, 'large', LARGE_COUNT, `dst-large-${run}`));
      if (hasRclone) {
        await dst.send(new CreateBucketCommand({ Bucket: `rclone-small-${run}` }));
        await dst.send(new CreateBucketCommand({ Bucket: `rclone-large-${run}` }));
        times.rcloneSmall.push(rcloneSeconds(source, target, 'small', `rclone-small-${run}`));
        times.rcloneLarge.push(rcloneSeconds(source, target, 'large', `rclone-large-${run}`));
      }
    }
    // What each side wrote is all there.
    for (const [bucket, want] of [[`dst-small-0`, SMALL_COUNT], ['dst-large-0', LARGE_COUNT], ...(hasRclone ? [['rclone-small-0', SMALL_COUNT], ['rclone-large-0', LARGE_COUNT]] : [])] as Array<[string, number]>) {
      const got = await countObjects(dst, bucket);
      if (got !== want) throw new Error(`${bucket} holds ${got} objects, not ${want}`);
    }
    const largeMb = (LARGE_COUNT * LARGE_SIZE) / 1024 / 1024;
    const ours = { smallObjectsPerSec: SMALL_COUNT / median(times.small), largeMbPerSec: largeMb / median(times.large) };
    const rclone = hasRclone ? { smallObjectsPerSec: SMALL_COUNT / median(times.rcloneSmall), largeMbPerSec: largeMb / median(times.rcloneLarge) } : null;
    const ratios = rclone ? { small: ours.smallObjectsPerSec / rclone.smallObjectsPerSec, large: ours.largeMbPerSec / rclone.largeMbPerSec } : null;
    const sourceRssMb = Number((await source.request('rss')).maxRssKb) / 1024;
    const report = {
      replicate: { small: { count: SMALL_COUNT, bytes: SMALL_SIZE }, large: { count: LARGE_COUNT, mb: LARGE_SIZE / 1024 / 1024 }, runs: RUNS, ours, rclone, ratios, sourcePeakRssMb: sourceRssMb },
    };
    if (JSON_OUT) {
      console.log(JSON.stringify(report));
      return;
    }
    const f = (x: number | undefined): string => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
    console.log(`replicate bench: S3ReplicateObject to a second s3batch server, next to rclone copy between the same endpoints, median of ${RUNS}${QUICK ? ' (quick)' : ''}`);
    console.log(`  ${SMALL_COUNT} × 4 KiB:   ${f(ours.smallObjectsPerSec)} objects/s   rclone ${f(rclone?.smallObjectsPerSec)} objects/s   ratio ${ratios ? ratios.small.toFixed(2) : '-'}`);
    console.log(`  ${LARGE_COUNT} × ${LARGE_SIZE / 1024 / 1024} MiB: ${f(ours.largeMbPerSec)} MB/s        rclone ${f(rclone?.largeMbPerSec)} MB/s        ratio ${ratios ? ratios.large.toFixed(2) : '-'}`);
    console.log(`  memory: the source server's peak RSS ${sourceRssMb.toFixed(0)} MB (every object and part is streamed from the source's files into the request)`);
  } finally {
    src.destroy();
    dst.destroy();
    control.destroy();
    // `exit` over stdin, not a signal: the child removes its data dir (gigabytes here) as it exits.
    await Promise.all([source, target].map((c) => new Promise((resolve) => {
      c.proc.once('exit', resolve);
      c.proc.stdin?.write('exit\n');
    })));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
