import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig, parseCredentials } from './config.js';

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
