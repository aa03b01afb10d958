/**
 * Where the s3batch CLI's requests go and as whom — resolved the same way for a local server, a
 * remote s3batch cluster and AWS itself (the order is external contract, CONTRACT "CLI" in the
 * README):
 * - endpoint: `--endpoint`, `S3BATCH_ENDPOINT`, `AWS_ENDPOINT_URL_S3_CONTROL`, then the local
 *   default; the word `aws` means AWS's own endpoints;
 * - account: `--account-id`, `S3BATCH_ACCOUNT_ID`, then STS `GetCallerIdentity` asked of the
 *   endpoint (an s3batch server answers it for its own keys);
 * - credentials: flags, then the AWS SDK's provider chain (environment, shared files, profile), and
 *   the built-in local key only when talking to the default local endpoint.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9090';
/** The server's built-in account (S3BATCH_CREDENTIALS' default), accepted only on loopback. */
export const BUILT_IN = { accountId: '123456789012', accessKeyId: 's3batch', secretAccessKey: 's3batch-secret' } as const;
/** s3batch's default region (S3BATCH_REGION), for endpoints that are not AWS. */
const DEFAULT_REGION = 'us-east-1';

export interface ConnectionOptions {
  readonly endpoint?: string;
  /** Where S3 calls (manifests, reports) go when the store is not the jobs endpoint. */
  readonly s3Endpoint?: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export interface Connection {
  /** The jobs endpoint as given (`aws` for AWS's own). */
  readonly endpoint: string;
  readonly isAws: boolean;
  /** True for the default local endpoint (no flag or variable named one). */
  readonly isDefaultLocal: boolean;
  readonly region: string | undefined;
  readonly control: S3ControlClient;
  readonly s3: S3Client;
  /** The account of the jobs (resolved once). */
  accountId(): Promise<string>;
  destroy(): void;
}

export function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const given = options.endpoint ?? nonEmpty(env.S3BATCH_ENDPOINT) ?? nonEmpty(env.AWS_ENDPOINT_URL_S3_CONTROL);
  const endpoint = given ?? DEFAULT_ENDPOINT;
  const isAws = endpoint === 'aws' || /^https:\/\/([^/]+\.)?amazonaws\.com(\.cn)?\/?$/.test(endpoint);
  if (!isAws) checkEndpoint(endpoint, '--endpoint');
  const s3Endpoint = options.s3Endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? (isAws ? undefined : endpoint);
  if (s3Endpoint !== undefined) checkEndpoint(s3Endpoint, '--s3-endpoint');
  const isDefaultLocal = given === undefined;
  // The SDK's EC2 instance-metadata lookup waits for a metadata service that only exists on EC2:
  // off the endpoint is not AWS's, the chain would hang there before failing.
  if (!isAws) env.AWS_EC2_METADATA_DISABLED ??= 'true';
  const region = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (isAws ? undefined : DEFAULT_REGION);
  const credentials = credentialsFor(options, isDefaultLocal);
  const common = {
    ...(region !== undefined ? { region } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    credentials,
  };
  const control = new S3ControlClient({
    ...common,
    // The SDK puts the account id in front of the host (`123456789012.localhost`), which does not
    // resolve off AWS: the endpoint is used as given.
    ...(isAws ? {} : { endpointProvider: () => ({ url: new URL(withSlash(endpoint)) }) }),
  });
  const s3 = new S3Client({ ...common, ...(s3Endpoint !== undefined ? { endpoint: s3Endpoint, forcePathStyle: !isAws } : {}) });
  let account: Promise<string> | undefined;
  const explicitAccount = options.accountId ?? nonEmpty(env.S3BATCH_ACCOUNT_ID);
  if (explicitAccount !== undefined && !/^\d{12}$/.test(explicitAccount)) {
    throw new ConnectionError(`--account-id must be a 12-digit AWS account id, not "${explicitAccount}"`);
  }
  return {
    endpoint,
    isAws,
    isDefaultLocal,
    region,
    control,
    s3,
    accountId() {
      account ??= explicitAccount !== undefined ? Promise.resolve(explicitAccount) : callerAccount(common, isAws ? undefined : endpoint);
      return account;
    },
    destroy() {
      control.destroy();
      s3.destroy();
    },
  };
}

async function callerAccount(common: ConstructorParameters<typeof STSClient>[0], endpoint: string | undefined): Promise<string> {
  const sts = new STSClient({ ...common, ...(endpoint !== undefined ? { endpoint } : {}) });
  try {
    const { Account } = await sts.send(new GetCallerIdentityCommand({}));
    if (Account === undefined) throw new ConnectionError('STS GetCallerIdentity answered no account: set --account-id or S3BATCH_ACCOUNT_ID');
    return Account;
  } finally {
    sts.destroy();
  }
}

function credentialsFor(options: ConnectionOptions, isDefaultLocal: boolean): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
    throw new ConnectionError('--access-key-id and --secret-access-key go together: give both, or neither');
  }
  if (options.accessKeyId !== undefined && options.secretAccessKey !== undefined) {
    return {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken !== undefined ? { sessionToken: options.sessionToken } : {}),
    };
  }
  const chain = defaultProvider(options.profile !== undefined ? { profile: options.profile } : {});
  let resolved: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    resolved ??= chain().catch((err: unknown) => {
      // Nothing configured: the local server's built-in key, but never sent anywhere else.
      if (isDefaultLocal && options.profile === undefined && (err as { name?: string }).name === 'CredentialsProviderError') {
        return { accessKeyId: BUILT_IN.accessKeyId, secretAccessKey: BUILT_IN.secretAccessKey };
      }
      throw new ConnectionError(
        `no AWS credentials found (${(err as Error).message}): give --access-key-id and --secret-access-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile with --profile`,
      );
    });
    return resolved;
  };
}

function checkEndpoint(url: string, flag: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionError(`${flag} must be a URL such as http://127.0.0.1:9090 (or "aws"), not "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConnectionError(`${flag} must be an http:// or https:// URL, not "${url}"`);
  }
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);
const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);
