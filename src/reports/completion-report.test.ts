import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JobReport } from '../domain/job-spec.js';
import { MISSING_VERSION_ID_FAILURE } from '../manifests/index.js';
import { MemoryS3 } from '../manifests/test-support.js';
import { S3PortError } from '../s3/s3-port.js';
import {
  formatReportRow,
  REPORT_SCHEMA,
  SUCCESS_MESSAGE,
  writeCompletionReport,
  type ReportPart,
  type ReportTask,
  type TaskResult,
} from './index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/reports/${name}`, import.meta.url));

const ok: TaskResult = { status: 'succeeded', httpStatus: 200, message: SUCCESS_MESSAGE };

/** The rows of test/fixtures/reports/rows.csv, in order. */
const ROWS: Array<[ReportTask, TaskResult]> = [
  [{ bucket: 'awsexamplebucket1', rawKey: 'image_17775' }, ok],
  [{ bucket: 'linz-topographic-archive', rawKey: 'pfouquet/sub/directory/AS21.tiff.zst', versionId: '886twyul.uJ3wIF3zzQG8196hf_SOCCW' }, ok],
  [{ bucket: 'BUCKET_NAME', rawKey: 'prefix/file_name' }, MISSING_VERSION_ID_FAILURE],
  [
    { bucket: 'awsexamplebucket1', rawKey: 'image_14975' },
    {
      status: 'failed',
      httpStatus: 200,
      errorCode: 'PermanentFailure',
      message:
        'Lambda returned function error: {"errorMessage":"2019-04-05T17:35:21.155Z 2845ca0d-38d9-4c4b-abcf-379dc749c452 Task timed out after 3.00 seconds"}',
    },
  ],
  [
    { bucket: 'reports-src', rawKey: 'photos/caf%C3%A9%20menu+2024.jpg', versionId: 'null' },
    { status: 'failed', httpStatus: 404, errorCode: 'NoSuchKey', message: 'The specified key does not exist.' },
  ],
  [{ bucket: 'reports-src', rawKey: 'a,b' }, ok],
  [{ bucket: 'reports-src', rawKey: 'say "hi"\nthere' }, ok],
  [{ bucket: 'reports-src', rawKey: '日本語/ファイル ✓.txt', versionId: 'v2' }, ok],
  [
    { bucket: 'reports-src', rawKey: 'k' },
    { status: 'failed', httpStatus: 503, errorCode: 'SlowDown', message: 'Please reduce your request rate.\r\nRetried 5 times' },
  ],
  [{ bucket: 'reports-src', rawKey: 'k2' }, { status: 'failed', httpStatus: 0, message: 'Connection reset, before any answer' }],
];

function part(text: string, pieceBytes = 7): ReportPart {
  const bytes = Buffer.from(text, 'utf8');
  return {
    length: bytes.length,
    open: () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += pieceBytes) yield bytes.subarray(i, i + pieceBytes);
        })(),
      ),
  };
}

const rowsOf = (status: 'succeeded' | 'failed'): string =>
  ROWS.filter(([, r]) => r.status === status)
    .map(([t, r]) => formatReportRow(t, r))
    .join('');

const JOB = 'f8fb9d89-a3aa-461d-bddc-ea6a1b131955';
const NOW = Date.parse('2019-04-05T17:48:39.725Z');
const REPORT: JobReport = {
  Enabled: true,
  Bucket: 'arn:aws:s3:::my-job-reports',
  Format: 'Report_CSV_20180820',
  Prefix: 'reports/',
  ReportScope: 'AllTasks',
};

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

describe('formatReportRow', () => {
  it('writes the golden rows: HTTP status before error code, raw keys, RFC 4180 quoting only where needed', () => {
    expect(ROWS.map(([t, r]) => formatReportRow(t, r)).join('')).toBe(fixture('rows.csv').toString('utf8'));
  });

  it('writes one line per task ending in LF', () => {
    expect(formatReportRow({ bucket: 'b', rawKey: 'k' }, ok)).toBe('b,k,,succeeded,200,,Successful\n');
  });
});

describe('writeCompletionReport', () => {
  it('writes result files and manifest.json exactly as AWS lays them out (golden, fixed clock)', async () => {
    const s3 = new MemoryS3(['my-job-reports']);
    const written = await writeCompletionReport(s3, REPORT, JOB, { succeeded: part(rowsOf('succeeded')), failed: part(rowsOf('failed')) }, NOW);
    const manifest = fixture('manifest-all-tasks.json');
    expect(written.manifestKey).toBe(`reports/job-${JOB}/manifest.json`);
    expect(s3.bytes('my-job-reports', written.manifestKey)?.toString('utf8')).toBe(manifest.toString('utf8'));
    expect(s3.text('my-job-reports', `${written.manifestKey}.md5`)).toBe(md5(manifest));
    const parsed = JSON.parse(manifest.toString('utf8')) as { Results: Array<{ Key: string; MD5Checksum: string }>; ReportSchema: string };
    expect(parsed.ReportSchema).toBe(REPORT_SCHEMA);
    for (const r of parsed.Results) {
      expect(r.Key).toMatch(new RegExp(`^reports/job-${JOB}/results/[0-9a-f]{40}\\.csv$`));
      expect(md5(s3.bytes('my-job-reports', r.Key)!)).toBe(r.MD5Checksum);
    }
    expect(s3.text('my-job-reports', parsed.Results[0]!.Key)).toBe(rowsOf('succeeded'));
    expect(s3.text('my-job-reports', parsed.Results[1]!.Key)).toBe(rowsOf('failed'));
    expect(written.results).toEqual(
      parsed.Results.map((r, i) => ({ key: r.Key, taskExecutionStatus: i === 0 ? 'succeeded' : 'failed', md5: r.MD5Checksum })),
    );
    // Streamed with the length known up front; manifest.json after the files it lists, its sidecar last.
    expect(s3.calls.map((c) => [c.ref.key.replace(/^.*\//, ''), c.options])).toEqual([
      [expect.stringMatching(/\.csv$/), { contentType: 'text/csv', contentLength: Buffer.byteLength(rowsOf('succeeded')) }],
      [expect.stringMatching(/\.csv$/), { contentType: 'text/csv', contentLength: Buffer.byteLength(rowsOf('failed')) }],
      ['manifest.json', { contentType: 'application/json', contentLength: manifest.length }],
      ['manifest.json.md5', { contentType: 'text/plain', contentLength: 32 }],
    ]);
    expect(s3.contentType('my-job-reports', written.manifestKey)).toBe('application/json');
  });

  it('writes the same keys on a rewrite (after a crash): overwrites, never duplicates', async () => {
    const s3 = new MemoryS3(['my-job-reports']);
    const parts = { succeeded: part(rowsOf('succeeded')), failed: part(rowsOf('failed')) };
    const first = await writeCompletionReport(s3, REPORT, JOB, parts, NOW);
    const second = await writeCompletionReport(s3, REPORT, JOB, parts, NOW + 5000);
    expect(second.results.map((r) => r.key)).toEqual(first.results.map((r) => r.key));
    expect(s3.keys('my-job-reports')).toHaveLength(4);
    const other = await writeCompletionReport(s3, REPORT, 'another-job', parts, NOW);
    expect(other.results.map((r) => r.key)).not.toEqual(first.results.map((r) => r.key));
  });

  it('FailedTasksOnly: only the failed file; with no failures, a manifest.json with no results', async () => {
    const s3 = new MemoryS3(['my-job-reports']);
    const failedOnly: JobReport = { ...REPORT, ReportScope: 'FailedTasksOnly' };
    const some = await writeCompletionReport(s3, failedOnly, JOB, { succeeded: part(rowsOf('succeeded')), failed: part(rowsOf('failed')) }, NOW);
    expect(some.results.map((r) => r.taskExecutionStatus)).toEqual(['failed']);

    const s3b = new MemoryS3(['my-job-reports']);
    const none = await writeCompletionReport(s3b, failedOnly, JOB, { succeeded: part(rowsOf('succeeded')), failed: part('') }, NOW);
    expect(none.results).toEqual([]);
    expect(s3b.bytes('my-job-reports', none.manifestKey)?.toString('utf8')).toBe(fixture('manifest-failed-only-no-failures.json').toString('utf8'));
    expect(s3b.keys('my-job-reports').sort()).toEqual([`reports/job-${JOB}/manifest.json`, `reports/job-${JOB}/manifest.json.md5`]);
  });

  it('AllTasks writes a file only for a status that has rows', async () => {
    const s3 = new MemoryS3(['my-job-reports']);
    const written = await writeCompletionReport(s3, REPORT, JOB, { succeeded: part(rowsOf('succeeded')), failed: part('') }, NOW);
    expect(written.results.map((r) => r.taskExecutionStatus)).toEqual(['succeeded']);
  });

  it('without a Prefix keys start with job-<id>/; trailing slashes of a Prefix are dropped', async () => {
    const s3 = new MemoryS3(['my-job-reports']);
    const { Prefix: _, ...noPrefix } = REPORT;
    const written = await writeCompletionReport(s3, noPrefix, JOB, { succeeded: part('b,k,,succeeded,200,,Successful\n'), failed: part('') }, NOW);
    expect(written.manifestKey).toBe(`job-${JOB}/manifest.json`);
    expect(written.results[0]?.key).toMatch(new RegExp(`^job-${JOB}/results/[0-9a-f]{40}\\.csv$`));
    const nested = await writeCompletionReport(s3, { ...REPORT, Prefix: 'a/b//' }, JOB, { succeeded: part(''), failed: part('') }, NOW);
    expect(nested.manifestKey).toBe(`a/b/job-${JOB}/manifest.json`);
  });

  it('fails with the port\'s error, and when a part streams other than its announced length', async () => {
    const s3 = new MemoryS3([]);
    await expect(writeCompletionReport(s3, REPORT, JOB, { succeeded: part('x\n'), failed: part('') }, NOW)).rejects.toMatchObject({
      code: 'NoSuchBucket',
    });
    const s3b = new MemoryS3(['my-job-reports']);
    const wrong: ReportPart = { length: 5, open: () => Readable.from([Buffer.from('abc')]) };
    await expect(writeCompletionReport(s3b, REPORT, JOB, { succeeded: wrong, failed: part('') }, NOW)).rejects.toBeInstanceOf(S3PortError);
    const broken: ReportPart = {
      length: 10,
      open: () =>
        new Readable({
          read() {
            this.destroy(new Error('disk gone'));
          },
        }),
    };
    await expect(writeCompletionReport(s3b, REPORT, JOB, { succeeded: broken, failed: part('') }, NOW)).rejects.toThrow('disk gone');
    await expect(writeCompletionReport(s3b, { ...REPORT, Bucket: 'my-job-reports' }, JOB, { succeeded: part(''), failed: part('') }, NOW)).rejects.toThrow(
      'not a bucket ARN',
    );
  });
});
