import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

describe('server on SQLite', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('ingests an event and lists it back with its chain fields', async () => {
    const org = await t.createOrg();
    const res = await t.request('/v1/events', {
      method: 'POST',
      key: org.writeKey,
      json: { action: 'template.created', actor: { type: 'user', id: 'u_1' }, description: 'made Invoice' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { events: Array<{ seq: number; hash: string }> };
    expect(body.events[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    const list = await t.request('/v1/events?action=template.created', { key: org.readKey });
    const page = (await list.json()) as { data: Array<{ seq: number; description: string }> };
    expect(page.data).toHaveLength(1);
    expect(page.data[0]!.seq).toBe(body.events[0]!.seq);
  });

  it('answers health probes', async () => {
    expect((await t.request('/healthz', { key: null })).status).toBe(200);
    expect((await t.request('/readyz', { key: null })).status).toBe(200);
  });
});
