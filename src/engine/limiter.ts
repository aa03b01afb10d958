/**
 * Concurrency limits: a semaphore whose limit may change while it is held (each job's own limit,
 * which SlowDown halves and successes slowly restore). The node's task slots, shared fairly
 * between accounts, are lib/fair-pool.ts.
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
