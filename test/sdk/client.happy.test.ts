import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { events, newEventId, Trailmark } from '../../sdk/src/index.js';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import type { TestOrg } from '../http/support.js';
import { type CountingProxy, startProxy, storedEvents, testClient } from './support.js';

/** The SDK against a real server: what it records arrives whole, once, in batches. */

let t: TestServer;
let org: TestOrg;
let proxy: CountingProxy;

beforeAll(async () => {
  t = await startTestServer();
  org = await t.createOrg('SDK');
  proxy = await startProxy(t.url);
});

afterAll(async () => {
  await proxy.close();
  await t.close();
});

describe('recording', () => {
  it('stores every recorded event once, under the id the SDK gave it, in batches', async () => {
    const before = proxy.ingests().length;
    const { client, errors } = testClient({ url: proxy.url, apiKey: org.writeKey, batchSize: 100 });
    const recorded = [];
    for (let i = 0; i < 250; i++) {
      recorded.push(
        await client.record({
          action: 'document.updated',
          actor: { type: 'user', id: `u_${i % 7}`, email: `u${i % 7}@example.com` },
          resource: { type: 'document', id: `doc_${i}` },
          metadata: { i },
        }),
      );
    }
    await client.flush();
    expect(errors).toEqual([]);
    expect(recorded.every((r) => r.queued && /^evt_[0-9a-z]{26}$/.test(r.id))).toBe(true);
    const stored = await storedEvents(t, org.readKey, { action: 'document.updated' });
    expect(stored.map((e) => e.id).sort()).toEqual(recorded.map((r) => r.id).sort());
    const byId = new Map(stored.map((e) => [e.id, e]));
    for (const [i, r] of recorded.entries()) expect(byId.get(r.id)!.metadata).toEqual({ i });
    // Three requests of at most 100 events: the batch size, not one request per event.
    const sent = proxy.ingests().slice(before);
    expect(sent.length).toBe(3);
    expect(sent.map((r) => (JSON.parse(r.body) as { events: unknown[] }).events.length)).toEqual([
      100, 100, 50,
    ]);
    expect(client.stats()).toMatchObject({
      waiting: 0,
      sending: 0,
      acknowledged: 250,
      duplicates: 0,
      dropped: 0,
    });
    await client.shutdown();
  });

  it('keeps `concurrency` requests in flight, past the 10 listeners Node allows a signal without a warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const p = await startProxy(t.url, () => ({ wait: held }));
    try {
      const { client, errors } = testClient({
        url: p.url,
        apiKey: org.writeKey,
        batchSize: 1,
        concurrency: 16,
      });
      for (let i = 0; i < 20; i++)
        await client.record({ action: 'concurrent.sent', actor: { type: 'user', id: 'u_c' } });
      await vi.waitFor(() => expect(p.inFlight()).toBe(16));
      release();
      await client.flush();
      await client.shutdown();
      expect(errors).toEqual([]);
      expect(client.stats().acknowledged).toBe(20);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await p.close();
    }
  });

  it('stamps occurred_at at record time and snapshots the event, so later changes do not leak in', async () => {
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey, flushIntervalMs: 60_000 });
    const event = {
      action: 'profile.updated',
      actor: { type: 'user' as const, id: 'u_snap' },
      metadata: { v: 1 },
    };
    const before = Date.now();
    const { id } = await client.record(event);
    event.metadata.v = 2;
    await new Promise((resolve) => setTimeout(resolve, 30));
    await client.flush();
    expect(errors).toEqual([]);
    const stored = (await storedEvents(t, org.readKey, { action: 'profile.updated' })).find(
      (e) => e.id === id,
    )!;
    expect(stored.metadata).toEqual({ v: 1 });
    const at = Date.parse(stored.occurred_at);
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThan(Date.parse(stored.received_at));
    await client.shutdown();
  });

  it('sends a batch that is not full once its window has passed, without flush()', async () => {
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey, flushIntervalMs: 50 });
    const { id } = await client.record({ action: 'window.passed', actor: { type: 'system', id: 'cron' } });
    const deadline = Date.now() + 10_000;
    while (client.stats().acknowledged === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(client.stats().acknowledged).toBe(1);
    expect(errors).toEqual([]);
    expect((await storedEvents(t, org.readKey, { action: 'window.passed' })).map((e) => e.id)).toEqual([id]);
    await client.shutdown();
  });

  it('sends text outside ASCII, and events larger than the blocks small ones share, as recorded', async () => {
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey, batchSize: 10 });
    const texts = [
      'Zoë signed the contract — ✓',
      '日本語のテキスト',
      'emoji 🎉👍 and a pair: 𝄞',
      `long ${'é'.repeat(3000)} ${'x'.repeat(3000)}`,
      'plain',
    ];
    const recorded = [];
    for (let round = 0; round < 4; round++) {
      for (const [i, text] of texts.entries()) {
        recorded.push(
          await client.record({
            action: 'text.recorded',
            actor: { type: 'user', id: `ü_${i}`, name: text.slice(0, 40) },
            metadata: { text, round },
          }),
        );
      }
    }
    await client.flush();
    expect(errors).toEqual([]);
    const stored = new Map(
      (await storedEvents(t, org.readKey, { action: 'text.recorded' })).map((e) => [e.id, e]),
    );
    expect(stored.size).toBe(recorded.length);
    for (const [n, { id }] of recorded.entries()) {
      const text = texts[n % texts.length]!;
      expect(stored.get(id)!.metadata).toEqual({ text, round: Math.floor(n / texts.length) });
      expect(stored.get(id)!.actor).toMatchObject({ id: `ü_${n % texts.length}`, name: text.slice(0, 40) });
    }
    await client.shutdown();
  });

  it('keeps caller ids and dates, and recordMany keeps order', async () => {
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey });
    const ids = [newEventId(), 'order:42:paid', newEventId()];
    const at = new Date('2026-01-02T03:04:05.678Z');
    const result = await client.recordMany(
      ids.map((id, i) => ({
        id,
        action: 'order.paid',
        actor: { type: 'service', id: 'billing' },
        occurred_at: at,
        metadata: { i },
      })),
    );
    expect(result.map((r) => r.id)).toEqual(ids);
    await client.flush();
    expect(errors).toEqual([]);
    const stored = await storedEvents(t, org.readKey, { action: 'order.paid' });
    expect(stored.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(stored.every((e) => e.occurred_at === at.toISOString())).toBe(true);
    await client.shutdown();
  });

  it('refuses, without throwing, what is not an event, and says why', async () => {
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const results = [
      await client.record(null as never),
      await client.record({ action: 'x.y' } as never),
      await client.record({ action: 'x.y', actor: { type: 'user', id: 'u' }, metadata: circular }),
      await client.record({
        action: 'x.y',
        actor: { type: 'user', id: 'u' },
        occurred_at: new Date(Number.NaN),
      }),
      await client.record({
        action: 'x.y',
        actor: { type: 'user', id: 'u' },
        metadata: { big: 'x'.repeat(1_100_000) },
      }),
    ];
    expect(results.map((r) => r.queued)).toEqual([false, false, false, false, false]);
    expect(errors.map((e) => e.kind)).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
    expect(client.stats().waiting).toBe(0);
    await client.shutdown();
  });

  it('refuses events after shutdown began', async () => {
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey });
    const done = client.shutdown();
    expect((await client.record({ action: 'late.event', actor: { type: 'system', id: 's' } })).queued).toBe(
      false,
    );
    expect(await done).toEqual({ delivered: true, spooled: 0, undelivered: 0 });
    expect(errors.map((e) => e.kind)).toEqual(['closed']);
  });
});

describe('deployment keys', () => {
  it('writes each event to the org it names, one org per request, and reads with the client org', async () => {
    const other = await t.createOrg('SDK other');
    const { client, errors } = testClient({ url: proxy.url, apiKey: ADMIN_KEY, org: org.id });
    const before = proxy.ingests().length;
    const a = await client.record({ action: 'tenant.synced', actor: { type: 'system', id: 'sync' } });
    const b = await client.record({
      org: other.id,
      action: 'tenant.synced',
      actor: { type: 'system', id: 'sync' },
    });
    const c = await client.record({ action: 'tenant.synced', actor: { type: 'system', id: 'sync' } });
    await client.flush();
    expect(errors).toEqual([]);
    const sent = proxy.ingests().slice(before);
    expect(sent.length).toBe(2);
    for (const request of sent) {
      const orgs = new Set(
        (JSON.parse(request.body) as { events: Array<{ org: string }> }).events.map((e) => e.org),
      );
      expect(orgs.size).toBe(1);
    }
    expect((await storedEvents(t, org.readKey, { action: 'tenant.synced' })).map((e) => e.id).sort()).toEqual(
      [a.id, c.id].sort(),
    );
    expect((await storedEvents(t, other.readKey, { action: 'tenant.synced' })).map((e) => e.id)).toEqual([
      b.id,
    ]);
    // Reads name the org with Trailmark-Org: the client's, or the one given.
    expect((await client.list({ action: 'tenant.synced' })).data.map((e) => e.id).sort()).toEqual(
      [a.id, c.id].sort(),
    );
    expect((await client.list({ action: 'tenant.synced', org: other.id })).data.map((e) => e.id)).toEqual([
      b.id,
    ]);
    await client.shutdown();
  });
});

describe('helpers for common actions', () => {
  it('record SPEC events the server accepts, with the expected actions and resources', async () => {
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey });
    const actor = { type: 'user' as const, id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' };
    const context = { ip: '203.0.113.7', user_agent: 'Mozilla/5.0', auth_type: 'session' as const };
    const ids = await Promise.all([
      client.auth.login({ actor, context }),
      client.auth.loginFailed({ actor, context, reason: 'bad_password' }),
      client.auth.logout({ actor }),
      client.apiKey.created({ actor, key: { id: 'key_1', name: 'CI', last4: 'a1b2' } }),
      client.apiKey.deleted({ actor, key: { id: 'key_1' } }),
      client.member.invited({ actor, member: { email: 'bob@example.com' }, role: 'admin' }),
      client.member.removed({ actor, member: { id: 'u_bob', email: 'bob@example.com' } }),
      client.member.roleChanged({ actor, member: { id: 'u_bob' }, from: 'member', to: 'admin' }),
      client.resource.created({ actor, resource: { type: 'template', id: 'tpl_9', name: 'Invoice' } }),
      client.resource.updated({
        actor,
        resource: { type: 'template', id: 'tpl_9' },
        changedFields: ['name'],
      }),
      client.resource.deleted({
        actor,
        resource: { type: 'Email-Template', id: 'tpl_9' },
        workspace: 'ws_1',
      }),
    ]);
    await client.flush();
    expect(errors).toEqual([]);
    const stored = new Map((await storedEvents(t, org.readKey, { actor: 'u_ada' })).map((e) => [e.id, e]));
    const got = ids.map((r) => stored.get(r.id)!);
    expect(got.map((e) => e.action)).toEqual([
      'user.login',
      'user.login_failed',
      'user.logout',
      'api_key.created',
      'api_key.deleted',
      'member.invited',
      'member.removed',
      'member.role_changed',
      'template.created',
      'template.updated',
      'email_template.deleted',
    ]);
    expect(got[0]!.context).toMatchObject(context);
    expect(got[1]).toMatchObject({ status: 'failure', metadata: { reason: 'bad_password' } });
    expect(got[3]).toMatchObject({
      resource: { type: 'api_key', id: 'key_1', name: 'CI' },
      metadata: { last4: 'a1b2' },
    });
    expect(got[5]).toMatchObject({
      resource: { type: 'member', id: 'bob@example.com', name: 'bob@example.com' },
      metadata: { role: 'admin' },
    });
    expect(got[7]).toMatchObject({ metadata: { previous_role: 'member', role: 'admin' } });
    expect(got[9]).toMatchObject({ metadata: { changed_fields: ['name'] } });
    expect(got[10]).toMatchObject({ workspace: 'ws_1', resource: { type: 'Email-Template' } });
    expect(got.every((e) => typeof e.description === 'string' && e.description.length > 0)).toBe(true);
    await client.shutdown();
  });

  it('are also plain builders, for recordMany', () => {
    expect(
      events.auth.login({ actor: { type: 'user', id: 'u' }, description: 'mine', metadata: { a: 1 } }),
    ).toEqual({
      action: 'user.login',
      actor: { type: 'user', id: 'u' },
      description: 'mine',
      metadata: { a: 1 },
    });
  });
});

describe('configuration', () => {
  it('refuses settings outside what the server accepts', () => {
    const base = { url: t.url, apiKey: org.writeKey };
    expect(() => new Trailmark({ ...base, batchSize: 1001 })).toThrow(/batchSize/);
    expect(() => new Trailmark({ ...base, batchBytes: 6 * 1024 * 1024 })).toThrow(/batchBytes/);
    expect(() => new Trailmark({ ...base, overflow: 'spill' as never })).toThrow(/overflow/);
    expect(() => new Trailmark({ url: '', apiKey: 'k' })).toThrow(/url/);
  });
});
