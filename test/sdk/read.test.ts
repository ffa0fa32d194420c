import { createWriteStream, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoredEvent, type Trailmark, TrailmarkError } from '../../sdk/src/index.js';
import { tempDir } from '../helpers/temp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import type { TestOrg } from '../http/support.js';
import { problemBody, startProxy, testClient } from './support.js';

/** The SDK's read helpers against a real server: list, pages, iterate, get, export, verify. */

let t: TestServer;
let org: TestOrg;
let client: Trailmark;
let recorded: string[];
const dir = tempDir('trailmark-sdk-read-');
const ACTIONS = ['doc.viewed', 'doc.shared', 'doc.deleted'];
const ALL = { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2100-01-01T00:00:00Z') };

beforeAll(async () => {
  t = await startTestServer();
  org = await t.createOrg('SDK read');
  const res = await t.request(`/v1/orgs/${org.id}/api-keys`, {
    method: 'POST',
    json: { name: 'read+write', scopes: ['events:write', 'events:read'] },
  });
  const key = ((await res.json()) as { key: string }).key;
  ({ client } = testClient({ url: t.url, apiKey: key }));
  const results = await client.recordMany(
    Array.from({ length: 120 }, (_, i) => ({
      action: ACTIONS[i % 3]!,
      actor: { type: 'user' as const, id: `u_${i % 4}` },
      resource: { type: 'doc', id: `doc_${i}`, name: i === 7 ? 'Quarterly, "final"' : `Doc ${i}` },
      occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    })),
  );
  recorded = results.map((r) => r.id);
  await client.flush();
});

afterAll(async () => {
  await client.shutdown();
  await t.close();
  dir.remove();
});

describe('read helpers', () => {
  it('list returns one page, newest first, with a cursor', async () => {
    const page = await client.list({ ...ALL, action: 'doc.*', limit: 50 });
    expect(page.data).toHaveLength(50);
    expect(page.next_cursor).toEqual(expect.any(String));
    expect(page.data[0]!.id).toBe(recorded[119]);
    const next = await client.list({ ...ALL, action: 'doc.*', limit: 50, cursor: page.next_cursor! });
    expect(next.data[0]!.id).toBe(recorded[69]);
  });

  it('pages and iterate follow the cursor to the end, each event once', async () => {
    const pages = [];
    for await (const page of client.pages({ ...ALL, action: 'doc.*', limit: 50 }))
      pages.push(page.data.length);
    expect(pages).toEqual([50, 50, 20]);
    const ids: string[] = [];
    for await (const event of client.iterate({ ...ALL, action: ['doc.viewed', 'doc.shared'], limit: 7 })) {
      ids.push(event.id);
    }
    expect(ids).toEqual(recorded.filter((_, i) => i % 3 !== 2).reverse());
  });

  it('filters combine as the API documents', async () => {
    const page = await client.list({
      from: new Date(Date.UTC(2026, 0, 1, 0, 0, 10)),
      to: new Date(Date.UTC(2026, 0, 1, 0, 0, 19)),
      actor: 'u_1',
      action: 'doc.*',
    });
    expect(page.data.map((e: StoredEvent) => e.resource!.id).sort()).toEqual(['doc_13', 'doc_17']);
    expect((await client.actions(ALL)).filter((a) => a.action.startsWith('doc.'))).toEqual(
      expect.arrayContaining(ACTIONS.map((action) => ({ action, count: 40 }))),
    );
  });

  it('get returns an event whole, or undefined', async () => {
    const event = await client.get(recorded[7]!);
    expect(event).toMatchObject({
      id: recorded[7],
      org: org.id,
      action: 'doc.shared',
      seq: expect.any(Number),
    });
    expect(event!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await client.get('evt_not_there')).toBeUndefined();
  });

  it('exportTo streams CSV into a Node writable and JSONL as a web stream', async () => {
    const file = `${dir.path}/export.csv`;
    const { bytes } = await client.exportTo('csv', { ...ALL, action: 'doc.*' }, createWriteStream(file));
    const csv = readFileSync(file, 'utf8');
    expect(bytes).toBe(Buffer.byteLength(csv));
    expect(csv.trim().split('\n')).toHaveLength(121);
    expect(csv).toContain('"Quarterly, ""final"""');

    const stream = await client.exportTo('jsonl', { ...ALL, action: 'doc.deleted' });
    const text = await new Response(stream).text();
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StoredEvent);
    expect(lines.map((e) => e.id)).toEqual(recorded.filter((_, i) => i % 3 === 2).reverse());

    const chunks: Uint8Array[] = [];
    const sink = new WritableStream<Uint8Array>({ write: (chunk) => void chunks.push(chunk) });
    const written = await client.exportTo('jsonl', { ...ALL, action: 'doc.deleted' }, sink);
    expect(written.bytes).toBe(Buffer.byteLength(text));
  });

  it('verify and chain report on the whole chain', async () => {
    const report = await client.verify();
    expect(report).toMatchObject({ ok: true, first_seq: 1 });
    expect(report.checked).toBeGreaterThanOrEqual(120);
    const chain = await client.chain();
    expect(chain.org).toBe(org.id);
    expect(chain.head.seq).toBeGreaterThanOrEqual(120);
    expect(chain.last_verification).toMatchObject({ ok: true });
  });

  it("throws the server's problem on a refused read, and retries a transient one", async () => {
    const writeOnly = testClient({ url: t.url, apiKey: org.writeKey }).client;
    const forbidden = await writeOnly.list().catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(TrailmarkError);
    expect(forbidden).toMatchObject({ kind: 'api', status: 403, problem: { status: 403 } });
    const invalid = await client.list({ limit: 5000 }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ status: 400, problem: { errors: [{ path: '/query/limit' }] } });

    const proxy = await startProxy(t.url, (_request, index) =>
      index === 0
        ? { answer: { status: 503, headers: { 'retry-after': '0' }, body: problemBody(503, 'Busy', '') } }
        : undefined,
    );
    const viaProxy = testClient({ url: proxy.url, apiKey: org.readKey }).client;
    expect((await viaProxy.list({ ...ALL, limit: 1 })).data).toHaveLength(1);
    expect(proxy.requests).toHaveLength(2);
    await proxy.close();
  });
});
