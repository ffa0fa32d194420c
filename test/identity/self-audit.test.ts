import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { BACKENDS } from '../helpers/backends.js';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { addUser, Browser, eventsOf, settled, signedIn } from './identity-helpers.js';

const AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15';
const IP = '203.0.113.50';

describe.each(BACKENDS)("Trailmark's own events on $name", (backend) => {
  let t: TestServer;
  let clock = Date.now();
  /** The action whose transaction the hook makes fail, once. */
  let failOn: string | undefined;
  let org: { id: string; adminKey: string; readKey: string; writeKey: string };
  let owner: { email: string; password: string; id: string };
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer({
      backend,
      now: () => new Date(clock),
      config: { trustProxy: true },
      hooks: {
        beforeCommit: (actions) => {
          if (failOn && actions.includes(failOn)) {
            failOn = undefined;
            throw new Error('forced failure after the change (test hook)');
          }
        },
      },
    });
    org = await t.createOrg('Self audit');
    owner = await addUser(t, org.id, 'owner');
    browser = new Browser(t.url, { 'user-agent': AGENT, 'x-forwarded-for': IP });
    browser.org = org.id;
    expect((await browser.login(owner.email, owner.password)).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  /** The newest event with `action` in the org, checked for the acting person, IP and agent. */
  async function lastBySession(action: string, orgId = org.id): Promise<StoredEvent> {
    const [event] = await eventsOf(t, orgId, action);
    expect(event, `${action} recorded`).toBeDefined();
    expect(event!.actor).toMatchObject({ type: 'user', id: owner.id, email: owner.email });
    expect(event!.context).toMatchObject({ ip: IP, user_agent: AGENT, auth_type: 'session' });
    return event!;
  }

  const send = async (method: string, path: string, json?: unknown) => {
    const res = await browser.fetch(path, { method, ...(json !== undefined ? { json } : {}) });
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
    return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
  };

  it('records every change with actor, IP, user agent and the changed fields', async () => {
    const created = await send('POST', '/v1/orgs', { name: 'Made by a person' });
    expect((await lastBySession('organization.created', created.id as string)).metadata).toMatchObject({
      changed_fields: ['name'],
    });
    expect((await lastBySession('member.added', created.id as string)).metadata).toMatchObject({
      changed_fields: ['role'],
      role: 'owner',
    });

    await send('PATCH', `/v1/orgs/${org.id}`, { name: 'Renamed', retention_days: 30, legal_hold: true });
    expect((await lastBySession('organization.updated')).metadata).toMatchObject({
      changed_fields: ['name'],
      after: { name: 'Renamed' },
    });
    expect((await lastBySession('retention.updated')).metadata).toMatchObject({
      changed_fields: ['retention_days', 'legal_hold'],
      before: { retention_days: 90, legal_hold: false },
      after: { retention_days: 30, legal_hold: true },
    });

    const invitation = await send('POST', '/v1/members/invitations', {
      email: 'joiner@example.test',
      role: 'member',
    });
    const invited = await lastBySession('member.invited');
    expect(invited.resource).toMatchObject({
      type: 'invitation',
      id: invitation.id,
      name: 'joiner@example.test',
    });
    expect(invited.metadata).toMatchObject({ changed_fields: ['email', 'role'], role: 'member' });

    const joiner = new Browser(t.url, { 'user-agent': 'Joiner/1.0', 'x-forwarded-for': '198.51.100.7' });
    const token = new URL(invitation.accept_url as string).searchParams.get('token');
    const accepted = await joiner.fetch('/v1/invitations/accept', {
      method: 'POST',
      json: { token, name: 'Joiner', password: 'saffron teapot voyage' },
    });
    expect(accepted.status).toBe(200);
    const joinerId = ((await accepted.json()) as { user: { id: string } }).user.id;
    const [added] = await eventsOf(t, org.id, 'member.added');
    expect(added).toMatchObject({
      actor: { type: 'user', id: joinerId, email: 'joiner@example.test' },
      context: { ip: '198.51.100.7', user_agent: 'Joiner/1.0' },
      metadata: { changed_fields: ['role'], via: 'invitation', invitation_id: invitation.id },
    });

    const role = await send('POST', '/v1/roles', { name: 'Readers', permissions: ['viewAuditLog'] });
    expect((await lastBySession('role.created')).metadata).toMatchObject({
      changed_fields: ['name', 'permissions'],
      permissions: ['viewAuditLog'],
    });
    await send('PATCH', `/v1/roles/${role.id}`, { permissions: ['viewAuditLog', 'exportAuditLog'] });
    expect((await lastBySession('role.updated')).metadata).toMatchObject({
      changed_fields: ['permissions'],
      before: { permissions: ['viewAuditLog'] },
      after: { permissions: ['viewAuditLog', 'exportAuditLog'] },
    });
    await send('PATCH', `/v1/members/${joinerId}`, { role: role.id });
    expect((await lastBySession('member.role_changed')).metadata).toMatchObject({
      changed_fields: ['role'],
      before: { role: 'member' },
      after: { role: role.id, role_name: 'Readers' },
    });
    await send('DELETE', `/v1/members/${joinerId}`);
    expect((await lastBySession('member.removed')).metadata).toMatchObject({
      changed_fields: ['role'],
      before: { role: role.id },
    });
    await send('DELETE', `/v1/roles/${role.id}`);
    expect((await lastBySession('role.deleted')).resource).toMatchObject({ type: 'role', id: role.id });

    const key = await send('POST', '/v1/api-keys', {
      name: 'CI',
      scopes: ['events:write'],
      rate_limit_per_minute: 600,
    });
    expect((await lastBySession('api_key.created')).metadata).toMatchObject({
      changed_fields: ['name', 'scopes', 'rate_limit_per_minute'],
      last4: (key.key as string).slice(-4),
    });
    await send('PATCH', `/v1/api-keys/${key.id}`, { status: 'disabled' });
    expect((await lastBySession('api_key.status_updated')).metadata).toMatchObject({
      changed_fields: ['status'],
      before: { status: 'active' },
      after: { status: 'disabled' },
    });
    await send('DELETE', `/v1/api-keys/${key.id}`);
    expect((await lastBySession('api_key.deleted')).metadata).toMatchObject({ changed_fields: ['status'] });

    const minted = await t.request('/v1/viewer-tokens', {
      method: 'POST',
      key: org.adminKey,
      json: { actor: 'u_9' },
      headers: { 'user-agent': 'Integration/2', 'x-forwarded-for': '192.0.2.33' },
    });
    expect(minted.status).toBe(201);
    const [tokenEvent] = await eventsOf(t, org.id, 'viewer_token.created');
    expect(tokenEvent).toMatchObject({
      actor: { type: 'api_key' },
      context: { ip: '192.0.2.33', user_agent: 'Integration/2', auth_type: 'api_key' },
      metadata: { changed_fields: ['expires_at', 'actor'], actor: 'u_9' },
    });

    await send('POST', '/v1/auth/password', {
      current_password: owner.password,
      new_password: 'marigold compass 7781',
    });
    owner.password = 'marigold compass 7781';
    expect((await lastBySession('user.password_changed')).metadata).toMatchObject({
      changed_fields: ['password'],
    });
    expect(await lastBySession('user.login')).toBeDefined();
    await send('POST', '/v1/auth/logout');
    expect(await lastBySession('user.logout')).toBeDefined();
    expect((await browser.login(owner.email, 'not it')).status).toBe(401);
    await settled(t);
    expect((await lastBySession('user.login_failed')).metadata).toMatchObject({
      reason: 'invalid_password',
      ip: IP,
      user_agent: AGENT,
    });
    expect((await browser.login(owner.email, owner.password)).status).toBe(200);
  });

  it('records audit_log.viewed at most once per principal per 10 minutes; key reads are not recorded', async () => {
    const viewer = await addUser(t, org.id, 'admin');
    const reader = await signedIn(t, viewer.email, viewer.password, org.id);
    const mine = async () =>
      (await eventsOf(t, org.id, 'audit_log.viewed')).filter((e) => e.actor.id === viewer.id);
    // Each answer is read whole: one left unread keeps its connection busy, and the server's
    // shutdown waits for it (up to TRAILMARK_SHUTDOWN_GRACE_SECONDS).
    const view = async (res: Promise<Response>) => {
      const answer = await res;
      await answer.arrayBuffer();
      return answer.status;
    };
    for (let i = 0; i < 3; i++) expect(await view(reader.fetch('/v1/events?action=user.login'))).toBe(200);
    expect(await mine()).toHaveLength(1);
    expect((await mine())[0]!.metadata).toMatchObject({ filters: { action: 'user.login' } });
    clock += 9 * 60_000;
    await view(reader.fetch('/v1/events'));
    expect(await mine()).toHaveLength(1);
    clock += 60_000;
    await view(reader.fetch('/v1/events'));
    expect(await mine()).toHaveLength(2);

    const token = (await (
      await t.request('/v1/viewer-tokens', { method: 'POST', key: org.adminKey, json: { workspace: 'w' } })
    ).json()) as { token: string; id: string };
    await view(t.request('/v1/events', { key: token.token }));
    await view(t.request('/v1/events', { key: token.token }));
    const byToken = (await eventsOf(t, org.id, 'audit_log.viewed')).filter((e) => e.actor.id === token.id);
    expect(byToken).toHaveLength(1);
    expect(byToken[0]!.metadata).toMatchObject({ viewer_token: { workspace: 'w', actor: null } });
    const before = (await eventsOf(t, org.id, 'audit_log.viewed')).length;
    await view(t.request('/v1/events', { key: org.readKey }));
    expect((await eventsOf(t, org.id, 'audit_log.viewed')).length).toBe(before);
  });

  it('keeps neither the change nor its event when the transaction fails after the change', async () => {
    const head = async () =>
      ((await (await t.request('/v1/chain', { key: org.readKey })).json()) as { head: { seq: number } }).head
        .seq;
    const attempt = async (action: string, method: string, path: string, json?: unknown, using = browser) => {
      const seq = await head();
      failOn = action;
      const res = await using.fetch(path, { method, ...(json !== undefined ? { json } : {}) });
      expect(res.status, `${action}: ${await res.clone().text()}`).toBe(500);
      expect(failOn, `${action} reached the hook`).toBeUndefined();
      expect(await head(), `${action} left no event`).toBe(seq);
    };
    const get = async (path: string) => {
      const res = await t.request(path, { key: ADMIN_KEY, headers: { 'trailmark-org': org.id } });
      return (await res.json()) as Record<string, unknown> & { data: Array<Record<string, unknown>> };
    };

    await attempt('organization.updated', 'PATCH', `/v1/orgs/${org.id}`, { name: 'Never' });
    expect((await get(`/v1/orgs/${org.id}`)).name).toBe('Renamed');
    await attempt('retention.updated', 'PATCH', `/v1/orgs/${org.id}`, { retention_days: 7 });
    expect((await get(`/v1/orgs/${org.id}`)).retention_days).toBe(30);

    await attempt('member.invited', 'POST', '/v1/members/invitations', {
      email: 'ghost@example.test',
      role: 'member',
    });
    expect((await get('/v1/members')).invitations).toEqual([]);

    await attempt('role.created', 'POST', '/v1/roles', { name: 'Phantom', permissions: [] });
    expect((await get('/v1/roles')).data.map((r) => r.name)).not.toContain('Phantom');
    const role = await send('POST', '/v1/roles', { name: 'Kept', permissions: [] });
    await attempt('role.updated', 'PATCH', `/v1/roles/${role.id}`, { name: 'Changed' });
    await attempt('role.deleted', 'DELETE', `/v1/roles/${role.id}`);
    expect((await get('/v1/roles')).data.map((r) => r.name)).toContain('Kept');

    const member = await addUser(t, org.id, 'member');
    await attempt('member.role_changed', 'PATCH', `/v1/members/${member.id}`, { role: 'admin' });
    await attempt('member.removed', 'DELETE', `/v1/members/${member.id}`);
    expect((await get('/v1/members')).data.find((m) => m.user_id === member.id)?.role).toBe('member');

    await attempt('api_key.created', 'POST', '/v1/api-keys', {
      name: 'Phantom key',
      scopes: ['events:read'],
    });
    expect((await get('/v1/api-keys')).data.map((k) => k.name)).not.toContain('Phantom key');
    const key = await send('POST', '/v1/api-keys', { name: 'Kept key', scopes: ['events:read'] });
    await attempt('api_key.status_updated', 'PATCH', `/v1/api-keys/${key.id}`, { status: 'disabled' });
    await attempt('api_key.deleted', 'DELETE', `/v1/api-keys/${key.id}`);
    expect((await t.request('/v1/actions', { key: key.key as string })).status).toBe(200);

    const viaKey = {
      fetch: (path: string, init: { method: string; json?: unknown }) =>
        t.request(path, {
          method: init.method,
          key: org.adminKey,
          ...(init.json ? { json: init.json } : {}),
        }),
    };
    await attempt('viewer_token.created', 'POST', '/v1/viewer-tokens', {}, viaKey as unknown as Browser);

    const person = await addUser(t, org.id, 'member');
    const fresh = new Browser(t.url);
    failOn = 'user.login';
    const login = await fresh.login(person.email, person.password);
    expect(login.status).toBe(500);
    expect(fresh.cookie).toBeUndefined();
    expect((await eventsOf(t, org.id, 'user.login')).filter((e) => e.actor.id === person.id)).toEqual([]);

    const session = await signedIn(t, person.email, person.password, org.id);
    await attempt('user.logout', 'POST', '/v1/auth/logout', undefined, session);
    expect((await session.fetch('/v1/auth/me')).status).toBe(200);
    await attempt(
      'user.password_changed',
      'POST',
      '/v1/auth/password',
      { current_password: person.password, new_password: 'juniper quarry 5512' },
      session,
    );
    expect((await new Browser(t.url).login(person.email, person.password)).status).toBe(200);

    failOn = 'organization.created';
    expect((await browser.fetch('/v1/orgs', { method: 'POST', json: { name: 'Phantom org' } })).status).toBe(
      500,
    );
    const mineNow = (await (await browser.fetch('/v1/orgs')).json()) as { data: Array<{ name: string }> };
    expect(mineNow.data.map((o) => o.name)).not.toContain('Phantom org');
  });
});
