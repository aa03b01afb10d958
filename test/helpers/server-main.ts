/**
 * A whole s3batch server (engine on) in its own process, configured by S3BATCH_* variables, for
 * tests that must kill it (SIGKILL) and start it again on the same data dir. Prints `{"url": …}`
 * once listening.
 */
import { createLogger } from '../../src/app/logger.js';
import { startServer } from '../../src/app/server.js';
import { loadConfig } from '../../src/config/config.js';

const server = await startServer(loadConfig(process.env), { logger: createLogger('silent') });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
