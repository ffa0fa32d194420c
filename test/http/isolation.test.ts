import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  type Ack,
  ALL_TIME,
  ev,
  expectProblem,
  ingest,
  listAll,
  listPage,
  parseCsv,
  query,
  SERVER_BACKENDS,
  type Served,
  type TestOrg,
  unique,
} from './support.js';

/**
 * SPEC §1 and §3: nothing of one org is visible to another, through any read route, any filter,
 * search, export, cursor or org-naming header; another org's event id is a 404.
 */

const READ_ROUTES = [
  '/v1/events',
  '/v1/events/export.csv',
  '/v1/events/export.jsonl',
  '/v1/actions',
  '/v1/chain',
];

for (const backend of SERVER_BACKENDS) {
  describe(`org isolation (${backend.name})`, () => {
    let t: TestServer;
    let a: TestOrg;
    let b: TestOrg;
    const markerA = unique('alpha');
    const markerB = unique('bravo');
    const sharedId = unique('evt_shared');
    let bAcks: Ack[];
    let aAcks: Ack[];

    beforeAll(async () => {
      t = await backend.start();
      a = await t.createOrg('Alpha');
      b = await t.createOrg('Bravo');
      const events = (marker: string, action: string) => [
        ev({
          id: sharedId,
          action,
          description: `${marker} shared id`,
          actor: { type: 'user', id: `${marker}_user`, email: `${marker}@example.com` },
        }),
        ev({
          action,
          description: `${marker} one`,
          workspace: `${marker}_ws`,
          context: { ip: '203.0.113.9' },
        }),
        ev({
          action,
          description: `${marker} two`,
          resource: { type: 'doc', id: `${marker}_doc`, name: 'Same name' },
        }),
        ev({ action: 'user.login', description: `${marker} common`, actor: { type: 'user', id: 'u_same' } }),
      ];
      aAcks = await ingest(t, a.writeKey, events(markerA, 'alpha_only.created'));
      bAcks = await ingest(t, b.writeKey, [
        ...events(markerB, 'bravo_only.created'),
        ...Array.from({ length: 30 }, (_, i) => ev({ description: `${markerB} bulk ${i}` })),
      ]);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('lists only the own org, whatever the filter', async () => {
      for (const params of [
        {},
        ALL_TIME,
        { actor: 'u_same' },
        { action: 'user.login' },
        { ip: '203.0.113.9' },
        { kind: 'audit' },
        { q: 'common' },
        { q: 'Same name' },
      ]) {
        const events = await listAll(t, a.readKey, params);
        expect(events.length, JSON.stringify(params)).toBeGreaterThan(0);
        for (const e of events) {
          expect(e.org).toBe(a.id);
          expect(JSON.stringify(e)).not.toContain(markerB);
        }
      }
    });

    it('finds nothing of another org by its actor, workspace, resource, action or search text', async () => {
      for (const params of [
        { actor: `${markerB}_user` },
        { actor: `${markerB}@example.com` },
        { workspace: `${markerB}_ws` },
        { resource_id: `${markerB}_doc` },
        { action: 'bravo_only.created' },
        { action: 'bravo_only.*' },
        { q: markerB },
        { q: 'bulk' },
      ]) {
        expect(await listAll(t, a.readKey, { ...ALL_TIME, ...params }), JSON.stringify(params)).toEqual([]);
      }
    });

    it("answers 404 for another org's event id, and the own event for a shared client id", async () => {
      for (const ack of bAcks.filter((x) => x.id !== sharedId)) {
        const res = await t.request(`/v1/events/${ack.id}`, { key: a.readKey });
        await expectProblem(res, 404);
      }
      const own = (await (await t.request(`/v1/events/${sharedId}`, { key: a.readKey })).json()) as Served;
      expect(own.org).toBe(a.id);
      expect(own.description).toBe(`${markerA} shared id`);
      expect(own.hash).toBe(aAcks[0]!.hash);
      const theirs = (await (await t.request(`/v1/events/${sharedId}`, { key: b.readKey })).json()) as Served;
      expect(theirs.org).toBe(b.id);
      expect(theirs.hash).toBe(bAcks[0]!.hash);
    });

    it('exports only the own org, in both formats', async () => {
      for (const format of ['csv', 'jsonl']) {
        for (const params of [
          ALL_TIME,
          { q: markerB, ...ALL_TIME },
          { action: 'bravo_only.*', ...ALL_TIME },
        ]) {
          const res = await t.request(`/v1/events/export.${format}${query(params)}`, { key: a.readKey });
          expect(res.status).toBe(200);
          const text = await res.text();
          expect(text).not.toContain(b.id);
          // A's own records of these exports hold the filters it typed (markerB); nothing else may.
          const rows =
            format === 'csv'
              ? parseCsv(text).slice(1)
              : text
                  .split('\n')
                  .filter(Boolean)
                  .map((line) => {
                    const e = JSON.parse(line) as Served;
                    return [e.action, JSON.stringify(e)];
                  });
          const actionAt = format === 'csv' ? 1 : 0;
          for (const row of rows.filter((r) => r[actionAt] !== 'audit_log.exported')) {
            expect(row.join(',')).not.toContain(markerB);
          }
          for (const ack of bAcks) expect(text).not.toContain(ack.hash);
        }
      }
    });

    it('counts only the own actions', async () => {
      const res = await t.request(`/v1/actions${query(ALL_TIME)}`, { key: a.readKey });
      const { data } = (await res.json()) as { data: Array<{ action: string; count: number }> };
      const actions = data.map((d) => d.action);
      expect(actions).toContain('alpha_only.created');
      expect(actions).not.toContain('bravo_only.created');
      expect(data.find((d) => d.action === 'user.login')!.count).toBe(1);
    });

    it('shows only the own chain head', async () => {
      const headA = (await (await t.request('/v1/chain', { key: a.readKey })).json()) as {
        org: string;
        head: { seq: number; hash: string };
      };
      expect(headA.org).toBe(a.id);
      expect(headA.head.hash).not.toBe(bAcks[bAcks.length - 1]!.hash);
    });

    it('answers 404 when an org key names another org by header or query parameter', async () => {
      for (const route of READ_ROUTES) {
        const byHeader = await t.request(route, { key: a.readKey, headers: { 'trailmark-org': b.id } });
        await expectProblem(byHeader, 404);
        const byQuery = await t.request(`${route}?org=${b.id}`, { key: a.readKey });
        await expectProblem(byQuery, 404);
      }
      const one = await t.request(`/v1/events/${bAcks[1]!.id}?org=${b.id}`, { key: a.readKey });
      await expectProblem(one, 404);
      // Naming its own org is fine.
      expect((await t.request(`/v1/events?org=${a.id}`, { key: a.readKey })).status).toBe(200);
    });

    it("reads nothing of another org with that org's cursor", async () => {
      const page = await listPage(t, b.readKey, { ...ALL_TIME, limit: 5 });
      expect(page.next_cursor).toBeTruthy();
      const withTheirCursor = await listAll(t, a.readKey, { ...ALL_TIME, cursor: page.next_cursor! });
      for (const e of withTheirCursor) expect(e.org).toBe(a.id);
    });

    it('lets the deployment key read exactly the org it names, and needs it named', async () => {
      const res = await t.request(`/v1/events${query({ ...ALL_TIME, org: b.id, limit: 1000 })}`);
      const { data } = (await res.json()) as { data: Served[] };
      expect(data.length).toBe(bAcks.length + 4);
      for (const e of data) expect(e.org).toBe(b.id);
      const viaHeader = await t.request(`/v1/events/${aAcks[1]!.id}`, { headers: { 'trailmark-org': b.id } });
      await expectProblem(viaHeader, 404);
      const unnamed = await t.request('/v1/events');
      await expectProblem(unnamed, 400, '/headers/trailmark-org');
    });

    it('answers 401 without a valid key and 403 without events:read, on every read route', async () => {
      for (const route of [...READ_ROUTES, `/v1/events/${aAcks[1]!.id}`]) {
        await expectProblem(await t.request(route, { key: null }), 401);
        await expectProblem(await t.request(route, { key: 'tmk_not_a_key' }), 401);
        await expectProblem(await t.request(route, { key: a.writeKey }), 403);
        expect((await t.request(route, { key: a.adminKey })).status).toBe(200);
      }
    });
  });
}
