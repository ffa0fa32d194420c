import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  ev,
  expectProblem,
  headSeq,
  ingest,
  listAll,
  post,
  SERVER_BACKENDS,
  type TestOrg,
  unique,
} from './support.js';

/**
 * SPEC §2: every bad input is a 4xx problem+json naming the field, and stores nothing. Bad events
 * sit at index 3 of a five-event batch, so the path shows the index and the batch shows that one
 * bad event keeps the good ones out too.
 */

const good = (i: number) => ev({ description: `good ${i}` });
const batchWith = (bad: unknown) => ({ events: [good(0), good(1), good(2), bad, good(4)] });
const withActor = (actor: Record<string, unknown>) => ev({ actor: { type: 'user', id: 'u_1', ...actor } });

interface Case {
  name: string;
  bad: unknown;
  /** Path under /events/3. */
  path: string;
  status?: number;
}

const long = (n: number, c = 'x') => c.repeat(n);
const inFuture = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

const CASES: Case[] = [
  // Shape and required fields.
  { name: 'an event that is not an object', bad: 'user.login', path: '' },
  { name: 'a missing actor', bad: { action: 'user.login' }, path: '/actor' },
  { name: 'a missing action', bad: { actor: { type: 'user', id: 'u' } }, path: '/action' },
  { name: 'an actor that is a string', bad: ev({ actor: 'u_1' }), path: '/actor' },
  { name: 'an actor without type', bad: ev({ actor: { id: 'u_1' } }), path: '/actor/type' },
  { name: 'an actor without id', bad: ev({ actor: { type: 'user' } }), path: '/actor/id' },
  { name: 'an actor id that is a number', bad: withActor({ id: 42 }), path: '/actor/id' },
  { name: 'an empty actor id', bad: withActor({ id: '' }), path: '/actor/id' },
  { name: 'an unknown actor type', bad: withActor({ type: 'robot' }), path: '/actor/type' },
  { name: 'an actor name that is an object', bad: withActor({ name: { first: 'A' } }), path: '/actor/name' },
  // Action names.
  { name: 'an uppercase action', bad: ev({ action: 'User.Login' }), path: '/action' },
  { name: 'a one-segment action', bad: ev({ action: 'login' }), path: '/action' },
  { name: 'a seven-segment action', bad: ev({ action: 'a.b.c.d.e.f.g' }), path: '/action' },
  {
    name: 'a 129-character action',
    bad: ev({ action: `${long(64, 'a')}.${long(64, 'b')}` }),
    path: '/action',
  },
  { name: 'an action with a hyphen', bad: ev({ action: 'user.log-in' }), path: '/action' },
  { name: 'an action with a space', bad: ev({ action: 'user. login' }), path: '/action' },
  { name: 'an action with an empty segment', bad: ev({ action: 'user..login' }), path: '/action' },
  { name: 'an action ending in a dot', bad: ev({ action: 'user.login.' }), path: '/action' },
  { name: 'an action that is a number', bad: ev({ action: 12 }), path: '/action' },
  { name: 'an action with a NUL', bad: ev({ action: 'user.lo\u0000gin' }), path: '/action' },
  // Enumerations and types.
  { name: 'an unknown status', bad: ev({ status: 'ok' }), path: '/status' },
  { name: 'an unknown auth_type', bad: ev({ context: { auth_type: 'magic' } }), path: '/context/auth_type' },
  { name: 'a workspace that is a number', bad: ev({ workspace: 7 }), path: '/workspace' },
  { name: 'a client id with a slash', bad: ev({ id: 'evt/1' }), path: '/id' },
  { name: 'metadata that is an array', bad: ev({ metadata: [1, 2] }), path: '/metadata' },
  { name: 'metadata that is a string', bad: ev({ metadata: 'x' }), path: '/metadata' },
  { name: 'a resource without type', bad: ev({ resource: { id: 'r' } }), path: '/resource/type' },
  { name: 'a resource type with a space', bad: ev({ resource: { type: 'a b' } }), path: '/resource/type' },
  // Time.
  { name: 'occurred_at 10 minutes ahead', bad: ev({ occurred_at: inFuture(10) }), path: '/occurred_at' },
  { name: 'occurred_at next year', bad: ev({ occurred_at: inFuture(365 * 24 * 60) }), path: '/occurred_at' },
  { name: 'occurred_at that is not a date', bad: ev({ occurred_at: 'yesterday' }), path: '/occurred_at' },
  { name: 'occurred_at in month 13', bad: ev({ occurred_at: '2026-13-01T00:00:00Z' }), path: '/occurred_at' },
  {
    name: 'occurred_at on February 30',
    bad: ev({ occurred_at: '2026-02-30T00:00:00Z' }),
    path: '/occurred_at',
  },
  { name: 'occurred_at as epoch number', bad: ev({ occurred_at: 1_700_000_000_000 }), path: '/occurred_at' },
  {
    name: 'occurred_at without a time zone',
    bad: ev({ occurred_at: '2026-01-01T10:00:00' }),
    path: '/occurred_at',
  },
  // Unknown fields.
  { name: 'an unknown top-level field', bad: ev({ user: 'u_1' }), path: '/user' },
  { name: 'an unknown actor field', bad: withActor({ role: 'admin' }), path: '/actor/role' },
  {
    name: 'an unknown resource field',
    bad: ev({ resource: { type: 't', owner: 'x' } }),
    path: '/resource/owner',
  },
  { name: 'an unknown context field', bad: ev({ context: { geo: 'x' } }), path: '/context/geo' },
  {
    name: 'an unknown request field',
    bad: ev({ request: { method: 'GET', path: '/', status_code: 200, cost: 1 } }),
    path: '/request/cost',
  },
  { name: 'seq set by the client', bad: ev({ seq: 1 }), path: '/seq' },
  { name: 'hash set by the client', bad: ev({ hash: long(64, 'a') }), path: '/hash' },
  // IP addresses.
  { name: 'an IPv4 address out of range', bad: ev({ context: { ip: '999.1.1.1' } }), path: '/context/ip' },
  { name: 'an IP with three parts', bad: ev({ context: { ip: '10.1.2' } }), path: '/context/ip' },
  { name: 'an IP that is a word', bad: ev({ context: { ip: 'localhost' } }), path: '/context/ip' },
  { name: 'an IPv6 address with junk', bad: ev({ context: { ip: '2001:db8::g' } }), path: '/context/ip' },
  { name: 'an IP with a port', bad: ev({ context: { ip: '10.0.0.1:443' } }), path: '/context/ip' },
  // Request block.
  {
    name: 'an unknown request method',
    bad: ev({ request: { method: 'FETCH', path: '/', status_code: 200 } }),
    path: '/request/method',
  },
  {
    name: 'a status code of 700',
    bad: ev({ request: { method: 'GET', path: '/', status_code: 700 } }),
    path: '/request/status_code',
  },
  {
    name: 'a negative duration',
    bad: ev({ request: { method: 'GET', path: '/', status_code: 200, duration_ms: -1 } }),
    path: '/request/duration_ms',
  },
  {
    name: 'request data over 32 KB',
    bad: ev({ request: { method: 'POST', path: '/', status_code: 200, body: { blob: long(33_000) } } }),
    path: '/request',
  },
  // Sizes.
  { name: 'metadata over 32 KB', bad: ev({ metadata: { blob: long(32 * 1024) } }), path: '/metadata' },
  {
    name: 'metadata over 32 KB in multi-byte characters',
    bad: ev({ metadata: { blob: long(11_000, '€') } }),
    path: '/metadata',
  },
  { name: 'an actor id of 257 characters', bad: withActor({ id: long(257) }), path: '/actor/id' },
  { name: 'an actor name of 257 characters', bad: withActor({ name: long(257) }), path: '/actor/name' },
  { name: 'an actor email of 321 characters', bad: withActor({ email: long(321) }), path: '/actor/email' },
  {
    name: 'a resource id of 257 characters',
    bad: ev({ resource: { type: 't', id: long(257) } }),
    path: '/resource/id',
  },
  {
    name: 'a resource name of 513 characters',
    bad: ev({ resource: { type: 't', name: long(513) } }),
    path: '/resource/name',
  },
  { name: 'a workspace of 129 characters', bad: ev({ workspace: long(129) }), path: '/workspace' },
  { name: 'a description of 2,049 characters', bad: ev({ description: long(2049) }), path: '/description' },
  {
    name: 'a user agent of 1,025 characters',
    bad: ev({ context: { user_agent: long(1025) } }),
    path: '/context/user_agent',
  },
  {
    name: 'a request path of 2,049 characters',
    bad: ev({ request: { method: 'GET', path: long(2049), status_code: 200 } }),
    path: '/request/path',
  },
  { name: 'a client id of 129 characters', bad: ev({ id: long(129) }), path: '/id' },
  { name: 'a metadata key of 257 characters', bad: ev({ metadata: { [long(257)]: 1 } }), path: '/metadata' },
  // NUL characters, which no backend can store faithfully in every column.
  { name: 'a NUL in the description', bad: ev({ description: 'a\u0000b' }), path: '/description' },
  { name: 'a NUL in the actor id', bad: withActor({ id: 'u\u0000' }), path: '/actor/id' },
  { name: 'a NUL in the actor name', bad: withActor({ name: '\u0000' }), path: '/actor/name' },
  { name: 'a NUL in the workspace', bad: ev({ workspace: 'w\u0000' }), path: '/workspace' },
  {
    name: 'a NUL in the resource name',
    bad: ev({ resource: { type: 't', name: 'x\u0000y' } }),
    path: '/resource/name',
  },
  { name: 'a NUL in the client id', bad: ev({ id: 'evt\u0000' }), path: '/id' },
  { name: 'a NUL in a metadata value', bad: ev({ metadata: { note: 'a\u0000' } }), path: '/metadata/note' },
  {
    name: 'a NUL deep in metadata',
    bad: ev({ metadata: { list: [{ ok: 'x' }, { bad: ['\u0000'] }] } }),
    path: '/metadata/list/1/bad/0',
  },
  { name: 'a NUL in a metadata key', bad: ev({ metadata: { 'k\u0000': 1 } }), path: '/metadata' },
  {
    name: 'a NUL in a request body',
    bad: ev({ request: { method: 'POST', path: '/', status_code: 200, body: { note: '\u0000' } } }),
    path: '/request/body/note',
  },
  // Unpaired surrogates: not Unicode, so not storable as UTF-8 text or in PostgreSQL jsonb.
  {
    name: 'an unpaired surrogate in the description',
    bad: ev({ description: 'a\ud800b' }),
    path: '/description',
  },
  { name: 'an unpaired surrogate in metadata', bad: ev({ metadata: { m: '\udc00' } }), path: '/metadata/m' },
];

for (const backend of SERVER_BACKENDS) {
  describe(`ingest, rejected (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Errors');
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Sends a body and checks the answer; the org's chain must not move. */
    async function rejects(body: unknown, status: number | undefined, path?: string, raw = false) {
      const before = await headSeq(t, org.readKey);
      const res = raw
        ? await t.request('/v1/events', {
            method: 'POST',
            key: org.writeKey,
            headers: { 'content-type': 'application/json' },
            body: body as string,
          })
        : await post(t, org.writeKey, body);
      const problem = await expectProblem(res, status, path);
      expect(await headSeq(t, org.readKey)).toBe(before);
      return problem;
    }

    for (const c of CASES) {
      it(`rejects ${c.name} at /events/3${c.path}, storing nothing of the batch`, async () => {
        const problem = await rejects(batchWith(c.bad), c.status ?? 400, `/events/3${c.path}`);
        // Only the bad event is blamed.
        for (const error of problem.errors ?? []) expect(error.path.startsWith('/events/3')).toBe(true);
      });
    }

    it('rejects a single bad event with the path of the field itself', async () => {
      await rejects(withActor({ id: 42 }), 400, '/actor/id');
      await rejects(ev({ action: 'Bad' }), 400, '/action');
      await rejects({ action: 'a.b' }, 400, '/actor');
      await rejects(ev({ metadata: { x: '\u0000' } }), 400, '/metadata/x');
    });

    it('reports every bad field of every bad event', async () => {
      const problem = await rejects(
        { events: [good(0), withActor({ id: '' }), ev({ action: 'X', status: 'meh' })] },
        400,
      );
      expect(problem.errors!.map((e) => e.path).sort()).toEqual(
        ['/events/1/actor/id', '/events/2/action', '/events/2/status'].sort(),
      );
    });

    it('rejects malformed JSON', async () => {
      await rejects('{"action": "user.login", "actor": ', 400, undefined, true);
      await rejects('{"action": \'x\'}', 400, undefined, true);
      await rejects('{"events": [}', 400, undefined, true);
    });

    it('rejects a JSON body that is not an event or a batch', async () => {
      await rejects('[]', 400, '/', true);
      await rejects('"user.login"', 400, '/', true);
      await rejects('42', 400, '/', true);
      await rejects('null', 400, '/', true);
      await rejects('[{"action": "a.b", "actor": {"type": "user", "id": "u"}}]', 400, '/', true);
    });

    it('rejects an empty body', async () => {
      await rejects('', 400, undefined, true);
    });

    it('rejects a body that is not JSON', async () => {
      const before = await headSeq(t, org.readKey);
      const res = await t.request('/v1/events', {
        method: 'POST',
        key: org.writeKey,
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(ev()),
      });
      await expectProblem(res);
      expect(await headSeq(t, org.readKey)).toBe(before);
    });

    it('rejects numbers JSON can write but not represent (1e999)', async () => {
      await rejects(
        '{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"huge":1e999}}',
        400,
        '/metadata/huge',
        true,
      );
      await rejects(
        '{"events":[{"action":"a.b","actor":{"type":"user","id":"u"},"request":{"method":"GET","path":"/","status_code":200,"body":{"n":-1e400}}}]}',
        400,
        '/events/0/request/body/n',
        true,
      );
    });

    it('rejects metadata nested deeper than storage can walk', async () => {
      const depth = 10_000;
      const text = `{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"d":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      expect(text.length).toBeLessThan(32 * 1024);
      await rejects(text, 400, undefined, true);
    });

    it('rejects prototype-polluting keys', async () => {
      await rejects(
        '{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"__proto__":{"admin":true}}}',
        400,
        '/metadata/__proto__',
        true,
      );
      await rejects(
        '{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"constructor":{"prototype":{"admin":true}}}}',
        400,
        '/metadata/constructor/prototype',
        true,
      );
    });

    it('rejects a batch envelope with other fields, no events, or events that are not a list', async () => {
      await rejects({ events: [good(0)], extra: true }, 400, '/extra');
      await rejects({ events: [] }, 400, '/events');
      await rejects({ events: good(0) }, 400, '/events');
      await rejects({ events: null }, 400, '/events');
    });

    it('rejects more than 1,000 events in one request with a 4xx naming /events', async () => {
      const events = Array.from({ length: 1001 }, (_, i) => good(i));
      const problem = await rejects({ events }, undefined, '/events');
      expect([400, 413]).toContain(problem.status);
    });

    it('rejects a body over 5 MB with 413', async () => {
      // Valid events, so only the size is wrong: 1,000 events of ~5.3 KB.
      const events = Array.from({ length: 1000 }, (_, i) =>
        ev({ description: long(2048), metadata: { i, pad: long(3200) } }),
      );
      const text = JSON.stringify({ events });
      expect(text.length).toBeGreaterThan(5 * 1024 * 1024);
      await rejects(text, 413, undefined, true);
    });

    it('rejects a body over 5 MB sent without Content-Length', async () => {
      const before = await headSeq(t, org.readKey);
      const chunk = new TextEncoder().encode(`{"events":[${JSON.stringify(ev({ description: long(2048) }))}`);
      const filler = new TextEncoder().encode(`,${JSON.stringify(ev({ description: long(2048) }))}`);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(chunk);
          else if (sent < 2700) controller.enqueue(filler);
          else {
            controller.enqueue(new TextEncoder().encode(']}'));
            controller.close();
          }
          sent += 1;
        },
      });
      const res = await fetch(`${t.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${org.writeKey}`, 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      await expectProblem(res, 413);
      expect(await headSeq(t, org.readKey)).toBe(before);
    });

    it('names /org when a single event names another org than the request', async () => {
      const other = await t.createOrg('Third');
      const res = await t.request('/v1/events', {
        method: 'POST',
        headers: { 'trailmark-org': org.id },
        json: ev({ org: other.id }),
      });
      await expectProblem(res, 400, '/org');
    });

    it('rejects a batch whose events name two organizations (deployment key)', async () => {
      const other = await t.createOrg('Second');
      const otherBefore = await headSeq(t, other.readKey);
      const before = await headSeq(t, org.readKey);
      const res = await t.request('/v1/events', {
        method: 'POST',
        json: { events: [ev({ org: org.id }), ev({ org: other.id })] },
      });
      await expectProblem(res, 400, '/events/1/org');
      expect(await headSeq(t, org.readKey)).toBe(before);
      expect(await headSeq(t, other.readKey)).toBe(otherBefore);
    });

    describe('idempotency conflicts', () => {
      it('answers 409 for a stored id with different content and stores nothing of the batch', async () => {
        const id = unique('evt_conflict');
        const [stored] = await ingest(t, org.writeKey, [ev({ id, description: 'original' })]);
        const fresh = ev({ id: unique('evt_fresh'), description: 'fresh' });
        const before = await headSeq(t, org.readKey);
        const res = await post(t, org.writeKey, {
          events: [fresh, good(1), ev({ id, description: 'changed' }), good(3)],
        });
        const problem = await expectProblem(res, 409, '/events/2/id');
        expect(problem.detail).toContain(id);
        expect(await headSeq(t, org.readKey)).toBe(before);
        const all = await listAll(t, org.readKey, { from: '1970-01-01' });
        expect(all.map((e) => e.id)).not.toContain(fresh.id);
        const kept = all.filter((e) => e.id === id);
        expect(kept).toHaveLength(1);
        expect(kept[0]).toMatchObject({ description: 'original', seq: stored!.seq, hash: stored!.hash });
      });

      it('names /id, not /events/0/id, when the request was a single event', async () => {
        const id = unique('evt_single');
        await ingest(t, org.writeKey, [ev({ id, description: 'first' })]);
        const res = await post(t, org.writeKey, ev({ id, description: 'second' }));
        const problem = await expectProblem(res, 409, '/id');
        expect(problem.errors!.map((e) => e.path)).toEqual(['/id']);
      });

      it('answers 409 when one batch holds the same id with two contents', async () => {
        const id = unique('evt_inbatch');
        const before = await headSeq(t, org.readKey);
        const res = await post(t, org.writeKey, {
          events: [ev({ id, description: 'one' }), ev({ id, description: 'two' })],
        });
        await expectProblem(res, 409, '/events/1/id');
        expect(await headSeq(t, org.readKey)).toBe(before);
      });

      it('treats a changed occurred_at, actor or metadata as different content', async () => {
        const id = unique('evt_variants');
        const base = ev({ id, occurred_at: '2026-01-01T00:00:00.000Z', metadata: { a: 1 } });
        await ingest(t, org.writeKey, [base]);
        const variants = [
          { ...base, occurred_at: '2026-01-01T00:00:01.000Z' },
          { ...base, actor: { type: 'user', id: 'u_2' } },
          { ...base, metadata: { a: 2 } },
          { ...base, status: 'failure' },
        ];
        for (const variant of variants) await rejects(variant, 409);
      });
    });
  });
}
