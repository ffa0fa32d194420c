import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Back-pressure: with a small queue, a burst larger than it gets 503 with Retry-After for what
 * does not fit, never an unbounded queue; everything answered 201 is stored, nothing else.
 */
describe('ingest back-pressure', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { maxQueuedEvents: 1000, maxCommitEvents: 1000 } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 with Retry-After when the queue is full, and stores exactly what it acknowledged', async () => {
    const org = await t.createOrg('Burst');
    const batch = (n: number) => ({
      events: Array.from({ length: 1000 }, (_, i) => ({
        id: `burst_${n}_${i}`,
        action: 'load.tested',
        actor: { type: 'service', id: 'loader' },
      })),
    });
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, n) =>
        t.request('/v1/events', { method: 'POST', key: org.writeKey, json: batch(n) }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
    const refused = responses.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const res of refused) {
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const accepted = statuses.filter((s) => s === 201).length;
    const list = await t.request('/v1/events?action=load.tested&limit=1', { key: org.readKey });
    expect(list.status).toBe(200);
    const actions = (await (await t.request('/v1/actions', { key: org.readKey })).json()) as {
      data: Array<{ action: string; count: number }>;
    };
    expect(actions.data.find((a) => a.action === 'load.tested')?.count ?? 0).toBe(accepted * 1000);
  });
});
