/**
 * What `serve` and `worker` share: start the node, print an operator's mistake (ConfigError: exit
 * 2; StartupError: exit 1) as one line — anything else is a bug and keeps its stack — and stop
 * cleanly on SIGINT/SIGTERM.
 */
import type { Logger } from 'pino';
import { StartupError } from '../app/startup-error.js';
import { ConfigError } from '../config/config.js';

export async function runNode(start: () => Promise<{ readonly logger: Logger; close(): Promise<void> }>): Promise<void> {
  let node;
  try {
    node = await start();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`s3batch: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof StartupError) {
      console.error(`s3batch: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const running = node;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        running.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
