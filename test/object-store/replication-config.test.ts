/**
 * Put/Get/DeleteBucketReplication on the embedded store through the AWS SDK v3 and boto3 over real
 * HTTP: what is put reads back the same, S3's refusals with S3's codes, and the replica headers
 * of s3batch's extension refused unless signed.
 */
import {
  CreateBucketCommand,
  DeleteBucketReplicationCommand,
  GetBucketReplicationCommand,
  HeadObjectCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type ReplicationConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_A, REGION, startTestServer } from '../helpers/server.js';
import { hasBoto3, runPython } from '../helpers/python.js';
import { errorOf, s3Client } from './helpers.js';

const ROLE = 'arn:aws:iam::111122223333:role/replication';

async function versioned(s3: S3Client, ...buckets: string[]): Promise<void> {
  for (const Bucket of buckets) {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
}

const put = (s3: S3Client, Bucket: string, config: ReplicationConfiguration) =>
  s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: config }));

describe('bucket replication configuration', () => {
  it('reads back what was put (filters by prefix, tag and And; priorities; account; storage class), and is deleted', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await versioned(s3, 'src', 'dst', 'dst2');
    const none = await errorOf(s3.send(new GetBucketReplicationCommand({ Bucket: 'src' })));
    expect([none.name, none.status]).toEqual(['ReplicationConfigurationNotFoundError', 404]);
    const config: ReplicationConfiguration = {
      Role: ROLE,
      Rules: [
        {
          ID: 'logs',
          Priority: 1,
          Status: 'Enabled',
          Filter: { Prefix: 'logs/' },
          DeleteMarkerReplication: { Status: 'Enabled' },
          Destination: { Bucket: 'arn:aws:s3:::dst', StorageClass: 'STANDARD_IA' },
        },
        {
          ID: 'blue',
          Priority: 2,
          Status: 'Enabled',
          Filter: { And: { Prefix: 'logs/', Tags: [{ Key: 'team', Value: 'blue' }, { Key: 'x', Value: 'y' }] } },
          DeleteMarkerReplication: { Status: 'Disabled' },
          Destination: { Bucket: 'arn:aws:s3:::dst2', Account: '111122223333', AccessControlTranslation: { Owner: 'Destination' } },
        },
        {
          ID: 'tagged',
          Priority: 3,
          Status: 'Disabled',
          Filter: { Tag: { Key: 'k', Value: 'v' } },
          DeleteMarkerReplication: { Status: 'Disabled' },
          Destination: { Bucket: 'arn:aws:s3:::dst' },
        },
      ],
    };
    await put(s3, 'src', config);
    const got = await s3.send(new GetBucketReplicationCommand({ Bucket: 'src' }));
    expect(got.ReplicationConfiguration).toEqual(config);

    await s3.send(new DeleteBucketReplicationCommand({ Bucket: 'src' }));
    const gone = await errorOf(s3.send(new GetBucketReplicationCommand({ Bucket: 'src' })));
    expect(gone.name).toBe('ReplicationConfigurationNotFoundError');
  });

  it("refuses what S3 refuses, with S3's codes", async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await versioned(s3, 'src', 'dst');
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    const rule = {
      ID: 'r',
      Priority: 1,
      Status: 'Enabled' as const,
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Disabled' as const },
      Destination: { Bucket: 'arn:aws:s3:::dst' },
    };
    const refusal = async (Bucket: string, config: ReplicationConfiguration) => {
      const e = await errorOf(put(s3, Bucket, config));
      return [e.name, e.status, e.message];
    };
    expect(await refusal('plain', { Role: ROLE, Rules: [rule] })).toEqual([
      'InvalidRequest',
      400,
      "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
    ]);
    expect((await refusal('src', { Role: ROLE, Rules: [{ ...rule, Destination: { Bucket: 'arn:aws:s3:::plain' } }] })).slice(0, 2)).toEqual([
      'InvalidRequest',
      400,
    ]);
    expect((await refusal('src', { Role: ROLE, Rules: [{ ...rule, Destination: { Bucket: 'arn:aws:s3:::nowhere' } }] }))[2]).toMatch(
      /^Destination bucket must exist/,
    );
    expect((await refusal('src', { Role: ROLE, Rules: [{ ...rule, Destination: { Bucket: 'dst' } }] })).slice(0, 2)).toEqual(['InvalidArgument', 400]);
    expect((await refusal('src', { Role: ROLE, Rules: [rule, { ...rule, ID: 'r2' }] }))[2]).toMatch(/same priority 1/);
    expect((await refusal('src', { Role: ROLE, Rules: [rule, { ...rule, Priority: 2 }] }))[0]).toBe('InvalidArgument');
    expect((await refusal('src', { Role: ROLE, Rules: [{ ...rule, DeleteMarkerReplication: undefined }] }))[2]).toMatch(/DeleteMarkerReplication must be specified/);
    expect(
      (await refusal('src', { Role: ROLE, Rules: [{ ...rule, Filter: { Tag: { Key: 'a', Value: 'b' } }, DeleteMarkerReplication: { Status: 'Enabled' } }] }))[2],
    ).toMatch(/not supported if any Tag filter/);
    expect((await refusal('src', { Role: 'nobody', Rules: [rule] }))[0]).toBe('InvalidArgument');
    expect((await refusal('src', { Role: ROLE, Rules: [{ ...rule, Destination: { Bucket: 'arn:aws:s3:::src' } }] }))[2]).toMatch(/same as the source/);
    expect((await refusal('src', { Role: ROLE, Rules: [{ ...rule, Destination: { Bucket: 'arn:aws:s3:::dst', Account: '12' } }] }))[0]).toBe('InvalidArgument');

    // A replicated bucket keeps its versioning.
    await put(s3, 'src', { Role: ROLE, Rules: [rule] });
    const suspend = await errorOf(s3.send(new PutBucketVersioningCommand({ Bucket: 'src', VersioningConfiguration: { Status: 'Suspended' } })));
    expect([suspend.name, suspend.status]).toEqual(['InvalidBucketState', 409]);
  });

  it('takes the replica headers only signed in the Authorization header, and shows x-amz-replication-status', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await versioned(s3, 'dst');
    const unsigned = s3Client(server);
    // Added after signing: the server sees them, the signature does not cover them.
    unsigned.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['x-s3batch-replication-status'] = 'REPLICA';
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    const e = await errorOf(unsigned.send(new PutObjectCommand({ Bucket: 'dst', Key: 'k', Body: 'x' })));
    expect([e.name, e.status]).toEqual(['AccessDenied', 403]);

    // Added before signing: signed, so taken — the replica keeps the given version id, marked REPLICA.
    const replicating = (versionId: string, status = 'REPLICA'): S3Client => {
      const c = s3Client(server);
      c.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers: Record<string, string> };
          request.headers['x-s3batch-replication-status'] = status;
          request.headers['x-s3batch-replica-version-id'] = versionId;
          return next(args);
        },
        { step: 'build' },
      );
      return c;
    };
    const put1 = await replicating('v-source-1').send(new PutObjectCommand({ Bucket: 'dst', Key: 'k', Body: 'one' }));
    expect(put1.VersionId).toBe('v-source-1');
    await replicating('v-source-1').send(new PutObjectCommand({ Bucket: 'dst', Key: 'k', Body: 'again' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'k', VersionId: 'v-source-1' }));
    expect([head.ReplicationStatus, head.ContentLength]).toEqual(['REPLICA', 5]);
    const own = await s3.send(new PutObjectCommand({ Bucket: 'dst', Key: 'mine', Body: 'x' }));
    const replace = await errorOf(replicating(own.VersionId ?? '').send(new PutObjectCommand({ Bucket: 'dst', Key: 'mine', Body: 'y' })));
    expect([replace.name, replace.status]).toEqual(['InvalidRequest', 400]);
    const bad = await errorOf(replicating('v1', 'COMPLETED').send(new PutObjectCommand({ Bucket: 'dst', Key: 'k', Body: 'y' })));
    expect([bad.name, bad.status]).toEqual(['InvalidArgument', 400]);
    const nul = await errorOf(replicating('null').send(new PutObjectCommand({ Bucket: 'dst', Key: 'k', Body: 'y' })));
    expect([nul.name, nul.status]).toEqual(['InvalidArgument', 400]);
  });

  it.skipIf(!hasBoto3)('works from boto3', async () => {
    const server = await startTestServer();
    const s3 = s3Client(server);
    await versioned(s3, 'src', 'dst');
    const script = `
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="${REGION}", aws_access_key_id="${ACCOUNT_A.accessKeyId}", aws_secret_access_key="${ACCOUNT_A.secretAccessKey}")
s3.put_bucket_replication(Bucket="src", ReplicationConfiguration={"Role": "${ROLE}", "Rules": [
  {"ID": "a", "Priority": 5, "Status": "Enabled", "Filter": {"Prefix": "p/"}, "DeleteMarkerReplication": {"Status": "Disabled"},
   "Destination": {"Bucket": "arn:aws:s3:::dst"}}]})
got = s3.get_bucket_replication(Bucket="src")["ReplicationConfiguration"]
try:
  s3.put_bucket_replication(Bucket="src", ReplicationConfiguration={"Role": "${ROLE}", "Rules": [
    {"ID": "a", "Priority": 5, "Status": "Enabled", "Filter": {"Prefix": "p/"}, "Destination": {"Bucket": "arn:aws:s3:::dst"}}]})
  err = None
except s3.exceptions.ClientError as e:
  err = e.response["Error"]["Code"]
print(json.dumps({"got": got, "err": err}))
`;
    const out = JSON.parse(await runPython(script, [server.url])) as { got: unknown; err: string };
    expect(out.got).toEqual({
      Role: ROLE,
      Rules: [{ ID: 'a', Priority: 5, Status: 'Enabled', Filter: { Prefix: 'p/' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::dst' } }],
    });
    expect(out.err).toBe('InvalidRequest');
  });
});
