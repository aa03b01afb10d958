/** `s3batch worker`: the engine alone, for the extra nodes of a PostgreSQL cluster (see app/worker.ts). */
import type { Command } from 'commander';
import { startWorker } from '../app/worker.js';
import { loadConfig } from '../config/config.js';
import { runNode } from './run-node.js';

export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the job engine alone (no jobs API, no embedded store) as another node of a PostgreSQL cluster')
    .option('-d, --data-dir <dir>', 'state directory: this node\'s id (overrides S3BATCH_DATA_DIR)')
    .addHelpText(
      'after',
      '\nNeeds S3BATCH_DATABASE_URL (the nodes\' shared job state) and S3BATCH_STORAGE_ENDPOINT (the store every node uses);\n' +
        'S3BATCH_WORKER_PORT serves /_s3batch/health and /_s3batch/metrics.\n\nExample:\n' +
        '  S3BATCH_DATABASE_URL=postgres://s3batch@db/s3batch S3BATCH_STORAGE_ENDPOINT=http://node1:9090 s3batch worker --data-dir /var/lib/s3batch\n',
    )
    .action(async (opts: { dataDir?: string }) => {
      const env = { ...process.env };
      if (opts.dataDir !== undefined) env.S3BATCH_DATA_DIR = opts.dataDir;
      await runNode(() => startWorker(loadConfig(env)));
    });
}
