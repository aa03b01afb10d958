import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_IN, connect, DEFAULT_ENDPOINT } from './connection.js';

/** The SDK's provider chain reads process.env: each test gets an environment with no AWS setup. */
const saved = { ...process.env };
beforeEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_') || k.startsWith('S3BATCH_')) delete process.env[k];
  process.env.AWS_CONFIG_FILE = '/dev/null';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';
});
afterEach(() => {
  process.env = { ...saved };
});

describe('connect', () => {
  it('uses the built-in local key only for the default local endpoint, when nothing else is configured', async () => {
    const local = connect({});
    expect(local).toMatchObject({ endpoint: DEFAULT_ENDPOINT, isDefaultLocal: true, isAws: false, region: 'us-east-1' });
    await expect(local.control.config.credentials()).resolves.toMatchObject({ accessKeyId: BUILT_IN.accessKeyId, secretAccessKey: BUILT_IN.secretAccessKey });
    // The same server named explicitly is not the default: the built-in key is never sent there.
    const named = connect({ endpoint: DEFAULT_ENDPOINT });
    await expect(named.control.config.credentials()).rejects.toThrow(/no AWS credentials found/);
    // Configured credentials win over the built-in key, even locally.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'from-env';
    await expect(connect({}).control.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIDENV' });
    // Flags win over the environment.
    await expect(connect({ accessKeyId: 'AKIDFLAG', secretAccessKey: 's' }).control.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIDFLAG' });
  });

  it('switches the EC2 metadata lookup off for endpoints that are not AWS, and leaves it alone for AWS', () => {
    connect({ endpoint: 'http://10.0.0.1:9090' });
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('true');
    delete process.env.AWS_EC2_METADATA_DISABLED;
    const aws = connect({ endpoint: 'aws' });
    expect(aws.isAws).toBe(true);
    expect(aws.region).toBeUndefined();
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBeUndefined();
  });

  it('takes the endpoint from S3BATCH_ENDPOINT, then AWS_ENDPOINT_URL_S3_CONTROL, and refuses what is not a URL', () => {
    process.env.AWS_ENDPOINT_URL_S3_CONTROL = 'http://control.example:1';
    expect(connect({}).endpoint).toBe('http://control.example:1');
    process.env.S3BATCH_ENDPOINT = 'http://s3batch.example:2';
    expect(connect({}).endpoint).toBe('http://s3batch.example:2');
    expect(connect({ endpoint: 'http://flag.example:3' }).endpoint).toBe('http://flag.example:3');
    expect(() => connect({ endpoint: 'localhost:9090' })).toThrow(/--endpoint must be an http:\/\/ or https:\/\/ URL/);
    expect(() => connect({ accessKeyId: 'only-one' })).toThrow(/go together/);
  });
});
