import { type Kysely, sql } from 'kysely';
import { createIntegrityTables } from '../../migrations/integrity-schema.js';
import { SQLITE_TYPES } from './column-types.js';

/**
 * Signing keys, signed checkpoints, retention anchors and the state of the background jobs
 * (../../migrations/integrity-schema.ts). Checkpoints are as immutable as events: nothing updates
 * or deletes them. Pruned chain links only the purge (through the same gate as events) may
 * delete.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createIntegrityTables(db, SQLITE_TYPES);
  await sql`
    CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are immutable'); END`.execute(db);
  await sql`
    CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are immutable'); END`.execute(db);
  await sql`
    CREATE TRIGGER pruned_events_no_update BEFORE UPDATE ON pruned_events
    BEGIN SELECT RAISE(ABORT, 'chain links are immutable'); END`.execute(db);
  await sql`
    CREATE TRIGGER pruned_events_no_delete BEFORE DELETE ON pruned_events
    WHEN (SELECT open FROM purge_gate WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'chain links are immutable: only the retention purge deletes'); END`.execute(
    db,
  );
}
