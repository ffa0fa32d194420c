import type { Kysely } from 'kysely';
import type { ConsumerTables } from './consumer-sql.js';
import { type IntegrityConnection, orgPk } from './integrity-connection.js';
import { hasNul } from './nul.js';
import {
  type StreamRecord,
  type StreamStore,
  type StreamWrites,
  streamConsumerName,
} from './stream-store.js';

/** The table of migration 007_streams: settings as JSON text. */
export type StreamTables = {
  streams: Omit<StreamRecord, 'org' | 'destination' | 'filter' | 'batch'> & {
    org_pk: number;
    destination: string;
    filter: string;
    batch: string;
  };
};

type Tables = StreamTables & ConsumerTables & { orgs: { pk: number; id: string; head_seq: number } };
type Row = Tables['streams'] & { org: string };

function fromRow(row: Row): StreamRecord {
  const { org_pk: _pk, destination, filter, batch, ...rest } = row;
  return {
    ...rest,
    destination: JSON.parse(destination) as StreamRecord['destination'],
    filter: JSON.parse(filter) as StreamRecord['filter'],
    batch: JSON.parse(batch) as StreamRecord['batch'],
  };
}

/** Reads, and delivery's notes, over the integrity side's connection (written once for both backends). */
export function streamsSql(c: IntegrityConnection): StreamStore {
  const db = c.db.withTables<Tables>();
  const base = () =>
    db
      .selectFrom('streams as s')
      .innerJoin('orgs as o', 'o.pk', 's.org_pk')
      .selectAll('s')
      .select('o.id as org');
  const note = async (org: string, id: string, set: Partial<Tables['streams']>, keepStreak: boolean) => {
    const pk = await orgPk(c, org);
    if (pk === undefined) return;
    await c.write(async (trx) => {
      const t = trx.withTables<Tables>();
      await t
        .updateTable('streams')
        .set((eb) => ({
          ...set,
          ...(keepStreak
            ? { failing_since: eb.fn.coalesce('failing_since', eb.val(set.last_error_at ?? null)) }
            : {}),
        }))
        .where('org_pk', '=', pk)
        .where('id', '=', id)
        .execute();
    });
  };
  return {
    async list(org) {
      if (hasNul(org)) return [];
      const rows = await c.rows(base().where('o.id', '=', org).orderBy('s.created_at').orderBy('s.id'));
      return rows.map((r) => fromRow(r as Row));
    },
    async get(org, id) {
      if (hasNul(org) || hasNul(id)) return undefined;
      const [row] = await c.rows(base().where('o.id', '=', org).where('s.id', '=', id));
      return row ? fromRow(row as Row) : undefined;
    },
    async all() {
      const rows = await c.rows(base().orderBy('s.org_pk').orderBy('s.id'));
      return rows.map((r) => fromRow(r as Row));
    },
    delivered: (org, id, at) => note(org, id, { last_success_at: at, failing_since: null }, false),
    failed: (org, id, error, at) =>
      note(org, id, { last_error: error.slice(0, 1000), last_error_at: at }, true),
  };
}

/** The writes of a change's transaction, on its connection. */
export function streamWrites(trx: Kysely<Tables>): StreamWrites {
  const pkOf = async (org: string) =>
    (await trx.selectFrom('orgs').select(['pk', 'head_seq']).where('id', '=', org).executeTakeFirst()) ??
    undefined;
  return {
    async create(stream, from) {
      const org = await pkOf(stream.org);
      if (!org) throw new Error(`no org ${stream.org}`);
      const { org: _org, destination, filter, batch, ...rest } = stream;
      await trx
        .insertInto('streams')
        .values({
          ...rest,
          org_pk: org.pk,
          destination: JSON.stringify(destination),
          filter: JSON.stringify(filter),
          batch: JSON.stringify(batch),
          status: 'active',
          paused_reason: null,
          last_success_at: null,
          last_error: null,
          last_error_at: null,
          failing_since: null,
        })
        .execute();
      await trx
        .insertInto('consumer_cursors')
        .values({
          org_pk: org.pk,
          consumer: streamConsumerName(stream.id),
          seq: from === 'now' ? Number(org.head_seq) : 0,
          state: null,
          updated_at: stream.created_at,
        })
        .onConflict((oc) => oc.columns(['org_pk', 'consumer']).doNothing())
        .execute();
    },
    async update(org, id, changes, at) {
      const o = await pkOf(org);
      if (!o) return false;
      const set: Partial<Tables['streams']> = { updated_at: at };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.format !== undefined) set.format = changes.format;
      if (changes.destination !== undefined) set.destination = JSON.stringify(changes.destination);
      if (changes.filter !== undefined) set.filter = JSON.stringify(changes.filter);
      if (changes.batch !== undefined) set.batch = JSON.stringify(changes.batch);
      const result = await trx
        .updateTable('streams')
        .set(set)
        .where('org_pk', '=', o.pk)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(org, id) {
      const o = await pkOf(org);
      if (!o) return false;
      const result = await trx
        .deleteFrom('streams')
        .where('org_pk', '=', o.pk)
        .where('id', '=', id)
        .executeTakeFirst();
      await trx
        .deleteFrom('consumer_cursors')
        .where('org_pk', '=', o.pk)
        .where('consumer', '=', streamConsumerName(id))
        .execute();
      return Number(result.numDeletedRows) > 0;
    },
    async setStatus(org, id, status, reason, at) {
      const o = await pkOf(org);
      if (!o) return false;
      const result = await trx
        .updateTable('streams')
        .set({
          status,
          paused_reason: status === 'paused' ? reason : null,
          updated_at: at,
          ...(status === 'active' ? { failing_since: null } : {}),
        })
        .where('org_pk', '=', o.pk)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
