/**
 * The real `s3batch` binary (bin/s3batch.js, over dist/ — rebuilt by test/helpers/build-dist.ts)
 * run as a user runs it, asynchronously so that the in-process server under test keeps answering.
 * It sees none of the machine's AWS configuration: no credentials, config files or proxies.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve('bin/s3batch.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const CLEAN: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('S3BATCH_') && !/_proxy$/i.test(k)),
);

export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...CLEAN, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', NO_COLOR: '1', ...env };
}

export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: cliEnv(options.env), cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
        if (code === -1) reject(new Error(`s3batch ${args.join(' ')} did not exit: ${err?.message}\n${stderr}`));
        else resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Runs the binary inside a pseudo-terminal (util-linux `script`), returning everything it drew. */
export function runCliInPty(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], { env: cliEnv({ TERM: 'xterm', COLUMNS: '120', ...env }), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}
