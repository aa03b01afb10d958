/**
 * Live updates: one EventSource on the server's job events (server-sent events from the job
 * event channel), merged into TanStack Query's cache — every list row and job page shows the new
 * counts and status as they happen, with no polling. Also keeps the recent progress of each job,
 * for tasks/s and the ETA.
 */
import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { JobDetailView, JobSummaryView, JobsPage } from '../../src/dashboard/api-types.js';
import { API } from './api.js';

interface Sample {
  readonly t: number;
  readonly done: number;
}
const samples = new Map<string, Sample[]>();
const rateListeners = new Set<() => void>();
const WINDOW_MS = 10_000;

function record(job: JobSummaryView): void {
  const done = job.succeededTasks + job.failedTasks;
  const list = samples.get(job.id) ?? [];
  const now = Date.now();
  if (list.length > 0 && (list[list.length - 1] as Sample).done === done) return;
  list.push({ t: now, done });
  while (list.length > 2 && now - (list[0] as Sample).t > WINDOW_MS) list.shift();
  samples.set(job.id, list);
  for (const l of rateListeners) l();
}

/** Tasks per second over the last ~10 s of live updates, or undefined before two updates. */
export function rateOf(jobId: string): number | undefined {
  const list = samples.get(jobId);
  if (!list || list.length < 2) return undefined;
  const first = list[0] as Sample;
  const last = list[list.length - 1] as Sample;
  const seconds = (last.t - first.t) / 1000;
  return seconds > 0 ? (last.done - first.done) / seconds : undefined;
}

export function useRate(jobId: string): number | undefined {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = (): void => setTick((n) => n + 1);
    rateListeners.add(l);
    return () => {
      rateListeners.delete(l);
    };
  }, []);
  return rateOf(jobId);
}

/** Opens the event stream while signed in; returns the function that closes it. */
export function openLiveUpdates(client: QueryClient, onSessionLost: () => void): () => void {
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let lastRefresh = 0;
  let closed = false;

  const apply = (job: JobSummaryView): void => {
    record(job);
    client.setQueryData<JobDetailView>(['job', job.id], (old) => (old ? { ...old, ...job } : old));
    let seen = false;
    client.setQueriesData<JobsPage>({ queryKey: ['jobs'] }, (page) => {
      if (!page) return page;
      if (!page.jobs.some((j) => j.id === job.id)) return page;
      seen = true;
      return { ...page, jobs: page.jobs.map((j) => (j.id === job.id ? job : j)) };
    });
    // A job no page shows (a new one): the lists are read again, at most every 2 s.
    if (!seen && Date.now() - lastRefresh > 2000) {
      lastRefresh = Date.now();
      void client.invalidateQueries({ queryKey: ['jobs'] });
    }
  };

  const open = (): void => {
    source = new EventSource(`${API}events`);
    source.addEventListener('job', (e) => apply(JSON.parse((e as MessageEvent<string>).data) as JobSummaryView));
    // Once the stream listens (and after every reconnect), what was read before it may be stale: an
    // event can fall between a page's first fetch and the stream's start (a short job completing
    // while the page loads). Reading the shown jobs again then closes that gap.
    source.onopen = () => {
      void client.invalidateQueries({ queryKey: ['job'] });
      void client.invalidateQueries({ queryKey: ['jobs'] });
    };
    source.onerror = () => {
      // CLOSED: the server refused to reconnect (the session expired) — ask who we are, then retry.
      if (source?.readyState === EventSource.CLOSED && !closed) {
        onSessionLost();
        retry = setTimeout(open, 5000);
      }
    };
  };
  open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}
