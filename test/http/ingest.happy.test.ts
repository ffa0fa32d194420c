import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  type Ack,
  ago,
  ev,
  headSeq,
  ingest,
  listAll,
  post,
  SERVER_BACKENDS,
  type Served,
  type TestOrg,
  unique,
} from './support.js';

const GENESIS = '0'.repeat(64);
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

for (const backend of SERVER_BACKENDS) {
  describe(`ingest, accepted (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Ingest');
    });
    afterAll(async () => {
      await t?.close();
    });

    async function get(id: string, key = org.readKey): Promise<Served> {
      const res = await t.request(`/v1/events/${encodeURIComponent(id)}`, { key });
      expect(res.status).toBe(200);
      return (await res.json()) as Served;
    }

    it('answers one event with 201 {events:[{id,seq,hash}]} and serves it whole, with defaults', async () => {
      const before = await headSeq(t, org.readKey);
      const res = await post(t, org.writeKey, ev({ description: 'single' }));
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { events: Ack[] };
      expect(body.events).toHaveLength(1);
      const ack = body.events[0]!;
      expect(ack.seq).toBe(before + 1);
      expect(ack.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(ack.id).toMatch(/^evt_/);
      expect(ack.duplicate).toBe(false);

      const stored = await get(ack.id);
      expect(stored).toMatchObject({
        id: ack.id,
        org: org.id,
        seq: ack.seq,
        hash: ack.hash,
        action: 'template.created',
        actor: { type: 'user', id: 'u_1' },
        status: 'success',
        description: 'single',
      });
      expect(stored.prev_hash).toMatch(/^[0-9a-f]{64}$/);
      // Without occurred_at, the event happened when it was received.
      expect(stored.occurred_at).toBe(stored.received_at);
      expect(Number.isNaN(Date.parse(stored.received_at))).toBe(false);
    });

    it('stores a batch in order with gapless seq and linked prev_hash', async () => {
      const before = await headSeq(t, org.readKey);
      const events = Array.from({ length: 25 }, (_, i) => ev({ description: `batch ${i}` }));
      const acks = await ingest(t, org.writeKey, events);
      expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 25 }, (_, i) => before + 1 + i));
      const stored = await Promise.all(acks.map((a) => get(a.id)));
      stored.forEach((event, i) => {
        expect(event.description).toBe(`batch ${i}`);
        expect(event.hash).toBe(acks[i]!.hash);
        if (i > 0) expect(event.prev_hash).toBe(stored[i - 1]!.hash);
      });
    });

    it('starts every org chain at seq 1 with prev_hash of 64 zeros', async () => {
      const fresh = await t.createOrg('Fresh');
      const all = await listAll(t, fresh.readKey, { from: '1970-01-01' });
      const first = all.find((e) => e.seq === 1)!;
      expect(first.prev_hash).toBe(GENESIS);
      expect(first.action).toBe('organization.created');
    });

    it('stores every field of SPEC §2 as given, normalises time and enriches location and client', async () => {
      const id = unique('evt_full');
      const input = {
        id,
        action: 'api_key.iam_rule.update',
        occurred_at: '2026-01-02T03:04:05+02:00',
        actor: { type: 'user', id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' },
        resource: { type: 'template', id: 'tpl_9', name: 'Invoice' },
        workspace: 'ws_1',
        status: 'failure',
        description: 'Ada created template Invoice',
        context: { ip: '81.2.69.142', user_agent: CHROME_MAC, auth_type: 'session' },
        request: {
          method: 'POST',
          path: '/api/v1/templates',
          status_code: 201,
          duration_ms: 42,
          api_key_last4: 'a1b2',
          query: { page: '2' },
          params: { id: 'tpl_9' },
          body: { name: 'Invoice', lines: [1, 2] },
          headers: { 'content-type': 'application/json' },
        },
        metadata: { changed_fields: ['name'], nested: { n: 1.5, ok: true, none: null }, ключ: 'значение' },
      };
      const [ack] = await ingest(t, org.writeKey, [input]);
      expect(ack!.id).toBe(id);
      const stored = await get(id);
      expect(stored.occurred_at).toBe('2026-01-02T01:04:05.000Z');
      expect(stored.actor).toEqual(input.actor);
      expect(stored.resource).toEqual(input.resource);
      expect(stored.workspace).toBe('ws_1');
      expect(stored.status).toBe('failure');
      expect(stored.description).toBe(input.description);
      expect(stored.request).toEqual(input.request);
      expect(stored.metadata).toEqual(input.metadata);
      expect(stored.context).toMatchObject({
        ip: '81.2.69.142',
        user_agent: CHROME_MAC,
        auth_type: 'session',
        location: { country: 'GB' },
        client: { browser: 'Chrome 120', device: 'desktop' },
      });
      expect(stored.context?.client?.os).toMatch(/^Mac OS/);
    });

    it('enriches IPv6 addresses too', async () => {
      const [ack] = await ingest(t, org.writeKey, [ev({ context: { ip: '2a00:1450:4001:82a::200e' } })]);
      const stored = await get(ack!.id);
      expect(stored.context?.location?.country).toBe('DE');
    });

    it('accepts values at their limits', async () => {
      const action = `${'a'.repeat(20)}.${'b'.repeat(20)}.${'c'.repeat(20)}.${'d'.repeat(20)}.${'e'.repeat(20)}.${'f'.repeat(23)}`;
      expect(action.length).toBe(128);
      const metadata = { blob: 'm'.repeat(32 * 1024 - 20) };
      expect(Buffer.byteLength(JSON.stringify(metadata))).toBeLessThanOrEqual(32 * 1024);
      const acks = await ingest(t, org.writeKey, [
        ev({ action }),
        ev({ action: 'a.b' }),
        ev({ metadata }),
        ev({ occurred_at: new Date(Date.now() + 4 * 60_000).toISOString() }),
        ev({ actor: { type: 'service', id: 'i'.repeat(256) } }),
        ev({ description: 'd'.repeat(2048) }),
        ev({ occurred_at: '1999-12-31T23:59:59Z' }),
      ]);
      expect(acks).toHaveLength(7);
      expect((await get(acks[0]!.id)).action).toBe(action);
      expect((await get(acks[2]!.id)).metadata).toEqual(metadata);
    });

    it('serves an event by a client id of the longest allowed length', async () => {
      const id = `evt_${'L'.repeat(124)}`;
      expect(id.length).toBe(128);
      await ingest(t, org.writeKey, [ev({ id, description: 'long id' })]);
      expect((await get(id)).description).toBe('long id');
      const odd = 'evt:a.b-c_D';
      await ingest(t, org.writeKey, [ev({ id: odd })]);
      expect((await get(odd)).id).toBe(odd);
    });

    it('accepts 1,000 events in one request', async () => {
      const before = await headSeq(t, org.readKey);
      const events = Array.from({ length: 1000 }, (_, i) => ev({ metadata: { i } }));
      const acks = await ingest(t, org.writeKey, events);
      expect(acks).toHaveLength(1000);
      expect(acks[999]!.seq).toBe(before + 1000);
      expect(await headSeq(t, org.readKey)).toBe(before + 1000);
    });

    it('answers concurrent requests each with their own, distinct seqs', async () => {
      const before = await headSeq(t, org.readKey);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, r) =>
          ingest(
            t,
            org.writeKey,
            Array.from({ length: 5 }, (_, i) => ev({ metadata: { r, i } })),
          ),
        ),
      );
      const seqs = results.flat().map((a) => a.seq);
      expect(new Set(seqs).size).toBe(100);
      expect(Math.min(...seqs)).toBe(before + 1);
      expect(Math.max(...seqs)).toBe(before + 100);
      // Each request's events are contiguous and in request order.
      for (const acks of results) {
        expect(acks.map((a) => a.seq - acks[0]!.seq)).toEqual(acks.map((_, i) => i));
      }
    });

    describe('idempotency on the client id', () => {
      it('does not store the same id and content again and points at the stored event', async () => {
        const id = unique('evt_idem');
        const input = ev({ id, description: 'once', metadata: { a: 1, b: [1, 2] } });
        const [first] = await ingest(t, org.writeKey, [input]);
        const head = await headSeq(t, org.readKey);
        // Same content with keys in another order is the same content.
        const reordered = { metadata: { b: [1, 2], a: 1 }, description: 'once', ...ev({ id }) };
        const res = await post(t, org.writeKey, reordered);
        expect(res.status).toBe(201);
        const [again] = ((await res.json()) as { events: Ack[] }).events;
        expect(again).toEqual({ id, seq: first!.seq, hash: first!.hash, duplicate: true });
        expect(await headSeq(t, org.readKey)).toBe(head);
        const matches = (await listAll(t, org.readKey, { from: '1970-01-01' })).filter((e) => e.id === id);
        expect(matches).toHaveLength(1);
      });

      it('stores the new events of a retried batch and points the known ones at what is stored', async () => {
        const a = ev({ id: unique('evt_a'), description: 'a' });
        const b = ev({ id: unique('evt_b'), description: 'b' });
        const c = ev({ id: unique('evt_c'), description: 'c' });
        const first = await ingest(t, org.writeKey, [a, b]);
        const head = await headSeq(t, org.readKey);
        const second = await ingest(t, org.writeKey, [a, c, b]);
        expect(second[0]).toEqual({ ...first[0], duplicate: true });
        expect(second[2]).toEqual({ ...first[1], duplicate: true });
        expect(second[1]).toMatchObject({ id: c.id, seq: head + 1, duplicate: false });
        expect(await headSeq(t, org.readKey)).toBe(head + 1);
      });

      it('stores one event when a batch holds the same id and content twice', async () => {
        const x = ev({ id: unique('evt_twice') });
        const head = await headSeq(t, org.readKey);
        const acks = await ingest(t, org.writeKey, [x, x]);
        expect(acks[0]).toMatchObject({ seq: head + 1, duplicate: false });
        expect(acks[1]).toEqual({ ...acks[0], duplicate: true });
        expect(await headSeq(t, org.readKey)).toBe(head + 1);
      });

      it('keeps client ids per org: another org may use the same id', async () => {
        const other = await t.createOrg('Other');
        const id = unique('evt_shared');
        const [mine] = await ingest(t, org.writeKey, [ev({ id, description: 'mine' })]);
        const [theirs] = await ingest(t, other.writeKey, [ev({ id, description: 'theirs' })]);
        expect(theirs!.duplicate).toBe(false);
        expect(theirs!.hash).not.toBe(mine!.hash);
        expect((await get(id)).description).toBe('mine');
        expect((await get(id, other.readKey)).description).toBe('theirs');
      });
    });

    describe('the deployment admin key', () => {
      it('ingests into the org named by the Trailmark-Org header', async () => {
        const res = await t.request('/v1/events', {
          method: 'POST',
          headers: { 'trailmark-org': org.id },
          json: ev({ description: 'via header' }),
        });
        expect(res.status).toBe(201);
        const [ack] = ((await res.json()) as { events: Ack[] }).events;
        expect((await get(ack!.id)).org).toBe(org.id);
      });

      it('ingests into the org named by the events', async () => {
        const res = await t.request('/v1/events', {
          method: 'POST',
          json: { events: [ev({ org: org.id, description: 'via field' })] },
        });
        expect(res.status).toBe(201);
        const [ack] = ((await res.json()) as { events: Ack[] }).events;
        const stored = await get(ack!.id);
        expect(stored.org).toBe(org.id);
        expect(stored.description).toBe('via field');
      });
    });

    it('lists an event dated a few minutes ahead (allowed at ingest) by default', async () => {
      const [ack] = await ingest(t, org.writeKey, [
        ev({ occurred_at: new Date(Date.now() + 3 * 60_000).toISOString(), description: 'ahead' }),
      ]);
      const listed = await listAll(t, org.readKey, {});
      expect(listed.map((e) => e.id)).toContain(ack!.id);
    });

    it('lists old events only when the range reaches them', async () => {
      const [ack] = await ingest(t, org.writeKey, [ev({ occurred_at: ago(400 * 24 * 3600_000) })]);
      expect((await listAll(t, org.readKey, {})).map((e) => e.id)).not.toContain(ack!.id);
      expect((await listAll(t, org.readKey, { from: ago(401 * 24 * 3600_000) })).map((e) => e.id)).toContain(
        ack!.id,
      );
    });
  });
}
