/**
 * Concurrency limits: a semaphore whose limit may change while it is held (each job's own limit,
 * which SlowDown halves and successes slowly restore), and the node's task slots, shared fairly
 * between accounts and, within an account, between its jobs (FairPool).
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private limit_: number) {}

  get limit(): number {
    return this.limit_;
  }

  set limit(value: number) {
    this.limit_ = Math.max(1, Math.floor(value));
    this.drain();
  }

  acquire(): Promise<void> {
    if (this.active < this.limit_) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.active--;
    this.drain();
  }

  private drain(): void {
    while (this.active < this.limit_ && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!();
    }
  }
}

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
 * The node's task slots (S3BATCH_CONCURRENCY), shared max-min fairly: a slot that frees goes to
 * the account, among those with tasks waiting, that holds the fewest slots, and within it to the
 * job holding the fewest. Accounts that keep tasks waiting end up with equal shares; one that
 * needs fewer leaves its rest to the others; a slot never idles while a task waits. An account's
 * share does not grow with the number of its jobs, so no account's many or slow tasks (a Lambda
 * that takes seconds) can starve another's. Priorities do not enter: they order the jobs of one
 * account (reference §5.4), and which jobs run is the scheduler's choice (engine.ts).
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

/**
 * AIMD on a job's concurrency: halve on SlowDown (at most once per `coolMs`, so that one burst
 * of throttled replies does not collapse it to 1), +1 after every `recoverAfter` successes.
 */
export class AdaptiveLimit {
  private successes = 0;
  private lastCut = -Infinity;
  constructor(
    readonly semaphore: Semaphore,
    private readonly max: number,
    private readonly now: () => number,
    private readonly coolMs = 100,
    private readonly recoverAfter = 50,
  ) {}

  throttled(): void {
    const t = this.now();
    if (t - this.lastCut < this.coolMs) return;
    this.lastCut = t;
    this.successes = 0;
    this.semaphore.limit = Math.max(1, Math.floor(this.semaphore.limit / 2));
  }

  succeeded(): void {
    if (this.semaphore.limit >= this.max || ++this.successes < this.recoverAfter) return;
    this.successes = 0;
    this.semaphore.limit = this.semaphore.limit + 1;
  }
}

/**
 * Keeps the event loop turning while tasks resolve without real I/O (the in-process store answers
 * from synchronous SQLite calls, so a job's promise chains could run for a whole chunk before an
 * incoming request is even read). A task calls `maybeYield()` before it starts: once `sliceMs` of
 * uninterrupted work has passed, it waits for a setImmediate, i.e. until pending I/O — the API's
 * requests — has been served. Measured with `npm run bench` (20,000 tasks, 2 CPUs): DescribeJob
 * while an in-process job runs flat out went from p50 47.8 / p99 53.4 ms (about one chunk's run)
 * to p50 6.4 / p99 14.7 ms; the job ran at 33,500 tasks/s before and 30,300 after (one run each).
 */
export class EventLoopYield {
  private sliceStart = performance.now();
  private waiting: Promise<void> | undefined;

  constructor(private readonly sliceMs = 4) {}

  maybeYield(): Promise<void> | undefined {
    if (this.waiting) return this.waiting;
    if (performance.now() - this.sliceStart < this.sliceMs) return undefined;
    this.waiting = new Promise<void>((resolve) =>
      setImmediate(() => {
        this.waiting = undefined;
        this.sliceStart = performance.now();
        resolve();
      }),
    );
    return this.waiting;
  }
}
