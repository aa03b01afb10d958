/** `s3batch serve`: the all-in-one server (what `npm start` runs), stopped cleanly by SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { runNode } from './run-node.js';
import { startServer } from '../app/server.js';

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the server: S3 Control jobs API, embedded S3 store, engine and dashboard on one port')
    .option('-p, --port <port>', 'port to listen on (overrides S3BATCH_PORT)')
    .option('-H, --host <host>', 'address to listen on (overrides S3BATCH_HOST)')
    .option('-d, --data-dir <dir>', 'state directory (overrides S3BATCH_DATA_DIR)')
    .addHelpText('after', '\nExamples:\n  s3batch serve\n  S3BATCH_PORT=9191 s3batch serve --data-dir /var/lib/s3batch\n')
    .action(async (opts: { port?: string; host?: string; dataDir?: string }) => {
      const env = { ...process.env };
      if (opts.port !== undefined) env.S3BATCH_PORT = opts.port;
      if (opts.host !== undefined) env.S3BATCH_HOST = opts.host;
      if (opts.dataDir !== undefined) env.S3BATCH_DATA_DIR = opts.dataDir;
      await runNode(() => startServer(loadConfig(env)));
    });
}
