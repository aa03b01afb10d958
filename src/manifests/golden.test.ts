import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { JobManifest } from '../domain/job-spec.js';
import { prepareManifest, readChunk, type ManifestTask, type PreparedManifest } from './index.js';
import { MemoryS3 } from './test-support.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/manifests/${name}`, import.meta.url));
const json = (name: string): unknown => JSON.parse(fixture(name).toString('utf8'));

async function allTasks(manifest: JobManifest, prepared: PreparedManifest, s3: MemoryS3): Promise<ManifestTask[]> {
  return (await Promise.all(prepared.chunks.map((c) => readChunk(manifest, prepared, c, s3)))).flat();
}

describe('golden manifests (test/fixtures/manifests)', () => {
  it('csv-tricky.csv: BOM, CRLF, blank lines, quoted fields over two lines, URL-encoded keys, null and empty versions, no final newline', async () => {
    const s3 = new MemoryS3(['manifests']);
    const { etag } = s3.put('manifests', 'csv-tricky.csv', fixture('csv-tricky.csv'));
    const manifest: JobManifest = {
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
      Location: { ObjectArn: 'arn:aws:s3:::manifests/csv-tricky.csv', ETag: etag },
    };
    for (const chunkSize of [1, 3, 1000]) {
      const prepared = await prepareManifest(manifest, s3, { chunkSize });
      expect(prepared.totalTasks).toBe(8);
      expect(await allTasks(manifest, prepared, s3)).toEqual(json('csv-tricky.tasks.json'));
    }
  });

  it('inventory/: an S3 Inventory manifest.json with two gzipped data files', async () => {
    const s3 = new MemoryS3(['example-inventory-destination-bucket']);
    const doc = json('inventory/manifest.json') as { files: Array<{ key: string; size: number; MD5checksum: string }> };
    doc.files.forEach((file, i) => {
      const gz = gzipSync(fixture(`inventory/data-${i}.csv`));
      s3.put('example-inventory-destination-bucket', file.key, gz);
      file.size = gz.length;
      file.MD5checksum = createHash('md5').update(gz).digest('hex');
    });
    const key = 'Inventory/example-source-bucket/2016-11-06T21-32Z/manifest.json';
    const { etag } = s3.put('example-inventory-destination-bucket', key, JSON.stringify(doc, null, 2));
    const manifest: JobManifest = {
      Spec: { Format: 'S3InventoryReport_CSV_20161130' },
      Location: { ObjectArn: `arn:aws:s3:::example-inventory-destination-bucket/${key}`, ETag: etag },
    };
    for (const chunkSize of [1, 2, 1000]) {
      const prepared = await prepareManifest(manifest, s3, { chunkSize });
      expect(prepared.totalTasks).toBe(4);
      expect(await allTasks(manifest, prepared, s3)).toEqual(json('inventory.tasks.json'));
    }
  });
});
