import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Width of an action count's bucket: an hour of `occurred_at`, in ms. */
export const ACTION_COUNT_BUCKET_MS = 3_600_000;

/**
 * How many events of each action an org holds per hour of `occurred_at` (migration
 * 011_action_counts on both backends), kept as events are appended and purged, so that
 * `GET /v1/actions` sums a month's hours instead of counting ten million events. Keyed org
 * first, like every table.
 */
export async function createActionCountTable(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  let table = db.schema
    .createTable('action_counts')
    .addColumn('org_pk', 'integer', (c) => c.notNull())
    .addColumn('hour', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('n', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('action_counts_pkey', ['org_pk', 'hour', 'action']);
  if (t.withoutRowid) table = table.modifyEnd(sql`WITHOUT ROWID`);
  await table.execute();
}
