import * as Retraced from '@retracedhq/retraced';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retracedCanonical, retracedHash } from '../../src/compat/retraced/hash.js';
import type { TestServer } from '../helpers/test-server.js';
import { ALL_TIME, listAll, SERVER_BACKENDS, type Served, type TestOrg, unique } from '../http/support.js';

/**
 * The official @retracedhq/retraced client (0.7.23, unmodified) against a real Trailmark server:
 * every method succeeds, its own hash check passes, and each event is stored whole, once, under
 * the id the client got.
 */

// axios honours HTTP(S)_PROXY: the server is on loopback.
process.env.NO_PROXY = '127.0.0.1,localhost';

describe("Retraced's canonical hash", () => {
  it('matches the worked examples computed by the client library', () => {
    const one = {
      action: 'invoice.updated',
      crud: 'u',
      group: { id: 'org_42' },
      actor: { id: 'ada@example.com', name: 'Ada' },
      target: { id: 'inv:7', type: 'invoice' },
      source_ip: '203.0.113.7',
      fields: { note: '50% off', 'b=c': 'x;y', Amount: '12' },
      external_id: 'ext:1',
      metadata: { k: 'v' },
    };
    expect(retracedCanonical('9f8e7d6c5b4a39281706f5e4d3c2b1a0', one)).toBe(
      '9f8e7d6c5b4a39281706f5e4d3c2b1a0:invoice.updated:inv%3A7:ada@example.com:org_42:203.0.113.7:0:0:Amount=12;b%3Dc=x%3By;note=50%25 off;:ext%3A1:k=v;',
    );
    expect(retracedHash('9f8e7d6c5b4a39281706f5e4d3c2b1a0', one)).toBe(
      'b38c94ab8aa0ff0c66afd1fbb475b572b013982af5ddab7e61e464d9508ebb92',
    );
    const two = {
      action: 'even.more.of.a.test',
      group: { id: '%% :: some %% customer :: %%' },
      actor: { id: 'user@domain.xyz' },
      target: { id: 'some_object01234' },
      is_failure: true,
      is_anonymous: false,
      fields: { ';zyx=cba;abc=xyz': 'nothing special', ';Zyx=Cba%Abc=Xyz': '% hi there %' },
    };
    expect(retracedHash('abf053dc4a3042459818833276eec717', two)).toBe(
      '5b570bff4628b35262fb401d2f6c9bb38d29e212f6e0e8ea93445b4e5a253d50',
    );
    const three = { action: 'user.login', crud: 'c', actor: { id: 'u1' } };
    expect(retracedCanonical('abc', three)).toBe('abc:user.login::u1:::0:0::');
    expect(retracedCanonical('abc', { ...three, fields: {} })).toBe('abc:user.login::u1:::0:0:');
  });

  it('agrees with the client library on hostile ids and fields', () => {
    const event = {
      action: 'a:b%c=d;e',
      group: { id: 'g:%=;' },
      actor: { id: '%:=;' },
      target: { id: ';;==::%%' },
      fields: { 'é=;': '%:', Z: '', a: 'ü' },
      external_id: '%:',
      metadata: { ';': '=' },
    };
    const id = 'id:%';
    expect(retracedHash(id, event)).toBe(Retraced.computeHash(event as Retraced.Event, id).hashResult);
  });
});

describe.each(SERVER_BACKENDS)('the Retraced client ($name)', (backend) => {
  let t: TestServer;
  let org: TestOrg;
  let other: TestOrg;
  let fullKey: string;

  beforeAll(async () => {
    t = await backend.start();
    org = await t.createOrg('Retraced');
    other = await t.createOrg('Other');
    const res = await t.request(`/v1/orgs/${org.id}/api-keys`, {
      method: 'POST',
      json: { name: 'retraced', scopes: ['events:write', 'events:read', 'admin'] },
    });
    fullKey = ((await res.json()) as { key: string }).key;
  });
  afterAll(async () => t?.close());

  function client(key: string, prefix = '/auditlog') {
    return new Retraced.Client({
      apiKey: key,
      projectId: 'any-project',
      endpoint: `${t.url}${prefix}`,
      component: 'billing-api',
      version: 'abc123',
    });
  }

  async function byId(id: string): Promise<Served> {
    const res = await t.request(`/v1/events/${encodeURIComponent(id)}`, { key: org.readKey });
    expect(res.status).toBe(200);
    return (await res.json()) as Served;
  }

  function hostileEvent(action: string): Retraced.Event {
    return {
      action,
      group: { id: org.id, name: 'Some Customer' },
      crud: 'c',
      created: new Date(),
      actor: {
        id: 'user:%=;@domain.xyz',
        name: 'Jane Doe',
        href: 'https://app.example/users/1',
        fields: { dept: 'ops' },
      },
      target: {
        id: 'obj:50%;a=b',
        name: 'Widget',
        href: 'https://app.example/w/1',
        type: 'widget',
        fields: { colour: 'red' },
      },
      source_ip: '203.0.113.7',
      description: 'Jane logged in',
      is_failure: false,
      is_anonymous: false,
      fields: { custom: '123', Custom: 'Rate = 50%', 'a;b': 'x:y', '%:': '=;' },
      external_id: 'ext:1%',
      metadata: { trace: 'abc=1;2' },
    };
  }

  it('reportEvent: the hash check passes on %, :, = and ; and the event is stored whole under its id', async () => {
    const action = `user.${unique('login').toLowerCase()}`;
    const event = hostileEvent(action);
    const id = await client(org.writeKey).reportEvent(event);
    const stored = await byId(id);
    expect(stored).toMatchObject({
      id,
      org: org.id,
      action,
      occurred_at: (event.created as Date).toISOString(),
      actor: { type: 'user', id: 'user:%=;@domain.xyz', name: 'Jane Doe' },
      resource: { type: 'widget', id: 'obj:50%;a=b', name: 'Widget' },
      description: 'Jane logged in',
      status: 'success',
      context: { ip: '203.0.113.7' },
    });
    expect(stored.metadata).toEqual({
      retraced: {
        ...event,
        created: (event.created as Date).toISOString(),
        component: 'billing-api',
        version: 'abc123',
      },
    });
    expect(await listAll(t, org.readKey, { ...ALL_TIME, action })).toHaveLength(1);
  });

  it('reportEvents: ids in input order, each stored once; anonymous events accepted; both paths served', async () => {
    const action = `doc.${unique('viewed').toLowerCase()}`;
    const events: Retraced.Event[] = [
      hostileEvent(action),
      { action, crud: 'r', is_anonymous: true, group: { id: org.id }, fields: { 'k=;': 'v:%' } },
      { action, crud: 'u', actor: { id: 'u1' }, is_failure: true },
    ];
    const ids = await client(org.writeKey, '').reportEvents(events);
    expect(ids).toHaveLength(3);
    const stored = await Promise.all(ids.map(byId));
    expect(stored.map((e) => (e.metadata!.retraced as { crud: string }).crud)).toEqual(['c', 'r', 'u']);
    expect(stored[1]!.actor).toEqual({ type: 'user', id: 'anonymous' });
    expect(stored[2]!.status).toBe('failure');
    expect(stored[2]!.org).toBe(org.id);
    expect(await listAll(t, org.readKey, { ...ALL_TIME, action })).toHaveLength(3);
  });

  it('getViewerToken: a Trailmark viewer token, narrowed to the actor unless admin', async () => {
    const token = await client(fullKey).getViewerToken(org.id, 'u1', false);
    expect(token).toMatch(/^tmv_/);
    const scoped = await t.request(`/v1/events${'?'}from=1970-01-01T00:00:00Z`, { key: token });
    expect(scoped.status).toBe(200);
    const seen = ((await scoped.json()) as { data: Served[] }).data;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.actor.id === 'u1')).toBe(true);
    expect(await client(fullKey).getViewerToken(org.id, 'u1', true)).toMatch(/^tmv_/);
  });

  it('query: newest first, paged with before, filtered by action, crud and actor', async () => {
    const action = `report.${unique('run').toLowerCase()}`;
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push(
        await client(org.writeKey).reportEvent({
          action,
          crud: i % 2 ? 'r' : 'c',
          created: new Date(Date.now() - (5 - i) * 1000),
          group: { id: org.id },
          actor: { id: `actor:${i % 2}`, name: 'Robo' },
          fields: { i: String(i) },
        }),
      );
    }
    const mask = {
      id: true,
      action: true,
      crud: true,
      created: true,
      actor: { id: true, name: true },
      fields: true,
    };
    const conn = await client(fullKey).query({ action }, mask, 2);
    expect(conn.totalCount).toBe(5);
    const seen = conn.currentResults.map((e) => e.id);
    while (conn.hasNextPage()) {
      await conn.nextPage();
      seen.push(...conn.currentResults.map((e) => e.id));
    }
    expect(seen).toEqual([...sent].reverse());
    expect(conn.currentResults.at(-1)!.fields).toEqual({ i: '0' });

    const creates = await client(fullKey).query({ action, crud: 'c' }, mask, 10);
    expect(creates.currentResults.map((e) => e.id)).toEqual([sent[4], sent[2], sent[0]]);
    const prefixed = await client(fullKey).query(
      { action: `${action.split('.')[0]}.*`, actor_id: 'actor:1' } as Retraced.StructuredQuery,
      mask,
      10,
    );
    expect(prefixed.currentResults.map((e) => e.id)).toEqual([sent[3], sent[1]]);
  });

  it("refuses another org's group as not found and unhashable input before storing anything", async () => {
    const action = `user.${unique('refused').toLowerCase()}`;
    await expect(
      client(org.writeKey).reportEvent({ action, crud: 'c', group: { id: other.id }, actor: { id: 'u' } }),
    ).rejects.toThrow('404');
    const bad = await fetch(`${t.url}/auditlog/publisher/v1/project/p/event`, {
      method: 'POST',
      headers: { authorization: `token=${org.writeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action, crud: 'c', actor: { id: 5 }, fields: { n: 1 } }),
    });
    expect(bad.status).toBe(400);
    const bulk = await fetch(`${t.url}/publisher/v1/project/p/event/bulk`, {
      method: 'POST',
      headers: { authorization: `Token token=${org.writeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          { action, crud: 'c', actor: { id: 'u' } },
          { action, crud: 'x', actor: { id: 'u' } },
        ],
      }),
    });
    expect(bulk.status).toBe(400);
    expect(await listAll(t, org.readKey, { ...ALL_TIME, action })).toHaveLength(0);
    await expect(client('tmk_wrong').reportEvent({ action, crud: 'c', actor: { id: 'u' } })).rejects.toThrow(
      '401',
    );
  });
});
