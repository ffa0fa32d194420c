import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Streams (migration 007_streams on both backends): per org, each destination's configuration
 * (secrets included, never answered by the API) and what delivery last saw. Keyed org first.
 */
export async function createStreamTables(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('streams')
    .addColumn('org_pk', 'integer', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('filter', 'text', (c) => c.notNull())
    .addColumn('batch', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('paused_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('failing_since', 'text')
    .addPrimaryKeyConstraint('streams_pkey', ['org_pk', 'id'])
    .execute();
}
