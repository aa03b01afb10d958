/**
 * The clock-skew guard of a node. Leases are stamped with each node's own clock (the JobStore
 * contract takes the caller's `nowMs`), so nodes sharing a database must agree on the time: a node
 * whose clock runs ahead would see other nodes' leases as expired and take their chunks while they
 * are still being worked on. At start and every minute the node compares its clock with the
 * database's, logs the skew, and refuses to claim chunks while it exceeds a quarter of the lease
 * (then checking again every few seconds). A store without a clock of its own (SQLite, one
 * process) is never skewed.
 */
import type { Logger } from 'pino';

import type { JobStore } from '../store/job-store.js';

export interface ClockSkewGuardOptions {
  readonly store: Pick<JobStore, 'databaseTimeMs'>;
  readonly now: () => number;
  readonly leaseMs: number;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How often to compare while the clocks agree (default 60 s). */
  readonly intervalMs?: number;
  /** How often to compare while claims are refused (default 5 s). */
  readonly retryMs?: number;
}

export interface ClockSkewGuard {
  /** Compares now (and then on its schedule). Resolves after the first comparison. */
  start(): Promise<void>;
  stop(): void;
  /** Whether this node may claim chunks: false before the first comparison and while the last one found too much skew. */
  claimsAllowed(): boolean;
  /** The last measured skew (node − database, ms), undefined before the first or without a database clock. */
  lastSkewMs(): number | undefined;
}

/** The most skew a node may have and still claim: a quarter of the lease. */
export function maxSkewMs(leaseMs: number): number {
  return leaseMs / 4;
}

export function createClockSkewGuard(options: ClockSkewGuardOptions): ClockSkewGuard {
  const limit = maxSkewMs(options.leaseMs);
  // No claim before the first comparison: a node whose clock is far ahead must not take a live
  // node's chunks in its first second.
  let checked = false;
  let allowed = true;
  let skew: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function measure(): Promise<void> {
    const before = options.now();
    let database: number | undefined;
    try {
      database = await options.store.databaseTimeMs();
    } catch (err) {
      // The database being away is not skew: claims fail on their own until it is back.
      options.logger.warn({ err: (err as Error).message }, 'clock check: the database did not answer; trying again later');
      return;
    }
    checked = true;
    if (database === undefined) return;
    const after = options.now();
    // The database read its clock somewhere between the two readings of ours: compare with the middle.
    skew = Math.round((before + after) / 2 - database);
    const wasAllowed = allowed;
    allowed = Math.abs(skew) <= limit;
    const fields = { skewMs: skew, maxSkewMs: limit, roundTripMs: after - before };
    if (!allowed) {
      options.logger.error(fields, 'clock check: this node\'s clock differs from the database\'s by more than a quarter of the lease; it claims no chunks until the clocks agree (synchronise it with NTP)');
    } else if (!wasAllowed) {
      options.logger.info(fields, 'clock check: the clocks agree again; claiming chunks');
    } else {
      options.logger.info(fields, 'clock check');
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(
      () => void measure().finally(schedule),
      checked && allowed ? (options.intervalMs ?? 60_000) : (options.retryMs ?? 5_000),
    );
    timer.unref();
  }

  return {
    async start() {
      stopped = false;
      await measure();
      schedule();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    claimsAllowed: () => checked && allowed,
    lastSkewMs: () => skew,
  };
}
