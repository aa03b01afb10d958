/**
 * The copies of one local function kept for one account (their environment holds that account's
 * credentials: workers are never shared between accounts). A copy runs one invocation at a time;
 * an invocation takes an idle copy or starts one. A copy that passes the invocation's timeout is
 * killed and reported as Lambda reports a timeout; one that dies is dropped; the next invocation
 * starts a fresh one, so no other invocation is harmed. Idle copies are stopped after a while.
 */
import type { FunctionWorker, InvocationRequest, WorkerAnswer } from './worker.js';

/** How long an idle copy is kept for the next invocation. */
export const IDLE_WORKER_MS = 60_000;

export class WorkerPool {
  private readonly idle: FunctionWorker[] = [];
  private readonly live = new Set<FunctionWorker>();
  private readonly idleTimers = new Map<FunctionWorker, NodeJS.Timeout>();

  constructor(
    private readonly start: () => FunctionWorker,
    private readonly idleMs = IDLE_WORKER_MS,
  ) {}

  /** Copies alive, idle or busy. */
  get size(): number {
    return this.live.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /**
   * A copy that has loaded the function (an idle one, or a new one): resolves with it, busy, or
   * rejects with the FunctionInitError of a function that cannot be loaded.
   */
  async take(): Promise<FunctionWorker> {
    for (;;) {
      const worker = this.idle.pop();
      if (!worker) break;
      this.clearIdle(worker);
      if (worker.alive) return worker;
      this.live.delete(worker);
    }
    const worker = this.start();
    this.live.add(worker);
    try {
      await worker.ready;
    } catch (err) {
      this.live.delete(worker);
      worker.kill();
      throw err;
    }
    return worker;
  }

  /** Gives a copy back after an invocation: kept idle if it lives. */
  give(worker: FunctionWorker): void {
    if (!worker.alive) {
      this.live.delete(worker);
      return;
    }
    this.idle.push(worker);
    const timer = setTimeout(() => this.retire(worker), this.idleMs);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }

  /** Stops one idle copy (to make room for another account's); false when none is idle. */
  retireOneIdle(): boolean {
    const worker = this.idle.shift();
    if (!worker) return false;
    this.retire(worker);
    return true;
  }

  /**
   * One invocation on a copy: its answer, a timeout (the copy is killed) or a death. Rejects with
   * a FunctionInitError when the function cannot be loaded.
   */
  async run(request: InvocationRequest, timeoutMs: number, onLog: (line: string) => void): Promise<WorkerAnswer> {
    const worker = await this.take();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      worker.kill();
    }, timeoutMs);
    try {
      const answer = await worker.invoke(request, onLog);
      if (timedOut) {
        return { kind: 'functionError', errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${request.id} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` };
      }
      return answer;
    } finally {
      clearTimeout(timer);
      this.give(worker);
    }
  }

  /** Stops every copy, busy ones included (their invocations resolve as deaths). */
  killAll(): void {
    for (const worker of this.live) {
      this.clearIdle(worker);
      worker.kill();
    }
    this.live.clear();
    this.idle.length = 0;
  }

  private retire(worker: FunctionWorker): void {
    this.clearIdle(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    this.live.delete(worker);
    worker.kill();
  }

  private clearIdle(worker: FunctionWorker): void {
    const timer = this.idleTimers.get(worker);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(worker);
  }
}
