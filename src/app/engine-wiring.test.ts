import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { openLocalObjectStore } from '../object-store/local/local-object-store.js';
import type { ObjectStore } from '../object-store/object-store.js';
import { createStorePorts } from './engine-wiring.js';

const A = '111122223333';
const B = '444455556666';
const C = '777788889999';
const CREDENTIALS = `${A}:ka:sa,${B}:kb:sb,${C}:kc:sc`;

describe('createStorePorts: one S3 port per account, one HTTP client per credential set', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's3batch-wiring-'));
  let objects: ObjectStore;
  beforeAll(async () => {
    objects = await openLocalObjectStore({ dataDir: dir, region: 'us-east-1', restoreDelayMs: 0 });
  });
  afterAll(async () => {
    await objects.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shares a client between the accounts on the defaults, and gives a mapped account its own', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ storage: { accounts: { [A]: { accessKeyId: 'own-a', secretAccessKey: 'own-secret' } } } }));
    const config = loadConfig({
      S3BATCH_CREDENTIALS: CREDENTIALS,
      S3BATCH_CONFIG: file,
      S3BATCH_STORAGE_ENDPOINT: 'http://127.0.0.1:1',
      S3BATCH_STORAGE_ACCESS_KEY_ID: 'shared',
      S3BATCH_STORAGE_SECRET_ACCESS_KEY: 'shared-secret',
    });
    const ports = createStorePorts(config, objects);
    const a = ports.forAccount(A);
    // Every job of an account gets the same port, whatever the number of jobs.
    expect(ports.forAccount(A)).toBe(a);
    expect(ports.forAccount(B)).toBe(ports.forAccount(C));
    expect(ports.forAccount(B)).not.toBe(a);
    expect(ports.clientCount).toBe(2);
    ports.close();
  });

  it('gives each account its own in-process port on the embedded store, and no client', () => {
    const ports = createStorePorts(loadConfig({ S3BATCH_CREDENTIALS: CREDENTIALS }), objects);
    expect(ports.forAccount(A)).toBe(ports.forAccount(A));
    expect(ports.forAccount(A)).not.toBe(ports.forAccount(B));
    expect(ports.clientCount).toBe(0);
    ports.close();
  });
});
