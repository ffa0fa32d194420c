import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { optional, required } from './table-builders.js';

/**
 * Streams (migration 007_streams on both backends): per org, each destination's configuration
 * (secrets included, never answered by the API) and what delivery last saw. Keyed org first.
 */
export async function createStreamTables(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('streams')
    .$call(required('integer', 'org_pk'))
    .$call(required('text', 'id', 'name', 'format', 'destination', 'filter', 'batch', 'status'))
    .$call(optional('text', 'paused_reason'))
    .$call(required('text', 'created_at', 'updated_at'))
    .$call(optional('text', 'created_by', 'last_success_at', 'last_error', 'last_error_at', 'failing_since'))
    .addPrimaryKeyConstraint('streams_pkey', ['org_pk', 'id'])
    .execute();
}
