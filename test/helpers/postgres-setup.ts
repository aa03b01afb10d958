/**
 * Vitest global setup: the PostgreSQL the test files share (see postgres.ts). The server at
 * S3BATCH_TEST_DATABASE_URL, else 127.0.0.1:5432 if it answers, else a throwaway one started here
 * and stopped when the run ends — so `npm ci && npm test` needs only Debian's postgresql package.
 */
import type { TestProject } from 'vitest/node';

import { postgresAnswers, SHARED_POSTGRES_URL, startThrowawayPostgres, type ThrowawayPostgres } from './postgres-server.js';

let throwaway: ThrowawayPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  const wanted = process.env.S3BATCH_TEST_DATABASE_URL;
  if (wanted) {
    project.provide('postgresUrl', wanted);
    return;
  }
  if (await postgresAnswers(SHARED_POSTGRES_URL)) {
    project.provide('postgresUrl', SHARED_POSTGRES_URL);
    return;
  }
  throwaway = await startThrowawayPostgres();
  project.provide('postgresUrl', throwaway.url);
}

export async function teardown(): Promise<void> {
  await throwaway?.destroy();
}
