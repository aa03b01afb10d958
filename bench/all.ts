/**
 * `npm run bench`: the store bench, then the engine bench, then the preparation bench, then the
 * checksum bench, then the replication bench, then the generated-manifest bench, each in its own process (one after the other, so that they do not compete for
 * the CPUs they measure).
 * Extra arguments (e.g. --quick) go to each.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const viteNode = path.resolve(here, '../node_modules/vite-node/vite-node.mjs');
for (const bench of ['object-store.ts', 'engine.ts', 'prepare.ts', 'checksum.ts', 'replicate.ts', 'generate.ts']) {
  const { status } = spawnSync(process.execPath, [viteNode, path.join(here, bench), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`bench/${bench} exited with ${status}`);
    process.exit(status ?? 1);
  }
}
