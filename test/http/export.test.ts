import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  ALL_TIME,
  DAY,
  ev,
  expectProblem,
  ingest,
  listAll,
  parseCsv,
  query,
  SERVER_BACKENDS,
  type Served,
  type TestOrg,
  unique,
  waitForExportRecords,
} from './support.js';

/**
 * SPEC §4 exports: CSV columns and injection neutralising, JSONL from which the chain recomputes
 * (with an independent RFC 8785 implementation), the same filters as the list, and the
 * `audit_log.exported` record of each export.
 */

const COLUMNS = [
  'timestamp',
  'action',
  'status',
  'actor_type',
  'actor_id',
  'actor_name',
  'actor_email',
  'resource_type',
  'resource_id',
  'resource_name',
  'workspace',
  'description',
  'ip',
  'country',
  'user_agent',
  'method',
  'path',
  'status_code',
  'duration_ms',
  'metadata',
  'id',
  'seq',
  'hash',
];

const GENESIS = '0'.repeat(64);

/** SPEC §3, computed here without any of the server's code. */
function expectedHash(event: Served): string {
  const { hash: _hash, prev_hash, ...body } = event;
  const canonical = canonicalize(body);
  if (canonical === undefined) throw new Error('not JSON');
  return createHash('sha256').update(`${prev_hash}\n${canonical}`).digest('hex');
}

async function exportText(
  t: TestServer,
  key: string,
  format: 'csv' | 'jsonl',
  params: Record<string, string | number | undefined> = {},
): Promise<{ res: Response; text: string }> {
  const res = await t.request(`/v1/events/export.${format}${query(params)}`, { key });
  return { res, text: await res.text() };
}

function jsonl(text: string): Served[] {
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Served);
}

/** CSV rows as objects keyed by column, the header checked on the way. */
function csvObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  expect(header).toEqual(COLUMNS);
  for (const row of rows) expect(row).toHaveLength(COLUMNS.length);
  return rows.map((row) => Object.fromEntries(COLUMNS.map((c, i) => [c, row[i]!])));
}

/** Tricky content for canonical JSON: key order by UTF-16 units, escapes, numbers, unicode. */
const TRICKY_METADATA = {
  z: 1,
  a: [3, 2, 1],
  é: 'accent',
  Z: 'upper',
  '😀': 'astral key',
  '\uff61': 'halfwidth',
  '': 'empty key',
  '10': 'digits',
  '1': 'digit',
  numbers: [0, -0, 1.5, -2.25, 1e21, 1e-7, 123456789012345, 0.1, 0.30000000000000004, 9007199254740991],
  text: 'quote " backslash \\ slash / tab \t newline \n cr \r bell \u0007 del \u007f ls \u2028 ps \u2029',
  unicode: 'Ünïcödé 漢字 🎉 e\u0301',
  nested: { deep: { deeper: { list: [{ b: 2, a: 1 }, null, true, false, ''] } } },
};

for (const backend of SERVER_BACKENDS) {
  describe(`export (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Export');
    });
    afterAll(async () => {
      await t?.close();
    });

    describe('CSV', () => {
      it('has the header and column order of SPEC §4 and every column filled from the event', async () => {
        const id = unique('evt_csv');
        await ingest(t, org.writeKey, [
          {
            id,
            action: 'template.created',
            occurred_at: new Date(Date.now() - DAY).toISOString(),
            actor: { type: 'user', id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' },
            resource: { type: 'template', id, name: 'Invoice, "Q3"' },
            workspace: 'ws_1',
            status: 'failure',
            description: 'line one\nline two, with comma and "quotes"',
            context: { ip: '81.2.69.142', user_agent: 'curl/8.0' },
            request: { method: 'POST', path: '/api/v1/templates', status_code: 201, duration_ms: 42.5 },
            metadata: { changed: ['name'], n: 1 },
          },
        ]);
        const { res, text } = await exportText(t, org.readKey, 'csv', { resource_id: id });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="trailmark-.+\.csv"$/);
        expect(text.split('\r\n')[0]).toBe(COLUMNS.join(','));
        const rows = csvObjects(text);
        expect(rows).toHaveLength(1);
        const stored = (await (await t.request(`/v1/events/${id}`, { key: org.readKey })).json()) as Served;
        expect(rows[0]).toEqual({
          timestamp: stored.occurred_at,
          action: 'template.created',
          status: 'failure',
          actor_type: 'user',
          actor_id: 'u_ada',
          actor_name: 'Ada Lovelace',
          actor_email: 'ada@example.com',
          resource_type: 'template',
          resource_id: id,
          resource_name: 'Invoice, "Q3"',
          workspace: 'ws_1',
          description: 'line one\nline two, with comma and "quotes"',
          ip: '81.2.69.142',
          country: 'GB',
          user_agent: 'curl/8.0',
          method: 'POST',
          path: '/api/v1/templates',
          status_code: '201',
          duration_ms: '42.5',
          metadata: JSON.stringify(stored.metadata),
          id,
          seq: String(stored.seq),
          hash: stored.hash,
        });
        expect(JSON.parse(rows[0]!.metadata!)).toEqual({ changed: ['name'], n: 1 });
      });

      it('leaves optional columns empty when the event has no such field', async () => {
        const id = unique('evt_min');
        await ingest(t, org.writeKey, [ev({ id, actor: { type: 'user', id } })]);
        const rows = csvObjects((await exportText(t, org.readKey, 'csv', { actor: id })).text);
        expect(rows).toHaveLength(1);
        for (const column of ['actor_name', 'resource_type', 'workspace', 'ip', 'method', 'metadata']) {
          expect(rows[0]![column], column).toBe('');
        }
      });

      it('neutralises cells starting with = + - @ tab or CR in every text column', async () => {
        const payloads = [
          '=HYPERLINK("http://x","y")',
          '+1+1',
          '-2+3',
          '@SUM(A1:A2)',
          '\t=1',
          '\r=1',
          '=cmd|"/c calc"!A1',
        ];
        const marker = unique('inj');
        const events = payloads.map((p, i) => ({
          id: `${marker}_${i}`,
          action: 'template.created',
          actor: { type: 'user', id: p, name: p },
          resource: { type: 'template', id: p, name: p },
          workspace: p.slice(0, 128),
          description: `${p}`,
          context: { user_agent: p },
          request: { method: 'GET', path: p, status_code: 200 },
        }));
        // The id column too: client ids may start with `-`.
        events.push({ ...events[2]!, id: `-${marker}` });
        await ingest(t, org.writeKey, events);
        const { text } = await exportText(t, org.readKey, 'csv', ALL_TIME);
        const rows = csvObjects(text).filter((r) => r.id!.includes(marker));
        expect(rows).toHaveLength(payloads.length + 1);
        const columns = [
          'actor_id',
          'actor_name',
          'resource_id',
          'resource_name',
          'workspace',
          'description',
          'user_agent',
          'path',
        ];
        for (const row of rows) {
          const raw = row.id!.replace(/^'/, '');
          const i = raw.startsWith('-') ? 2 : Number(raw.split('_').pop());
          for (const column of columns) {
            expect(row[column], `${column} of ${JSON.stringify(payloads[i])}`).toBe(`'${payloads[i]}`);
          }
        }
        expect(rows.find((r) => r.id!.startsWith("'-"))).toBeDefined();
        // Valid email addresses can start with = + or - too.
        const emails = ['=1+2@example.com', '+cmd@example.com', '-x@example.com'];
        await ingest(
          t,
          org.writeKey,
          emails.map((email) => ev({ actor: { type: 'user', id: `${marker}_mail`, email } })),
        );
        const mailRows = csvObjects(
          (await exportText(t, org.readKey, 'csv', { actor: `${marker}_mail` })).text,
        );
        expect(mailRows.map((r) => r.actor_email).sort()).toEqual(emails.map((e) => `'${e}`).sort());
        // No cell of the whole export starts with a formula character.
        for (const record of parseCsv(text).slice(1)) {
          for (const cell of record) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
        }
      });

      it('answers with only the header when nothing matches', async () => {
        const { res, text } = await exportText(t, org.readKey, 'csv', { q: 'no-such-text-anywhere' });
        expect(res.status).toBe(200);
        expect(text).toBe(`${COLUMNS.join(',')}\r\n`);
      });
    });

    describe('JSONL and the hash chain', () => {
      let chainOrg: TestOrg;
      let exported: Served[];
      beforeAll(async () => {
        chainOrg = await t.createOrg('Chain');
        await ingest(t, chainOrg.writeKey, [
          ev({ metadata: TRICKY_METADATA, description: 'tricky' }),
          ev({
            description: 'with request',
            context: {
              ip: '2a00:1450:4001:82a::200e',
              user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0',
            },
            request: {
              method: 'POST',
              path: '/login',
              status_code: 200,
              duration_ms: 0.25,
              headers: { authorization: 'Bearer x', 'x-id': '1' },
              body: { password: 'p', user: 'u' },
              query: { token: 't' },
            },
          }),
          ev({ occurred_at: '2001-02-03T04:05:06.789+05:30', description: 'old and offset' }),
        ]);
        for (let b = 0; b < 3; b++) {
          await ingest(
            t,
            chainOrg.writeKey,
            Array.from({ length: 700 }, (_, i) =>
              ev({
                occurred_at: new Date(Date.now() - ((b * 700 + i) % 50) * 60_000).toISOString(),
                metadata: { b, i, f: i / 7 },
              }),
            ),
          );
        }
        const { res, text } = await exportText(t, chainOrg.readKey, 'jsonl', ALL_TIME);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
        exported = jsonl(text);
      });

      it('holds every event of the org once, newest first', async () => {
        expect(exported).toHaveLength(4 + 3 + 2100);
        expect(new Set(exported.map((e) => e.id)).size).toBe(exported.length);
        // The export's own record lands after it; everything else is the same list.
        const listed = await listAll(t, chainOrg.readKey, { ...ALL_TIME, limit: 1000 });
        const notExports = (events: Served[]) =>
          events.filter((e) => e.action !== 'audit_log.exported').map((e) => e.id);
        expect(notExports(exported)).toEqual(notExports(listed));
      });

      it('recomputes: each hash from prev_hash and the canonical event, each prev_hash the previous hash', async () => {
        const bySeq = [...exported].sort((a, b) => a.seq - b.seq);
        expect(bySeq[0]!.seq).toBe(1);
        expect(bySeq[0]!.prev_hash).toBe(GENESIS);
        bySeq.forEach((event, i) => {
          expect(event.seq).toBe(i + 1);
          if (i > 0) expect(event.prev_hash).toBe(bySeq[i - 1]!.hash);
          expect(expectedHash(event), `seq ${event.seq}`).toBe(event.hash);
        });
        // The export's own record comes next in the chain, linked to the last exported event.
        const [record] = await waitForExportRecords(t, chainOrg.readKey, 1);
        const last = bySeq[bySeq.length - 1]!;
        expect(record!.seq).toBe(last.seq + 1);
        expect(record!.prev_hash).toBe(last.hash);
        expect(expectedHash(record!)).toBe(record!.hash);
        const head = (await (await t.request('/v1/chain', { key: chainOrg.readKey })).json()) as {
          head: { seq: number; hash: string };
        };
        expect(head.head.seq).toBeGreaterThanOrEqual(record!.seq);
      });

      it('detects an edit: changing any field breaks the recomputed hash', () => {
        const tricky = exported.find((e) => e.description === 'tricky')!;
        expect(expectedHash(tricky)).toBe(tricky.hash);
        // As JSON carries it (-0 is written 0).
        expect(tricky.metadata).toEqual(JSON.parse(JSON.stringify(TRICKY_METADATA)));
        const edited = { ...tricky, metadata: { ...tricky.metadata, z: 2 } };
        expect(expectedHash(edited)).not.toBe(tricky.hash);
        expect(expectedHash({ ...tricky, seq: tricky.seq + 1 })).not.toBe(tricky.hash);
      });

      it('serves each event exactly as GET /v1/events/{id} does', async () => {
        for (const event of exported.filter((e) => e.description)) {
          const res = await t.request(`/v1/events/${event.id}`, { key: chainOrg.readKey });
          expect(await res.json()).toEqual(event);
        }
      });

      it('exports redacted request data, and the hash covers what is stored', () => {
        const withRequest = exported.find((e) => e.description === 'with request')!;
        expect(withRequest.request).toMatchObject({
          headers: { authorization: '[REDACTED]', 'x-id': '1' },
          body: { password: '[REDACTED]', user: 'u' },
          query: { token: '[REDACTED]' },
        });
        expect(expectedHash(withRequest)).toBe(withRequest.hash);
      });

      it('is empty when nothing matches', async () => {
        const { res, text } = await exportText(t, chainOrg.readKey, 'jsonl', { q: 'no-such-text-anywhere' });
        expect(res.status).toBe(200);
        expect(text).toBe('');
      });
    });

    describe('filters', () => {
      let filterOrg: TestOrg;
      beforeAll(async () => {
        filterOrg = await t.createOrg('ExportFilters');
        await ingest(
          t,
          filterOrg.writeKey,
          Array.from({ length: 120 }, (_, i) =>
            ev({
              action: ['user.login', 'api_key.created', 'template.updated'][i % 3],
              actor: { type: 'user', id: `u_${i % 4}`, email: `user${i % 4}@example.com` },
              occurred_at: new Date(Date.now() - (i % 40) * DAY).toISOString(),
              status: i % 5 === 0 ? 'failure' : 'success',
              description: i % 6 === 0 ? `special ${i}` : `plain ${i}`,
              workspace: `ws_${i % 2}`,
              ...(i % 7 === 0 ? { request: { method: 'GET', path: `/p/${i}`, status_code: 200 } } : {}),
            }),
          ),
        );
      });

      const FILTERS: Array<Record<string, string>> = [
        {},
        { ...ALL_TIME },
        { action: 'api_key.*' },
        { action: 'user.login,template.updated', status: 'failure' },
        { actor: 'USER2@example.com' },
        { q: 'special', workspace: 'ws_0' },
        { kind: 'request', ...ALL_TIME },
        { from: new Date(Date.now() - 10 * DAY).toISOString(), actor: 'u_1' },
      ];
      for (const params of FILTERS) {
        it(`exports what the list shows for ${JSON.stringify(params)}`, async () => {
          const listed = await listAll(t, filterOrg.readKey, { ...params, limit: 1000 });
          const fromJsonl = jsonl((await exportText(t, filterOrg.readKey, 'jsonl', params)).text);
          const fromCsv = csvObjects((await exportText(t, filterOrg.readKey, 'csv', params)).text);
          // Exports record themselves as they go, so their own records are left out of the comparison.
          const own = (id: string, action: string) => (action === 'audit_log.exported' ? [] : [id]);
          const want = listed.flatMap((e) => own(e.id, e.action));
          expect(want.length).toBeGreaterThan(0);
          expect(fromJsonl.flatMap((e) => own(e.id, e.action))).toEqual(want);
          expect(fromCsv.flatMap((r) => own(r.id!, r.action!))).toEqual(want);
        });
      }

      it('answers 400 naming the parameter for bad filters', async () => {
        for (const format of ['csv', 'jsonl'] as const) {
          const status = await t.request(`/v1/events/export.${format}?status=nope`, {
            key: filterOrg.readKey,
          });
          await expectProblem(status, 400, '/query/status');
          const from = await t.request(`/v1/events/export.${format}?from=x`, { key: filterOrg.readKey });
          await expectProblem(from, 400, '/query/from');
        }
      });
    });

    describe('the audit_log.exported record', () => {
      it('records format, filters and row count, attributed to the key that exported', async () => {
        const rec = await t.createOrg('Recorded');
        await ingest(
          t,
          rec.writeKey,
          Array.from({ length: 30 }, (_, i) =>
            ev({ action: i % 2 ? 'user.login' : 'user.logout', actor: { type: 'user', id: 'u_7' } }),
          ),
        );
        const params = { action: 'user.login', actor: 'u_7', q: 'u_7' };
        const csv = await exportText(t, rec.readKey, 'csv', params);
        expect(csvObjects(csv.text)).toHaveLength(15);
        const [record] = await waitForExportRecords(t, rec.readKey, 1);
        expect(record!.action).toBe('audit_log.exported');
        expect(record!.actor.type).toBe('api_key');
        expect(record!.metadata).toMatchObject({
          format: 'csv',
          rows: 15,
          completed: true,
          filters: { action: 'user.login', actor: 'u_7', q: 'u_7' },
        });
        const filters = record!.metadata!.filters as { from: string; to: string };
        expect(Number.isNaN(Date.parse(filters.from))).toBe(false);
        expect(Number.isNaN(Date.parse(filters.to))).toBe(false);

        await exportText(t, rec.readKey, 'jsonl', { ...ALL_TIME });
        const records = await waitForExportRecords(t, rec.readKey, 2);
        const jsonRecord = records.find((r) => (r.metadata as { format: string }).format === 'jsonl')!;
        // 30 events, organization.created, three api_key.created and the first export's record.
        expect(jsonRecord.metadata).toMatchObject({ format: 'jsonl', rows: 35, completed: true });
        expect(jsonRecord.status).toBe('success');
      });

      it('ends when the client goes away, recorded as not completed with the rows sent, and the next export runs', async () => {
        const org = await t.createOrg('Abandoned');
        // About 48 MB of CSV: more than the socket buffers hold, so the export is cut off midway.
        const note = 'x'.repeat(16_000);
        for (let i = 0; i < 30; i++) {
          await ingest(
            t,
            org.writeKey,
            Array.from({ length: 100 }, () => ev({ metadata: { note } })),
          );
        }
        const controller = new AbortController();
        const res = await t.request(`/v1/events/export.csv${query(ALL_TIME)}`, {
          key: org.readKey,
          signal: controller.signal,
        });
        const reader = res.body!.getReader();
        await reader.read();
        controller.abort();
        await reader.cancel().catch(() => undefined);
        const [record] = await waitForExportRecords(t, org.readKey, 1);
        expect(record!.status).toBe('failure');
        expect(record!.metadata).toMatchObject({ format: 'csv', completed: false });
        expect((record!.metadata as { rows: number }).rows).toBeLessThan(3000);

        // Past its first page an export is read on a thread of its own: the same rows, in order.
        const listed = await listAll(t, org.readKey, { ...ALL_TIME, limit: 1000 });
        const whole = await exportText(t, org.readKey, 'csv', ALL_TIME);
        const rows = csvObjects(whole.text);
        expect(rows.filter((row) => row.action === 'template.created')).toHaveLength(3000);
        expect(rows.map((row) => row.id)).toEqual(listed.map((e) => e.id));
      });

      it('is not run, nor recorded, for a HEAD request', async () => {
        const rec = await t.createOrg('Head');
        for (const format of ['csv', 'jsonl']) {
          const res = await t.request(`/v1/events/export.${format}`, { method: 'HEAD', key: rec.readKey });
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        }
        // A real export afterwards is the only one recorded.
        await exportText(t, rec.readKey, 'jsonl');
        const records = await waitForExportRecords(t, rec.readKey, 1);
        expect(records).toHaveLength(1);
        expect(records[0]!.metadata).toMatchObject({ format: 'jsonl', rows: 4 });
      });

      it('records an empty export with zero rows', async () => {
        const rec = await t.createOrg('Empty');
        await exportText(t, rec.readKey, 'jsonl', { action: 'nothing.here' });
        const [record] = await waitForExportRecords(t, rec.readKey, 1);
        expect(record!.metadata).toMatchObject({ rows: 0, filters: { action: 'nothing.here' } });
      });
    });

    it('needs events:read: a write key gets 403, no key 401', async () => {
      for (const format of ['csv', 'jsonl'] as const) {
        await expectProblem(await t.request(`/v1/events/export.${format}`, { key: org.writeKey }), 403);
        await expectProblem(await t.request(`/v1/events/export.${format}`, { key: null }), 401);
      }
    });
  });
}
