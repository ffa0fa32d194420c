import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recorded, Trailmark } from '../../sdk/src/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { type TestOrg, unique } from '../http/support.js';
import { type CountingProxy, startProxy, storedEvents, testClient } from './support.js';

/**
 * Under a server slower than the application records, the SDK's queue never holds more than
 * `maxQueue` events, and the overflow policy decides which ones go.
 */

const BOUND = 200;
const BATCH = 50;
const RECORDED = 1000;

let t: TestServer;
let org: TestOrg;
let slow: CountingProxy;
let delayMs = 300;

beforeAll(async () => {
  t = await startTestServer();
  org = await t.createOrg('SDK queue');
  // Every ingest request waits before it reaches the server.
  slow = await startProxy(t.url, (request) => (request.path === '/v1/events' ? { delayMs } : undefined));
});

afterAll(async () => {
  await slow.close();
  await t.close();
});

function held(client: Trailmark): number {
  const { waiting, sending } = client.stats();
  return waiting + sending;
}

function newClient(overflow: 'drop-newest' | 'drop-oldest' | 'block') {
  return testClient({
    url: slow.url,
    apiKey: org.writeKey,
    maxQueue: BOUND,
    batchSize: BATCH,
    concurrency: 1,
    overflow,
  });
}

describe('the queue bound under a slow server', () => {
  it('drop-newest keeps the first events and refuses the rest', async () => {
    delayMs = 300;
    const { client, errors } = newClient('drop-newest');
    const action = `slow.${unique('n').toLowerCase()}`;
    const results: Promise<Recorded>[] = [];
    let most = 0;
    for (let i = 0; i < RECORDED; i++) {
      results.push(client.record({ action, actor: { type: 'user', id: 'u' }, metadata: { i } }));
      most = Math.max(most, held(client));
    }
    const recorded = await Promise.all(results);
    expect(most).toBe(BOUND);
    expect(recorded.filter((r) => r.queued)).toHaveLength(BOUND);
    expect(errors.filter((e) => e.kind === 'queue_full')).toHaveLength(RECORDED - BOUND);
    expect(client.stats().dropped).toBe(RECORDED - BOUND);
    await client.flush();
    const stored = await storedEvents(t, org.readKey, { action });
    expect(stored.map((e) => e.id).sort()).toEqual(
      recorded
        .slice(0, BOUND)
        .map((r) => r.id)
        .sort(),
    );
    await client.shutdown();
  });

  it('drop-oldest keeps the newest events (and those already being sent)', async () => {
    delayMs = 300;
    const { client, errors } = newClient('drop-oldest');
    const action = `slow.${unique('o').toLowerCase()}`;
    const results: Promise<Recorded>[] = [];
    let most = 0;
    for (let i = 0; i < RECORDED; i++) {
      results.push(client.record({ action, actor: { type: 'user', id: 'u' }, metadata: { i } }));
      most = Math.max(most, held(client));
    }
    const recorded = await Promise.all(results);
    expect(most).toBe(BOUND);
    expect(recorded.every((r) => r.queued)).toBe(true);
    expect(errors.filter((e) => e.kind === 'queue_full')).toHaveLength(RECORDED - BOUND);
    await client.flush();
    const stored = await storedEvents(t, org.readKey, { action });
    // The first batch was on its way when the queue filled; the newest fill the rest.
    const kept = [...recorded.slice(0, BATCH), ...recorded.slice(RECORDED - (BOUND - BATCH))];
    expect(stored.map((e) => e.id).sort()).toEqual(kept.map((r) => r.id).sort());
    await client.shutdown();
  });

  it('block makes record() wait for room: nothing is lost and the bound holds', async () => {
    delayMs = 30;
    const { client, errors } = newClient('block');
    const action = `slow.${unique('b').toLowerCase()}`;
    let most = 0;
    let mostBlocked = 0;
    const producers = Array.from({ length: 5 }, async (_, p) => {
      const ids: string[] = [];
      for (let i = 0; i < RECORDED / 5; i++) {
        const pending = client.record({ action, actor: { type: 'user', id: `u_${p}` }, metadata: { p, i } });
        most = Math.max(most, held(client));
        mostBlocked = Math.max(mostBlocked, client.stats().blocked);
        const recorded = await pending;
        expect(recorded.queued).toBe(true);
        ids.push(recorded.id);
      }
      return ids;
    });
    const ids = (await Promise.all(producers)).flat();
    await client.flush();
    expect(errors).toEqual([]);
    expect(most).toBeLessThanOrEqual(BOUND);
    // Each producer waits on its own record() at most.
    expect(mostBlocked).toBeGreaterThan(0);
    expect(mostBlocked).toBeLessThanOrEqual(5);
    const stored = await storedEvents(t, org.readKey, { action });
    expect(stored.map((e) => e.id).sort()).toEqual(ids.sort());
    await client.shutdown();
  });
});
