import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { addUser, Browser } from '../identity/identity-helpers.js';
import {
  ev,
  expectProblem,
  headSeq,
  ingest,
  listPage,
  SERVER_BACKENDS,
  type TestOrg,
  unique,
} from './support.js';

/**
 * An audit log stores what it was sent or refuses it (issue 14, findings 4, 5 and 7): bytes that
 * are not UTF-8, numbers a float cannot hold as written, lone surrogates in any string, a
 * `__proto__` key, a date PostgreSQL cannot store, a retention that could never apply. Each is
 * 400 naming the field, with nothing stored.
 */

const enc = (text: string) => Buffer.from(text, 'utf8');

/** An event body whose metadata value `note` is the given raw bytes (inside the quotes). */
function eventWithNoteBytes(bytes: number[]): Buffer {
  return Buffer.concat([
    enc('{"action":"doc.viewed","actor":{"type":"user","id":"u_1"},"metadata":{"note":"ab'),
    Buffer.from(bytes),
    enc('"}}'),
  ]);
}

function eventWithRawMetadata(value: string): Buffer {
  return enc(`{"action":"doc.viewed","actor":{"type":"user","id":"u_1"},"metadata":{"n":${value}}}`);
}

for (const backend of SERVER_BACKENDS) {
  describe(`bodies stored as sent or refused (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Faithful');
    });
    afterAll(async () => {
      await t?.close();
    });

    const raw = (path: string, body: Buffer, key: string, method = 'POST') =>
      t.request(path, { method, key, body, headers: { 'content-type': 'application/json' } });

    it.each([
      ['FF FE C3', [0xff, 0xfe, 0xc3]],
      ['an overlong NUL (C0 80)', [0xc0, 0x80]],
      ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
      ['a truncated sequence (E2 82)', [0xe2, 0x82]],
    ])('refuses invalid UTF-8 in a string: %s', async (_name, bytes) => {
      const before = await headSeq(t, org.readKey);
      const problem = await expectProblem(
        await raw('/v1/events', eventWithNoteBytes(bytes), org.writeKey),
        400,
        '/metadata/note',
      );
      expect(problem.errors?.[0]?.message).toMatch(/UTF-8/);
      expect(await headSeq(t, org.readKey)).toBe(before);
    });

    it('refuses invalid UTF-8 in a key, naming its object, and in a batch by index', async () => {
      const body = Buffer.concat([
        enc('{"events":[{"action":"doc.viewed","actor":{"type":"user","id":"u"}},'),
        enc('{"action":"doc.viewed","actor":{"type":"user","id":"u"},"metadata":{"k'),
        Buffer.from([0xff]),
        enc('":1}}]}'),
      ]);
      await expectProblem(await raw('/v1/events', body, org.writeKey), 400, '/events/1/metadata');
    });

    it.each([
      ['12345678901234567890', /integer/],
      ['9007199254740993', /integer/],
      ['-9007199254740992', /integer/],
      ['1e16', /integer/],
      ['1e-400', /would become 0/],
      ['1.00000000000000001', /would become 1\b/],
      ['1e999', /finite/],
    ])('refuses the number %s, which a float does not hold as written', async (text, message) => {
      const before = await headSeq(t, org.readKey);
      const problem = await expectProblem(
        await raw('/v1/events', eventWithRawMetadata(text), org.writeKey),
        400,
        '/metadata/n',
      );
      expect(problem.errors?.[0]?.message).toMatch(message);
      expect(await headSeq(t, org.readKey)).toBe(before);
    });

    it('stores numbers that round-trip, whatever their spelling, as their value', async () => {
      const marker = unique('num');
      const body = enc(
        `{"action":"doc.viewed","actor":{"type":"user","id":"${marker}"},"metadata":` +
          '{"a":9007199254740991,"b":1e21,"c":0.1,"d":-2.5E-3,"e":1.5e300,"f":100.0}}',
      );
      expect((await raw('/v1/events', body, org.writeKey)).status).toBe(201);
      const page = await listPage(t, org.readKey, { actor: marker });
      expect(page.data[0]?.metadata).toEqual({
        a: 9007199254740991,
        b: 1e21,
        c: 0.1,
        d: -0.0025,
        e: 1.5e300,
        f: 100,
      });
    });

    it('stores valid multi-byte text byte for byte', async () => {
      const marker = unique('utf');
      const note = 'héllo \u{1F600} \u20AC \uFFFD';
      await ingest(t, org.writeKey, [ev({ actor: { type: 'user', id: marker }, metadata: { note } })]);
      expect((await listPage(t, org.readKey, { actor: marker })).data[0]?.metadata).toEqual({ note });
    });

    it('names a __proto__ key instead of calling the body "not valid JSON"', async () => {
      const problem = await expectProblem(
        await raw(
          '/v1/events',
          enc('{"action":"doc.viewed","actor":{"type":"user","id":"u"},"metadata":{"__proto__":{}}}'),
          org.writeKey,
        ),
        400,
        '/metadata/__proto__',
      );
      expect(problem.detail).not.toMatch(/not valid JSON/);
      await expectProblem(
        await raw('/v1/events', enc('{"metadata":{"\\u005f_proto__":{"x":1}}}'), org.writeKey),
        400,
        '/metadata/__proto__',
      );
    });

    it('refuses lone surrogates in key names, org names and viewer-token workspaces', async () => {
      const lone = enc('"bad \\ud800 name"');
      const json = (before: string, after = '}') => Buffer.concat([enc(before), lone, enc(after)]);
      await expectProblem(
        await raw('/v1/api-keys', json('{"scopes":["events:read"],"name":'), org.adminKey),
        400,
        '/name',
      );
      await expectProblem(await raw('/v1/orgs', json('{"name":'), ADMIN_KEY), 400, '/name');
      await expectProblem(
        await raw(`/v1/orgs/${org.id}`, json('{"name":'), ADMIN_KEY, 'PATCH'),
        400,
        '/name',
      );
      await expectProblem(
        await raw('/v1/viewer-tokens', json('{"workspace":'), org.adminKey),
        400,
        '/workspace',
      );
      await expectProblem(await raw('/v1/viewer-tokens', json('{"actor":'), org.adminKey), 400, '/actor');
      const keys = (await (await t.request('/v1/api-keys', { key: org.adminKey })).json()) as {
        data: Array<{ name: string }>;
      };
      expect(keys.data.map((k) => k.name).filter((n) => n.startsWith('bad'))).toEqual([]);
    });

    it.each(['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59-01:00'])(
      'refuses an API key expiry of %s with 400, not 500, for an org key and a deployment-wide key',
      async (expiresAt) => {
        await expectProblem(
          await t.request('/v1/api-keys', {
            method: 'POST',
            key: org.adminKey,
            json: { name: 'dated', scopes: ['events:read'], expires_at: expiresAt },
          }),
          400,
          '/expires_at',
        );
        await expectProblem(
          await t.request('/v1/deployment/api-keys', {
            method: 'POST',
            key: ADMIN_KEY,
            json: { name: 'dated', scopes: ['events:write'], expires_at: expiresAt },
          }),
          400,
          '/expires_at',
        );
      },
    );

    it('accepts an API key expiry at either end of the stored range', async () => {
      for (const expiresAt of ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
        const res = await t.request('/v1/api-keys', {
          method: 'POST',
          key: org.adminKey,
          json: { name: 'dated', scopes: ['events:read'], expires_at: expiresAt },
        });
        expect(res.status, await res.clone().text()).toBe(201);
        expect(((await res.json()) as { expires_at: string }).expires_at).toBe(
          new Date(expiresAt).toISOString(),
        );
      }
    });

    it('refuses a request retention longer than the retention, which could never apply', async () => {
      const patch = (json: unknown) =>
        t.request(`/v1/orgs/${org.id}`, { method: 'PATCH', key: org.adminKey, json });
      await expectProblem(await patch({ request_retention_days: 400 }), 400, '/request_retention_days');
      await expectProblem(
        await patch({ retention_days: 20, request_retention_days: 30 }),
        400,
        '/request_retention_days',
      );
      expect((await patch({ retention_days: 60, request_retention_days: 60 })).status).toBe(200);
    });

    it('does not tell a person whether an org id they cannot see exists', async () => {
      const person = await addUser(t, org.id, 'owner');
      const browser = new Browser(t.url);
      expect((await browser.login(person.email, person.password)).status).toBe(200);
      const other = await t.createOrg('Hidden');
      const create = (id: string) =>
        browser.fetch('/v1/orgs', { method: 'POST', json: { name: 'Mine', id } });
      const hidden = await create(other.id);
      const free = await create(unique('free').replaceAll('.', '_'));
      expect(hidden.status).toBe(free.status);
      const [a, b] = [await hidden.json(), await free.json()];
      expect(a).toEqual(b);
      // An org the person belongs to is theirs to be told about.
      await expectProblem(await create(org.id), 409);
    });
  });
}
