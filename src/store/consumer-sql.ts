import type { ConsumerStore, LoggedText } from './consumer-store.js';
import { type IntegrityConnection, orgPk } from './integrity-connection.js';
import { hasNul } from './nul.js';
import { eventFromRow } from './rows.js';

/** The table of migration 005_consumers, as both backends declare it. */
export type ConsumerTables = {
  consumer_cursors: {
    org_pk: number;
    consumer: string;
    seq: number;
    state: string | null;
    updated_at: string;
  };
};

/**
 * The log consumers' cursors, written once with Kysely for both backends over the integrity
 * side's connection (reads on SQLite's reader, writes in a transaction of their own).
 */
export function consumersSql(c: IntegrityConnection): ConsumerStore {
  const db = c.db.withTables<ConsumerTables>();
  async function readText(org: string, fromSeq: number, limit: number): Promise<LoggedText[]> {
    const pk = await orgPk(c, org);
    if (pk === undefined) return [];
    const rows = await c.rows(
      db
        .selectFrom('events')
        .select(['seq', 'body', 'prev_hash', 'hash'])
        .where('org_pk', '=', pk)
        .where('seq', '>=', fromSeq)
        .orderBy('seq')
        .limit(limit),
    );
    return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
  }
  return {
    async cursor(consumer, org) {
      if (hasNul(org) || hasNul(consumer)) return { seq: 0, state: null };
      const [row] = await c.rows(
        db
          .selectFrom('consumer_cursors as c')
          .innerJoin('orgs as o', 'o.pk', 'c.org_pk')
          .select(['c.seq', 'c.state'])
          .where('o.id', '=', org)
          .where('c.consumer', '=', consumer),
      );
      return row ? { seq: Number(row.seq), state: row.state } : { seq: 0, state: null };
    },

    async advance(consumer, org, seq, state) {
      const pk = await orgPk(c, org);
      if (pk === undefined) return false;
      const updated_at = new Date().toISOString();
      return c.write(async (trx) => {
        const row = await trx
          .withTables<ConsumerTables>()
          .insertInto('consumer_cursors')
          .values({ org_pk: pk, consumer, seq, state: state ?? null, updated_at })
          .onConflict((oc) =>
            oc
              .columns(['org_pk', 'consumer'])
              .doUpdateSet((eb) => ({
                seq: eb.ref('excluded.seq'),
                updated_at: eb.ref('excluded.updated_at'),
                ...(state === undefined ? {} : { state: eb.ref('excluded.state') }),
              }))
              // Monotonic: a runner that lost its lease mid-batch cannot move the cursor back.
              .where('consumer_cursors.seq', '<=', seq),
          )
          .returning('seq')
          .executeTakeFirst();
        return row !== undefined;
      });
    },

    async progress(consumer, org) {
      if (hasNul(consumer) || (org !== undefined && hasNul(org))) return [];
      let query = db
        .selectFrom('orgs as o')
        .leftJoin('consumer_cursors as c', (join) =>
          join.onRef('c.org_pk', '=', 'o.pk').on('c.consumer', '=', consumer),
        )
        .select(['o.id', 'o.head_seq', 'c.seq']);
      if (org !== undefined) query = query.where('o.id', '=', org);
      const rows = await c.rows(query);
      return rows.map((r) => ({ org: r.id, head: Number(r.head_seq), seq: Number(r.seq ?? 0) }));
    },

    async read(org, fromSeq, limit) {
      return (await readText(org, fromSeq, limit)).map(eventFromRow);
    },

    readText,

    async forget(consumer) {
      await c.write((trx) =>
        trx
          .withTables<ConsumerTables>()
          .deleteFrom('consumer_cursors')
          .where('consumer', '=', consumer)
          .execute(),
      );
    },
  };
}
