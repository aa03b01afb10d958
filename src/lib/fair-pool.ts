/**
 * Slots shared max-min fairly between groups, then between the members of a group: the engine's
 * task slots by account, then job (S3BATCH_CONCURRENCY), and a Lambda function's workers by
 * account. See FairPool.
 */

interface JobShare {
  held: number;
  readonly waiters: Array<() => void>;
}

interface AccountShare {
  held: number;
  /** Tasks of the account's jobs waiting for a slot. */
  waiting: number;
  readonly jobs: Map<string, JobShare>;
}

/**
 * Slots shared max-min fairly. With the node's task slots (S3BATCH_CONCURRENCY, engine.ts): a
 * slot that frees goes to the account, among those with tasks waiting, that holds the fewest
 * slots, and within it to the job holding the fewest. Accounts that keep tasks waiting end up
 * with equal shares; one that needs fewer leaves its rest to the others; a slot never idles while
 * a task waits. An account's share does not grow with the number of its jobs, so no account's many
 * or slow tasks (a Lambda that takes seconds) can starve another's. Priorities do not enter: they
 * order the jobs of one account (reference §5.4), and which jobs run is the scheduler's choice.
 */
export class FairPool {
  private active = 0;
  private waiting = 0;
  private readonly accounts = new Map<string, AccountShare>();
  /** Accounts with a task waiting: the only ones a freed slot can go to. */
  private readonly hungry = new Set<AccountShare>();

  constructor(readonly limit: number) {}

  /** Resolves when `job` of `account` holds a slot; give it back with release(account, job). */
  acquire(account: string, job: string): Promise<void> {
    let a = this.accounts.get(account);
    if (!a) this.accounts.set(account, (a = { held: 0, waiting: 0, jobs: new Map() }));
    let j = a.jobs.get(job);
    if (!j) a.jobs.set(job, (j = { held: 0, waiters: [] }));
    if (this.active < this.limit) {
      this.active++;
      a.held++;
      j.held++;
      return Promise.resolve();
    }
    const share = j;
    a.waiting++;
    this.waiting++;
    this.hungry.add(a);
    return new Promise((resolve) => share.waiters.push(resolve));
  }

  release(account: string, job: string): void {
    const a = this.accounts.get(account);
    const j = a?.jobs.get(job);
    if (!a || !j || j.held === 0) throw new Error(`FairPool: ${account}/${job} holds no slot`);
    this.active--;
    a.held--;
    j.held--;
    if (j.held === 0 && j.waiters.length === 0) a.jobs.delete(job);
    if (a.held === 0 && a.jobs.size === 0) this.accounts.delete(account);
    this.grant();
  }

  /** Slots held by an account (tests, metrics). */
  heldBy(account: string): number {
    return this.accounts.get(account)?.held ?? 0;
  }

  private grant(): void {
    while (this.active < this.limit && this.waiting > 0) {
      const a = fewest(this.hungry);
      let j: JobShare | undefined;
      for (const share of a.jobs.values()) if (share.waiters.length > 0 && (!j || share.held < j.held)) j = share;
      if (!j) throw new Error('FairPool: an account waits without a waiting job');
      const resolve = j.waiters.shift()!;
      if (--a.waiting === 0) this.hungry.delete(a);
      this.waiting--;
      this.active++;
      a.held++;
      j.held++;
      resolve();
    }
  }
}

function fewest(accounts: ReadonlySet<AccountShare>): AccountShare {
  let best: AccountShare | undefined;
  for (const a of accounts) if (!best || a.held < best.held) best = a;
  if (!best) throw new Error('FairPool: tasks wait but no account does');
  return best;
}
