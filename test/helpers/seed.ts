/**
 * Seeded randomness for tests whose random choices (kill points, faults, generated keys) must be
 * replayable: one PRNG (mulberry32, src/manifests/test-support.ts's `prng`), and the seed of a run
 * taken from an environment variable when it is set, else drawn fresh. A test puts the seed in
 * its name, so that a failed run prints it; `NAME=<seed> npx vitest run <file>` replays it.
 */
import { prng } from '../../src/manifests/test-support.js';

export { prng };

/** The seed in `process.env[name]` (a non-negative integer), or a fresh one. */
export function seedFrom(name: string): number {
  const given = process.env[name];
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 32);
  if (!/^\d+$/.test(given) || Number(given) >= 2 ** 32) throw new Error(`${name} must be an integer in [0, 2^32), not ${JSON.stringify(given)}`);
  return Number(given);
}
