import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { ev, ingest, SERVER_BACKENDS, type Served, type TestOrg } from './support.js';

/**
 * Hostile filter strings never give a 5xx: each is a 200 or a 4xx problem+json, on list, export
 * (both formats), actions and single-event lookups. Values are sent percent-encoded, and some as
 * raw byte sequences that are not valid UTF-8 or not valid escapes.
 */

const HOSTILE: string[] = [
  "'",
  '"',
  "' OR 1=1 --",
  "'; DROP TABLE events; --",
  '%',
  '%%',
  '_',
  '%_%',
  '\\',
  '\\%',
  '\\_',
  'a\u0000b',
  '\u0000',
  'a'.repeat(5000),
  '%'.repeat(5000),
  '🎉'.repeat(2500),
  'Ünïcödé Straße',
  'e\u0301',
  '\u202eevil',
  '\uFEFF',
  '"a" OR b*',
  'NEAR(a b)',
  'a AND',
  '(',
  ')',
  '*',
  '^a',
  '-a',
  'col:val',
  '{"$gt": ""}',
  'line\r\nbreak',
  '\t',
  ' ',
  '..',
  '../../etc/passwd',
  '2026-01-01T00:00:00Z',
  '9'.repeat(400),
  '-1',
  '1e308',
  'null',
  'undefined',
  '[object Object]',
];

/** Percent-encoded bytes sent as they are: invalid UTF-8, a lone surrogate, broken escapes. */
const RAW: string[] = ['%ED%A0%80', '%FF%FE', '%C0%AF', '%zz', '%', '%2', '%%32%35', '%E2%82', 'a%00b'];

const PARAMS = [
  'from',
  'to',
  'actor',
  'action',
  'resource_type',
  'resource_id',
  'status',
  'workspace',
  'ip',
  'kind',
  'q',
  'limit',
  'cursor',
  'org',
];

const ROUTES = ['/v1/events', '/v1/events/export.csv', '/v1/events/export.jsonl', '/v1/actions'];

/** Cursors that decode to numbers outside what a date or a seq can hold. */
const CURSORS = [
  '9999999999999999.1',
  '-9999999999999999.1',
  '8640000000000001.1',
  '1.9999999999999999',
  '0.0',
  '-0.-1',
  '1.2.3',
].map((text) => Buffer.from(text).toString('base64url'));

async function expectNo5xx(res: Response, what: string): Promise<void> {
  const text = await res.text();
  expect(res.status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type') ?? '', what).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(text) as { status: number; detail: string };
    expect(problem.status, what).toBe(res.status);
  } else if (!what.includes('export')) {
    JSON.parse(text);
  }
}

for (const backend of SERVER_BACKENDS) {
  describe(`hostile filter strings (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Hostile');
      await ingest(
        t,
        org.writeKey,
        HOSTILE.filter((h) => !h.includes('\u0000') && h.length <= 2048 && h.trim() !== '').map((h) =>
          ev({ description: h, resource: { type: 'doc', id: 'r1' }, workspace: 'ws' }),
        ),
      );
    });
    afterAll(async () => {
      await t?.close();
    });

    for (const route of ROUTES) {
      it(`never answers 5xx on ${route}, whatever the filter value`, async () => {
        for (const param of PARAMS) {
          for (const value of HOSTILE) {
            const res = await t.request(`${route}?${param}=${encodeURIComponent(value)}`, {
              key: org.readKey,
            });
            await expectNo5xx(res, `${route} ${param}=${JSON.stringify(value.slice(0, 40))}`);
          }
          for (const raw of RAW) {
            const res = await t.request(`${route}?${param}=${raw}`, { key: org.readKey });
            await expectNo5xx(res, `${route} ${param}=${raw} (raw)`);
          }
        }
      });
    }

    it('never answers 5xx for hostile values combined in one query', async () => {
      for (const route of ROUTES) {
        for (const value of HOSTILE.slice(0, 12)) {
          const search = PARAMS.filter((p) => !['from', 'to', 'limit', 'cursor', 'org'].includes(p))
            .map((p) => `${p}=${encodeURIComponent(value)}`)
            .join('&');
          const res = await t.request(`${route}?${search}`, { key: org.readKey });
          await expectNo5xx(res, `${route} all=${JSON.stringify(value.slice(0, 40))}`);
        }
      }
    });

    it('never answers 5xx for repeated or bracketed parameters', async () => {
      for (const route of ROUTES) {
        for (const search of [
          'q=a&q=b',
          'action=a.b&action=c.d',
          'q[]=a',
          'q[x]=a',
          'limit=1&limit=2',
          '&&&',
          '=x',
          'q',
        ]) {
          const res = await t.request(`${route}?${search}`, { key: org.readKey });
          await expectNo5xx(res, `${route}?${search}`);
        }
      }
    });

    it('never answers 5xx for cursors outside what dates and seqs can hold', async () => {
      for (const route of ROUTES) {
        for (const cursor of CURSORS) {
          const res = await t.request(`${route}?cursor=${cursor}`, { key: org.readKey });
          await expectNo5xx(res, `${route} cursor=${Buffer.from(cursor, 'base64url').toString()}`);
        }
      }
    });

    it('finds hostile strings literally with q', async () => {
      // Its own org: the exports above recorded many events of their own in the first one.
      const fresh = await t.createOrg('Literal');
      await ingest(
        t,
        fresh.writeKey,
        HOSTILE.filter((h) => !h.includes('\u0000') && h.length <= 2048 && h.trim() !== '')
          .map((h) => ev({ description: h, resource: { type: 'doc', id: 'r1' }, workspace: 'ws' }))
          .concat([ev({ description: 'party 🎉 time' })]),
      );
      for (const value of ["'", '"', '%', '_', '\\', '"a" OR b*', 'NEAR(a b)', '🎉', 'Ünïcödé']) {
        const res = await t.request(`/v1/events?q=${encodeURIComponent(value)}`, { key: fresh.readKey });
        expect(res.status).toBe(200);
        const { data } = (await res.json()) as { data: Served[] };
        expect(data.length, value).toBeGreaterThan(0);
        expect(data.some((e) => e.description === value || e.description?.includes(value))).toBe(true);
        for (const e of data) {
          const searched = [
            e.description,
            e.resource?.id,
            e.resource?.name,
            e.actor.id,
            e.actor.email,
            e.actor.name,
            e.workspace,
          ];
          expect(searched.join('\n').toLowerCase(), value).toContain(value.toLowerCase());
        }
      }
    });

    it('answers 404, never 5xx, for hostile event ids', async () => {
      const idValues = [...HOSTILE.filter((h) => h.length < 300), ...RAW];
      for (const value of idValues) {
        const path = RAW.includes(value) ? value : encodeURIComponent(value);
        const res = await t.request(`/v1/events/${path}`, { key: org.readKey });
        await expectNo5xx(res, `id=${JSON.stringify(value.slice(0, 40))}`);
      }
      const long = await t.request(`/v1/events/${'a'.repeat(5000)}`, { key: org.readKey });
      await expectNo5xx(long, 'id of 5,000 characters');
    });

    it('never answers 5xx for hostile organization names from a deployment key', async () => {
      for (const value of HOSTILE) {
        const res = await t.request(`/v1/events?org=${encodeURIComponent(value)}`);
        await expectNo5xx(res, `org=${JSON.stringify(value.slice(0, 40))}`);
      }
      for (const value of HOSTILE.filter((v) => /^[ -~]*$/.test(v))) {
        const res = await t.request('/v1/events', { headers: { 'trailmark-org': value } });
        await expectNo5xx(res, `Trailmark-Org: ${JSON.stringify(value.slice(0, 40))}`);
      }
    });
  });
}
