import { type Kysely, sql } from 'kysely';
import { createActionCountTable } from '../../migrations/action-count-schema.js';
import { SQLITE_TYPES } from './column-types.js';

/**
 * Action counts per org and hour (../../migrations/action-count-schema.ts). The writer adds each
 * commit's counts (sqlite-append.ts: one upsert per org, hour and action, not one per event);
 * a trigger takes deleted events off (the retention purge and request pruning delete rarely, a
 * row at a time is cheap there). Existing events are counted once, here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createActionCountTable(db, SQLITE_TYPES);
  await sql`
    INSERT INTO action_counts (org_pk, hour, action, n)
    SELECT org_pk, occurred_at / 3600000, action, count(*) FROM events GROUP BY 1, 2, 3`.execute(db);
  await sql`
    CREATE TRIGGER events_uncount AFTER DELETE ON events BEGIN
      UPDATE action_counts SET n = n - 1
      WHERE org_pk = old.org_pk AND hour = old.occurred_at / 3600000 AND action = old.action;
    END`.execute(db);
}
