import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Viewer tokens can be revoked (migration 004 on both backends): by id, and with the API key that
 * minted them when it is disabled or deleted. Tokens already minted by a key that is no longer
 * active are revoked now, as they would have been had this existed.
 */
export async function addViewerTokenRevocation(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('viewer_tokens').addColumn('revoked_at', t.time).execute();
  await db.schema
    .createIndex('viewer_tokens_created_by')
    .on('viewer_tokens')
    .columns(['org_id', 'created_by'])
    .execute();
  await sql`UPDATE viewer_tokens SET revoked_at = ${new Date().toISOString()}
    WHERE revoked_at IS NULL
      AND created_by IN (SELECT id FROM api_keys WHERE status <> 'active')`.execute(db);
}
