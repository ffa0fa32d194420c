import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { addUser, Browser, signedIn } from './identity-helpers.js';

/**
 * Every principal against every route, in org A: the exact status each gets. The expectations
 * are written out by hand (not derived from the code under test), one row per route.
 */

const PRINCIPALS = [
  'owner',
  'admin',
  'member',
  'customView',
  'customNone',
  'keyWrite',
  'keyRead',
  'keyAdmin',
  'deploymentKey',
  'viewer',
  'otherOrgAdmin',
  'anonymous',
] as const;
type PrincipalName = (typeof PRINCIPALS)[number];

interface Call {
  method: string;
  path: string;
  json?: unknown;
}

interface RouteCase {
  name: string;
  /** Builds the call; may create what the call acts on (with the deployment key). */
  call: (principal: PrincipalName) => Promise<Call>;
  expected: Record<PrincipalName, number>;
}

/** Shorthands for the usual patterns: who holds a grant gets `ok`, org outsiders 404. */
function row(ok: number, allowed: PrincipalName[], overrides: Partial<Record<PrincipalName, number>> = {}) {
  const expected = {} as Record<PrincipalName, number>;
  for (const p of PRINCIPALS) expected[p] = allowed.includes(p) ? ok : 403;
  expected.otherOrgAdmin = 404;
  expected.anonymous = 401;
  return { ...expected, ...overrides };
}

function everyone(status: number): Record<PrincipalName, number> {
  return Object.fromEntries(PRINCIPALS.map((p) => [p, status])) as Record<PrincipalName, number>;
}

const VIEWERS: PrincipalName[] = [
  'owner',
  'admin',
  'customView',
  'keyRead',
  'keyAdmin',
  'deploymentKey',
  'viewer',
];
const EXPORTERS: PrincipalName[] = ['owner', 'admin', 'keyRead', 'keyAdmin', 'deploymentKey'];
const MANAGERS: PrincipalName[] = ['owner', 'admin', 'keyAdmin', 'deploymentKey'];
const SESSIONS: PrincipalName[] = ['owner', 'admin', 'member', 'customView', 'customNone', 'otherOrgAdmin'];
const ORG_A_MEMBERS: PrincipalName[] = ['owner', 'admin', 'member', 'customView', 'customNone'];
const KEYS: PrincipalName[] = ['keyWrite', 'keyRead', 'keyAdmin', 'deploymentKey'];

describe.each(BACKENDS)('permission matrix on $name', (backend) => {
  let t: TestServer;
  let orgA: { id: string; writeKey: string; readKey: string; adminKey: string };
  let eventId: string;
  const callers = new Map<PrincipalName, (call: Call) => Promise<Response>>();
  let n = 0;
  const unique = (prefix: string) => `${prefix}${++n}`;

  /** Deployment-key requests naming org A, to set up what a call acts on. */
  const setup = async (method: string, path: string, json?: unknown) => {
    const res = await t.request(path, { method, json, headers: { 'trailmark-org': orgA.id } });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>);
  };

  beforeAll(async () => {
    // Every principal tries one wrong sign-in below; the per-IP limit is not what this measures.
    t = await startTestServer({ backend, config: { loginMaxFailuresPerIp: 1000 } });
    orgA = await t.createOrg('A');
    const orgB = await t.createOrg('B');
    const view = await setup('POST', '/v1/roles', { name: 'Auditor', permissions: ['viewAuditLog'] });
    const none = await setup('POST', '/v1/roles', { name: 'Nobody', permissions: [] });
    const people: Array<[PrincipalName, string, string]> = [
      ['owner', orgA.id, 'owner'],
      ['admin', orgA.id, 'admin'],
      ['member', orgA.id, 'member'],
      ['customView', orgA.id, view!.id as string],
      ['customNone', orgA.id, none!.id as string],
      ['otherOrgAdmin', orgB.id, 'admin'],
    ];
    for (const [name, org, role] of people) {
      const user = await addUser(t, org, role);
      const browser = await signedIn(t, user.email, user.password);
      callers.set(name, (call) =>
        browser.fetch(call.path, {
          method: call.method,
          org: orgA.id,
          ...(call.json !== undefined ? { json: call.json } : {}),
        }),
      );
    }
    const bearer = (key: string | null) => (call: Call) =>
      t.request(call.path, {
        method: call.method,
        key,
        ...(call.json !== undefined ? { json: call.json } : {}),
        headers: key === ADMIN_KEY ? { 'trailmark-org': orgA.id } : {},
      });
    callers.set('keyWrite', bearer(orgA.writeKey));
    callers.set('keyRead', bearer(orgA.readKey));
    callers.set('keyAdmin', bearer(orgA.adminKey));
    callers.set('deploymentKey', bearer(ADMIN_KEY));
    callers.set('anonymous', bearer(null));
    const minted = await t.request('/v1/viewer-tokens', { method: 'POST', key: orgA.adminKey, json: {} });
    expect(minted.status).toBe(201);
    callers.set('viewer', bearer(((await minted.json()) as { token: string }).token));
    const ingest = await t.request('/v1/events', {
      method: 'POST',
      key: orgA.writeKey,
      json: { action: 'document.viewed', actor: { type: 'user', id: 'u_1' }, workspace: 'ws_1' },
    });
    eventId = ((await ingest.json()) as { events: Array<{ id: string }> }).events[0]!.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string) => async () => ({ method: 'GET', path });

  const routes: RouteCase[] = [
    {
      name: 'POST /v1/events',
      call: async () => ({
        method: 'POST',
        path: '/v1/events',
        json: { action: 'document.created', actor: { type: 'user', id: 'u_2' } },
      }),
      expected: row(201, ['keyWrite', 'keyAdmin', 'deploymentKey'], { otherOrgAdmin: 403 }),
    },
    { name: 'GET /v1/events', call: get('/v1/events'), expected: row(200, VIEWERS) },
    {
      name: 'GET /v1/events/{id}',
      call: async () => ({ method: 'GET', path: `/v1/events/${eventId}` }),
      expected: row(200, VIEWERS),
    },
    { name: 'GET /v1/actions', call: get('/v1/actions'), expected: row(200, VIEWERS) },
    { name: 'GET /v1/chain', call: get('/v1/chain'), expected: row(200, VIEWERS) },
    { name: 'GET /v1/chain/checkpoints', call: get('/v1/chain/checkpoints'), expected: row(200, VIEWERS) },
    {
      name: 'POST /v1/chain/verify',
      call: async () => ({ method: 'POST', path: '/v1/chain/verify' }),
      expected: row(200, VIEWERS),
    },
    { name: 'GET /v1/signing-keys', call: get('/v1/signing-keys'), expected: everyone(200) },
    { name: 'GET /v1/events/export.csv', call: get('/v1/events/export.csv'), expected: row(200, EXPORTERS) },
    {
      name: 'GET /v1/events/export.jsonl',
      call: get('/v1/events/export.jsonl'),
      expected: row(200, EXPORTERS),
    },
    {
      name: 'GET /v1/orgs',
      call: get('/v1/orgs'),
      expected: row(200, [...SESSIONS, ...KEYS], { otherOrgAdmin: 200 }),
    },
    {
      name: 'POST /v1/orgs',
      call: async () => ({ method: 'POST', path: '/v1/orgs', json: { name: unique('Org ') } }),
      expected: row(201, [...SESSIONS, 'deploymentKey'], { otherOrgAdmin: 201 }),
    },
    {
      name: 'GET /v1/orgs/{org}',
      call: async () => ({ method: 'GET', path: `/v1/orgs/${orgA.id}` }),
      expected: row(200, [...ORG_A_MEMBERS, ...KEYS]),
    },
    {
      name: 'PATCH /v1/orgs/{org}',
      call: async () => ({ method: 'PATCH', path: `/v1/orgs/${orgA.id}`, json: { retention_days: 90 } }),
      expected: row(200, MANAGERS),
    },
    {
      name: 'POST /v1/orgs/{org}/api-keys',
      call: async () => ({
        method: 'POST',
        path: `/v1/orgs/${orgA.id}/api-keys`,
        json: { name: unique('key '), scopes: ['events:write'] },
      }),
      expected: row(201, MANAGERS),
    },
    { name: 'GET /v1/members', call: get('/v1/members'), expected: row(200, MANAGERS) },
    {
      name: 'POST /v1/members/invitations',
      call: async () => ({
        method: 'POST',
        path: '/v1/members/invitations',
        json: { email: `${unique('invitee')}@example.test`, role: 'member' },
      }),
      expected: row(201, MANAGERS),
    },
    {
      name: 'PATCH /v1/members/{user_id}',
      call: async () => {
        const target = await addUser(t, orgA.id, 'member');
        return { method: 'PATCH', path: `/v1/members/${target.id}`, json: { role: 'admin' } };
      },
      expected: row(200, MANAGERS),
    },
    {
      name: 'DELETE /v1/members/{user_id}',
      call: async () => {
        const target = await addUser(t, orgA.id, 'member');
        return { method: 'DELETE', path: `/v1/members/${target.id}` };
      },
      expected: row(204, MANAGERS),
    },
    { name: 'GET /v1/roles', call: get('/v1/roles'), expected: row(200, MANAGERS) },
    {
      name: 'POST /v1/roles',
      call: async () => ({
        method: 'POST',
        path: '/v1/roles',
        json: { name: unique('role '), permissions: [] },
      }),
      expected: row(201, MANAGERS),
    },
    {
      name: 'PATCH /v1/roles/{id}',
      call: async () => {
        const role = await setup('POST', '/v1/roles', { name: unique('target role '), permissions: [] });
        return { method: 'PATCH', path: `/v1/roles/${role!.id}`, json: { name: unique('renamed ') } };
      },
      expected: row(200, MANAGERS),
    },
    {
      name: 'DELETE /v1/roles/{id}',
      call: async () => {
        const role = await setup('POST', '/v1/roles', { name: unique('doomed role '), permissions: [] });
        return { method: 'DELETE', path: `/v1/roles/${role!.id}` };
      },
      expected: row(204, MANAGERS),
    },
    { name: 'GET /v1/api-keys', call: get('/v1/api-keys'), expected: row(200, MANAGERS) },
    {
      name: 'POST /v1/api-keys',
      call: async () => ({
        method: 'POST',
        path: '/v1/api-keys',
        json: { name: unique('key '), scopes: ['events:read'] },
      }),
      expected: row(201, MANAGERS),
    },
    {
      name: 'PATCH /v1/api-keys/{id}',
      call: async () => {
        const key = await setup('POST', '/v1/api-keys', {
          name: unique('target '),
          scopes: ['events:write'],
        });
        return { method: 'PATCH', path: `/v1/api-keys/${key!.id}`, json: { status: 'disabled' } };
      },
      expected: row(200, MANAGERS),
    },
    {
      name: 'DELETE /v1/api-keys/{id}',
      call: async () => {
        const key = await setup('POST', '/v1/api-keys', {
          name: unique('doomed '),
          scopes: ['events:write'],
        });
        return { method: 'DELETE', path: `/v1/api-keys/${key!.id}` };
      },
      expected: row(204, MANAGERS),
    },
    {
      name: 'POST /v1/viewer-tokens',
      call: async () => ({ method: 'POST', path: '/v1/viewer-tokens', json: { workspace: 'ws_1' } }),
      expected: row(201, ['keyAdmin', 'deploymentKey']),
    },
    {
      name: 'GET /v1/auth/me',
      call: get('/v1/auth/me'),
      expected: row(200, SESSIONS, { otherOrgAdmin: 200 }),
    },
    {
      name: 'POST /v1/invitations/accept (unknown token)',
      call: async () => ({
        method: 'POST',
        path: '/v1/invitations/accept',
        json: { token: 'tmi_unknown', name: 'X', password: 'a long enough passphrase' },
      }),
      expected: everyone(404),
    },
    {
      name: 'POST /v1/auth/login (wrong password)',
      call: async () => ({
        method: 'POST',
        path: '/v1/auth/login',
        json: { email: `${unique('nobody')}@example.test`, password: 'not a password of anyone' },
      }),
      expected: everyone(401),
    },
    {
      name: 'POST /v1/auth/password (wrong current password)',
      call: async () => ({
        method: 'POST',
        path: '/v1/auth/password',
        json: { current_password: 'not it', new_password: 'whatever comes next 99' },
      }),
      expected: row(400, SESSIONS, { otherOrgAdmin: 400 }),
    },
    { name: 'GET /healthz', call: get('/healthz'), expected: everyone(200) },
    { name: 'GET /readyz', call: get('/readyz'), expected: everyone(200) },
    { name: 'GET /metrics', call: get('/metrics'), expected: everyone(200) },
    { name: 'GET /openapi.json', call: get('/openapi.json'), expected: everyone(200) },
    // Last: it ends the sessions.
    {
      name: 'POST /v1/auth/logout',
      call: async () => ({ method: 'POST', path: '/v1/auth/logout' }),
      expected: row(204, SESSIONS, { otherOrgAdmin: 204 }),
    },
  ];

  it('answers every route for every principal with exactly the expected status', async () => {
    const actual: Record<string, Record<string, number>> = {};
    const expected: Record<string, Record<string, number>> = {};
    for (const route of routes) {
      actual[route.name] = {};
      expected[route.name] = route.expected;
      for (const principal of PRINCIPALS) {
        const call = await route.call(principal);
        const res = await callers.get(principal)!(call);
        await res.arrayBuffer();
        actual[route.name]![principal] = res.status;
      }
    }
    expect(actual).toEqual(expected);
  });

  it('leaves another org untouched by org A credentials, and org A by org B admins', async () => {
    // Covered row by row above (otherOrgAdmin is 404 on every org A resource); here the reverse:
    // org A's admin key names org B explicitly and gets 404, not org B's data.
    const res = await t.request('/v1/members', {
      key: orgA.adminKey,
      headers: { 'trailmark-org': 'org_that_is_not_mine' },
    });
    expect(res.status).toBe(404);
    const browser = new Browser(t.url);
    expect((await browser.fetch('/v1/members')).status).toBe(401);
  });
});
