/**
 * Members no installed SDK sends yet (late-2026 model additions) travel through CreateJob and come
 * back in DescribeJob's XML; and every job change is published on the event channel.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JobEventMap } from '../../src/domain/events.js';
import { rawRequest } from '../helpers/raw-request.js';
import { startTestServer } from '../helpers/server.js';

const BODY = readFileSync(new URL('../fixtures/wire/handwritten-copy-newest-members.xml', import.meta.url), 'utf8');

describe('newest members', () => {
  it('round-trips AnnotationDirective and the Object Lock event hold members', async () => {
    const server = await startTestServer();
    const created = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body: BODY });
    expect(created.status, created.body).toBe(200);
    const id = /<JobId>([^<]+)</.exec(created.body)?.[1] as string;
    const described = await rawRequest(server.url, { method: 'GET', path: `/v20180820/jobs/${id}` });
    expect(described.status).toBe(200);
    expect(described.body).toContain('<AnnotationDirective>COPY</AnnotationDirective>');
    expect(described.body).toContain('<ObjectLockEventHold>ON</ObjectLockEventHold>');
    expect(described.body).toMatch(/<ObjectLockEventHoldDuration><Days>30<\/Days><\/ObjectLockEventHoldDuration>/);
  });
});

describe('event channel', () => {
  it('publishes job:created, job:statusChanged, job:priorityChanged and job:tagsChanged', async () => {
    const server = await startTestServer();
    const seen: string[] = [];
    const record = <E extends keyof JobEventMap>(e: E) => server.events.on(e, (p: JobEventMap[E]) => seen.push(`${e}:${p.job.status}`));
    record('job:created');
    record('job:statusChanged');
    record('job:priorityChanged');
    record('job:tagsChanged');
    const created = await rawRequest(server.url, { method: 'POST', path: '/v20180820/jobs', body: BODY });
    const id = /<JobId>([^<]+)</.exec(created.body)?.[1] as string;
    await rawRequest(server.url, { method: 'POST', path: `/v20180820/jobs/${id}/priority`, query: { priority: '5' } });
    await rawRequest(server.url, { method: 'DELETE', path: `/v20180820/jobs/${id}/tagging` });
    await rawRequest(server.url, { method: 'POST', path: `/v20180820/jobs/${id}/status`, query: { requestedJobStatus: 'Cancelled' } });
    expect(seen).toEqual(['job:created:New', 'job:priorityChanged:New', 'job:tagsChanged:New', 'job:statusChanged:Cancelled']);
  });
});
