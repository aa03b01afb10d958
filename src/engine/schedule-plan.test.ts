import { describe, expect, it } from 'vitest';
import { EMPTY_PROGRESS, type Job } from '../domain/job.js';
import type { JobStatus } from '../domain/job-status.js';
import { planRuns, type PlanInput } from './schedule-plan.js';

let seq = 0;
function job(accountId: string, priority: number, status: JobStatus, id = `${accountId}-${priority}-${status}-${++seq}`): Job {
  return {
    id,
    accountId,
    arn: `arn:aws:s3:us-east-1:${accountId}:job/${id}`,
    status,
    priority,
    spec: {} as Job['spec'],
    tags: [],
    clientRequestToken: id,
    requestHash: id,
    createdMs: seq,
    updatedMs: seq,
    terminationMs: null,
    suspendedMs: null,
    suspendedCause: null,
    statusUpdateReason: null,
    failureReasons: [],
    confirmedEarly: false,
    progress: EMPTY_PROGRESS,
    generatedManifest: null,
  };
}

function plan(over: Partial<PlanInput>): ReturnType<typeof planRuns> {
  return planRuns({ running: [], candidates: [], here: () => false, localRuns: [], slots: 16, ...over });
}

const ids = (jobs: readonly Job[]): string[] => jobs.map((j) => j.id);

describe('planRuns', () => {
  it('runs each account’s best jobs; a lower one of the same account waits, another account’s lower one does not', () => {
    const a1 = job('A', 1000, 'Ready', 'a1');
    const a2 = job('A', 999, 'Ready', 'a2');
    const b1 = job('B', 1, 'Ready', 'b1');
    expect(ids(plan({ candidates: [a1, b1, a2] }).run)).toEqual(['a1', 'b1']);
  });

  it('pauses an account’s running job below its best, and settles a Pausing job that no longer runs here', () => {
    const low = job('A', 5, 'Active', 'low');
    const high = job('A', 9, 'Ready', 'high');
    const other = job('B', 1, 'Active', 'other');
    const pausing = job('A', 3, 'Pausing', 'pausing');
    const p = plan({ running: [low, other, pausing], candidates: [high, other, low] });
    expect(ids(p.pause)).toEqual(['low']);
    expect(ids(p.settle)).toEqual(['pausing']);
    expect(ids(p.run)).toEqual(['high', 'other']);
    // a Pausing job still winding down here is left to finish
    expect(plan({ running: [pausing], candidates: [], here: (id) => id === 'pausing' }).settle).toEqual([]);
  });

  it('gives free places to the accounts with the fewest jobs running here, round by round', () => {
    const many = Array.from({ length: 10 }, (_, i) => job('A', 5, 'Ready', `a${i}`));
    const b = [job('B', 5, 'Ready', 'b0'), job('B', 5, 'Ready', 'b1')];
    const c = job('C', 5, 'Ready', 'c0');
    const running = [job('A', 5, 'Active', 'a-running')];
    expect(ids(plan({ candidates: [...many, ...b, c], localRuns: running, slots: 5 }).run)).toEqual(['b0', 'c0', 'a0', 'b1', 'a1']);
  });

  it('never starts more than the free places, and joins an Active job before starting a Ready one', () => {
    const ready = job('A', 5, 'Ready', 'ready');
    const active = job('A', 5, 'Active', 'active');
    expect(ids(plan({ candidates: [ready, active], slots: 1 }).run)).toEqual(['active']);
    expect(plan({ candidates: [ready, active], slots: 0 }).run).toEqual([]);
    // what already runs here is not started again
    expect(ids(plan({ candidates: [ready, active], here: (id) => id === 'active', slots: 5 }).run)).toEqual(['ready']);
  });

  it('does not pause a running job of an account the scan did not reach', () => {
    const running = job('Z', 1, 'Active', 'z');
    expect(plan({ running: [running], candidates: [job('A', 9, 'Ready')] }).pause).toEqual([]);
  });
});
