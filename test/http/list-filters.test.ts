import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  ALL_TIME,
  DAY,
  expectProblem,
  ingest,
  listAll,
  listPage,
  query,
  SERVER_BACKENDS,
  type Served,
  type TestOrg,
} from './support.js';

/**
 * SPEC §4 list filters. A fixture org holds events chosen to trip naive implementations (a
 * prefix that LIKE would over-match, `%` and `_` in search terms, mixed-case emails); each
 * filter is checked by hand, then every combination against a reference implementation here.
 */

const HOUR = 3600_000;
/** UTC midnight `n` days ago. */
const dayStart = (n: number) => {
  const d = new Date(Date.now() - n * DAY);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
};
const iso = (ms: number) => new Date(ms).toISOString();
const isoDate = (ms: number) => iso(ms).slice(0, 10);

const ADA = { type: 'user', id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' };
const BOB = { type: 'user', id: 'u_bob', name: 'Bob Builder', email: 'Bob@Example.COM' };
const CI = { type: 'service', id: 'svc_ci', name: 'CI' };
const KEY = { type: 'api_key', id: 'key_1' };
const req = (method: string, path: string, status_code = 200) => ({
  method,
  path,
  status_code,
  duration_ms: 12,
});

/** [label, days ago, hour of that day, event]. Labels make expectations readable. */
const FIXTURE: Array<[string, number, number, Record<string, unknown>]> = [
  [
    'ada-login',
    1,
    9,
    { action: 'user.login', actor: ADA, context: { ip: '203.0.113.7' }, workspace: 'ws_a' },
  ],
  [
    'ada-login-failed',
    1,
    8,
    { action: 'user.login_failed', actor: ADA, status: 'failure', context: { ip: '198.51.100.1' } },
  ],
  [
    'bob-login',
    2,
    9,
    { action: 'user.login', actor: BOB, context: { ip: '2001:db8::1' }, workspace: 'ws_b' },
  ],
  ['bob-logout', 2, 17, { action: 'user.logout', actor: BOB, workspace: 'ws_b' }],
  [
    'key-created',
    3,
    10,
    {
      action: 'api_key.created',
      actor: ADA,
      resource: { type: 'api_key', id: 'key_9', name: 'Deploy key' },
      workspace: 'ws_a',
    },
  ],
  [
    'key-deleted',
    3,
    11,
    { action: 'api_key.deleted', actor: BOB, resource: { type: 'api_key', id: 'key_9' }, status: 'failure' },
  ],
  [
    'key-rule',
    4,
    12,
    { action: 'api_key.iam_rule.update', actor: CI, resource: { type: 'api_key', id: 'key_9' } },
  ],
  ['keys-listed', 4, 13, { action: 'api_keys.listed', actor: CI, description: 'listed all keys' }],
  ['apikey-created', 4, 14, { action: 'apikey.created', actor: CI }],
  ['users-created', 5, 9, { action: 'users.created', actor: KEY, description: 'bulk import' }],
  [
    'user-group',
    5,
    10,
    {
      action: 'user_group.created',
      actor: KEY,
      resource: { type: 'user_group', id: 'grp_1', name: 'Admins' },
    },
  ],
  [
    'tpl-created',
    6,
    9,
    {
      action: 'template.created',
      actor: ADA,
      resource: { type: 'template', id: 'tpl_1', name: 'Quarterly Report' },
      description: 'Invoice 100% paid',
      workspace: 'ws_a',
    },
  ],
  [
    'tpl-updated',
    6,
    10,
    {
      action: 'template.updated',
      actor: BOB,
      resource: { type: 'template', id: 'tpl_2', name: 'Invoice' },
      description: 'renamed under_score field',
    },
  ],
  [
    'tpl-deleted',
    6,
    11,
    {
      action: 'template.deleted',
      actor: ADA,
      resource: { type: 'template', id: 'tpl_1' },
      description: `O'Brien said "hi"`,
    },
  ],
  [
    'backslash',
    7,
    9,
    {
      action: 'template.viewed',
      actor: CI,
      resource: { type: 'template', id: 'tpl_2' },
      description: 'path C:\\temp\\x',
    },
  ],
  [
    'unicode',
    7,
    10,
    {
      action: 'template.viewed',
      actor: ADA,
      resource: { type: 'template', id: 'tpl_3', name: 'Ünïcödé Straße' },
    },
  ],
  [
    'emoji',
    7,
    11,
    { action: 'template.viewed', actor: BOB, description: 'party 🎉 time', workspace: 'ws_b' },
  ],
  ['req-get', 8, 9, { action: 'api.request', actor: KEY, request: req('GET', '/api/v1/templates/tpl_1') }],
  [
    'req-post',
    8,
    10,
    {
      action: 'api.request',
      actor: KEY,
      request: req('POST', '/api/v1/templates', 201),
      status: 'success',
      workspace: 'ws_a',
    },
  ],
  [
    'req-fail',
    8,
    11,
    {
      action: 'api.request',
      actor: KEY,
      request: req('DELETE', '/api/v1/templates/tpl_2', 403),
      status: 'failure',
      context: { ip: '203.0.113.7' },
    },
  ],
  // Three events at the same instant: ties in occurred_at.
  ['tie-1', 9, 12, { action: 'member.invited', actor: ADA, resource: { type: 'user', id: 'u_new1' } }],
  ['tie-2', 9, 12, { action: 'member.invited', actor: ADA, resource: { type: 'user', id: 'u_new2' } }],
  ['tie-3', 9, 12, { action: 'member.removed', actor: BOB, resource: { type: 'user', id: 'u_new1' } }],
  ['percent-only', 10, 9, { action: 'report.run', actor: CI, description: '50%' }],
  ['old', 45, 9, { action: 'user.login', actor: ADA, description: 'long ago', workspace: 'ws_a' }],
  ['older', 400, 9, { action: 'user.login', actor: BOB, description: 'very long ago' }],
];

type Params = Record<string, string>;

/** What SPEC §4 says each filter matches; the server's answers are compared with this. */
function matches(e: Served, p: Params, now: number): boolean {
  const from = p.from ? Date.parse(p.from) : now - 30 * DAY;
  const to = p.to ? Date.parse(p.to) : now + 5 * 60_000;
  const at = Date.parse(e.occurred_at);
  if (at < from || at > to) return false;
  if (
    p.actor !== undefined &&
    e.actor.id !== p.actor &&
    e.actor.email?.toLowerCase() !== p.actor.toLowerCase()
  )
    return false;
  if (p.action !== undefined) {
    const ok = p.action
      .split(',')
      .some((a) => (a.endsWith('*') ? e.action.startsWith(a.slice(0, -1)) : e.action === a));
    if (!ok) return false;
  }
  if (p.resource_type !== undefined && e.resource?.type !== p.resource_type) return false;
  if (p.resource_id !== undefined && e.resource?.id !== p.resource_id) return false;
  if (p.status !== undefined && e.status !== p.status) return false;
  if (p.workspace !== undefined && e.workspace !== p.workspace) return false;
  if (p.ip !== undefined && e.context?.ip !== p.ip) return false;
  if (p.kind !== undefined && (e.request ? 'request' : 'audit') !== p.kind) return false;
  if (p.q !== undefined) {
    const hay = [
      e.description,
      e.resource?.id,
      e.resource?.name,
      e.request?.path as string | undefined,
      e.actor.id,
      e.actor.email,
      e.actor.name,
      e.workspace,
    ];
    const needle = p.q.toLowerCase();
    if (!hay.some((h) => h?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

function byListOrder(a: Served, b: Served): number {
  return Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || b.seq - a.seq;
}

for (const backend of SERVER_BACKENDS) {
  describe(`list filters (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    /** label → event id */
    const idOf = new Map<string, string>();
    const labelOf = new Map<string, string>();
    let everything: Served[];

    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Filters');
      const events = FIXTURE.map(([label, days, hour, event]) => ({
        id: `evt_${label.replaceAll('-', '_')}`,
        occurred_at: iso(dayStart(days) + hour * HOUR),
        ...event,
      }));
      const acks = await ingest(t, org.writeKey, events);
      FIXTURE.forEach(([label], i) => {
        idOf.set(label, acks[i]!.id);
        labelOf.set(acks[i]!.id, label);
      });
      everything = await listAll(t, org.readKey, { ...ALL_TIME, limit: '1000' });
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Labels of the fixture events a list returns, in list order (Trailmark's own events left out). */
    async function labels(params: Params): Promise<string[]> {
      const events = await listAll(t, org.readKey, params);
      return events.map((e) => labelOf.get(e.id)).filter((l): l is string => l !== undefined);
    }
    const sorted = (xs: string[]) => [...xs].sort();

    it('lists newest first over the last 30 days by default', async () => {
      const got = await labels({});
      expect(got).not.toContain('old');
      expect(got).not.toContain('older');
      expect(got).toHaveLength(FIXTURE.length - 2);
      expect(got[0]).toBe('ada-login');
      // Trailmark's own events (organization.created, api_key.created) are listed too.
      const all = await listAll(t, org.readKey, {});
      expect(all.some((e) => e.action === 'organization.created')).toBe(true);
    });

    it('filters by from and to, both inclusive', async () => {
      expect(await labels({ from: iso(dayStart(45) - HOUR) })).toContain('old');
      expect(await labels({ from: iso(dayStart(45) - HOUR) })).not.toContain('older');
      expect(await labels({ ...ALL_TIME })).toContain('older');
      const at = iso(dayStart(2) + 9 * HOUR);
      expect(await labels({ from: at, to: at })).toEqual(['bob-login']);
      expect(sorted(await labels({ from: iso(dayStart(2)), to: iso(dayStart(1) - 1) }))).toEqual(
        sorted(['bob-login', 'bob-logout']),
      );
    });

    it('reads a bare end date as the whole of that day, and a bare start date as its start', async () => {
      expect(sorted(await labels({ from: isoDate(dayStart(2)), to: isoDate(dayStart(2)) }))).toEqual(
        sorted(['bob-login', 'bob-logout']),
      );
    });

    it('with only `to`, lists the 30 days before it', async () => {
      const got = await labels({ to: iso(dayStart(44)) });
      expect(got).toEqual(['old']);
    });

    it('accepts time zone offsets', async () => {
      // 09:00 UTC is 11:00 at +02:00.
      const local = iso(dayStart(2) + 9 * HOUR).replace('T09:00:00.000Z', 'T11:00:00+02:00');
      expect(await labels({ from: local, to: local })).toEqual(['bob-login']);
      // Typed into a URL unencoded, the `+` arrives as a space.
      const res = await t.request(`/v1/events?from=${local}&to=${local}`, { key: org.readKey });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { data: Served[] };
      expect(page.data.map((e) => labelOf.get(e.id))).toEqual(['bob-login']);
    });

    it('filters by actor id', async () => {
      expect(sorted(await labels({ actor: 'u_bob' }))).toEqual(
        sorted(['bob-login', 'bob-logout', 'key-deleted', 'tpl-updated', 'emoji', 'tie-3']),
      );
      expect(await labels({ actor: 'U_BOB' })).toEqual([]);
    });

    it('filters by actor email, case-insensitively', async () => {
      const bob = sorted(await labels({ actor: 'u_bob' }));
      expect(sorted(await labels({ actor: 'bob@example.com' }))).toEqual(bob);
      expect(sorted(await labels({ actor: 'BOB@EXAMPLE.COM' }))).toEqual(bob);
      expect(await labels({ actor: 'bob@example' })).toEqual([]);
    });

    it('filters by an exact action', async () => {
      expect(sorted(await labels({ action: 'user.login' }))).toEqual(sorted(['ada-login', 'bob-login']));
      expect(await labels({ action: 'user.log' })).toEqual([]);
    });

    it('filters by a comma-separated list of actions', async () => {
      expect(sorted(await labels({ action: 'user.logout,api_key.deleted,template.deleted' }))).toEqual(
        sorted(['bob-logout', 'key-deleted', 'tpl-deleted']),
      );
      expect(sorted(await labels({ action: 'user.logout, user.login_failed' }))).toEqual(
        sorted(['bob-logout', 'ada-login-failed']),
      );
    });

    it('filters by a prefix ending in *, without over-matching', async () => {
      expect(sorted(await labels({ action: 'api_key.*' }))).toEqual(
        sorted(['key-created', 'key-deleted', 'key-rule']),
      );
      // `_` is a literal character, not LIKE's single-character wildcard.
      expect(await labels({ action: 'user_*' })).toEqual(['user-group']);
      expect(sorted(await labels({ action: 'user*' }))).toEqual(
        sorted(['ada-login', 'ada-login-failed', 'bob-login', 'bob-logout', 'users-created', 'user-group']),
      );
      expect(sorted(await labels({ action: 'user.login*' }))).toEqual(
        sorted(['ada-login', 'ada-login-failed', 'bob-login']),
      );
      expect(sorted(await labels({ action: 'api_key.*,template.deleted' }))).toEqual(
        sorted(['key-created', 'key-deleted', 'key-rule', 'tpl-deleted']),
      );
    });

    it('filters by resource type and resource id', async () => {
      expect(sorted(await labels({ resource_type: 'api_key' }))).toEqual(
        sorted(['key-created', 'key-deleted', 'key-rule']),
      );
      expect(sorted(await labels({ resource_id: 'tpl_1' }))).toEqual(sorted(['tpl-created', 'tpl-deleted']));
      expect(sorted(await labels({ resource_type: 'user', resource_id: 'u_new1' }))).toEqual(
        sorted(['tie-1', 'tie-3']),
      );
    });

    it('filters by status', async () => {
      expect(sorted(await labels({ status: 'failure' }))).toEqual(
        sorted(['ada-login-failed', 'key-deleted', 'req-fail']),
      );
      expect(await labels({ status: 'success' })).toHaveLength(FIXTURE.length - 2 - 3);
    });

    it('filters by workspace', async () => {
      expect(sorted(await labels({ workspace: 'ws_b' }))).toEqual(
        sorted(['bob-login', 'bob-logout', 'emoji']),
      );
      expect(await labels({ workspace: 'WS_B' })).toEqual([]);
    });

    it('filters by ip, IPv4 and IPv6', async () => {
      expect(sorted(await labels({ ip: '203.0.113.7' }))).toEqual(sorted(['ada-login', 'req-fail']));
      expect(await labels({ ip: '2001:db8::1' })).toEqual(['bob-login']);
      expect(await labels({ ip: '203.0.113.70' })).toEqual([]);
    });

    it('filters by ip whatever the spelling of an IPv6 address', async () => {
      const spelled = await t.createOrg('Spelling');
      const [ack] = await ingest(t, spelled.writeKey, [
        { action: 'user.login', actor: { type: 'user', id: 'u' }, context: { ip: '2001:DB8:0:0:0::7' } },
      ]);
      for (const ip of [
        '2001:db8::7',
        '2001:DB8::7',
        '2001:0db8:0000:0000:0000:0000:0000:0007',
        ' 2001:db8::7',
      ]) {
        const found = await listAll(t, spelled.readKey, { ip });
        expect(
          found.map((e) => e.id),
          ip,
        ).toEqual([ack!.id]);
      }
      // The event keeps the address as it was sent.
      const [event] = await listAll(t, spelled.readKey, { ip: '2001:db8::7' });
      expect(event!.context?.ip).toBe('2001:DB8:0:0:0::7');
    });

    it('filters by kind: audit or request', async () => {
      expect(await labels({ kind: 'request' })).toEqual(['req-fail', 'req-post', 'req-get']);
      const audit = await labels({ kind: 'audit' });
      expect(audit).toHaveLength(FIXTURE.length - 2 - 3);
      expect(audit).not.toContain('req-get');
    });

    describe('q: case-insensitive substring search', () => {
      /** Expected labels; null: whatever the reference finds (checked to be non-empty). */
      const cases: Array<[string, string[] | null]> = [
        ['invoice', ['tpl-created', 'tpl-updated']],
        ['INVOICE', ['tpl-created', 'tpl-updated']],
        ['100%', ['tpl-created']],
        ['%', ['tpl-created', 'percent-only']],
        ['0%', ['tpl-created', 'percent-only']],
        ['under_score', ['tpl-updated']],
        ['r_s', ['tpl-updated']],
        ["o'brien", ['tpl-deleted']],
        ['"hi"', ['tpl-deleted']],
        ['c:\\temp\\', ['backslash']],
        ['\\', ['backslash']],
        ['ünïcödé', ['unicode']],
        ['ÜNÏCÖDÉ STRASSE', []],
        ['straße', ['unicode']],
        ['🎉', ['emoji']],
        ['quarterly rep', ['tpl-created']],
        ['/api/v1/templates/tpl_2', ['req-fail']],
        ['ws_b', ['bob-login', 'bob-logout', 'emoji']],
        ['grp_1', ['user-group']],
        ['nothing matches this', []],
        ['ci', null], // too short for a trigram index
        ['a', null],
        ['bob', null],
      ];

      for (const [q, expected] of cases) {
        it(`q=${JSON.stringify(q)}`, async () => {
          const want = everything
            .filter((e) => labelOf.has(e.id) && matches(e, { q }, Date.now()))
            .map((e) => labelOf.get(e.id)!);
          if (expected) expect(sorted(want)).toEqual(sorted(expected));
          else expect(want.length).toBeGreaterThan(0);
          expect(sorted(await labels({ q }))).toEqual(sorted(want));
        });
      }

      it('searches actor id, email and name', async () => {
        const ada = sorted(await labels({ actor: 'u_ada' }));
        expect(sorted(await labels({ q: 'lovelace' }))).toEqual(ada);
        expect(sorted(await labels({ q: 'ADA@EXAMPLE' }))).toEqual(ada);
        expect(sorted(await labels({ q: 'u_ad' }))).toEqual(ada);
        expect(sorted(await labels({ q: 'example.com' }))).toEqual(
          sorted([...(await labels({ actor: 'u_ada' })), ...(await labels({ actor: 'u_bob' }))]),
        );
      });

      it('searches within the time range only', async () => {
        expect(await labels({ q: 'long ago' })).toEqual([]);
        expect(sorted(await labels({ q: 'long ago', ...ALL_TIME }))).toEqual(sorted(['old', 'older']));
      });
    });

    describe('combinations', () => {
      const COMBOS: Params[] = [
        { actor: 'u_ada', action: 'user.*' },
        { actor: 'bob@example.com', status: 'failure' },
        { action: 'api_key.*', resource_id: 'key_9', status: 'success' },
        { action: 'template.*', workspace: 'ws_a' },
        { resource_type: 'template', q: 'invoice' },
        { kind: 'request', status: 'failure' },
        { kind: 'request', ip: '203.0.113.7' },
        { kind: 'audit', ip: '203.0.113.7' },
        { actor: 'svc_ci', action: 'api_key.*,apikey.created,api_keys.listed' },
        { q: 'tpl_', action: 'template.*,api.request' },
        { q: 'e', actor: 'u_bob', workspace: 'ws_b' },
        { action: 'member.*', resource_id: 'u_new1' },
        { action: 'user.login', from: '1970-01-01T00:00:00Z' },
        { action: 'user.login', from: '1970-01-01T00:00:00Z', workspace: 'ws_a', actor: 'ADA@example.com' },
        { status: 'success', kind: 'audit', workspace: 'ws_a', q: 'a' },
        { from: iso(dayStart(8)), to: iso(dayStart(5)), actor: 'key_1' },
        {
          from: iso(dayStart(9)),
          to: iso(dayStart(6) + 23 * HOUR),
          q: 'tpl',
          kind: 'audit',
          status: 'success',
        },
        { action: 'nothing.here', actor: 'u_ada' },
      ];

      for (const params of COMBOS) {
        it(`matches the reference for ${JSON.stringify(params)}`, async () => {
          const now = Date.now();
          const want = everything
            .filter((e) => labelOf.has(e.id) && matches(e, params, now))
            .sort(byListOrder)
            .map((e) => labelOf.get(e.id)!);
          expect(await labels(params)).toEqual(want);
        });
      }

      it('every pair of single filters matches the reference', async () => {
        const singles: Params[] = [
          { actor: 'u_ada' },
          { action: 'template.*' },
          { action: 'user.login,api.request' },
          { resource_type: 'template' },
          { resource_id: 'tpl_2' },
          { status: 'failure' },
          { workspace: 'ws_a' },
          { ip: '203.0.113.7' },
          { kind: 'request' },
          { q: 'tpl' },
          { from: iso(dayStart(6)) },
          { to: iso(dayStart(3)) },
        ];
        const now = Date.now();
        for (let i = 0; i < singles.length; i++) {
          for (let j = i + 1; j < singles.length; j++) {
            const params = { ...singles[i], ...singles[j] };
            const want = everything
              .filter((e) => labelOf.has(e.id) && matches(e, params, now))
              .sort(byListOrder)
              .map((e) => labelOf.get(e.id)!);
            expect(await labels(params), JSON.stringify(params)).toEqual(want);
          }
        }
      });
    });

    describe('parameters that are not valid', () => {
      const bad: Array<[Params, string]> = [
        [{ from: 'yesterday' }, '/query/from'],
        [{ from: '2026-02-30T00:00:00Z' }, '/query/from'],
        [{ to: '12/01/2026' }, '/query/to'],
        [{ to: '2026-04-31' }, '/query/to'],
        [{ from: '2026-01-01T10:00:00' }, '/query/from'],
        [{ from: '2026-01-01 garbage' }, '/query/from'],
        [{ from: '20260101' }, '/query/from'],
        [{ from: iso(dayStart(1)), to: iso(dayStart(2)) }, '/query/from'],
        [{ status: 'ok' }, '/query/status'],
        [{ kind: 'all' }, '/query/kind'],
        [{ action: 'User.Login' }, '/query/action'],
        [{ action: '*' }, '/query/action'],
        [{ action: 'user.login,,' }, '/query/action'],
        [{ action: 'a.b.c.d.e.f.g' }, '/query/action'],
        [{ limit: '0' }, '/query/limit'],
        [{ limit: '1001' }, '/query/limit'],
        [{ limit: '-1' }, '/query/limit'],
        [{ limit: '10.5' }, '/query/limit'],
        [{ limit: 'ten' }, '/query/limit'],
        [{ cursor: 'not-a-cursor' }, '/query/cursor'],
        [{ ip: '203.0.113' }, '/query/ip'],
        [{ ip: 'localhost' }, '/query/ip'],
        [{ ip: "1' OR '1'='1" }, '/query/ip'],
      ];
      for (const [params, path] of bad) {
        it(`answers 400 naming ${path} for ${JSON.stringify(params)}`, async () => {
          const res = await t.request(`/v1/events${query(params)}`, { key: org.readKey });
          await expectProblem(res, 400, path);
        });
      }

      it('answers 400 for a filter given twice', async () => {
        const res = await t.request('/v1/events?actor=u_ada&actor=u_bob', { key: org.readKey });
        await expectProblem(res, 400, '/query/actor');
      });

      it('honours limit', async () => {
        const page = await listPage(t, org.readKey, { limit: '3' });
        expect(page.data).toHaveLength(3);
        expect(page.next_cursor).toBeTruthy();
        expect((await listPage(t, org.readKey, { limit: '1000', ...ALL_TIME })).data.length).toBe(
          everything.length,
        );
      });
    });

    describe('GET /v1/actions', () => {
      it('counts the distinct actions in the default window', async () => {
        const res = await t.request('/v1/actions', { key: org.readKey });
        expect(res.status).toBe(200);
        const { data } = (await res.json()) as { data: Array<{ action: string; count: number }> };
        const counts = Object.fromEntries(data.map((d) => [d.action, d.count]));
        expect(counts['user.login']).toBe(2);
        expect(counts['api.request']).toBe(3);
        expect(counts['template.viewed']).toBe(3);
        expect(counts['api_key.created']).toBe(4); // one fixture event and the three test keys
        expect(counts['organization.created']).toBe(1);
        const total = data.reduce((n, d) => n + d.count, 0);
        expect(total).toBe((await listAll(t, org.readKey, {})).length);
        // Most frequent first.
        const ordered = [...data].sort((a, b) => b.count - a.count);
        expect(data.map((d) => d.count)).toEqual(ordered.map((d) => d.count));
      });

      it('counts within from and to', async () => {
        const res = await t.request(`/v1/actions${query(ALL_TIME)}`, { key: org.readKey });
        const { data } = (await res.json()) as { data: Array<{ action: string; count: number }> };
        expect(data.find((d) => d.action === 'user.login')!.count).toBe(4);
        const narrow = await t.request(
          `/v1/actions${query({ from: iso(dayStart(2)), to: iso(dayStart(1) - 1) })}`,
          { key: org.readKey },
        );
        const body = (await narrow.json()) as { data: Array<{ action: string; count: number }> };
        expect(body.data).toEqual([
          { action: 'user.login', count: 1 },
          { action: 'user.logout', count: 1 },
        ]);
      });

      it('answers 400 for a bad range', async () => {
        const res = await t.request('/v1/actions?from=nope', { key: org.readKey });
        await expectProblem(res, 400, '/query/from');
      });
    });
  });
}
