import { type Kysely, sql } from 'kysely';
import { createActionCountTable } from '../../migrations/action-count-schema.js';
import { POSTGRES_TYPES } from './column-types.js';
import { pinSearchPath } from './definitions.js';

/**
 * Action counts per org and hour (../../migrations/action-count-schema.ts), kept by statement
 * triggers over the rows each statement inserted or deleted: one upsert per org, hour and action
 * of a COPY, whichever process ran it, and the purge's deletes taken off the same way. The
 * functions are SECURITY DEFINER so that the purger role, which may only delete events, still
 * updates the counts. Existing events are counted once, here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createActionCountTable(db, POSTGRES_TYPES);
  await sql`
    INSERT INTO action_counts (org_pk, hour, action, n)
    SELECT org_pk, floor(extract(epoch FROM occurred_at) / 3600)::integer, action, count(*)
    FROM events GROUP BY 1, 2, 3`.execute(db);
  for (const [name, rows, sign] of [
    ['trailmark_count_actions', 'added', '+'],
    ['trailmark_uncount_actions', 'gone', '-'],
  ] as const) {
    await sql`
      CREATE FUNCTION ${sql.id(name)}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        INSERT INTO action_counts AS c (org_pk, hour, action, n)
        SELECT org_pk, floor(extract(epoch FROM occurred_at) / 3600)::integer, action, ${sql.raw(sign)}count(*)
        FROM ${sql.raw(rows)} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (org_pk, hour, action) DO UPDATE SET n = c.n + EXCLUDED.n;
        RETURN NULL;
      END
      $$`.execute(db);
    // As the purge functions (002_integrity): a definer's function names its schema.
    await pinSearchPath(db, `${name}()`);
  }
  await sql`
    CREATE TRIGGER events_count AFTER INSERT ON events REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_count_actions()`.execute(db);
  await sql`
    CREATE TRIGGER events_uncount AFTER DELETE ON events REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_uncount_actions()`.execute(db);
}
