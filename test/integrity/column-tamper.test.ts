import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DERIVED_COLUMNS } from '../../src/domain/event-columns.js';
import type { TestServer } from '../helpers/test-server.js';
import { type TestOrg, verifyOnline as verifyOnce } from './support.js';
import { BACKENDS, type Tamperer } from './tamper-backends.js';

/**
 * Issue 14, finding 2: every column that queries, viewer scoping and exports read is derived
 * from the hashed body, and online verification re-derives it. Each stored column of one event
 * is changed in the database (triggers bypassed, as an attacker with write access would), and
 * POST /v1/chain/verify must name the event and the column; then the value is put back and the
 * chain verifies again.
 *
 * The chain of org A: seq 1 organization.created, 2..4 api_key.created, 5..24 ingested (odd i:
 * a request log entry; even i: an audit event in workspace ws_a2 with an IPv6 address).
 */

const EVENTS = 20;
/** i = 4: an audit event with every optional member; i = 5: a request log entry without them. */
const FULL = 9;
const BARE = 10;

function event(i: number): Record<string, unknown> {
  const base = {
    action: i % 2 === 0 ? 'document.shared' : 'http.request',
    actor: {
      type: 'user',
      id: `u_${i}`,
      name: `User ${i}`,
      ...(i % 2 === 0 ? { email: `U${i}@Example.com` } : {}),
    },
    description: `event ${i}`,
  };
  if (i % 2 === 1) return { ...base, request: { method: 'GET', path: `/docs/${i}`, status_code: 200 } };
  return {
    ...base,
    workspace: 'ws_a2',
    resource: { type: 'document', id: `doc_${i}`, name: `Doc ${i}` },
    context: { ip: '2001:DB8:0:0:0:0:0:7' },
  };
}

interface Case {
  name: string;
  seq: number;
  column: string;
  value: string | number | null;
  /** What verification reports: column_mismatch naming the column, unless said otherwise. */
  expected?: { reason: string };
}

const CASES: Case[] = [
  { name: 'the id', seq: FULL, column: 'id', value: 'evt_someone_else' },
  { name: 'the time, to the epoch', seq: FULL, column: 'occurred_at', value: 0 },
  { name: 'the time, by half a millisecond', seq: FULL, column: 'occurred_at', value: 'half-ms' },
  { name: 'the action', seq: FULL, column: 'action', value: 'document.viewed' },
  { name: 'the actor id', seq: FULL, column: 'actor_id', value: 'u_other' },
  { name: 'the actor email', seq: FULL, column: 'actor_email', value: 'other@example.com' },
  { name: 'the actor email, removed', seq: FULL, column: 'actor_email', value: null },
  { name: 'the resource type', seq: FULL, column: 'resource_type', value: 'folder' },
  { name: 'the resource id', seq: FULL, column: 'resource_id', value: 'doc_other' },
  { name: 'the workspace, to another', seq: FULL, column: 'workspace', value: 'ws_a1' },
  { name: 'a workspace given to an event without one', seq: BARE, column: 'workspace', value: 'ws_a1' },
  { name: 'the status', seq: FULL, column: 'status', value: 'failure' },
  { name: 'the IP address', seq: FULL, column: 'ip', value: '10.9.9.9' },
  {
    name: 'the IP address, spelled as sent instead of canonical',
    seq: FULL,
    column: 'ip',
    value: '2001:DB8:0:0:0:0:0:7',
  },
  { name: 'the kind', seq: FULL, column: 'kind', value: 'request' },
  { name: 'the search text', seq: FULL, column: 'search_text', value: 'nothing to find\n' },
  { name: 'the search text of a request log entry', seq: BARE, column: 'search_text', value: '' },
  // The chain's own columns: the chain checks find them.
  { name: 'the body', seq: FULL, column: 'body', value: '{}', expected: { reason: 'hash_mismatch' } },
  {
    name: 'the hash',
    seq: FULL,
    column: 'hash',
    value: '0'.repeat(64),
    expected: { reason: 'hash_mismatch' },
  },
  {
    name: 'the previous hash',
    seq: FULL,
    column: 'prev_hash',
    value: 'f'.repeat(64),
    expected: { reason: 'hash_mismatch' },
  },
];

for (const backend of BACKENDS) {
  describe(`every stored column is checked against the hashed body, on ${backend.name}`, () => {
    let t: TestServer;
    let tamper: Tamperer;
    let close: () => Promise<void>;
    let orgA: TestOrg;
    let orgB: TestOrg;
    const ids = new Map<number, string>();
    // Full verifications are limited per org and minute: each one here happens a minute later.
    let clock = Date.now();
    const verifyOnline = (server: TestServer, org: TestOrg) => {
      clock += 60_000;
      return verifyOnce(server, org);
    };

    beforeAll(async () => {
      ({ t, tamper, close } = await backend.start({
        now: () => new Date(clock),
        config: { checkpointEveryEvents: 10 },
      }));
      orgA = await t.createOrg('A');
      orgB = await t.createOrg('B');
      for (const org of [orgA, orgB]) {
        const events = Array.from({ length: EVENTS }, (_, i) => event(i));
        const res = await t.request('/v1/events', { method: 'POST', key: org.writeKey, json: { events } });
        expect(res.status).toBe(201);
        const body = (await res.json()) as { events: Array<{ id: string; seq: number }> };
        if (org === orgA) for (const e of body.events) ids.set(e.seq, e.id);
      }
      await t.server.ctx.background.checkpointer.signAll();
    });
    afterAll(async () => {
      await close();
    });

    it('verifies untouched, every column read alongside its event', async () => {
      expect(DERIVED_COLUMNS).toHaveLength(12);
      expect(await verifyOnline(t, orgA)).toMatchObject({
        ok: true,
        checked: 24,
        first_seq: 1,
        last_seq: 24,
      });
    });

    for (const c of CASES) {
      it(`reports ${c.name} changed: seq ${c.seq}, ${c.expected?.reason ?? `column_mismatch on ${c.column}`}`, async () => {
        let value = c.value;
        if (value === 'half-ms') {
          const res = await t.request(`/v1/events/${ids.get(c.seq)}`, { key: orgA.readKey });
          value = Date.parse(((await res.json()) as { occurred_at: string }).occurred_at) + 0.5;
        }
        const restore = await tamper.setColumn(orgA.id, c.seq, c.column, value);
        try {
          const report = await verifyOnline(t, orgA);
          expect(report.ok).toBe(false);
          expect(report.checked).toBe(c.seq - 1);
          if (c.expected) expect(report.failure).toMatchObject({ seq: c.seq, ...c.expected });
          else {
            expect(report.failure).toMatchObject({
              seq: c.seq,
              reason: 'column_mismatch',
              id: ids.get(c.seq),
              column: c.column,
            });
            expect(report.failure?.detail).toContain(`event ${ids.get(c.seq)}: the stored ${c.column} is `);
          }
        } finally {
          await restore();
        }
        expect((await verifyOnline(t, orgA)).ok).toBe(true);
      });
    }

    it('reports an event moved into another organization: column_mismatch on org_pk', async () => {
      await tamper.swapAcrossOrgs(orgA.id, orgB.id, FULL);
      try {
        const a = await verifyOnline(t, orgA);
        expect(a.failure).toMatchObject({ seq: FULL, reason: 'column_mismatch', column: 'org_pk' });
        expect(a.failure?.detail).toContain(`but its hashed body says "${orgB.id}"`);
        const b = await verifyOnline(t, orgB);
        expect(b.failure).toMatchObject({
          seq: FULL,
          reason: 'column_mismatch',
          column: 'org_pk',
          id: ids.get(FULL),
        });
      } finally {
        await tamper.swapAcrossOrgs(orgA.id, orgB.id, FULL);
      }
      expect((await verifyOnline(t, orgA)).ok).toBe(true);
    });

    it('reports an event moved to another seq: seq_gap where it was', async () => {
      const restore = await tamper.setColumn(orgA.id, FULL, 'seq', 1000);
      try {
        expect((await verifyOnline(t, orgA)).failure).toMatchObject({ seq: FULL, reason: 'seq_gap' });
      } finally {
        await restore();
      }
    });

    it('does not check input_hash, which no query, scope or export reads (docs/integrity.md)', async () => {
      const restore = await tamper.setColumn(orgA.id, FULL, 'input_hash', 'f'.repeat(64));
      try {
        expect((await verifyOnline(t, orgA)).ok).toBe(true);
      } finally {
        await restore();
      }
    });
  });
}
