import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/identity/passwords.js';
import { SignInLimits } from '../../src/identity/sign-in-limits.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addUser, Browser, eventsOf } from './identity-helpers.js';

type Org = { id: string; writeKey: string; readKey: string; adminKey: string };

async function ingest(t: TestServer, org: Org, events: unknown[]): Promise<string[]> {
  const res = await t.request('/v1/events', { method: 'POST', key: org.writeKey, json: { events } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { events: Array<{ id: string }> }).events.map((e) => e.id);
}

async function mint(t: TestServer, org: Org, body: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request('/v1/viewer-tokens', { method: 'POST', key: org.adminKey, json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

describe.each(BACKENDS)('security on $name', (backend) => {
  let t: TestServer;
  let clock = Date.now();
  let a: Org;
  let b: Org;

  beforeAll(async () => {
    t = await startTestServer({ backend, now: () => new Date(clock), config: { trustProxy: true } });
    a = await t.createOrg('A');
    b = await t.createOrg('B');
  });
  afterAll(async () => {
    await t.close();
  });

  describe('viewer tokens', () => {
    it('read one org only: a token of org A gets 404 for org B and never sees its events', async () => {
      await ingest(t, b, [{ action: 'secret.thing', actor: { type: 'user', id: 'b_user' } }]);
      const token = await mint(t, a);
      const named = await t.request('/v1/events', { key: token, headers: { 'trailmark-org': b.id } });
      expect(named.status).toBe(404);
      const viaQuery = await t.request(`/v1/events?org=${b.id}`, { key: token });
      expect(viaQuery.status).toBe(404);
      const own = await t.request('/v1/events?action=secret.thing', { key: token });
      expect(own.status).toBe(200);
      expect(((await own.json()) as { data: unknown[] }).data).toEqual([]);
      const [bEvent] = await ingest(t, b, [
        { action: 'secret.other', actor: { type: 'user', id: 'b_user' } },
      ]);
      expect((await t.request(`/v1/events/${bEvent}`, { key: token })).status).toBe(404);
    });

    it('expire: default 1 hour, at most 24, and an expired token is refused', async () => {
      const res = await t.request('/v1/viewer-tokens', { method: 'POST', key: a.adminKey, json: {} });
      const { token, expires_at } = (await res.json()) as { token: string; expires_at: string };
      expect(Date.parse(expires_at) - clock).toBe(3_600_000);
      const tooLong = await t.request('/v1/viewer-tokens', {
        method: 'POST',
        key: a.adminKey,
        json: { ttl_seconds: 24 * 3600 + 1 },
      });
      expect(tooLong.status).toBe(400);
      expect(((await tooLong.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe(
        '/ttl_seconds',
      );
      expect((await t.request('/v1/events', { key: token })).status).toBe(200);
      clock += 3_600_000;
      expect((await t.request('/v1/events', { key: token })).status).toBe(401);
      const day = await mint(t, a, { ttl_seconds: 24 * 3600 });
      clock += 24 * 3600_000 - 1000;
      expect((await t.request('/v1/actions', { key: day })).status).toBe(200);
      clock += 1000;
      expect((await t.request('/v1/actions', { key: day })).status).toBe(401);
    });

    it('narrowed to a workspace or an actor see only those events, in lists, lookups and counts', async () => {
      const [inWs, otherWs, byActor] = await ingest(t, a, [
        { action: 'doc.opened', actor: { type: 'user', id: 'u_ws' }, workspace: 'ws_mine' },
        { action: 'doc.closed', actor: { type: 'user', id: 'u_ws' }, workspace: 'ws_other' },
        { action: 'doc.shared', actor: { type: 'user', id: 'u_alone', email: 'Alone@Example.test' } },
      ]);
      const ws = await mint(t, a, { workspace: 'ws_mine' });
      const list = (await (await t.request('/v1/events', { key: ws })).json()) as {
        data: Array<{ id: string }>;
      };
      expect(list.data.map((e) => e.id)).toEqual([inWs]);
      expect((await t.request(`/v1/events/${otherWs}`, { key: ws })).status).toBe(404);
      expect((await t.request(`/v1/events/${inWs}`, { key: ws })).status).toBe(200);
      const widened = (await (await t.request('/v1/events?workspace=ws_other', { key: ws })).json()) as {
        data: unknown[];
      };
      expect(widened.data).toEqual([]);
      const actions = (await (await t.request('/v1/actions', { key: ws })).json()) as {
        data: Array<{ action: string; count: number }>;
      };
      expect(actions.data).toEqual([{ action: 'doc.opened', count: 1 }]);
      const searched = (await (await t.request('/v1/events?q=u_ws', { key: ws })).json()) as {
        data: Array<{ id: string }>;
      };
      expect(searched.data.map((e) => e.id)).toEqual([inWs]);

      const actor = await mint(t, a, { actor: 'alone@example.test' });
      const mine = (await (await t.request('/v1/events', { key: actor })).json()) as {
        data: Array<{ id: string }>;
      };
      expect(mine.data.map((e) => e.id)).toEqual([byActor]);
      expect((await t.request(`/v1/events/${inWs}`, { key: actor })).status).toBe(404);
      expect((await t.request('/v1/events/export.csv', { key: actor })).status).toBe(403);
    });

    it('are minted by admin-scoped keys only, and record viewer_token.created', async () => {
      expect(
        (await t.request('/v1/viewer-tokens', { method: 'POST', key: a.readKey, json: {} })).status,
      ).toBe(403);
      await mint(t, a, { workspace: 'ws_rec', ttl_seconds: 600 });
      const res = await t.request('/v1/events?action=viewer_token.created', { key: a.readKey });
      const events = ((await res.json()) as { data: Array<{ metadata: Record<string, unknown> }> }).data;
      expect(events.find((e) => e.metadata.workspace === 'ws_rec')?.metadata).toMatchObject({
        changed_fields: ['expires_at', 'workspace'],
        ttl_seconds: 600,
      });
    });
  });

  describe('API keys', () => {
    it('refuses a disabled key at once, accepts it again when enabled, and a deleted one for good', async () => {
      const created = await t.request('/v1/api-keys', {
        method: 'POST',
        key: a.adminKey,
        json: { name: 'rotating', scopes: ['events:read'] },
      });
      const { id, key } = (await created.json()) as { id: string; key: string };
      expect(key).toMatch(/^tmk_[A-Za-z0-9_-]{43}$/);
      expect((await t.request('/v1/events', { key })).status).toBe(200);
      const patch = (status: string) =>
        t.request(`/v1/api-keys/${id}`, { method: 'PATCH', key: a.adminKey, json: { status } });
      expect((await patch('disabled')).status).toBe(200);
      expect((await t.request('/v1/events', { key })).status).toBe(401);
      expect((await patch('active')).status).toBe(200);
      expect((await t.request('/v1/events', { key })).status).toBe(200);
      expect((await t.request(`/v1/api-keys/${id}`, { method: 'DELETE', key: a.adminKey })).status).toBe(204);
      expect((await t.request('/v1/events', { key })).status).toBe(401);
      expect((await patch('active')).status).toBe(404);
      const listed = (await (await t.request('/v1/api-keys', { key: a.adminKey })).json()) as {
        data: Array<{ id: string }>;
      };
      expect(listed.data.map((k) => k.id)).not.toContain(id);
    });

    it('lists keys without secrets, with prefix, last 4, creator and last use', async () => {
      const created = (await (
        await t.request('/v1/api-keys', {
          method: 'POST',
          key: a.adminKey,
          json: { name: 'listed', scopes: ['events:write'], rate_limit_per_minute: 100 },
        })
      ).json()) as { id: string; key: string };
      await ingest(t, { ...a, writeKey: created.key }, [{ action: 'x.y', actor: { type: 'user', id: 'u' } }]);
      const res = await t.request('/v1/api-keys', { key: a.adminKey });
      const text = await res.text();
      expect(text).not.toContain(created.key);
      expect(text).not.toContain('key_hash');
      const listed = (JSON.parse(text) as { data: Array<Record<string, unknown>> }).data.find(
        (k) => k.id === created.id,
      );
      expect(listed).toMatchObject({
        name: 'listed',
        prefix: created.key.slice(0, 8),
        last4: created.key.slice(-4),
        scopes: ['events:write'],
        status: 'active',
        rate_limit_per_minute: 100,
        expires_at: null,
      });
      expect(listed!.created_by).toMatch(/^key_/);
      expect(listed!.last_used_at).toBe(new Date(clock).toISOString());
    });

    it('enforces a per-key rate limit with 429 and Retry-After', async () => {
      const { key } = (await (
        await t.request('/v1/api-keys', {
          method: 'POST',
          key: a.adminKey,
          json: { name: 'limited', scopes: ['events:read'], rate_limit_per_minute: 3 },
        })
      ).json()) as { key: string };
      for (let i = 0; i < 3; i++) expect((await t.request('/v1/actions', { key })).status).toBe(200);
      const limited = await t.request('/v1/actions', { key });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      clock += 20_000; // one request's worth of refill at 3 a minute
      expect((await t.request('/v1/actions', { key })).status).toBe(200);
    });

    it('expires keys at their expires_at', async () => {
      const { key } = (await (
        await t.request('/v1/api-keys', {
          method: 'POST',
          key: a.adminKey,
          json: {
            name: 'short',
            scopes: ['events:read'],
            expires_at: new Date(clock + 60_000).toISOString(),
          },
        })
      ).json()) as { key: string };
      expect((await t.request('/v1/actions', { key })).status).toBe(200);
      clock += 60_000;
      expect((await t.request('/v1/actions', { key })).status).toBe(401);
    });
  });

  describe('sign-in limits', () => {
    it('answers 429 with Retry-After once one IP has sent too many wrong passwords (20 tried)', async () => {
      const user = await addUser(t, a.id, 'member');
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 20; i++) {
        // Different accounts (known and unknown), so only the per-IP limit is in play.
        const email = i % 2 ? user.email : `nobody${i}@example.test`;
        const res = await new Browser(t.url, { 'x-forwarded-for': '198.51.100.20' }).login(
          i % 2 && i > 8 ? `x${i}${email}` : email,
          `wrong password ${i}`,
        );
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual(Array(10).fill(429));
      expect(Number(retryAfter)).toBeGreaterThan(0);
      // The right password does not get through either while the IP is blocked...
      expect(
        (await new Browser(t.url, { 'x-forwarded-for': '198.51.100.20' }).login(user.email, user.password))
          .status,
      ).toBe(429);
      // ...but another IP may sign in, and the block ends with the window.
      expect(
        (await new Browser(t.url, { 'x-forwarded-for': '198.51.100.21' }).login(user.email, user.password))
          .status,
      ).toBe(200);
      clock += 15 * 60_000;
      expect(
        (await new Browser(t.url, { 'x-forwarded-for': '198.51.100.20' }).login(user.email, user.password))
          .status,
      ).toBe(200);
    });

    it('limits one account across IPs, and an unknown email exactly like a known one', async () => {
      const user = await addUser(t, a.id, 'member');
      for (const email of [user.email, 'ghost@example.test']) {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          const res = await new Browser(t.url, { 'x-forwarded-for': `192.0.2.${i + 1}` }).login(
            email,
            `nope ${i}`,
          );
          statuses.push(res.status);
        }
        expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      }
      const fresh = await new Browser(t.url, { 'x-forwarded-for': '192.0.2.99' }).login(
        user.email,
        user.password,
      );
      expect(fresh.status).toBe(429);
      await t.server.ctx.logins.settled();
      const failed = (await eventsOf(t, a.id, 'user.login_failed')).filter((e) => e.actor.id === user.id);
      expect(failed.map((e) => e.metadata?.reason)).toEqual([
        'rate_limited',
        ...Array(5).fill('invalid_password'),
      ]);
      expect(failed[0]!.context).toMatchObject({ ip: '192.0.2.6' });
      clock += 15 * 60_000;
    });
  });
});

describe('sign-in cost', () => {
  // How long each answer takes is measured by `npm run bench -- --only=sign-in`; here, that both
  // answers do the same work: one argon2id verification of a hash with the same parameters.
  it('verifies a hash of the same argon2id cost for an unknown email as for a wrong password', async () => {
    const verified: string[] = [];
    const limits = new SignInLimits(
      { loginMaxFailuresPerIp: 1_000, loginMaxFailuresPerAccount: 1_000, loginWindowMs: 60_000 },
      async (hash, password) => {
        verified.push(hash);
        return verifyPassword(hash, password);
      },
    );
    const user = {
      id: 'usr_1',
      email: 'known@example.test',
      name: 'Known',
      password_hash: await hashPassword('the right password'),
      created_at: new Date(0).toISOString(),
      password_changed_at: new Date(0).toISOString(),
    };
    expect(await limits.passwordMatches(user, user.email, '192.0.2.1', 'wrong', 0)).toBe(false);
    expect(await limits.passwordMatches(undefined, 'nobody@example.test', '192.0.2.1', 'wrong', 0)).toBe(
      false,
    );
    expect(verified).toHaveLength(2);
    const parameters = (hash: string) => hash.split('$').slice(1, 4).join('$');
    expect(verified[0]!.startsWith('$argon2id$')).toBe(true);
    expect(parameters(verified[1]!)).toBe(parameters(verified[0]!));
  });
});
