import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig, parseCredentials, storageFor, type Config } from './config.js';

describe('loadConfig', () => {
  it('has the contract defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 9090, region: 'us-east-1', logLevel: 'info', databaseUrl: undefined });
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.accounts).toEqual([{ accountId: '123456789012', accessKeyId: 's3batch', secretAccessKey: 's3batch-secret' }]);
  });

  it('refuses the default credentials off loopback, naming the variable to set', () => {
    expect(() => loadConfig({ S3BATCH_HOST: '0.0.0.0' })).toThrow(/S3BATCH_CREDENTIALS/);
    expect(() => loadConfig({ S3BATCH_HOST: '10.1.2.3' })).toThrow(ConfigError);
    expect(loadConfig({ S3BATCH_HOST: '0.0.0.0', S3BATCH_CREDENTIALS: '111122223333:k:s' }).host).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '127.8.0.1', 'localhost', '::1', '[::1]']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', 'example.com', '192.168.1.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('parses credential triples and rejects malformed ones', () => {
    expect(parseCredentials('111122223333:AK1:s:with:colons, 444455556666:AK2:t')).toEqual([
      { accountId: '111122223333', accessKeyId: 'AK1', secretAccessKey: 's:with:colons' },
      { accountId: '444455556666', accessKeyId: 'AK2', secretAccessKey: 't' },
    ]);
    for (const bad of ['', '12:ak:s', '111122223333:ak', '111122223333::s', '111122223333:ak:s,444455556666:ak:t']) {
      expect(() => parseCredentials(bad), bad).toThrow(ConfigError);
    }
  });

  it('reads a config file, lets the environment win, and rejects unknown keys', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 9191, region: 'eu-west-1' }));
    expect(loadConfig({ S3BATCH_CONFIG: file })).toMatchObject({ port: 9191, region: 'eu-west-1' });
    expect(loadConfig({ S3BATCH_CONFIG: file, S3BATCH_PORT: '9292' }).port).toBe(9292);
    writeFileSync(file, JSON.stringify({ port: 1, colour: 'blue' }));
    expect(() => loadConfig({ S3BATCH_CONFIG: file })).toThrow(/Unknown key\(s\).*colour/);
    writeFileSync(file, '{not json');
    expect(() => loadConfig({ S3BATCH_CONFIG: file })).toThrow(ConfigError);
  });

  it('reads the functions section: local modules (a relative file from the config file\'s folder) and HTTP endpoints, with defaults', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-config-'));
    writeFileSync(path.join(dir, 'resize.py'), 'def lambda_handler(e, c): pass\n');
    const file = path.join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        functions: {
          resize: { file: 'resize.py', timeoutSeconds: 120, concurrency: 4, environment: { SIZE: 'small' } },
          'arn:aws:lambda:us-east-1:111122223333:function:remote:prod': { url: 'https://fn.example/invoke', headers: { 'x-token': 't' } },
        },
        functionsDir: '/srv/functions',
      }),
    );
    const config = loadConfig({ S3BATCH_CONFIG: file });
    expect(config.functions.dir).toBe('/srv/functions');
    expect(config.functions.python).toBe('python3');
    expect(config.functions.entries.get('resize')).toEqual({ kind: 'module', file: path.join(dir, 'resize.py'), handler: undefined, timeoutSeconds: 120, concurrency: 4, environment: { SIZE: 'small' } });
    expect(config.functions.entries.get('arn:aws:lambda:us-east-1:111122223333:function:remote:prod')).toEqual({ kind: 'url', url: 'https://fn.example/invoke', headers: { 'x-token': 't' }, timeoutSeconds: 60, concurrency: 8 });
    expect(loadConfig({ S3BATCH_FUNCTIONS_DIR: 'fns', S3BATCH_PYTHON: '/usr/bin/python3.11' }).functions).toMatchObject({ dir: path.resolve('fns'), python: '/usr/bin/python3.11' });
    expect(loadConfig({}).functions).toMatchObject({ dir: path.resolve('./functions'), python: 'python3' });
  });

  it('reports every problem of the functions section at once, by its path', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        functions: {
          missing: { file: 'nope.py' },
          typo: { file: 'x.mjs', handlr: 'h' },
          'bad name!': { url: 'http://x' },
          slow: { url: 'ftp://x', timeoutSeconds: 901, concurrency: 0 },
          env: { file: 'a.txt', environment: { AWS_ACCESS_KEY_ID: 'x', '1BAD': 'y', OK: 3 } },
        },
      }),
    );
    const message = (() => {
      try {
        loadConfig({ S3BATCH_CONFIG: file });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    for (const part of [
      `functions.missing.file ${path.join(dir, 'nope.py')} does not exist`,
      'functions.typo.handlr is not a known key',
      'functions.bad name!: the key must be a function name',
      'functions.slow.url must be an http:// or https:// URL',
      'functions.slow.timeoutSeconds must be an integer from 1 to 900',
      'functions.slow.concurrency must be an integer from 1 to 256',
      'functions.env.file must be a .mjs, .js, .cjs or .py file',
      'functions.env.environment.AWS_ACCESS_KEY_ID is set by s3batch',
      'functions.env.environment.1BAD is not an environment variable name',
      'functions.env.environment.OK must be a string',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('has timeouts like S3 and a connection cap, settable by variable and file key, never switched off', () => {
    expect(loadConfig({}).http).toEqual({ headersTimeoutMs: 20_000, idleTimeoutMs: 20_000, keepAliveTimeoutMs: 65_000, maxConnections: 1024 });
    expect(
      loadConfig({ S3BATCH_HEADERS_TIMEOUT_MS: '300', S3BATCH_IDLE_TIMEOUT_MS: '400', S3BATCH_KEEP_ALIVE_TIMEOUT_MS: '500', S3BATCH_MAX_CONNECTIONS: '20' }).http,
    ).toEqual({ headersTimeoutMs: 300, idleTimeoutMs: 400, keepAliveTimeoutMs: 500, maxConnections: 20 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ headersTimeoutMs: 1000, idleTimeoutMs: 2000, keepAliveTimeoutMs: 3000, maxConnections: 40 }));
    expect(loadConfig({ S3BATCH_CONFIG: file }).http).toEqual({ headersTimeoutMs: 1000, idleTimeoutMs: 2000, keepAliveTimeoutMs: 3000, maxConnections: 40 });
    expect(loadConfig({ S3BATCH_CONFIG: file, S3BATCH_IDLE_TIMEOUT_MS: '900' }).http.idleTimeoutMs).toBe(900);
    for (const name of ['S3BATCH_HEADERS_TIMEOUT_MS', 'S3BATCH_IDLE_TIMEOUT_MS', 'S3BATCH_KEEP_ALIVE_TIMEOUT_MS', 'S3BATCH_MAX_CONNECTIONS']) {
      for (const bad of ['0', '-5', '1.5', 'soon', '99999999999']) {
        expect(() => loadConfig({ [name]: bad }), `${name}=${bad}`).toThrow(new RegExp(name));
      }
    }
  });

  it('validates values', () => {
    expect(() => loadConfig({ S3BATCH_PORT: '70000' })).toThrow(/S3BATCH_PORT/);
    expect(() => loadConfig({ S3BATCH_LOG_LEVEL: 'loud' })).toThrow(/S3BATCH_LOG_LEVEL/);
    expect(() => loadConfig({ S3BATCH_REGION: 'US EAST' })).toThrow(/S3BATCH_REGION/);
  });
});

describe('the remote store: S3BATCH_STORAGE_* and the config file\'s storage section', () => {
  const A = '111122223333';
  const B = '444455556666';
  const C = '777788889999';
  const CREDENTIALS = `${A}:ka:sa,${B}:kb:sb,${C}:kc:sc`;
  /** loadConfig over a config file holding `content`, with the three accounts above. */
  const withFile = (content: unknown, env: Record<string, string> = {}): Config => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(content));
    return loadConfig({ S3BATCH_CREDENTIALS: CREDENTIALS, S3BATCH_CONFIG: file, ...env });
  };
  const problem = (content: unknown, env: Record<string, string> = {}): string => {
    try {
      withFile(content, env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error(`accepted: ${JSON.stringify(content)}`);
  };

  it('is unset by default: every account on the embedded store', () => {
    const config = loadConfig({ S3BATCH_CREDENTIALS: CREDENTIALS });
    expect(config.storage).toEqual({ endpoint: undefined, accessKeyId: undefined, secretAccessKey: undefined, region: undefined, accounts: new Map() });
    for (const id of [A, B, C]) expect(storageFor(config, id)).toEqual({ kind: 'embedded' });
  });

  it('reads the defaults from the variables, the flat file keys or storage.*, the environment first', () => {
    const env = { S3BATCH_STORAGE_ENDPOINT: 'http://env:1', S3BATCH_STORAGE_ACCESS_KEY_ID: 'ek', S3BATCH_STORAGE_SECRET_ACCESS_KEY: 'es', S3BATCH_STORAGE_REGION: 'env-1' };
    const fromEnv = { endpoint: 'http://env:1', accessKeyId: 'ek', secretAccessKey: 'es', region: 'env-1' };
    expect(loadConfig({ S3BATCH_CREDENTIALS: CREDENTIALS, ...env }).storage).toMatchObject(fromEnv);
    const flat = { storageEndpoint: 'http://flat:2', storageAccessKeyId: 'fk', storageSecretAccessKey: 'fs', storageRegion: 'flat-1' };
    expect(withFile(flat).storage).toMatchObject({ endpoint: 'http://flat:2', accessKeyId: 'fk', secretAccessKey: 'fs', region: 'flat-1' });
    expect(withFile(flat, env).storage).toMatchObject(fromEnv);
    const nested = { storage: { endpoint: 'https://nested/base/', accessKeyId: 'nk', secretAccessKey: 'ns', region: 'nested-1' } };
    expect(withFile(nested).storage).toMatchObject({ endpoint: 'https://nested/base/', accessKeyId: 'nk', secretAccessKey: 'ns', region: 'nested-1' });
    expect(withFile(nested, env).storage).toMatchObject(fromEnv);
    // Different settings may take different spellings.
    expect(withFile({ storageEndpoint: 'http://flat:2', storage: { region: 'nested-1' } }).storage).toMatchObject({ endpoint: 'http://flat:2', region: 'nested-1' });
  });

  it('refuses one setting spelled both ways in the file', () => {
    expect(problem({ storageEndpoint: 'http://a', storage: { endpoint: 'http://b' } })).toMatch(/sets both storageEndpoint and storage\.endpoint/);
    expect(problem({ storageRegion: 'r-1', storage: { region: 'r-2' } }, { S3BATCH_STORAGE_REGION: 'r-3' })).toMatch(/storageRegion and storage\.region/);
  });

  it('maps accounts to their own credentials; what an entry leaves out is the default store\'s', () => {
    const config = withFile({
      storage: {
        endpoint: 'http://store:9000',
        region: 'eu-west-1',
        accessKeyId: 'shared',
        secretAccessKey: 'shared-secret',
        accounts: {
          [A]: { accessKeyId: 'AKA', secretAccessKey: 'SA' },
          [B]: { accessKeyId: 'AKB', secretAccessKey: 'SB', endpoint: 'https://other.example/s3', region: 'ap-south-1' },
        },
      },
    });
    expect([...config.storage.accounts.keys()]).toEqual([A, B]);
    expect(storageFor(config, A)).toEqual({
      kind: 'remote',
      connection: { endpoint: 'http://store:9000', region: 'eu-west-1', accessKeyId: 'AKA', secretAccessKey: 'SA' },
    });
    expect(storageFor(config, B)).toEqual({
      kind: 'remote',
      connection: { endpoint: 'https://other.example/s3', region: 'ap-south-1', accessKeyId: 'AKB', secretAccessKey: 'SB' },
    });
    expect(storageFor(config, C)).toEqual({
      kind: 'remote',
      connection: { endpoint: 'http://store:9000', region: 'eu-west-1', accessKeyId: 'shared', secretAccessKey: 'shared-secret' },
    });
  });

  it('leaves an unmapped account without credentials when there are no defaults; the region falls back to S3BATCH_REGION', () => {
    const config = withFile({ storage: { endpoint: 'http://store:9000', accounts: { [A]: { accessKeyId: 'AKA', secretAccessKey: 'SA' } } } }, { S3BATCH_REGION: 'us-west-2' });
    expect(storageFor(config, A)).toMatchObject({ kind: 'remote', connection: { region: 'us-west-2', accessKeyId: 'AKA' } });
    expect(storageFor(config, B)).toEqual({ kind: 'unconfigured', endpoint: 'http://store:9000' });
    // An entry with its own endpoint needs no default one: the other accounts stay embedded.
    const own = withFile({ storage: { accounts: { [B]: { accessKeyId: 'AKB', secretAccessKey: 'SB', endpoint: 'http://b-store' } } } });
    expect(storageFor(own, B)).toMatchObject({ kind: 'remote', connection: { endpoint: 'http://b-store', accessKeyId: 'AKB' } });
    expect(storageFor(own, A)).toEqual({ kind: 'embedded' });
  });

  it('names every unknown key, at any depth, by its path, in one message', () => {
    const message = problem({
      storage: {
        endpoint: 'http://store',
        colour: 'blue',
        accounts: { [A]: { accessKeyId: 'AKA', secretKey: 'TOPSECRET', secretAccessKey: 'SA' }, [B]: { accessKeyId: 'AKB', secretAccessKey: 'SB', extra: { deep: 1 } } },
      },
    });
    expect(message).toContain('storage.colour is not a known key (known: endpoint, region, accessKeyId, secretAccessKey, accounts)');
    expect(message).toContain(`storage.accounts.${A}.secretKey is not a known key (known: endpoint, region, accessKeyId, secretAccessKey)`);
    expect(message).toContain(`storage.accounts.${B}.extra is not a known key`);
    expect(message).not.toContain('TOPSECRET');
    // The top level names its unknown keys too.
    expect(problem({ storage: {}, colour: {} })).toMatch(/Unknown key\(s\) in the config file .*: colour\. Known keys: .*storage, functions, replication/);
  });

  it('maps replication destinations to their endpoints (region defaulting to S3BATCH_REGION), checking each entry', () => {
    const arn = 'arn:aws:s3:::far-bucket';
    const config = withFile({ replication: { destinations: { [arn]: { endpoint: 'http://far:9000', accessKeyId: 'fk', secretAccessKey: 'FARSECRET' } } } });
    expect(config.replication.destinations.get(arn)).toEqual({ endpoint: 'http://far:9000', region: 'us-east-1', accessKeyId: 'fk', secretAccessKey: 'FARSECRET' });
    const message = problem({
      replication: {
        colour: 1,
        destinations: { 'far-bucket': { endpoint: 'http://x' }, [arn]: { endpoint: 'http://far', accessKeyId: 'k', secretAccessKey: 'FARSECRET', token: 't' } },
      },
    });
    expect(message).toContain('replication.colour is not a known key (known: destinations)');
    expect(message).toContain('replication.destinations.far-bucket: not a bucket ARN (arn:aws:s3:::bucket)');
    expect(message).toContain(`replication.destinations.${arn}.token is not a known key`);
    expect(problem({ replication: { destinations: { [arn]: { endpoint: 'http://far' } } } })).toContain(`replication.destinations.${arn}.accessKeyId is missing`);
    expect(message).not.toContain('FARSECRET');
  });

  it('checks every field of an entry, naming its path and never quoting a secret', () => {
    const cases: Array<[unknown, string]> = [
      [{ storage: 'http://store' }, 'storage must be a JSON object'],
      [{ storage: { endpoint: 'http://s', accounts: [] } }, 'storage.accounts must be a JSON object whose keys are account ids'],
      [{ storage: { endpoint: 'http://s', accounts: { '12345': { accessKeyId: 'k', secretAccessKey: 's' } } } }, 'storage.accounts.12345: "12345" is not an account id (12 digits)'],
      [{ storage: { endpoint: 'http://s', accounts: { [A]: 'k:s' } } }, `storage.accounts.${A} must be a JSON object`],
      [{ storage: { endpoint: 'http://s', accounts: { [A]: { accessKeyId: 'k' } } } }, `storage.accounts.${A}.secretAccessKey is missing`],
      [{ storage: { endpoint: 'http://s', accounts: { [A]: {} } } }, `storage.accounts.${A}.accessKeyId is missing; storage.accounts.${A}.secretAccessKey is missing`],
      [{ storage: { endpoint: 'http://s', accounts: { [A]: { accessKeyId: '', secretAccessKey: 's' } } } }, `storage.accounts.${A}.accessKeyId must be a non-empty string`],
      [{ storage: { endpoint: 'http://s', accounts: { [A]: { accessKeyId: 'k', secretAccessKey: 42 } } } }, `storage.accounts.${A}.secretAccessKey must be a non-empty string`],
      [{ storage: { endpoint: 'http://s', accounts: { [A]: { accessKeyId: 'k', secretAccessKey: 's', endpoint: 'ftp://x' } } } }, `storage.accounts.${A}.endpoint must be an http:// or https:// URL, not ftp:`],
      [{ storage: { endpoint: 'http://s', accounts: { [A]: { accessKeyId: 'k', secretAccessKey: 's', region: 'Mars 1' } } } }, `storage.accounts.${A}.region is not a region name: "Mars 1"`],
      [{ storage: { endpoint: 'store:9000:x' } }, 'storage.endpoint must be an http:// or https:// URL, not store:'],
      [{ storage: { endpoint: 'not a url' } }, 'storage.endpoint is not a URL'],
      [{ storage: { endpoint: 'http://store/?x=1' } }, 'storage.endpoint must not have a query or a fragment'],
    ];
    for (const [content, expected] of cases) expect(problem(content), JSON.stringify(content)).toContain(expected);
    const withPassword = problem({ storage: { endpoint: 'http://user:hunter2@store' } });
    expect(withPassword).toContain('storage.endpoint must not hold credentials');
    expect(withPassword).not.toContain('hunter2');
  });

  it('checks the variables and flat keys as the section, naming each', () => {
    expect(() => loadConfig({ S3BATCH_STORAGE_ENDPOINT: 'localhost:9000' })).toThrow(/^S3BATCH_STORAGE_ENDPOINT must be an http:\/\/ or https:\/\/ URL/);
    expect(() => loadConfig({ S3BATCH_STORAGE_ENDPOINT: 'http://s', S3BATCH_STORAGE_REGION: 'EU' })).toThrow(/^S3BATCH_STORAGE_REGION is not a region name/);
    expect(problem({ storageEndpoint: 'nope' })).toMatch(/^storageEndpoint \(config file\) is not a URL/);
  });

  it('refuses default credentials that are half a pair or have no store', () => {
    expect(() => loadConfig({ S3BATCH_STORAGE_ENDPOINT: 'http://s', S3BATCH_STORAGE_ACCESS_KEY_ID: 'k' })).toThrow(/go together: one is set without the other/);
    expect(() => loadConfig({ S3BATCH_STORAGE_ENDPOINT: 'http://s', S3BATCH_STORAGE_SECRET_ACCESS_KEY: 's' })).toThrow(/go together/);
    expect(() => loadConfig({ S3BATCH_STORAGE_ACCESS_KEY_ID: 'k', S3BATCH_STORAGE_SECRET_ACCESS_KEY: 's' })).toThrow(/S3BATCH_STORAGE_ENDPOINT \(storage\.endpoint\) is not/);
  });

  it('refuses an entry for an account S3BATCH_CREDENTIALS does not configure, and one with no store', () => {
    expect(problem({ storage: { endpoint: 'http://s', accounts: { '000000000000': { accessKeyId: 'k', secretAccessKey: 's' } } } })).toContain(
      'storage.accounts.000000000000 is not an account of S3BATCH_CREDENTIALS',
    );
    expect(problem({ storage: { accounts: { [A]: { accessKeyId: 'k', secretAccessKey: 's' } } } })).toContain(
      `storage.accounts.${A} gives credentials for a remote store, but neither it (endpoint) nor S3BATCH_STORAGE_ENDPOINT (storage.endpoint) names one`,
    );
  });
});
