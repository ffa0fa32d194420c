import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  ALL_TIME,
  DAY,
  ev,
  ingest,
  listAll,
  listPage,
  SERVER_BACKENDS,
  type Served,
  type TestOrg,
} from './support.js';

/**
 * Keyset pagination (SPEC §4): following next_cursor returns every matching event exactly once,
 * in list order (occurred_at desc, seq desc), whatever the page size, with ties in occurred_at,
 * with filters and search, and while new events arrive.
 */

const BASE = Date.now() - 3 * DAY;
/** Many events share an instant: 40 distinct times for 500 events, ingested out of time order. */
const timeOf = (i: number) => new Date(BASE + ((i * 7) % 40) * 60_000).toISOString();

function inListOrder(events: Served[]): boolean {
  for (let i = 1; i < events.length; i++) {
    const a = events[i - 1]!;
    const b = events[i]!;
    const ta = Date.parse(a.occurred_at);
    const tb = Date.parse(b.occurred_at);
    if (ta < tb || (ta === tb && a.seq <= b.seq)) return false;
  }
  return true;
}

function expectExactlyOnce(got: Served[], expected: Served[]) {
  const ids = got.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(expected.map((e) => e.id));
  expect(inListOrder(got)).toBe(true);
}

for (const backend of SERVER_BACKENDS) {
  describe(`cursor pagination (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    let all: Served[];

    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Pages');
      const events = Array.from({ length: 500 }, (_, i) =>
        ev({
          occurred_at: timeOf(i),
          action: i % 3 === 0 ? 'api_key.created' : i % 3 === 1 ? 'user.login' : 'template.updated',
          actor: { type: 'user', id: `u_${i % 7}` },
          description: i % 10 === 0 ? `needle ${i}` : `hay ${i}`,
          workspace: i % 2 === 0 ? 'ws_even' : 'ws_odd',
        }),
      );
      // Several requests, so seq order differs from time order within and across batches.
      for (let i = 0; i < events.length; i += 100) await ingest(t, org.writeKey, events.slice(i, i + 100));
      all = (await listPage(t, org.readKey, { ...ALL_TIME, limit: 1000 })).data;
      expect(all.length).toBe(504); // 500 + organization.created + 3 api_key.created
    });
    afterAll(async () => {
      await t?.close();
    });

    it('the reference listing is in order (occurred_at desc, seq desc) with many ties', () => {
      expect(inListOrder(all)).toBe(true);
      const times = new Set(all.map((e) => e.occurred_at));
      expect(times.size).toBeLessThan(50);
    });

    for (const limit of [1, 2, 7, 40, 50, 100, 503, 504, 1000]) {
      it(`returns each event exactly once with limit=${limit}`, async () => {
        const got = await listAll(t, org.readKey, { ...ALL_TIME, limit });
        expectExactlyOnce(got, all);
      });
    }

    it('pages are full until the last, which has no next_cursor', async () => {
      let cursor: string | null = null;
      const sizes: number[] = [];
      do {
        const page = await listPage(t, org.readKey, {
          ...ALL_TIME,
          limit: 36,
          ...(cursor ? { cursor } : {}),
        });
        sizes.push(page.data.length);
        cursor = page.next_cursor;
      } while (cursor);
      expect(sizes.slice(0, -1).every((n) => n === 36)).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(504);
      // 504 = 14 × 36: the last page is full and still ends the walk (no empty page after it).
      expect(sizes).toHaveLength(14);
    });

    const filtered: Array<[string, Record<string, string>, (e: Served) => boolean]> = [
      ['an action prefix', { action: 'api_key.*' }, (e) => e.action.startsWith('api_key.')],
      ['an actor', { actor: 'u_3' }, (e) => e.actor.id === 'u_3'],
      [
        'a workspace and an action',
        { workspace: 'ws_odd', action: 'user.login' },
        (e) => e.workspace === 'ws_odd' && e.action === 'user.login',
      ],
      ['a search term', { q: 'needle' }, (e) => (e.description ?? '').includes('needle')],
      [
        'a search term and an actor',
        { q: 'hay', actor: 'u_2' },
        (e) => (e.description ?? '').includes('hay') && e.actor.id === 'u_2',
      ],
      [
        'a time range',
        { from: timeOf(3), to: timeOf(10) },
        (e) => e.occurred_at >= timeOf(3) && e.occurred_at <= timeOf(10),
      ],
    ];
    for (const [name, params, keep] of filtered) {
      for (const limit of [3, 17]) {
        it(`returns each match exactly once with ${name}, limit=${limit}`, async () => {
          const expected = all.filter(keep);
          expect(expected.length).toBeGreaterThan(limit);
          const got = await listAll(t, org.readKey, { ...ALL_TIME, ...params, limit });
          expectExactlyOnce(got, expected);
        });
      }
    }

    it('keeps its place while new events arrive between pages', async () => {
      const busy = await t.createOrg('Busy');
      await ingest(
        t,
        busy.writeKey,
        Array.from({ length: 60 }, (_, i) => ev({ occurred_at: timeOf(i), description: `first ${i}` })),
      );
      const before = await listAll(t, busy.readKey, { ...ALL_TIME, limit: 1000 });
      const seen: Served[] = [];
      let cursor: string | null = null;
      let round = 0;
      do {
        const page = await listPage(t, busy.readKey, {
          ...ALL_TIME,
          limit: 10,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.data);
        cursor = page.next_cursor;
        // Newer events (now) and events at an instant already passed: neither may repeat or shift a row.
        round += 1;
        await ingest(t, busy.writeKey, [
          ev({ description: `late ${round}` }),
          ev({ occurred_at: timeOf(round), description: `tie ${round}` }),
        ]);
      } while (cursor);
      const ids = seen.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of before) expect(ids).toContain(e.id);
      expect(inListOrder(seen)).toBe(true);
    });
  });

  describe(`cursor pagination over a large org, search planner paths (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Large');
      // 6,000 events: more than the search planner probes, so a rare term goes to the index.
      for (let b = 0; b < 6; b++) {
        await ingest(
          t,
          org.writeKey,
          Array.from({ length: 1000 }, (_, i) => {
            const n = b * 1000 + i;
            return ev({
              occurred_at: new Date(BASE + (n % 500) * 1000).toISOString(),
              description: n % 97 === 0 ? `rare-marker ${n}` : `common text ${n}`,
              resource: { type: 'doc', id: `doc_${n}` },
            });
          }),
        );
      }
    });
    afterAll(async () => {
      await t?.close();
    });

    for (const [term, count] of [
      ['rare-marker', Math.ceil(6000 / 97)],
      ['common text', 6000 - Math.ceil(6000 / 97)],
      ['doc_12', 111], // doc_12, doc_120..129, doc_1200..1299
      ['%', 0],
    ] as const) {
      it(`q=${term}: every match exactly once across pages`, async () => {
        const limit = count > 1000 ? 500 : 13;
        const got = await listAll(t, org.readKey, { ...ALL_TIME, q: term, limit });
        expect(got.length).toBe(count);
        const ids = got.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(inListOrder(got)).toBe(true);
        for (const e of got) {
          const text = `${e.description} ${e.resource?.id}`.toLowerCase();
          expect(text).toContain(term);
        }
      });
    }
  });
}
