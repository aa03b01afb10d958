import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { assertTransition, canTransition, IllegalTransitionError, JOB_TRANSITIONS } from './job-lifecycle.js';
import { decideStatusRequest, isTerminal, JOB_STATUSES, REQUESTED_JOB_STATUSES, type JobStatus } from './job-status.js';

/** The edges of the README's state diagram (`A --> B`, without the [*] start and end). */
function readmeEdges(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /```mermaid\n(stateDiagram-v2\n[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no mermaid stateDiagram-v2 block');
  return [...block.matchAll(/^\s*(\w+) --> (\w+)/gm)].map((m) => `${m[1]} → ${m[2]}`).sort();
}

describe('the job lifecycle table', () => {
  it('is the README state diagram, edge for edge', () => {
    const table = JOB_STATUSES.flatMap((from) => JOB_TRANSITIONS[from].map((to) => `${from} → ${to}`)).sort();
    expect(readmeEdges()).toEqual(table);
  });

  it('holds every move UpdateJobStatus makes', () => {
    for (const status of JOB_STATUSES) {
      for (const requested of REQUESTED_JOB_STATUSES) {
        const outcome = decideStatusRequest(status, requested);
        if (outcome.kind === 'transition') expect(canTransition(status, outcome.to), `${status} + ${requested}`).toBe(true);
      }
    }
  });

  it('lets terminal statuses go nowhere and every other status somewhere; no status moves to itself', () => {
    for (const status of JOB_STATUSES) {
      expect(JOB_TRANSITIONS[status].length === 0).toBe(isTerminal(status));
      expect(canTransition(status, status)).toBe(false);
    }
  });

  it('names the allowed moves when it refuses one', () => {
    expect(() => assertTransition('j1', 'Ready', 'Complete')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('j1', 'Ready', 'Complete')).toThrow('Job j1 cannot move from Ready to Complete: the lifecycle allows Ready → Active, Cancelled');
    expect(() => assertTransition('j1', 'Complete' as JobStatus, 'Active')).toThrow('(nothing: it is terminal)');
    expect(() => assertTransition('j1', 'Ready', 'Active')).not.toThrow();
  });
});
