import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH, hashedBody } from '../../src/domain/chain.js';
import type { EventInput, PendingEvent } from '../../src/domain/event.js';
import { searchText } from '../../src/domain/event-columns.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { STORED_IDENTITIES_SQL } from '../../src/store/postgres/postgres-append.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { addToBlock, blockOf, emptyBlock, type OpenBlock } from '../../src/store/search-bits.js';
import type { AuditStore } from '../../src/store/store.js';
import { BACKENDS, type TestDatabase } from '../helpers/backends.js';

/**
 * What only PostgreSQL has to prove: several Trailmark processes (here: several stores, each
 * with its own pool) appending to one database, TRUNCATE and the purge gate, the schema's
 * org-leading keys. The backend-independent behaviour is in store-contract.ts.
 */
const postgres = BACKENDS.find((b) => b.name === 'postgres');

function pending(org: string, fields: Partial<EventInput> = {}): PendingEvent {
  return prepareEvent(
    { action: 'thing.done', actor: { type: 'user', id: 'u1' }, ...fields },
    org,
    new Date(),
    NO_ENRICHMENT,
  );
}

async function createOrg(store: AuditStore, id: string): Promise<void> {
  await store.transaction((tx) => tx.createOrg({ id, name: id }));
}

async function verifyChain(store: AuditStore, org: string): Promise<number> {
  let prev = GENESIS_HASH;
  let seq = 0;
  for await (const e of store.streamChain(org)) {
    seq += 1;
    expect(e.seq).toBe(seq);
    expect(e.prev_hash).toBe(prev);
    expect(e.hash).toBe(chainHash(prev, canonicalJson(hashedBody(e))));
    prev = e.hash;
  }
  expect(await store.chainHead(org)).toEqual({ seq, hash: prev });
  return seq;
}

describe.skipIf(!postgres)('PostgreSQL store', () => {
  let database: TestDatabase;
  let stores: PostgresStore[];

  beforeAll(async () => {
    database = await postgres!.databaseUrl();
    // Three "processes" starting at once: migrations take turns (advisory lock), none fails.
    stores = [0, 1, 2].map(() => new PostgresStore({ connectionString: database.url, poolSize: 3 }));
    await Promise.all(stores.map((s) => s.migrate()));
  });
  afterAll(async () => {
    await Promise.all((stores ?? []).map((s) => s.close()));
    await database?.drop();
  });

  it('keeps one gapless chain when several processes append to the same org', async () => {
    await createOrg(stores[0]!, 'org_shared');
    const rounds = 15;
    const results = await Promise.all(
      stores.flatMap((store, p) =>
        Array.from({ length: rounds }, (_, r) =>
          store.appendBatches([
            {
              org: 'org_shared',
              events: [pending('org_shared', { description: `p${p} r${r} a` }), pending('org_shared')],
            },
          ]),
        ),
      ),
    );
    expect(results.flat().every((o) => o.ok)).toBe(true);
    expect(await verifyChain(stores[1]!, 'org_shared')).toBe(stores.length * rounds * 2);
  });

  it('does not deadlock when processes commit the same orgs in opposite orders', async () => {
    const orgs = ['org_x1', 'org_x2', 'org_x3', 'org_x4'];
    for (const org of orgs) await createOrg(stores[0]!, org);
    const commit = (store: PostgresStore, order: string[]) =>
      store.appendBatches(order.map((org) => ({ org, events: [pending(org)] })));
    const reversed = [...orgs].reverse();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => commit(stores[i % 3]!, i % 2 ? orgs : reversed)),
    );
    expect(results.flat().every((o) => o.ok)).toBe(true);
    for (const org of orgs) expect(await verifyChain(stores[2]!, org)).toBe(20);
  });

  it('answers a retried client id from another process as a duplicate', async () => {
    await createOrg(stores[0]!, 'org_retry');
    const event = pending('org_retry', { id: 'evt_retried' });
    const [first, second] = await Promise.all([
      stores[0]!.appendBatches([{ org: 'org_retry', events: [event] }]),
      stores[1]!.appendBatches([{ org: 'org_retry', events: [event] }]),
    ]);
    const appended = [first![0]!, second![0]!].map((o) => (o.ok ? o.events[0]! : undefined));
    expect(appended.map((e) => e?.duplicate).sort()).toEqual([false, true]);
    expect(appended[0]!.hash).toBe(appended[1]!.hash);
    expect(await verifyChain(stores[0]!, 'org_retry')).toBe(1);
  });

  it('looks client ids up one index probe each, however many a commit holds', async () => {
    await createOrg(stores[0]!, 'org_ids');
    const events = Array.from({ length: 300 }, (_, i) => pending('org_ids', { id: `evt_client_${i}` }));
    await stores[0]!.appendBatches([{ org: 'org_ids', events }]);
    const pool = stores[0]!.pool;
    const pk = (await pool.query("SELECT pk FROM orgs WHERE id = 'org_ids'")).rows[0].pk as number;
    // A large commit: the 300 stored ids and 4,700 new ones. A plain join was planned as a hash
    // join over the whole partition from about 2,000 ids on.
    const ids = Array.from({ length: 5000 }, (_, i) => `evt_client_${i}`);
    const parameters = [ids.map(() => pk), ids];
    const { rows: plan } = await pool.query(`EXPLAIN ${STORED_IDENTITIES_SQL}`, parameters);
    const text = plan.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Hash Join|Merge Join/);
    const { rows } = await pool.query(STORED_IDENTITIES_SQL, parameters);
    expect(rows.map((row: { id: string }) => row.id).sort()).toEqual(ids.slice(0, 300).sort());
  });

  it('warns at start when autovacuum is off, and only then', async () => {
    const pool = stores[0]!.pool;
    const on = (await pool.query("SELECT current_setting('autovacuum')::boolean AS on")).rows[0]
      .on as boolean;
    const warnings = await stores[0]!.configurationWarnings();
    expect(warnings).toHaveLength(on ? 0 : 1);
    if (!on) expect(warnings[0]).toMatch(/autovacuum is off.*ANALYZE events/);
  });

  it('refuses TRUNCATE, UPDATE and DELETE; the old purge setting opens nothing', async () => {
    await createOrg(stores[0]!, 'org_purge');
    await stores[0]!.appendBatches([
      { org: 'org_purge', events: [pending('org_purge'), pending('org_purge')] },
    ]);
    const pool = stores[0]!.pool;
    await expect(pool.query('TRUNCATE events')).rejects.toThrow(/immutable/);
    await expect(pool.query("DELETE FROM events WHERE id LIKE 'evt%'")).rejects.toThrow(/immutable/);

    // Only the retention purge deletes, as the role trailmark_purger (integrity's 002 migration,
    // tested in test/integrity/immutability.test.ts); a session setting no longer opens a gate.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL trailmark.purge = 'on'");
      const pk = (await client.query("SELECT pk FROM orgs WHERE id = 'org_purge'")).rows[0].pk as number;
      await expect(client.query('DELETE FROM events WHERE org_pk = $1 AND seq = 1', [pk])).rejects.toThrow(
        /immutable/,
      );
      await client.query('ROLLBACK');
      await expect(client.query("UPDATE events SET action = 'x.y' WHERE org_pk = $1", [pk])).rejects.toThrow(
        /immutable/,
      );
    } finally {
      client.release();
    }
  });

  it('leads every key and index of the event table with the org', async () => {
    const { rows } = await stores[0]!.pool.query<{ name: string; first: string }>(`
      SELECT i.relname AS name, a.attname AS first
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
      WHERE x.indrelid = 'events'::regclass
         OR x.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass)`);
    expect(rows.length).toBeGreaterThanOrEqual(6 * 5); // the table and its partitions
    for (const row of rows) expect(row, row.name).toMatchObject({ first: 'org_pk' });
  });

  it('keeps the search blocks whole when several processes append to one org, and searches through them', async () => {
    const org = 'org_search';
    await createOrg(stores[0]!, org);
    // Rounds of small commits through all three stores at once: blocks of 256 events are
    // started by one process and completed by the others.
    let n = 0;
    const nextEvents = (count: number) =>
      Array.from({ length: count }, () => {
        n += 1;
        return pending(org, { description: `row ${n} quokka${n}`, context: { ip: `10.0.${n % 7}.${n}` } });
      });
    for (let round = 0; round < 12; round++) {
      await Promise.all(
        stores.map((store) =>
          store.appendBatches(Array.from({ length: 3 }, () => ({ org, events: nextEvents(29) }))),
        ),
      );
    }
    // Then one commit at a time: by the same process several times running (the open block it
    // remembers is current) and by turns, with appends inside other transactions between (it
    // is not).
    for (const [i, which] of [0, 0, 0, 1, 1, 2, 0, 2, 2, 2, 1, 0, 0, 0].entries()) {
      if (i % 5 === 4) await stores[which]!.transaction((tx) => tx.appendEvents(org, nextEvents(2)));
      await stores[which]!.appendBatches([{ org, events: nextEvents(23) }]);
    }
    expect(await verifyChain(stores[0]!, org)).toBe(n);

    // The stored blocks are exactly those built from the stored events, in seq order.
    const expected = new Map<number, { min: number; max: number; bits: string }>();
    let open: OpenBlock | undefined;
    for await (const event of stores[0]!.streamChain(org)) {
      const number = blockOf(event.seq);
      if (open?.block !== number) {
        if (open) expected.set(open.block, { min: open.min, max: open.max, bits: open.bits.toString('hex') });
        open = emptyBlock(number);
      }
      addToBlock(open, {
        searchText: searchText(event),
        ip: event.context?.ip ?? null,
        resourceId: event.resource?.id ?? null,
        workspace: event.workspace ?? null,
        occurredAt: Date.parse(event.occurred_at),
      });
    }
    expected.set(open!.block, { min: open!.min, max: open!.max, bits: open!.bits.toString('hex') });
    const { rows } = await stores[0]!.pool.query<{ block: number; min: number; max: number; bits: Buffer }>(
      `SELECT block, min_occurred_at AS min, max_occurred_at AS max, bits FROM search_blocks
       WHERE org_pk = (SELECT pk FROM orgs WHERE id = $1) ORDER BY block`,
      [org],
    );
    // Compared block by block, naming what differs (a whole bitset is 16 KiB of hex).
    const differences = [...new Set([...expected.keys(), ...rows.map((r) => r.block)])].flatMap((block) => {
      const want = expected.get(block);
      const got = rows.find((r) => r.block === block);
      if (!want || !got) return [`block ${block}: ${want ? 'not stored' : 'stored, not expected'}`];
      const diff: string[] = [];
      if (got.min !== want.min || got.max !== want.max)
        diff.push(`block ${block}: times ${got.min}..${got.max}, want ${want.min}..${want.max}`);
      if (got.bits.toString('hex') !== want.bits) diff.push(`block ${block}: bits differ`);
      return diff;
    });
    expect(differences).toEqual([]);

    // Older than the newest events a search tests directly: found through the blocks, by any process.
    const page = await stores[1]!.listEvents(org, {
      from: 0,
      to: Date.now() + 60_000,
      q: 'QUOKKA4',
      limit: 200,
    });
    expect(page.events.map((e) => e.description).sort()).toEqual(
      [
        'row 4 quokka4',
        ...Array.from({ length: 10 }, (_, i) => `row ${40 + i} quokka${40 + i}`),
        ...Array.from({ length: 100 }, (_, i) => `row ${400 + i} quokka${400 + i}`),
      ].sort(),
    );
    const rare = await stores[2]!.listEvents(org, {
      from: 0,
      to: Date.now() + 60_000,
      q: 'row 17 ',
      limit: 10,
    });
    expect(rare.events.map((e) => e.description)).toEqual(['row 17 quokka17']);
  });
});
