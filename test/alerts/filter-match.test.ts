import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { searchText } from '../../src/domain/event-columns.js';
import { compileFilter, eventSearchText, matchesFilter } from '../../src/domain/filter-match.js';
import { parseEventQuery } from '../../src/domain/query.js';
import type { TestServer } from '../helpers/test-server.js';
import {
  ALL_TIME,
  DAY,
  ingest,
  listAll,
  SERVER_BACKENDS,
  type Served,
  type TestOrg,
} from '../http/support.js';

/**
 * matchesFilter must answer exactly what `GET /v1/events` answers: the same filters run through
 * the list on a real server and through the in-memory matcher over the same stored events.
 * The fixture holds the cases where a careless copy would differ: mixed-case emails, an email
 * used as an actor id, `_` and `%` in names and terms, IPv6 spellings, a term spanning two
 * fields, Unicode case, request entries, and Trailmark's own events.
 */

const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const base = Date.now() - 3 * DAY;

const ADA = { type: 'user', id: 'u_ada', name: 'Ada Lovelace', email: 'Ada@Example.com' };
const BOB = { type: 'user', id: 'u_bob', name: 'Bob Builder', email: 'bob@example.com' };
/** An id that looks like an email: matched as an id, exactly. */
const MAILID = { type: 'user', id: 'Carol@Example.com', name: 'Carol' };
const KEY = { type: 'api_key', id: 'key_1', name: 'Deploy' };
const SVC = { type: 'service', id: 'svc_ci' };

const FIXTURE: Array<Record<string, unknown>> = [
  { action: 'user.login', actor: ADA, context: { ip: '8.8.8.8' }, workspace: 'ws_a' },
  { action: 'user.login_failed', actor: ADA, status: 'failure', context: { ip: '2001:DB8:0:0:0::7' } },
  { action: 'user.login', actor: BOB, context: { ip: '2001:db8::7' }, workspace: 'ws_b' },
  { action: 'user.logout', actor: MAILID, workspace: 'WS_B' },
  {
    action: 'api_key.created',
    actor: ADA,
    resource: { type: 'api_key', id: 'key_9', name: 'Deploy key' },
    workspace: 'ws_a',
  },
  {
    action: 'api_key.deleted',
    actor: BOB,
    resource: { type: 'api_key', id: 'key_9' },
    status: 'failure',
  },
  { action: 'api_key.iam_rule.update', actor: SVC, resource: { type: 'api_key', id: 'key_9' } },
  { action: 'api_keys.listed', actor: SVC, description: 'listed all keys' },
  { action: 'apikey.created', actor: SVC },
  { action: 'user_group.created', actor: KEY, resource: { type: 'user_group', id: 'grp_1', name: 'Admins' } },
  {
    action: 'template.created',
    actor: ADA,
    resource: { type: 'template', id: 'tpl_1', name: 'Quarterly Report' },
    description: 'Invoice 100% paid',
    workspace: 'ws_a',
  },
  {
    action: 'template.deleted',
    actor: BOB,
    resource: { type: 'Template', id: 'TPL_1' },
    description: 'multi\nline under_score',
  },
  {
    action: 'template.viewed',
    actor: ADA,
    resource: { type: 'template', id: 'tpl_3', name: 'Ünïcödé Straße' },
    description: 'path C:\\temp\\x',
  },
  {
    action: 'api.request',
    actor: KEY,
    request: { method: 'GET', path: '/api/v1/templates/tpl_1', status_code: 200, api_key_last4: 'a1b2' },
    context: { ip: '80.187.100.1' },
  },
  {
    action: 'api.request',
    actor: KEY,
    request: { method: 'DELETE', path: '/api/v1/templates/tpl_2', status_code: 403 },
    status: 'failure',
    workspace: 'ws_a',
    context: { ip: '8.8.8.8' },
  },
  { action: 'member.removed', actor: ADA, resource: { type: 'user', id: 'u_bob' }, description: '50%' },
];

/** Filters written by hand for the edge cases; random combinations follow. */
const CASES: Array<Record<string, string>> = [
  {},
  { actor: 'u_ada' },
  { actor: 'U_ADA' },
  { actor: 'ada@example.com' },
  { actor: 'ADA@EXAMPLE.COM' },
  { actor: 'Carol@Example.com' },
  { actor: 'carol@example.com' },
  { actor: 'key_1' },
  { action: 'user.login' },
  { action: 'user.log' },
  { action: 'user.login*' },
  { action: 'api_key.*' },
  { action: 'api_key*' },
  { action: 'user_*' },
  { action: 'user*' },
  { action: 'api_key.*,template.deleted, member.removed' },
  { resource_type: 'template' },
  { resource_type: 'Template' },
  { resource_id: 'tpl_1' },
  { resource_id: 'TPL_1' },
  { status: 'failure' },
  { status: 'success' },
  { workspace: 'ws_b' },
  { workspace: 'WS_B' },
  { ip: '2001:db8::7' },
  { ip: '2001:0DB8:0000::0007' },
  { ip: ' 8.8.8.8 ' },
  { ip: '8.8.8.80' },
  { kind: 'request' },
  { kind: 'audit' },
  { q: 'invoice' },
  { q: 'INVOICE' },
  { q: '100%' },
  { q: '%' },
  { q: 'under_score' },
  { q: 'e_s' },
  { q: 'line\nunder' },
  { q: 'tpl_1\nquarterly' },
  { q: 'c:\\temp' },
  { q: 'ünïcödé' },
  { q: 'ÜNÏCÖDÉ STRASSE' },
  { q: 'straße' },
  { q: '/api/v1/templates' },
  { q: 'ada@example' },
  { q: 'lovelace' },
  { q: 'deploy' },
  { q: 'ws_a' },
  { q: 'trailmark' },
  { actor: 'bob@example.com', status: 'failure', action: 'api_key.*' },
  { kind: 'request', ip: '8.8.8.8' },
  { q: 'tpl', kind: 'audit', action: 'template.*' },
];

const POOL: Record<string, string[]> = {
  actor: ['u_ada', 'u_bob', 'Ada@Example.com', 'bob@EXAMPLE.com', 'Carol@Example.com', 'key_1', 'svc_ci'],
  action: [
    'user.login',
    'user.*',
    'api_key.*',
    'api_key*',
    'template.*,api.request',
    'member.removed',
    'user_*',
  ],
  resource_type: ['template', 'api_key', 'user', 'Template'],
  resource_id: ['tpl_1', 'key_9', 'u_bob', 'TPL_1'],
  status: ['success', 'failure'],
  workspace: ['ws_a', 'ws_b', 'WS_B'],
  ip: ['8.8.8.8', '2001:db8::7', '80.187.100.1'],
  kind: ['audit', 'request'],
  q: ['e', 'tpl', 'key', 'a1', '%', '_', 'example.com', 'ws_', 'deploy', '\n'],
};

/** One to three filters at a time: more than that and almost nothing matches. */
const randomFilters = fc.sample(
  fc
    .uniqueArray(fc.constantFrom(...Object.keys(POOL)), { minLength: 1, maxLength: 3 })
    .chain((names) =>
      fc.tuple(...names.map((name) => fc.tuple(fc.constant(name), fc.constantFrom(...POOL[name]!)))),
    )
    .map((pairs) => Object.fromEntries(pairs) as Record<string, string>),
  { numRuns: 150, seed: 15 },
);

/** The fixture's spread over three days, an hour apart, inside the default 30-day window. */
function timed(events: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return events.map((event, i) => ({ ...event, occurred_at: iso(base + i * HOUR) }));
}

describe('eventSearchText', () => {
  it('is the text the stores index', () => {
    for (const event of FIXTURE) {
      const stored = { ...event, status: 'success' } as unknown as StoredEvent;
      expect(eventSearchText(stored)).toBe(searchText(stored));
    }
  });
});

describe('compileFilter', () => {
  const event = {
    action: 'user.login',
    actor: { type: 'user', id: 'u_1' },
    status: 'success',
    occurred_at: '2026-01-01T00:00:00.000Z',
  } as StoredEvent;

  it('matches everything when no filter is set', () => {
    expect(compileFilter({})(event)).toBe(true);
  });

  it('applies from and to inclusively when given', () => {
    const at = Date.parse(event.occurred_at);
    expect(matchesFilter(event, { from: at, to: at })).toBe(true);
    expect(matchesFilter(event, { from: at + 1 })).toBe(false);
    expect(matchesFilter(event, { to: at - 1 })).toBe(false);
  });

  it('applies a viewer scope like the list does', () => {
    expect(matchesFilter(event, { scope: { actor: 'u_1' } })).toBe(true);
    expect(matchesFilter(event, { scope: { workspace: 'ws' } })).toBe(false);
  });
});

for (const backend of SERVER_BACKENDS) {
  describe(`matchesFilter agrees with GET /v1/events (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    let stored: StoredEvent[];

    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Matcher');
      await ingest(t, org.writeKey, timed(FIXTURE));
      stored = (await listAll(t, org.readKey, { ...ALL_TIME, limit: '1000' })) as unknown as StoredEvent[];
      // The org's own events (organization.created, api_key.created) are part of the comparison.
      expect(stored.length).toBeGreaterThan(FIXTURE.length);
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Compares one filter; returns how many events it matched. */
    async function compare(params: Record<string, string>): Promise<number> {
      const withTime = { ...ALL_TIME, ...params };
      const listed = (await listAll(t, org.readKey, { ...withTime, limit: '1000' })).map((e: Served) => e.id);
      const filter = parseEventQuery(withTime);
      const matched = stored.filter((e) => matchesFilter(e, filter)).map((e) => e.id);
      expect(matched, JSON.stringify(params)).toEqual(listed);
      return matched.length;
    }

    it('on each hand-written case', async () => {
      const counts: number[] = [];
      for (const params of CASES) counts.push(await compare(params));
      // The cases are not trivial: most select some events and not all of them.
      const partial = counts.filter((n) => n > 0 && n < stored.length).length;
      expect(partial).toBeGreaterThan(CASES.length / 2);
    });

    it('on random combinations of filters', async () => {
      let nonEmpty = 0;
      for (const params of randomFilters) if ((await compare(params)) > 0) nonEmpty += 1;
      expect(nonEmpty).toBeGreaterThan(randomFilters.length / 3);
    });

    it('on time ranges', async () => {
      await compare({ from: iso(base + 2 * HOUR), to: iso(base + 5 * HOUR) });
      await compare({ from: iso(base + 2 * HOUR), to: iso(base + 2 * HOUR) });
      await compare({ from: iso(base + 7 * HOUR), action: 'api.request' });
    });
  });
}
