import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { optional, required } from './table-builders.js';

/**
 * The log consumers' durable cursors (migration 005_consumers on both backends): per consumer
 * and org, the last seq handled and the state saved with it. Keyed org first, like every table.
 */
export async function createConsumerTables(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('consumer_cursors')
    .$call(required('integer', 'org_pk'))
    .$call(required('text', 'consumer'))
    .$call(required(t.bigint, 'seq'))
    .$call(optional('text', 'state'))
    .$call(required('text', 'updated_at'))
    .addPrimaryKeyConstraint('consumer_cursors_pkey', ['org_pk', 'consumer'])
    .execute();
  // forget(consumer) and the progress query find a consumer's rows without a scan.
  await db.schema
    .createIndex('consumer_cursors_consumer')
    .on('consumer_cursors')
    .column('consumer')
    .execute();
}
