/**
 * STS GetCallerIdentity, answered for the server's own keys (src/sts/sts-api.ts): the real STS
 * clients of the JS SDK v3 and boto3 find their account, and refusals come back in STS's words.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, ACCOUNT_B, REGION, startTestServer } from '../helpers/server.js';

const sts = (endpoint: string, accessKeyId: string, secretAccessKey: string): STSClient =>
  new STSClient({ endpoint, region: REGION, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });

describe('STS GetCallerIdentity', () => {
  it('answers each key its own account, through the SDK v3 STS client', async () => {
    const server = await startTestServer();
    for (const account of [ACCOUNT_A, ACCOUNT_B]) {
      const out = await sts(server.url, account.accessKeyId, account.secretAccessKey).send(new GetCallerIdentityCommand({}));
      expect(out).toMatchObject({
        Account: account.accountId,
        Arn: `arn:aws:iam::${account.accountId}:user/${account.accessKeyId}`,
        UserId: account.accessKeyId,
      });
    }
  });

  it('refuses an unknown key (InvalidClientTokenId) and a wrong secret (SignatureDoesNotMatch), as STS does', async () => {
    const server = await startTestServer();
    const unknown = await sts(server.url, 'AKIDNOPE', 'x').send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    const wrong = await sts(server.url, ACCOUNT_A.accessKeyId, 'not-the-secret').send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });

  it('refuses other actions and unsigned requests in the awsQuery error envelope', async () => {
    const server = await startTestServer();
    const unsigned = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(unsigned.status).toBe(403);
    const text = await unsigned.text();
    expect(text).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>');
    expect(text).toMatch(/<RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/);
  });

  it.skipIf(!hasBoto3)('answers boto3 too', async () => {
    const server = await startTestServer();
    const out = await runPython(
      'import boto3,sys,json; c=boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3]); r=c.get_caller_identity(); print(json.dumps([r["Account"], r["Arn"]]))',
      [server.url, ACCOUNT_B.accessKeyId, ACCOUNT_B.secretAccessKey],
    );
    expect(JSON.parse(out)).toEqual([ACCOUNT_B.accountId, `arn:aws:iam::${ACCOUNT_B.accountId}:user/${ACCOUNT_B.accessKeyId}`]);
  });
});
