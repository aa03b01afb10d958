/**
 * The one in-process event channel: the engine, the dashboard's live views and later webhooks
 * subscribe here; a PostgreSQL deployment carries it across nodes. Listener errors are logged
 * by the bus and never reach the emitter.
 */
import type { Job } from './job.js';
import type { JobStatus } from './job-status.js';

export interface JobEventMap {
  'job:created': { readonly job: Job };
  'job:statusChanged': { readonly job: Job; readonly from: JobStatus; readonly to: JobStatus };
  'job:priorityChanged': { readonly job: Job; readonly from: number; readonly to: number };
  'job:progress': { readonly job: Job };
  'job:tagsChanged': { readonly job: Job };
}

export type JobEventName = keyof JobEventMap;
export type JobEventListener<E extends JobEventName> = (payload: JobEventMap[E]) => void;

export interface JobEvents {
  on<E extends JobEventName>(event: E, listener: JobEventListener<E>): () => void;
  emit<E extends JobEventName>(event: E, payload: JobEventMap[E]): void;
}

export function createJobEvents(onListenerError: (err: unknown, event: JobEventName) => void): JobEvents {
  const listeners = new Map<JobEventName, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    emit(event, payload) {
      const set = listeners.get(event);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          (listener as (p: typeof payload) => void)(payload);
        } catch (err) {
          onListenerError(err, event);
        }
      }
    },
  };
}
