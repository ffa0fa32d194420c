import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/domain/event.js';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { migrateToLatest } from '../../src/store/migrations/migrate.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { type BackgroundServices, createBackgroundServices } from '../../src/workers/background-services.js';
import { verifyOrgChain } from '../../src/workers/chain-verification.js';
import { BACKENDS, type TestDatabase } from '../helpers/backends.js';

/**
 * PostgreSQL's monthly partitions (SPEC §9) under the retention purge, with a clock the test
 * controls: events are received in September, October and November, each month checkpointed,
 * and the purge runs in December (one org on legal hold) and again in March (hold lifted).
 */
const postgres = BACKENDS.find((b) => b.name === 'postgres');

const HOUR = 3_600_000;

describe.skipIf(!postgres)('monthly partitions of events on PostgreSQL', () => {
  let database: TestDatabase;
  let store: PostgresStore;
  let background: BackgroundServices;
  let clock = Date.parse('2026-09-10T12:00:00.000Z');

  const append = async (org: string, count: number) => {
    const events = Array.from({ length: count }, (_, i) =>
      prepareEvent(
        { action: 'document.updated', actor: { type: 'user', id: `u${i}` } } as EventInput,
        org,
        new Date(clock),
        NO_ENRICHMENT,
      ),
    );
    const [outcome] = await store.appendBatches([{ org, events }]);
    expect(outcome!.ok).toBe(true);
  };
  const partitions = async () => {
    const { rows } = await store.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  };
  const stored = async (org: string) => {
    const { rows } = await store.pool.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM events e JOIN orgs o ON o.pk = e.org_pk WHERE o.id = $1',
      [org],
    );
    return rows[0]!.n;
  };
  /** The org's search blocks (block numbers): those holding only dropped events are deleted. */
  const blocks = async (org: string) => {
    const { rows } = await store.pool.query<{ block: number }>(
      'SELECT b.block FROM search_blocks b JOIN orgs o ON o.pk = b.org_pk WHERE o.id = $1 ORDER BY 1',
      [org],
    );
    return rows.map((r) => r.block);
  };
  /** The events GET /v1/actions counts for the org (kept per hour by 011_action_counts). */
  const counted = async (org: string) => {
    const actions = await store.listActions(org, { from: 0, to: Date.parse('2100-01-01T00:00:00.000Z') });
    return actions.reduce((n, a) => n + a.count, 0);
  };
  const verify = async (org: string) => verifyOrgChain(store, org, await background.keys.keyRing());
  const setHold = (org: string, hold: boolean) =>
    store.transaction(async (tx) => {
      await tx.identity.updateOrg(org, { legal_hold: hold });
    });

  beforeAll(async () => {
    database = await postgres!.databaseUrl();
    store = new PostgresStore({ connectionString: database.url, poolSize: 4 });
    await store.migrate();
    background = await createBackgroundServices(
      store,
      {
        secret: undefined,
        checkpointEveryEvents: 1000,
        checkpointMaxAgeMs: 60_000,
        checkpointIntervalMs: 60_000,
        retentionIntervalMs: 60_000,
      },
      { log: pino({ level: 'silent' }), enricher: NO_ENRICHMENT, now: () => new Date(clock) },
    );
    await store.transaction(async (tx) => {
      await tx.createOrg({ id: 'org_short', name: 'Short retention' });
      await tx.createOrg({ id: 'org_held', name: 'Held' });
    });
    await store.transaction(async (tx) => {
      await tx.identity.updateOrg('org_short', { retention_days: 30 });
    });
  });
  afterAll(async () => {
    await background?.stop();
    await store?.close();
    await database?.drop();
  });

  it('creates months ahead, each partition guarded like the table', async () => {
    expect(await background.partitions.runNow()).toEqual([
      'events_p2026_09',
      'events_p2026_10',
      'events_p2026_11',
      'events_p2026_12',
    ]);
    const { rows } = await store.pool.query<{ partitioned: boolean }>(
      `SELECT relkind = 'p' AS partitioned FROM pg_class WHERE oid = 'events'::regclass`,
    );
    expect(rows[0]!.partitioned).toBe(true);
    // The immutability triggers guard each partition too.
    await expect(store.pool.query('TRUNCATE events_p2026_09')).rejects.toThrow(/immutable/);
    await expect(store.pool.query('DELETE FROM events_p2026_09')).rejects.toThrow(/immutable/);
  });

  it('drops whole months past retention, deletes row by row only at the edges, keeps held events', async () => {
    // September: only org_short. October and November: both orgs. Each month checkpointed.
    // 300 events each: more than one search block of 256.
    for (const [month, orgs] of [
      ['2026-09-10T12:00:00.000Z', ['org_short']],
      ['2026-10-10T12:00:00.000Z', ['org_short', 'org_held']],
      ['2026-11-10T12:00:00.000Z', ['org_short', 'org_held']],
    ] as const) {
      clock = Date.parse(month);
      for (const org of orgs) await append(org, org === 'org_short' ? 100 : 150);
      clock += HOUR;
      await background.checkpointer.signAll();
    }
    expect(await stored('org_short')).toBe(300);
    expect(await stored('org_held')).toBe(300);
    expect(await blocks('org_short')).toEqual([0, 1]);
    await setHold('org_held', true);

    // December 20: org_short's cutoff is November 20, past all of its events.
    clock = Date.parse('2026-12-20T00:00:00.000Z');
    const december = await background.retention.runNow();
    expect(december!.partitions).toEqual(['events_p2026_09']);
    expect(december!.held).toEqual(['org_held']);
    const short = december!.orgs.find((o) => o.org === 'org_short');
    expect(short).toMatchObject({ count: 300, from_seq: 1, to_seq: 300 });
    expect(await partitions()).not.toContain('events_p2026_09');
    expect(await partitions()).toEqual(expect.arrayContaining(['events_p2026_10', 'events_p2026_11']));
    expect(await stored('org_held')).toBe(300);
    // Only the retention.purged event is left of org_short; both chains verify from their anchors.
    expect(await stored('org_short')).toBe(1);
    expect(await counted('org_short')).toBe(1);
    expect(await counted('org_held')).toBe(300);
    expect(await verify('org_short')).toMatchObject({ ok: true, first_seq: 301, last_seq: 301 });
    expect(await verify('org_held')).toMatchObject({ ok: true, first_seq: 1, last_seq: 300, checked: 300 });
    // Block 0 (seqs 1 to 256) held only purged events; block 1 holds the retention.purged event.
    expect(await blocks('org_short')).toEqual([1]);
    expect(await blocks('org_held')).toEqual([0, 1]);

    // The hold lifted, March 1: org_held's cutoff (90 days) is December 1.
    await setHold('org_held', false);
    clock = Date.parse('2027-03-01T00:00:00.000Z');
    await background.partitions.runNow();
    const march = await background.retention.runNow();
    // January and February 2027, created ahead and never written, are over and empty: dropped too.
    expect(march!.partitions).toEqual([
      'events_p2026_10',
      'events_p2026_11',
      'events_p2027_01',
      'events_p2027_02',
    ]);
    expect(march!.orgs.find((o) => o.org === 'org_held')).toMatchObject({
      count: 300,
      from_seq: 1,
      to_seq: 300,
    });
    expect(await stored('org_held')).toBe(1);
    expect(await counted('org_held')).toBe(1);
    expect(await verify('org_held')).toMatchObject({ ok: true, first_seq: 301, last_seq: 301 });
    // Dropped with November's partition (seqs 151 to 300): block 0.
    expect(await blocks('org_held')).toEqual([1]);
    // December holds org_short's retention.purged event, which no checkpoint covers yet.
    expect(await partitions()).toContain('events_p2026_12');
    expect(await verify('org_short')).toMatchObject({ ok: true, first_seq: 301 });
  });

  it('refuses to drop a month that is not over, or a table that is not a monthly partition', async () => {
    const current = await store.partitions.drop('events_p2027_03', new Date(clock));
    expect(current.dropped).toBe(false);
    for (const name of ['events_default', 'orgs', 'events']) {
      expect(await store.partitions.drop(name, new Date(clock))).toMatchObject({ dropped: false });
    }
    expect(await partitions()).toEqual(expect.arrayContaining(['events_default', 'events_p2027_03']));
  });
});

describe.skipIf(!postgres)('migrating a PostgreSQL database that has events to partitions', () => {
  it('moves each event into the partition of the month it was received, keeping keys and guards', async () => {
    const database = await postgres!.databaseUrl();
    const store = new PostgresStore({ connectionString: database.url, poolSize: 2 });
    try {
      const { '009_partitions': _later, ...before } = POSTGRES_MIGRATIONS;
      await migrateToLatest(store.db, before);
      await store.pool.query(`INSERT INTO orgs (id, name, created_at) VALUES ('org_old', 'Old', now())`);
      // Rows as the unpartitioned schema held them (whatever their content, for this test).
      for (const [seq, received] of [
        [1, '2025-07-31T23:59:59.999Z'],
        [2, '2025-08-01T00:00:00.000Z'],
      ] as const) {
        await store.pool.query(
          `INSERT INTO events (org_pk, seq, id, occurred_at, action, actor_id, status, kind, search_text,
             prev_hash, hash, body)
           VALUES (1, $1, $2, now(), 'a.b', 'u', 'success', 'action', '', 'p', 'h', $3)`,
          [seq, `evt_${seq}`, JSON.stringify({ received_at: received })],
        );
      }
      await store.migrate();
      const { rows } = await store.pool.query<{ seq: number; partition: string; received: string }>(
        `SELECT seq, tableoid::regclass::text AS partition, received_at AS received FROM events ORDER BY seq`,
      );
      expect(rows).toEqual([
        { seq: 1, partition: 'events_p2025_07', received: '2025-07-31T23:59:59.999Z' },
        { seq: 2, partition: 'events_p2025_08', received: '2025-08-01T00:00:00.000Z' },
      ]);
      const { rows: keys } = await store.pool.query<{ def: string }>(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE conrelid = 'events'::regclass AND contype IN ('p', 'u') ORDER BY 1`,
      );
      expect(keys.map((k) => k.def)).toEqual([
        'PRIMARY KEY (org_pk, seq, received_at)',
        'UNIQUE (org_pk, id, received_at)',
      ]);
      await expect(store.pool.query('DELETE FROM events')).rejects.toThrow(/immutable/);
      await expect(store.pool.query('UPDATE events_p2025_07 SET action = $1', ['x'])).rejects.toThrow(
        /immutable/,
      );
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
