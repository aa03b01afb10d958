/**
 * The README recipes with the real Python and CLI clients: boto3 with the before-sign hook, and
 * the AWS CLI v2 through HTTP_PROXY. Each runs where the client is installed and is skipped
 * (saying so) where it is not.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasBoto3, runPython } from '../helpers/python.js';
import { ACCOUNT_A, startTestServer } from '../helpers/server.js';

// Asynchronous on purpose: the server under test runs in this process and must keep answering.
const run = async (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> =>
  (await promisify(execFile)(file, args, { encoding: 'utf8', env, timeout: 60_000 })).stdout;

const AWS_CLI_V2 = '/usr/bin/aws';
const hasAwsCliV2 = existsSync(AWS_CLI_V2) && /aws-cli\/2\./.test(spawnSync(AWS_CLI_V2, ['--version'], { encoding: 'utf8' }).stdout ?? '');

const BOTO3_SCRIPT = `
import json, re, sys, boto3
s3control = boto3.client("s3control", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
s3control.meta.events.register("before-sign.s3-control",
    lambda request, **_: setattr(request, "url", re.sub(r"//\\d{12}\\.", "//", request.url, count=1)))
acct = sys.argv[4]
job = s3control.create_job(AccountId=acct, Priority=10, RoleArn="arn:aws:iam::%s:role/batch" % acct,
    Operation={"S3PutObjectTagging": {"TagSet": [{"Key": "project", "Value": "blue"}]}},
    Manifest={"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
              "Location": {"ObjectArn": "arn:aws:s3:::m/m.csv", "ETag": "e"}},
    Report={"Enabled": False}, Tags=[{"Key": "k", "Value": "v"}])
jid = job["JobId"]
described = s3control.describe_job(AccountId=acct, JobId=jid)["Job"]
s3control.update_job_priority(AccountId=acct, JobId=jid, Priority=42)
cancelled = s3control.update_job_status(AccountId=acct, JobId=jid, RequestedJobStatus="Cancelled")
try:
    s3control.update_job_status(AccountId=acct, JobId=jid, RequestedJobStatus="Ready")
    refused = None
except s3control.exceptions.JobStatusException as e:
    refused = e.response["Error"]["Code"]
print(json.dumps({
    "jobId": jid,
    "confirmationRequired": described["ConfirmationRequired"],
    "status": described["Status"],
    "listed": [j["JobId"] for j in s3control.list_jobs(AccountId=acct)["Jobs"]],
    "tags": s3control.get_job_tagging(AccountId=acct, JobId=jid)["Tags"],
    "cancelled": cancelled["Status"],
    "refused": refused,
}))
`;

describe('real clients with the README recipes', () => {
  it.skipIf(!hasBoto3)('boto3 with the before-sign.s3-control hook', async () => {
    const server = await startTestServer();
    const endpoint = server.url.replace('127.0.0.1', 'localhost');
    const out = await runPython(BOTO3_SCRIPT, [endpoint, ACCOUNT_A.accessKeyId, ACCOUNT_A.secretAccessKey, ACCOUNT_A.accountId]);
    const result = JSON.parse(out) as Record<string, unknown>;
    expect(result).toMatchObject({
      confirmationRequired: true,
      status: 'New',
      tags: [{ Key: 'k', Value: 'v' }],
      cancelled: 'Cancelled',
      refused: 'JobStatusException',
    });
    expect(result.listed).toEqual([result.jobId]);
  });

  it.skipIf(!hasAwsCliV2)('AWS CLI v2 through HTTP_PROXY', async () => {
    const server = await startTestServer();
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: ACCOUNT_A.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ACCOUNT_A.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      HTTP_PROXY: server.url,
      NO_PROXY: '',
      no_proxy: '',
    };
    const endpoint = ['--endpoint-url', `http://localhost:${server.port}`, '--account-id', ACCOUNT_A.accountId, '--output', 'json'];
    const created = JSON.parse(
      await run(
        AWS_CLI_V2,
        [
          's3control', 'create-job', ...endpoint, '--no-confirmation-required', '--priority', '10',
          '--role-arn', `arn:aws:iam::${ACCOUNT_A.accountId}:role/batch`,
          '--operation', '{"S3PutObjectTagging":{"TagSet":[{"Key":"project","Value":"blue"}]}}',
          '--manifest', '{"Spec":{"Format":"S3BatchOperations_CSV_20180820","Fields":["Bucket","Key"]},"Location":{"ObjectArn":"arn:aws:s3:::m/m.csv","ETag":"e"}}',
          '--report', '{"Enabled":false}',
        ],
        env,
      ),
    ) as { JobId: string };
    const described = JSON.parse(
      await run(AWS_CLI_V2, ['s3control', 'describe-job', ...endpoint, '--job-id', created.JobId], env),
    ) as { Job: { Status: string; ConfirmationRequired: boolean; Operation: unknown } };
    expect(described.Job).toMatchObject({
      Status: 'New',
      ConfirmationRequired: false,
      Operation: { S3PutObjectTagging: { TagSet: [{ Key: 'project', Value: 'blue' }] } },
    });
    const listed = JSON.parse(await run(AWS_CLI_V2, ['s3control', 'list-jobs', ...endpoint], env)) as {
      Jobs: Array<{ JobId: string }>;
    };
    expect(listed.Jobs.map((j) => j.JobId)).toEqual([created.JobId]);
  });
});
