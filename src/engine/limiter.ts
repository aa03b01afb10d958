/**
 * Concurrency limits: a semaphore whose limit may change while it is held (the global pool, and
 * each job's own limit, which SlowDown halves and successes slowly restore).
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
