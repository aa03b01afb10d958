import { describe, expect, it } from 'vitest';
import { FairPool } from './fair-pool.js';

/** Tasks that hold a slot of `pool` until finished; `granted` lists them in the order they got it. */
function bench(pool: FairPool) {
  interface Task {
    readonly account: string;
    readonly job: string;
    running: boolean;
    done: boolean;
  }
  const granted: Task[] = [];
  return {
    granted,
    queue(account: string, job: string, n = 1): void {
      for (let i = 0; i < n; i++) {
        const task: Task = { account, job, running: false, done: false };
        void pool.acquire(account, job).then(() => {
          task.running = true;
          granted.push(task);
        });
      }
    },
    /** Finishes the running task that got its slot first (of `account`, if given). */
    finishOldest(account?: string): void {
      const task = granted.find((t) => t.running && !t.done && (account === undefined || t.account === account));
      if (!task) throw new Error('no running task to finish');
      task.done = true;
      task.running = false;
      pool.release(task.account, task.job);
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FairPool', () => {
  it('grants at once below the limit, then queues', async () => {
    const pool = new FairPool(2);
    const b = bench(pool);
    b.queue('A', 'a', 3);
    await tick();
    expect(b.granted).toHaveLength(2);
    b.finishOldest();
    await tick();
    expect(b.granted).toHaveLength(3);
  });

  it('gives a freed slot to the account holding the fewest, however many tasks another queues', async () => {
    const pool = new FairPool(4);
    const b = bench(pool);
    b.queue('A', 'big', 100);
    await tick();
    expect(pool.heldBy('A')).toBe(4);
    b.queue('B', 'small', 3);
    b.finishOldest('A');
    await tick();
    expect([pool.heldBy('A'), pool.heldBy('B')]).toEqual([3, 1]);
    b.finishOldest('A');
    await tick();
    expect([pool.heldBy('A'), pool.heldBy('B')]).toEqual([2, 2]);
    // equal shares: a slot A frees goes back to A
    b.finishOldest('A');
    await tick();
    expect([pool.heldBy('A'), pool.heldBy('B')]).toEqual([2, 2]);
    // B's third task takes the slot B frees; then B has nothing left and A takes the rest
    b.finishOldest('B');
    await tick();
    expect([pool.heldBy('A'), pool.heldBy('B')]).toEqual([2, 2]);
    b.finishOldest('B');
    b.finishOldest('B');
    await tick();
    expect([pool.heldBy('A'), pool.heldBy('B')]).toEqual([4, 0]);
  });

  it('shares an account’s slots between its jobs the same way', async () => {
    const pool = new FairPool(4);
    const b = bench(pool);
    b.queue('A', 'j1', 10);
    await tick();
    b.queue('A', 'j2', 10);
    b.finishOldest();
    b.finishOldest();
    await tick();
    expect(b.granted.slice(4).map((t) => t.job)).toEqual(['j2', 'j2']);
  });

  it('an account with five jobs gets the same share as an account with one', async () => {
    const pool = new FairPool(6);
    const b = bench(pool);
    for (let j = 0; j < 5; j++) b.queue('A', `j${j}`, 20);
    b.queue('B', 'only', 20);
    await tick();
    for (let round = 0; round < 30; round++) {
      b.finishOldest();
      await tick();
    }
    expect([pool.heldBy('A'), pool.heldBy('B')]).toEqual([3, 3]);
  });

  it('refuses a release of a slot not held', () => {
    const pool = new FairPool(1);
    expect(() => pool.release('A', 'a')).toThrow(/holds no slot/);
  });
});
