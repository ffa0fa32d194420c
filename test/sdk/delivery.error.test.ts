import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../../sdk/src/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { type TestOrg, unique } from '../http/support.js';
import {
  type CountingProxy,
  type ProxyDecision,
  problemBody,
  startProxy,
  storedEvents,
  testClient,
} from './support.js';

/**
 * What the SDK retries and what it does not, counted at a proxy in front of a real server:
 * network errors, 5xx and 429 are retried (after Retry-After when the server gives one) and never
 * store an event twice; other 4xx are final, reported once, and never sent again.
 */

let t: TestServer;
let org: TestOrg;
let proxy: CountingProxy | undefined;
let decide: (request: { body: string }, index: number) => ProxyDecision = () => undefined;

beforeAll(async () => {
  t = await startTestServer();
  org = await t.createOrg('SDK errors');
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  decide = () => undefined;
});

afterAll(async () => {
  await t.close();
});

async function proxied(): Promise<CountingProxy> {
  proxy = await startProxy(t.url, (request, index) => decide(request, index));
  return proxy;
}

function event(action: string, extra: Partial<EventInput> = {}): EventInput {
  return { action, actor: { type: 'user', id: 'u_err' }, ...extra };
}

describe('not retried', () => {
  it('a 413 from a proxy in front of the server: one request, the batch reported with the problem', async () => {
    const p = await proxied();
    // Like nginx's client_max_body_size: bodies over 2 KB are refused before the server.
    decide = (request) =>
      request.body.length > 2048
        ? { answer: { status: 413, body: problemBody(413, 'Payload too large', 'body over 2 KB') } }
        : undefined;
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    const action = `big.${unique('a').toLowerCase()}`;
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push((await client.record(event(action, { description: 'x'.repeat(1000) }))).id);
    await client.flush();
    expect(p.ingests().length).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'rejected', status: 413, eventIds: ids });
    expect(errors[0]!.problem).toMatchObject({ status: 413, title: 'Payload too large' });
    expect(errors[0]!.events()).toHaveLength(3);
    expect(await storedEvents(t, org.readKey, { action })).toEqual([]);
    expect(client.stats()).toMatchObject({ dropped: 3, retries: 0 });
    await client.shutdown();
  });

  it("a 400 from the server: one request, reported with the server's problem+json", async () => {
    const p = await proxied();
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    const bad = await client.record({ action: 'Not An Action', actor: { type: 'user', id: 'u' } });
    await client.flush();
    expect(p.ingests().length).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'rejected', status: 400, eventIds: [bad.id] });
    expect(errors[0]!.problem!.errors).toEqual([
      { path: '/events/0/action', message: expect.stringContaining('dot-separated') },
    ]);
    await client.shutdown();
  });

  it('a 409 (same id, other content): one request, the stored event unchanged', async () => {
    const p = await proxied();
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    const id = unique('conflict');
    await client.record(event('invoice.sent', { id, metadata: { n: 1 } }));
    await client.flush();
    await client.record(event('invoice.sent', { id, metadata: { n: 2 } }));
    await client.flush();
    expect(p.ingests().length).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'rejected', status: 409, eventIds: [id] });
    const stored = (await storedEvents(t, org.readKey, { action: 'invoice.sent' })).filter(
      (e) => e.id === id,
    );
    expect(stored.map((e) => e.metadata)).toEqual([{ n: 1 }]);
    await client.shutdown();
  });

  it('a 401 (a wrong key): one request per batch, reported', async () => {
    const p = await proxied();
    const { client, errors } = testClient({ url: p.url, apiKey: 'tmk_wrong_key_000000000000000000000000' });
    await client.record(event('x.y'));
    await client.flush();
    expect(p.ingests().length).toBe(1);
    expect(errors.map((e) => [e.kind, e.status])).toEqual([['rejected', 401]]);
    await client.shutdown();
  });

  it('refuses only the events a 400 names, and sends their batch-mates again as a new request', async () => {
    const p = await proxied();
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey, flushIntervalMs: 60_000 });
    const action = `mixed.${unique('a').toLowerCase()}`;
    const good1 = await client.record(event(action));
    const bad1 = await client.record(event(action, { context: { ip: 'not-an-ip' } }));
    const good2 = await client.record(event(action));
    const bad2 = await client.record(event(action, { actor: { type: 'robot' as never, id: 'r' } }));
    await client.flush();
    const bodies = p
      .ingests()
      .map((r) => (JSON.parse(r.body) as { events: Array<{ id: string }> }).events.map((e) => e.id));
    expect(bodies).toEqual([
      [good1.id, bad1.id, good2.id, bad2.id],
      [good1.id, good2.id],
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'rejected', status: 400, eventIds: [bad1.id, bad2.id] });
    expect((await storedEvents(t, org.readKey, { action })).map((e) => e.id).sort()).toEqual(
      [good1.id, good2.id].sort(),
    );
    await client.shutdown();
  });
});

describe('retried', () => {
  it('honours Retry-After in seconds on a 429', async () => {
    const p = await proxied();
    decide = (_request, index) =>
      index === 0
        ? {
            answer: {
              status: 429,
              headers: { 'retry-after': '1' },
              body: problemBody(429, 'Too many requests', 'slow down'),
            },
          }
        : undefined;
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    const { id } = await client.record(event('rate.limited'));
    await client.flush();
    const [first, second] = p.ingests();
    expect(p.ingests()).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000 - 5);
    expect(second!.body).toBe(first!.body);
    expect(errors).toEqual([]);
    expect((await storedEvents(t, org.readKey, { action: 'rate.limited' })).map((e) => e.id)).toEqual([id]);
    expect(client.stats().retries).toBe(1);
    await client.shutdown();
  });

  it('honours Retry-After as an HTTP date on a 503', async () => {
    const p = await proxied();
    let retryAt = 0;
    decide = (_request, index) => {
      if (index > 0) return undefined;
      const header = new Date(Date.now() + 2000).toUTCString();
      retryAt = Date.parse(header);
      return {
        answer: {
          status: 503,
          headers: { 'retry-after': header },
          body: problemBody(503, 'Unavailable', 'busy'),
        },
      };
    };
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    await client.record(event('server.busy'));
    await client.flush();
    expect(p.ingests()).toHaveLength(2);
    expect(p.ingests()[1]!.at).toBeGreaterThanOrEqual(retryAt - 5);
    expect(errors).toEqual([]);
    await client.shutdown();
  });

  it('retries network errors and 5xx with the same body until acknowledged', async () => {
    const p = await proxied();
    decide = (_request, index) =>
      index === 0
        ? { destroy: true }
        : index === 1
          ? { answer: { status: 500, body: problemBody(500, 'Internal server error', 'oops') } }
          : index === 2
            ? { answer: { status: 502, body: '<html>bad gateway</html>' } }
            : undefined;
    const notices: number[] = [];
    const { client, errors } = testClient({
      url: p.url,
      apiKey: org.writeKey,
      onRetry: (notice) => notices.push(notice.status ?? 0),
    });
    const recorded = await client.recordMany([event('flaky.network'), event('flaky.network')]);
    await client.flush();
    expect(p.ingests()).toHaveLength(4);
    expect(new Set(p.ingests().map((r) => r.body)).size).toBe(1);
    expect(notices).toEqual([0, 500, 502]);
    expect(errors).toEqual([]);
    expect((await storedEvents(t, org.readKey, { action: 'flaky.network' })).map((e) => e.id).sort()).toEqual(
      recorded.map((r) => r.id).sort(),
    );
    await client.shutdown();
  });

  it('stores once when the server stored a batch but its answer was lost', async () => {
    const p = await proxied();
    decide = (_request, index) => (index === 0 ? { dropAnswer: true } : undefined);
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    const recorded = await client.recordMany([
      event('answer.lost'),
      event('answer.lost'),
      event('answer.lost'),
    ]);
    await client.flush();
    expect(p.ingests()).toHaveLength(2);
    expect(errors).toEqual([]);
    expect(client.stats()).toMatchObject({ acknowledged: 3, duplicates: 3 });
    const stored = await storedEvents(t, org.readKey, { action: 'answer.lost' });
    expect(stored.map((e) => e.id).sort()).toEqual(recorded.map((r) => r.id).sort());
    await client.shutdown();
  });

  it('sends again at once, on a new connection, when a kept-alive one fails before any answer', async () => {
    const p = await proxied();
    decide = (_request, index) => (index === 1 ? { destroy: true } : undefined);
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    const first = await client.record(event('stale.connection'));
    await client.flush();
    // The second request goes out on the first one's connection, which the proxy then closes.
    const second = await client.record(event('stale.connection'));
    await client.flush();
    expect(p.ingests()).toHaveLength(3);
    expect(p.ingests()[2]!.body).toBe(p.ingests()[1]!.body);
    expect(errors).toEqual([]);
    expect(client.stats()).toMatchObject({ acknowledged: 2, retries: 0 });
    expect(
      (await storedEvents(t, org.readKey, { action: 'stale.connection' })).map((e) => e.id).sort(),
    ).toEqual([first.id, second.id].sort());
    await client.shutdown();
  });

  it('gives up after maxAttempts, and says so', async () => {
    const p = await proxied();
    decide = () => ({ answer: { status: 500, body: problemBody(500, 'Internal server error', 'down') } });
    const { client, errors } = testClient({
      url: p.url,
      apiKey: org.writeKey,
      retry: { baseDelayMs: 1, maxAttempts: 3 },
    });
    const { id } = await client.record(event('always.failing'));
    await client.flush();
    expect(p.ingests()).toHaveLength(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'retries_exhausted', status: 500, eventIds: [id] });
    await client.shutdown();
  });

  it('on shutdown past its deadline, reports what it could not send', async () => {
    const p = await proxied();
    decide = () => ({ destroy: true });
    const { client, errors } = testClient({ url: p.url, apiKey: org.writeKey });
    const recorded = await client.recordMany([event('never.sent'), event('never.sent')]);
    const result = await client.shutdown({ timeoutMs: 300 });
    expect(result).toEqual({ delivered: false, spooled: 0, undelivered: 2 });
    expect(errors.map((e) => e.kind)).toEqual(['undelivered']);
    expect([...errors[0]!.eventIds].sort()).toEqual(recorded.map((r) => r.id).sort());
  });
});

describe('through a fetch passed in (what runtimes without node:http use)', () => {
  it('retries a network error, a 5xx, a 429 after its Retry-After and a lost answer, storing once', async () => {
    const p = await proxied();
    decide = (_request, index) =>
      [
        { destroy: true } as const,
        { answer: { status: 503, body: problemBody(503, 'Unavailable', 'busy') } },
        {
          answer: {
            status: 429,
            headers: { 'retry-after': '1' },
            body: problemBody(429, 'Too many requests', 'slow down'),
          },
        },
        { dropAnswer: true } as const,
      ][index];
    let calls = 0;
    const { client, errors } = testClient({
      url: p.url,
      apiKey: org.writeKey,
      fetch: (input, init) => {
        calls += 1;
        return fetch(input, init);
      },
    });
    const recorded = await client.recordMany([event('via.fetch'), event('via.fetch')]);
    await client.flush();
    const sent = p.ingests();
    expect(sent).toHaveLength(5);
    expect(calls).toBe(5);
    expect(new Set(sent.map((r) => r.body)).size).toBe(1);
    expect(sent[3]!.at - sent[2]!.at).toBeGreaterThanOrEqual(1000 - 5);
    expect(errors).toEqual([]);
    expect(client.stats()).toMatchObject({ acknowledged: 2, duplicates: 2, retries: 4 });
    expect((await storedEvents(t, org.readKey, { action: 'via.fetch' })).map((e) => e.id).sort()).toEqual(
      recorded.map((r) => r.id).sort(),
    );
    await client.shutdown();
  });

  it('does not retry a 413, and reports it with its problem', async () => {
    const p = await proxied();
    decide = () => ({ answer: { status: 413, body: problemBody(413, 'Payload too large', 'too big') } });
    const { client, errors } = testClient({
      url: p.url,
      apiKey: org.writeKey,
      fetch: (i, init) => fetch(i, init),
    });
    const { id } = await client.record(event('via.fetch.refused'));
    await client.flush();
    expect(p.ingests()).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'rejected', status: 413, eventIds: [id] });
    expect(errors[0]!.problem).toMatchObject({ status: 413, title: 'Payload too large', detail: 'too big' });
    await client.shutdown();
  });
});
