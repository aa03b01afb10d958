import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.js';
import { createSigner } from './sign.js';
import { verifyRequest } from './verify.js';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2026, 10, 24, 12, 30, 0);

describe('createSigner', () => {
  const cases = [
    { method: 'PUT', rawPath: '/bucket/a%20key/%E2%9C%93', rawQuery: 'tagging=', body: '<Tagging/>' },
    { method: 'GET', rawPath: '/bucket', rawQuery: 'list-type=2&prefix=a%2Fb&max-keys=10', body: '' },
    { method: 'POST', rawPath: '/bucket/k', rawQuery: 'uploads=', body: '' },
  ];
  for (const c of cases) {
    it(`matches the AWS SDK signer for ${c.method} ${c.rawPath}?${c.rawQuery}`, async () => {
      const payloadHash = sha256Hex(c.body);
      const headers = { 'content-type': 'application/xml', 'x-amz-meta-a': '  spaced   value ' };
      const ours = createSigner({ ...creds, region: 'us-east-1', service: 's3' }).sign({
        method: c.method,
        host: '127.0.0.1:9090',
        rawPath: c.rawPath,
        rawQuery: c.rawQuery,
        headers,
        payloadHash,
        nowMs: NOW,
      });
      const query: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(c.rawQuery)) query[k] = v;
      const sdk = await new SignatureV4({ service: 's3', region: 'us-east-1', credentials: creds, sha256: Sha256, uriEscapePath: false }).sign(
        {
          method: c.method,
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: 9090,
          path: c.rawPath,
          query,
          headers: { ...headers, host: '127.0.0.1:9090', 'x-amz-content-sha256': payloadHash },
          body: c.body,
        },
        { signingDate: new Date(NOW) },
      );
      const sdkSignature = /Signature=([0-9a-f]{64})/.exec(String(sdk.headers.authorization))?.[1];
      expect(ours.authorization).toContain(`Signature=${sdkSignature}`);

      const verified = verifyRequest(
        { method: c.method, rawPath: c.rawPath, rawQuery: c.rawQuery, headers: { ...headers, ...ours, host: '127.0.0.1:9090' } },
        { region: 'us-east-1', service: 's3', nowMs: NOW, lookupKey: () => ({ secretAccessKey: creds.secretAccessKey, accountId: '111122223333' }) },
      );
      expect(verified.ok).toBe(true);
    });
  }
});
