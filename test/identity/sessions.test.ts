import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addUser, Browser, eventsOf, setCookie, settled, signedIn } from './identity-helpers.js';

describe.each(BACKENDS)('sessions on $name', (backend) => {
  let t: TestServer;
  let clock = Date.now();
  let org: { id: string };

  beforeAll(async () => {
    t = await startTestServer({
      backend,
      now: () => new Date(clock),
      config: { trustProxy: true, sessionIdleMinutes: 30, sessionMaxHours: 2 },
    });
    org = await t.createOrg('Sessions');
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs in: the body names the user, orgs, role, permissions and a CSRF token', async () => {
    const user = await addUser(t, org.id, 'admin');
    const browser = new Browser(t.url);
    const res = await browser.login(user.email.toUpperCase(), user.password);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      user: { id: user.id, email: user.email },
      orgs: [{ id: org.id, role: 'admin', role_name: 'admin' }],
    });
    expect(typeof body.csrf_token).toBe('string');
    expect((body.orgs as Array<{ permissions: string[] }>)[0]!.permissions).toContain('viewAuditLog');
    const me = await browser.fetch('/v1/auth/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(body);
  });

  it('sets tm_session HttpOnly, SameSite=Lax, Path=/, and Secure only over TLS', async () => {
    const user = await addUser(t, org.id, 'member');
    const plain = await new Browser(t.url).login(user.email, user.password);
    const cookie = setCookie(plain, 'tm_session')!;
    expect(cookie.value).toMatch(/^tms_[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes.has('httponly')).toBe(true);
    expect(cookie.attributes.get('samesite')).toBe('Lax');
    expect(cookie.attributes.get('path')).toBe('/');
    expect(cookie.attributes.has('secure')).toBe(false);
    const tls = await new Browser(t.url, { 'x-forwarded-proto': 'https' }).login(user.email, user.password);
    expect(setCookie(tls, 'tm_session')!.attributes.has('secure')).toBe(true);
  });

  it('gives a new session id at every sign-in and revokes the one the browser had (no fixation)', async () => {
    const user = await addUser(t, org.id, 'member');
    const browser = await signedIn(t, user.email, user.password);
    const first = browser.cookie!;
    // An attacker's planted value is not adopted either.
    const planted = new Browser(t.url);
    planted.cookie = 'tms_planted_by_someone_else_aaaaaaaaaaaaaaaaaaaaaaaaaa';
    await planted.login(user.email, user.password);
    expect(planted.cookie).not.toBe('tms_planted_by_someone_else_aaaaaaaaaaaaaaaaaaaaaaaaaa');
    await browser.login(user.email, user.password);
    expect(browser.cookie).not.toBe(first);
    const old = new Browser(t.url);
    old.cookie = first;
    expect((await old.fetch('/v1/auth/me')).status).toBe(401);
    expect((await browser.fetch('/v1/auth/me')).status).toBe(200);
  });

  it('refuses cookie-authenticated writes without the right X-CSRF-Token', async () => {
    const user = await addUser(t, org.id, 'owner');
    const browser = await signedIn(t, user.email, user.password, org.id);
    const body = { name: 'renamed by csrf test' };
    const none = await browser.fetch(`/v1/orgs/${org.id}`, { method: 'PATCH', json: body, csrf: false });
    expect(none.status).toBe(403);
    const wrong = await browser.fetch(`/v1/orgs/${org.id}`, {
      method: 'PATCH',
      json: body,
      csrf: false,
      headers: { 'x-csrf-token': 'not-the-token' },
    });
    expect(wrong.status).toBe(403);
    expect((await t.request(`/v1/orgs/${org.id}`)).status).toBe(200);
    const ok = await browser.fetch(`/v1/orgs/${org.id}`, { method: 'PATCH', json: body });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { name: string }).name).toBe('renamed by csrf test');
  });

  it('signs out: 204, the cookie is cleared, the session is dead, user.logout is recorded', async () => {
    const user = await addUser(t, org.id, 'member');
    const browser = await signedIn(t, user.email, user.password);
    const cookie = browser.cookie;
    expect((await browser.fetch('/v1/auth/logout', { method: 'POST', csrf: false })).status).toBe(403);
    const res = await browser.fetch('/v1/auth/logout', {
      method: 'POST',
      headers: { 'user-agent': 'LogoutAgent/1' },
    });
    expect(res.status).toBe(204);
    expect(browser.cookie).toBeUndefined();
    const replay = new Browser(t.url);
    replay.cookie = cookie;
    expect((await replay.fetch('/v1/auth/me')).status).toBe(401);
    const [event] = (await eventsOf(t, org.id, 'user.logout')).filter((e) => e.actor.id === user.id);
    expect(event).toMatchObject({
      actor: { type: 'user', id: user.id, email: user.email },
      context: { ip: '127.0.0.1', user_agent: 'LogoutAgent/1', auth_type: 'session' },
    });
  });

  it('expires a session after the idle time and after the absolute lifetime', async () => {
    const user = await addUser(t, org.id, 'member');
    const idle = await signedIn(t, user.email, user.password);
    clock += 29 * 60_000;
    expect((await idle.fetch('/v1/auth/me')).status).toBe(200); // activity extends the idle window
    clock += 29 * 60_000;
    expect((await idle.fetch('/v1/auth/me')).status).toBe(200);
    clock += 31 * 60_000;
    expect((await idle.fetch('/v1/auth/me')).status).toBe(401);

    const busy = await signedIn(t, user.email, user.password);
    for (let i = 0; i < 4; i++) {
      clock += 25 * 60_000;
      expect((await busy.fetch('/v1/auth/me')).status).toBe(200);
    }
    clock += 25 * 60_000; // 125 minutes: past the 2 h absolute lifetime despite the activity
    expect((await busy.fetch('/v1/auth/me')).status).toBe(401);
  });

  it('records user.login and user.login_failed with reason, IP and user agent', async () => {
    const user = await addUser(t, org.id, 'member');
    const agent = {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      'x-forwarded-for': '203.0.113.9',
    };
    const browser = new Browser(t.url, agent);
    expect((await browser.login(user.email, 'not the password at all')).status).toBe(401);
    expect((await browser.login(user.email, user.password)).status).toBe(200);
    await settled(t);
    const [failed] = (await eventsOf(t, org.id, 'user.login_failed')).filter((e) => e.actor.id === user.id);
    expect(failed).toMatchObject({
      status: 'failure',
      actor: { type: 'user', id: user.id, email: user.email },
      context: { ip: '203.0.113.9', user_agent: agent['user-agent'] },
      metadata: { reason: 'invalid_password', ip: '203.0.113.9', user_agent: agent['user-agent'] },
    });
    expect(failed!.context?.client?.browser).toContain('Firefox');
    const [login] = (await eventsOf(t, org.id, 'user.login')).filter((e) => e.actor.id === user.id);
    expect(login).toMatchObject({
      status: 'success',
      context: { ip: '203.0.113.9', user_agent: agent['user-agent'], auth_type: 'session' },
    });
  });

  it('changes a password: policy enforced, every other session revoked, a new one opened', async () => {
    const user = await addUser(t, org.id, 'member');
    const other = await signedIn(t, user.email, user.password);
    const browser = await signedIn(t, user.email, user.password);
    const short = await browser.fetch('/v1/auth/password', {
      method: 'POST',
      json: { current_password: user.password, new_password: 'short' },
    });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe(
      '/new_password',
    );
    const common = await browser.fetch('/v1/auth/password', {
      method: 'POST',
      json: { current_password: user.password, new_password: 'Password123456!' },
    });
    expect(common.status).toBe(400);
    expect(await common.text()).toContain('too common');
    const wrong = await browser.fetch('/v1/auth/password', {
      method: 'POST',
      json: { current_password: 'not it at all', new_password: 'a much better passphrase 42' },
    });
    expect(wrong.status).toBe(400);
    const before = browser.cookie;
    const ok = await browser.fetch('/v1/auth/password', {
      method: 'POST',
      json: { current_password: user.password, new_password: 'a much better passphrase 42' },
    });
    expect(ok.status).toBe(200);
    expect(browser.cookie).not.toBe(before);
    browser.csrf = ((await ok.json()) as { csrf_token: string }).csrf_token;
    expect((await browser.fetch('/v1/auth/me')).status).toBe(200);
    expect((await other.fetch('/v1/auth/me')).status).toBe(401);
    expect((await new Browser(t.url).login(user.email, user.password)).status).toBe(401);
    expect((await new Browser(t.url).login(user.email, 'a much better passphrase 42')).status).toBe(200);
    const [event] = (await eventsOf(t, org.id, 'user.password_changed')).filter(
      (e) => e.actor.id === user.id,
    );
    expect(event!.metadata).toMatchObject({ changed_fields: ['password'], sessions_revoked: 2 });
  });

  it('refuses keys and viewer tokens on /v1/auth/me, and nobody without credentials', async () => {
    expect((await t.request('/v1/auth/me', { key: null })).status).toBe(401);
    expect((await t.request('/v1/auth/me')).status).toBe(403);
  });

  it('answers bad sign-in bodies with 400 naming the field', async () => {
    const res = await new Browser(t.url).fetch('/v1/auth/login', { method: 'POST', json: { email: 'x' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ path: string }> };
    expect([...new Set(body.errors.map((e) => e.path))].sort()).toEqual(['/email', '/password']);
  });
});
