/**
 * LambdaInvoke end to end (reference §5.10, §5.9): functions written as AWS's docs write them —
 * Node.js with @aws-sdk/client-s3, Python with an unmodified boto3 client — run from a functions
 * directory (test/fixtures/functions) or the config file, jobs over S3 Control, rows read back from
 * the completion report. Every result code and every way a function can fail has its row.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JobOperation, S3ControlClient } from '@aws-sdk/client-s3-control';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBuckets, createCsvJob, objectText, putAll, reportRows, runCsvJob, until } from '../helpers/engine-jobs.js';
import { hasBoto3 } from '../helpers/python.js';
import { ACCOUNT_A, ACCOUNT_B, controlClient, startRemotePair, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Client } from '../object-store/helpers.js';

const FIXTURES = path.resolve('test/fixtures/functions');

const lambda = (name: string, over: Partial<NonNullable<JobOperation['LambdaInvoke']>> = {}): JobOperation => ({
  LambdaInvoke: { FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT_A.accountId}:function:${name}`, InvocationSchemaVersion: '2.0', ...over },
});

interface Rig {
  readonly server: TestServer;
  readonly s3: S3Client;
  readonly control: S3ControlClient;
  readonly logs: string[];
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server with the engine on, its functions in `dir` (and `config`'s functions section), capturing its log. */
async function rig(options: { dir?: string; functions?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<Rig> {
  const env: Record<string, string> = { S3BATCH_FUNCTIONS_DIR: options.dir ?? FIXTURES, ...options.env };
  if (options.functions) {
    const configDir = mkdtempSync(path.join(os.tmpdir(), 's3batch-functions-config-'));
    const file = path.join(configDir, 'config.json');
    writeFileSync(file, JSON.stringify({ functions: options.functions }));
    env.S3BATCH_CONFIG = file;
  }
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const server = await startTestServer(env, undefined, { engine: true, logger });
  const s3 = s3Client(server);
  await createBuckets(s3);
  return { server, s3, control: controlClient(server), logs };
}

async function rowsOf(r: Rig, lines: readonly string[], operation: JobOperation): Promise<{ rows: string[]; status: string; failure?: string }> {
  const job = await runCsvJob(r.s3, r.control, lines, operation);
  if (job.Status === 'Failed' && (job.ProgressSummary?.TotalNumberOfTasks ?? 0) === 0) return { rows: [], status: 'Failed', failure: JSON.stringify(job.FailureReasons) };
  return { rows: (await reportRows(r.s3, job.JobId)).sort(), status: job.Status! };
}

/** The resultString of the one row of a one-task echo job, parsed. */
async function echoed(r: Rig, line: string, operation: JobOperation): Promise<Record<string, unknown>> {
  const { rows, status, failure } = await rowsOf(r, [line], operation);
  expect(status, failure).toBe('Complete');
  const row = rows[0]!;
  const message = row.slice(row.indexOf(',succeeded,200,,') + ',succeeded,200,,'.length);
  return JSON.parse(message.startsWith('"') ? message.slice(1, -1).replaceAll('""', '"') : message) as Record<string, unknown>;
}

describe('LambdaInvoke: the event and what a function sees', () => {
  it('schema 2.0: bucket name, key as in the manifest (URL-encoded), null version, userArguments; a deterministic taskId; Lambda context; a clean environment', async () => {
    const r = await rig();
    const seen = await echoed(r, 'data,photos/a+b%2Bc.jpg', lambda('echo', { UserArguments: { size: 'small', mode: 'x' } }));
    const event = seen.event as { invocationSchemaVersion: string; invocationId: string; job: Record<string, unknown>; tasks: Array<Record<string, unknown>> };
    expect(event.invocationSchemaVersion).toBe('2.0');
    expect(event.tasks).toEqual([{ taskId: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), s3Key: 'photos/a+b%2Bc.jpg', s3VersionId: null, s3Bucket: 'data' }]);
    expect(event.job).toEqual({ id: expect.any(String), userArguments: { mode: 'x', size: 'small' } });
    expect(event.invocationId.length).toBeGreaterThan(20);
    expect(seen.context).toEqual({
      functionName: 'echo',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT_A.accountId}:function:echo`,
      memoryLimitInMB: '128',
      remaining: true,
      awsRequestId: 'string',
    });
    // The server's environment (S3BATCH_CREDENTIALS holds every account's secret) is not the function's.
    const env = seen.env as string[];
    expect(env.filter((k) => k.startsWith('S3BATCH') || k.startsWith('VITEST') || k === 'HOME')).toEqual([]);
    expect(env).toEqual(expect.arrayContaining(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL']));
    expect(seen.endpoint).toBe(r.server.url);
    expect(seen.accessKeyId).toBe(ACCOUNT_A.accessKeyId);
  });

  it('schema 1.0: the bucket as an ARN, no userArguments', async () => {
    const r = await rig();
    const seen = await echoed(r, 'data,k', lambda('echo', { InvocationSchemaVersion: '1.0' }));
    const event = seen.event as { job: unknown; tasks: unknown[] };
    expect(event.job).toEqual({ id: expect.any(String) });
    expect(event.tasks).toEqual([{ taskId: expect.any(String), s3Key: 'k', s3VersionId: null, s3BucketArn: 'arn:aws:s3:::data' }]);
  });

  it.skipIf(!hasBoto3)('a Python function: the same event, Lambda\'s snake_case context, the same clean environment', async () => {
    const r = await rig();
    const seen = await echoed(r, 'data,k%20v', lambda('py_echo', { UserArguments: { a: '1' } }));
    expect((seen.event as { tasks: unknown[] }).tasks).toEqual([{ taskId: expect.any(String), s3Key: 'k%20v', s3VersionId: null, s3Bucket: 'data' }]);
    expect(seen.context).toEqual({ function_name: 'py_echo', invoked_function_arn: `arn:aws:lambda:us-east-1:${ACCOUNT_A.accountId}:function:py_echo`, memory_limit_in_mb: '128', remaining: true, aws_request_id: 'str' });
    expect((seen.env as string[]).filter((k) => k.startsWith('S3BATCH'))).toEqual([]);
    expect(seen.endpoint).toBe(r.server.url);
  });

  it('versions: the manifest\'s VersionId is s3VersionId', async () => {
    const r = await rig();
    const job = await runCsvJob(r.s3, r.control, ['data,k,v123'], lambda('echo'), { fields: ['Bucket', 'Key', 'VersionId'] });
    const row = (await reportRows(r.s3, job.JobId))[0]!;
    expect(row).toContain('""s3VersionId"":""v123""');
  });
});

describe('LambdaInvoke: result codes and failures, as report rows', () => {
  async function codesRig(extra: Record<string, unknown> = {}): Promise<Rig> {
    const state = mkdtempSync(path.join(os.tmpdir(), 's3batch-fn-state-'));
    return rig({ functions: { codes: { file: path.join(FIXTURES, 'codes.mjs'), timeoutSeconds: 1, environment: { STATE_DIR: state }, ...extra } } });
  }

  it('Succeeded, PermanentFailure, TemporaryFailure redriven, thrown, garbage, missing, timed out, exited', async () => {
    const r = await codesRig();
    const keys = ['ok', 'perm', 'temp-twice', 'temp-always', 'throw', 'garbage', 'no-results', 'omit', 'omit-ok', 'hang', 'exit'];
    const { rows, status } = await rowsOf(r, keys.map((k) => `data,${k}`), lambda('codes'));
    expect(status).toBe('Complete');
    const byKey = Object.fromEntries(rows.map((row) => [row.split(',')[1], row.split(',').slice(3).join(',')]));
    expect(byKey).toEqual({
      ok: 'succeeded,200,,"all good, ""quoted"", and, commas"',
      perm: 'failed,200,PermanentFailure,not this one',
      'temp-twice': 'succeeded,200,,succeeded on try 3',
      'temp-always': 'failed,200,TemporaryFailure,still busy (try 4)',
      throw: 'failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""boom"",""errorType"":""TypeError""}"',
      garbage: 'failed,200,PermanentFailure,Invalid JSON returned in Lambda payload',
      'no-results': 'failed,200,PermanentFailure,Invalid JSON returned in Lambda payload',
      omit: 'failed,200,PermanentFailure,The response of the function has no result for this task (treatMissingKeysAs: PermanentFailure)',
      'omit-ok': 'succeeded,200,,',
      hang: expect.stringMatching(/^failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""RequestId: [0-9a-f-]+ Error: Task timed out after 1.00 seconds"",""errorType"":""Sandbox.Timedout""}"$/),
      exit: expect.stringMatching(/^failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""The function's worker exited \(code 3\)/),
    });
  });

  it('a redriven task keeps its taskId; another job\'s task of the same key has another', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 's3batch-fn-state-'));
    const r = await rig({ functions: { codes: { file: path.join(FIXTURES, 'codes.mjs'), environment: { STATE_DIR: state } } } });
    await rowsOf(r, ['data,temp-twice'], lambda('codes'));
    await rowsOf(r, ['data,temp-twice'], lambda('codes'));
    const files = readdirSync(state);
    expect(files).toHaveLength(2);
    for (const f of files) expect(readFileSync(path.join(state, f), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('what a function prints is a log line with the job, the task and the function, not a broken answer', async () => {
    const r = await codesRig();
    const { rows } = await rowsOf(r, ['data,print'], lambda('codes'));
    expect(rows).toEqual(['data,print,,succeeded,200,,printed']);
    const lines = r.logs.map((l) => JSON.parse(l) as { msg: string; jobId?: string; taskId?: string; function?: string });
    const mine = lines.filter((l) => l.function === 'codes');
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['a line from the function print', 'written straight to stdout']));
    for (const l of mine) expect([typeof l.jobId, typeof l.taskId]).toEqual(['string', 'string']);
  });

  it.skipIf(!hasBoto3)('Python: printing (stdout, stderr, fd 1), a raised error, an answer JSON cannot hold, a timeout, an exit', async () => {
    const r = await rig({ functions: { py_codes: { file: path.join(FIXTURES, 'py_codes.py'), timeoutSeconds: 1 } } });
    const { rows } = await rowsOf(r, ['data,ok', 'data,print', 'data,throw', 'data,garbage', 'data,hang', 'data,exit'], lambda('py_codes'));
    const byKey = Object.fromEntries(rows.map((row) => [row.split(',')[1], row.split(',').slice(3).join(',')]));
    expect(byKey).toEqual({
      ok: 'succeeded,200,,all good',
      print: 'succeeded,200,,printed',
      throw: 'failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""boom"",""errorType"":""ValueError""}"',
      garbage: expect.stringMatching(/^failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""Unable to marshal response: .*"",""errorType"":""Runtime.MarshalError""}"$/),
      hang: expect.stringMatching(/Task timed out after 1.00 seconds.*Sandbox.Timedout/),
      exit: expect.stringMatching(/The function's Python process exited \(code 3\)/),
    });
    const messages = r.logs.map((l) => JSON.parse(l) as { msg: string; function?: string }).filter((l) => l.function === 'py_codes').map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['a line from python print', 'to stderr', 'written straight to fd 1']));
  });

  it('the old callback style, in CommonJS', async () => {
    const r = await rig();
    const { rows } = await rowsOf(r, ['data,k'], lambda('callback'));
    expect(rows).toEqual(['data,k,,succeeded,200,,called back for callback']);
  });
});

describe('LambdaInvoke: functions that act on the job\'s objects', () => {
  it.skipIf(!hasBoto3)('Python with an unmodified boto3.client("s3") reads each object and writes a derived one', async () => {
    const r = await rig();
    await putAll(r.s3, ['a.txt', 'dir/b c.txt']);
    const { rows } = await rowsOf(r, ['data,a.txt', 'data,dir/b+c.txt'], lambda('boto_upper', { InvocationSchemaVersion: '1.0' }));
    expect(rows).toEqual(['data,a.txt,,succeeded,200,,upper/a.txt', 'data,dir/b+c.txt,,succeeded,200,,upper/dir/b c.txt']);
    expect(await objectText(r.s3, 'data', 'upper/dir/b c.txt')).toBe('X');
  });

  it('Node.js with @aws-sdk/client-s3 and no node_modules of its own (s3batch provides the SDK, as Lambda\'s runtime does)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-functions-'));
    cpSync(path.join(FIXTURES, 'sdk_upper.mjs'), path.join(dir, 'sdk_upper.mjs'));
    const r = await rig({ dir });
    await putAll(r.s3, ['x.txt']);
    await r.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'y.txt', Body: 'hello' }));
    const { rows } = await rowsOf(r, ['data,x.txt', 'data,y.txt'], lambda('sdk_upper'));
    expect(rows).toEqual(['data,x.txt,,succeeded,200,,upper/x.txt', 'data,y.txt,,succeeded,200,,upper/y.txt']);
    expect(await objectText(r.s3, 'data', 'upper/y.txt')).toBe('HELLO');
  });

  it('account A\'s function cannot read account B\'s objects (embedded store)', async () => {
    const r = await rig();
    const s3B = s3Client(r.server, ACCOUNT_B);
    await createBuckets(s3B, ['b-secrets']);
    await s3B.send(new PutObjectCommand({ Bucket: 'b-secrets', Key: 'k', Body: 'secret' }));
    const { rows } = await rowsOf(r, ['b-secrets,k'], lambda('sdk_upper'));
    expect(rows).toEqual([expect.stringMatching(/^b-secrets,k,,failed,200,PermanentFailure,AccessDenied: /)]);
  });

  it('on a remote store, with per-account credentials, a function reaches that store as its account', async () => {
    const { store, engine } = await startRemotePair({ S3BATCH_FUNCTIONS_DIR: FIXTURES });
    const s3 = s3Client(store);
    await createBuckets(s3);
    const control = controlClient(engine);
    const job = await runCsvJob(s3, control, ['data,k'], lambda('echo'));
    const row = (await reportRows(s3, job.JobId))[0]!;
    expect(row).toContain(`""endpoint"":""${store.url}""`);
    expect(row).toContain(`""accessKeyId"":""${ACCOUNT_A.accessKeyId}""`);
  });
});

describe('LambdaInvoke: copies, concurrency and shutdown', () => {
  const invocations = (state: string): Array<{ key: string; copy: string; started: number; ended: number }> =>
    readFileSync(path.join(state, 'invocations.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; copy: string; started: number; ended: number });

  it('concurrency bounds the invocations in flight and the copies of a function; each copy runs one at a time', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 's3batch-fn-state-'));
    const r = await rig({ functions: { slow: { file: path.join(FIXTURES, 'slow.mjs'), concurrency: 2, environment: { STATE_DIR: state } } } });
    const keys = Array.from({ length: 8 }, (_, i) => `sleep-${i}`);
    const { rows } = await rowsOf(r, keys.map((k) => `data,${k}`), lambda('slow'));
    expect(rows).toHaveLength(8);
    const seen = invocations(state);
    expect(new Set(seen.map((i) => i.copy)).size).toBeLessThanOrEqual(2);
    const overlap = (at: number): number => seen.filter((i) => i.started <= at && at < i.ended).length;
    expect(Math.max(...seen.map((i) => overlap(i.started)))).toBe(2);
    // one at a time per copy
    for (const copy of new Set(seen.map((i) => i.copy))) {
      const mine = seen.filter((i) => i.copy === copy).sort((a, b) => a.started - b.started);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.started).toBeGreaterThanOrEqual(mine[i - 1]!.ended);
    }
  });

  it('a shutdown stops an invocation still running after S3BATCH_SHUTDOWN_GRACE_MS; its task runs again after the restart, counted once', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 's3batch-fn-state-'));
    const r = await rig({
      functions: { slow: { file: path.join(FIXTURES, 'slow.mjs'), timeoutSeconds: 120, environment: { STATE_DIR: state } } },
      env: { S3BATCH_SHUTDOWN_GRACE_MS: '200' },
    });
    const jobId = await createCsvJob(r.s3, r.control, ['data,hang-once', 'data,sleep-a'], lambda('slow'));
    for (const end = Date.now() + 20_000; !readdirSync(state).some((f) => f.endsWith('.started')); ) {
      if (Date.now() > end) throw new Error('the invocation did not start');
      await new Promise((res) => setTimeout(res, 20));
    }
    const t0 = Date.now();
    await r.server.close();
    expect(Date.now() - t0).toBeLessThan(10_000);
    const again = await r.server.restart();
    const control = controlClient(again);
    const s3 = s3Client(again);
    const job = await until(control, jobId, ['Complete', 'Failed']);
    expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 });
    expect((await reportRows(s3, jobId)).sort()).toEqual(['data,hang-once,,succeeded,200,,hang-once done', 'data,sleep-a,,succeeded,200,,sleep-a done']);
  });
});

describe('LambdaInvoke: a function behind an HTTP endpoint', () => {
  it('gets the event as a JSON POST; 429 and 5xx are retried, other statuses fail the task with theirs', async () => {
    const attempts = new Map<string, number>();
    const endpoint = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const event = JSON.parse(Buffer.concat(chunks).toString()) as { invocationId: string; tasks: Array<{ taskId: string; s3Key: string }> };
        const task = event.tasks[0]!;
        const n = (attempts.get(task.s3Key) ?? 0) + 1;
        attempts.set(task.s3Key, n);
        if (req.headers['x-token'] !== 'secret') return void res.writeHead(401).end('no token');
        if (task.s3Key === 'busy' && n <= 2) return void res.writeHead(n === 1 ? 429 : 503).end('busy');
        if (task.s3Key === 'bad') return void res.writeHead(400).end('bad request');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ invocationSchemaVersion: '2.0', invocationId: event.invocationId, results: [{ taskId: task.taskId, resultCode: 'Succeeded', resultString: `http ${task.s3Key} ${n}` }] }));
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => endpoint.close(() => resolve())));
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/invoke`;
    const r = await rig({ functions: { remote: { url, headers: { 'x-token': 'secret' } } } });
    const { rows } = await rowsOf(r, ['data,ok', 'data,busy', 'data,bad'], lambda('remote'));
    expect(rows).toEqual(['data,bad,,failed,400,HTTP400,The function\'s endpoint answered 400: bad request', 'data,busy,,succeeded,200,,http busy 3', 'data,ok,,succeeded,200,,http ok 1']);
  });
});

describe('LambdaInvoke: jobs whose function cannot run fail in preparation, saying what to do', () => {
  const cases: Array<[string, Parameters<typeof rig>[0], JobOperation, RegExp]> = [
    ['a name that resolves to nothing', {}, lambda('no_such_function'), /FunctionNotFound.*No function no_such_function: add .*no_such_function\.mjs/],
    ['another account\'s function', {}, { LambdaInvoke: { FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT_B.accountId}:function:echo` } }, /FunctionAccessDenied.*belongs to account 444455556666/],
    ['another region', {}, { LambdaInvoke: { FunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT_A.accountId}:function:echo` } }, /InvalidFunction.*eu-west-1/],
    ['a Python file that does not parse', {}, lambda('broken'), /FunctionLoadFailed.*broken.*Runtime.ImportModuleError.*SyntaxError/],
    ['a module without its handler', {}, lambda('nohandler'), /FunctionLoadFailed.*Runtime.HandlerNotFound/],
    ['no Python', { env: { S3BATCH_PYTHON: '/nonexistent/python3' } }, lambda('py_echo'), /FunctionRuntimeMissing.*install python3, or set S3BATCH_PYTHON/],
  ];
  for (const [name, options, operation, reason] of cases) {
    it(name, async () => {
      const r = await rig(options);
      const { status, failure } = await rowsOf(r, ['data,k'], operation);
      expect(status).toBe('Failed');
      expect(failure).toMatch(reason);
    });
  }

  it('a function name alone (no ARN) is the job\'s account\'s, as Lambda\'s Invoke takes it', async () => {
    const r = await rig();
    const seen = await echoed(r, 'data,k', { LambdaInvoke: { FunctionArn: 'echo', InvocationSchemaVersion: '2.0' } });
    expect((seen.context as { invokedFunctionArn: string }).invokedFunctionArn).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT_A.accountId}:function:echo`);
  });
});
