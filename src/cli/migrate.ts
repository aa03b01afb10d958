/**
 * `s3batch migrate`: brings the job store's schema up to date and exits — the PostgreSQL schema
 * named by S3BATCH_DATABASE_URL / S3BATCH_DATABASE_SCHEMA, or the SQLite file in the data dir.
 * Nodes migrate at start-up too (safely, under an advisory lock); running this alone first lets an
 * upgrade fail before any node stops.
 */
import type { Command } from 'commander';
import { migrateJobStore } from '../app/job-store.js';
import { loadConfig } from '../config/config.js';
import { exitOnOperatorError } from './run-node.js';

export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('bring the job store schema up to date (PostgreSQL with S3BATCH_DATABASE_URL, else SQLite in the data dir) and exit')
    .option('-d, --data-dir <dir>', 'state directory, for SQLite (overrides S3BATCH_DATA_DIR)')
    .addHelpText('after', '\nExamples:\n  S3BATCH_DATABASE_URL=postgres://s3batch@db.internal/s3batch s3batch migrate\n  s3batch migrate --data-dir /var/lib/s3batch\n')
    .action(async (opts: { dataDir?: string }) => {
      const env = { ...process.env };
      if (opts.dataDir !== undefined) env.S3BATCH_DATA_DIR = opts.dataDir;
      try {
        console.log(await migrateJobStore(loadConfig(env)));
      } catch (err) {
        exitOnOperatorError(err);
      }
    });
}
