import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * The log consumers' durable cursors (migration 005_consumers on both backends): per consumer
 * and org, the last seq handled and the state saved with it. Keyed org first, like every table.
 */
export async function createConsumerTables(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('consumer_cursors')
    .addColumn('org_pk', 'integer', (c) => c.notNull())
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('seq', t.bigint, (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('consumer_cursors_pkey', ['org_pk', 'consumer'])
    .execute();
  // forget(consumer) and the progress query find a consumer's rows without a scan.
  await db.schema
    .createIndex('consumer_cursors_consumer')
    .on('consumer_cursors')
    .column('consumer')
    .execute();
}
