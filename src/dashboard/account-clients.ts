/**
 * The dashboard's way to S3 and S3 Control for what the job service does not hold: report files
 * (wherever the account's jobs write them: the embedded store or its remote store) and re-running
 * failed tasks. It goes through the public APIs with the signed-in account's own key pair — the
 * very code the CLI runs (client/) — so it sees exactly what that account may see and nothing else.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Account } from '../config/config.js';
import { connect, type Connection } from '../client/connection.js';
import { readReportIndex, reportIndexLocation, reportRows, ReportError, type ReportIndex, type ReportRow } from '../client/report-reader.js';
import { planRerun, submitRerun } from '../client/rerun.js';
import type { Job } from '../domain/job.js';
import type { FailedRowsPage, ReportFile, ReportFiles } from './api-types.js';

/** Where an account's jobs reach S3 when it is not this server's embedded store. */
export interface RemoteStorage {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface AccountClientsOptions {
  readonly accounts: readonly Account[];
  readonly region: string;
  /** This server's own URL (known once it listens). */
  readonly selfUrl: () => string;
  /** The account's remote store, or undefined for the embedded one. */
  readonly remoteStorage: (accountId: string) => RemoteStorage | undefined;
}


export interface AccountClients {
  /** The report's index file and result files; ReportError when the job has none (yet). */
  reportFiles(job: Job): Promise<ReportFiles>;
  /** One of those files' bytes. */
  download(job: Job, file: ReportFile): Promise<Readable>;
  /** Rows `offset..offset+limit-1` of the failed tasks (of `errorCode` only, when given), with counts by error code. Streams the report. */
  failedRows(job: Job, offset: number, limit: number, errorCode: string | undefined): Promise<FailedRowsPage>;
  /** The CLI's `rerun-failed`: a new job over the failed tasks; returns its id. */
  rerunFailed(job: Job): Promise<string>;
  /** The account's own S3 (its jobs' store: embedded or remote) and S3 Control clients (the bucket browser, the wizard). */
  of(accountId: string): { readonly s3: S3Client; readonly control: Connection['control'] };
  close(): void;
}

export function createAccountClients(options: AccountClientsOptions): AccountClients {
  const connections = new Map<string, { conn: Connection; s3: S3Client }>();

  function clientsOf(accountId: string): { conn: Connection; s3: S3Client } {
    let c = connections.get(accountId);
    if (c) return c;
    const account = options.accounts.find((a) => a.accountId === accountId);
    if (!account) throw new Error(`no credentials for account ${accountId}`);
    const conn = connect(
      { endpoint: options.selfUrl(), accountId, accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey, region: options.region },
      {},
    );
    const remote = options.remoteStorage(accountId);
    const s3 = remote
      ? new S3Client({ endpoint: remote.endpoint, region: remote.region, forcePathStyle: true, credentials: { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey } })
      : conn.s3;
    c = { conn, s3 };
    connections.set(accountId, c);
    return c;
  }

  async function indexOf(job: Job): Promise<{ s3: S3Client; at: ReportFile; index: ReportIndex }> {
    const { s3 } = clientsOf(job.accountId);
    const loc = reportIndexLocation({ JobId: job.id, Report: job.spec.Report } as Parameters<typeof reportIndexLocation>[0]);
    const index = await readReportIndex(s3, loc);
    return { s3, at: { status: 'index', bucket: loc.bucket, key: loc.key }, index };
  }

  return {
    async reportFiles(job) {
      const { at, index } = await indexOf(job);
      return { index: at, results: index.Results.map((r) => ({ status: r.TaskExecutionStatus, bucket: r.Bucket, key: r.Key })) };
    },
    async download(job, file) {
      const { s3 } = clientsOf(job.accountId);
      const out = await s3.send(new GetObjectCommand({ Bucket: file.bucket, Key: file.key }));
      if (!out.Body) throw new ReportError(`s3://${file.bucket}/${file.key} has no body`);
      return out.Body as Readable;
    },
    async failedRows(job, offset, limit, errorCode) {
      const { s3, index } = await indexOf(job);
      const byErrorCode: Record<string, number> = {};
      const rows: ReportRow[] = [];
      let total = 0;
      let matched = 0;
      for await (const row of reportRows(s3, index, 'failed')) {
        total += 1;
        byErrorCode[row.errorCode] = (byErrorCode[row.errorCode] ?? 0) + 1;
        if (errorCode !== undefined && row.errorCode !== errorCode) continue;
        if (matched >= offset && rows.length < limit) rows.push(row);
        matched += 1;
      }
      return { total, byErrorCode, rows };
    },
    async rerunFailed(job) {
      const { conn, s3 } = clientsOf(job.accountId);
      const plan = await planRerun(conn.control, s3, job.accountId, job.id);
      try {
        return await submitRerun(conn.control, s3, plan);
      } finally {
        await plan.manifest.dispose();
      }
    },
    of(accountId) {
      const { conn, s3 } = clientsOf(accountId);
      return { s3, control: conn.control };
    },
    close() {
      for (const { conn, s3 } of connections.values()) {
        if (s3 !== conn.s3) s3.destroy();
        conn.destroy();
      }
      connections.clear();
    },
  };
}
