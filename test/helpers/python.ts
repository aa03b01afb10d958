/**
 * Real Python clients (boto3) against a test server. Asynchronous on purpose: the server under
 * test runs in this process and must keep answering while the script runs. The script sees no AWS
 * config, credentials file or proxy of the machine's.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

export const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

/** Runs `python3 -c script args…` and returns its stdout (rejects when it exits non-zero). */
export async function runPython(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', ['-c', script, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, HTTP_PROXY: '', HTTPS_PROXY: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...env },
  });
  return stdout;
}
