/**
 * A function behind an HTTP endpoint (a `url` entry of the functions section): the invocation
 * event is POSTed as JSON and the body of a 2xx answer is the Lambda response payload — functions
 * in any language, running anywhere. A non-2xx answer is handed back with its status (the
 * operation retries 429 and 5xx); a refused or broken connection rejects with the socket's error
 * code, which the engine's retry policy knows; no answer within the timeout is a timeout, as
 * Lambda reports one.
 */
import http from 'node:http';
import https from 'node:https';
import type { LambdaAnswer } from '../operations/lambda-invoke.js';

/** At most this much of an error answer's body goes into a report row. */
const MAX_ERROR_BODY = 512;

export function invokeUrl(
  url: string,
  headers: Readonly<Record<string, string>>,
  event: unknown,
  timeoutMs: number,
  extra: Readonly<Record<string, string>> = {},
): Promise<LambdaAnswer> {
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<LambdaAnswer>((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, ...extra, 'content-type': 'application/json', 'content-length': String(body.length) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ kind: 'returned', payload: text });
          else resolve({ kind: 'httpError', status, message: `The function's endpoint answered ${status}${text ? `: ${text.slice(0, MAX_ERROR_BODY)}` : ''}` });
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ kind: 'functionError', errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds (no answer from ${target.origin})` });
    });
    req.on('error', reject);
    req.end(body);
  });
}
