import { type Kysely, sql } from 'kysely';
import { CORE_INDEXES, coreColumns, createCoreTable } from '../../migrations/core-tables.js';
import { createEventsImmutable } from './definitions.js';

/**
 * The same tables as SQLite's 001_core (their columns: ../../migrations/core-tables.ts). Events
 * are keyed by the integer org key: every key and index leads with it, so each org's rows are
 * one contiguous range of every index and the schema shards by org (Citus: distribute `events`
 * by `org_pk`). The chain head lives in the org row, which every append locks, so appends to one
 * org are serialised across any number of processes.
 *
 * Search: a trigram GIN index over the lowercased `search_text` (org first, through btree_gin),
 * which `LIKE '%term%'` uses and rechecks exactly; the same index finds rare filter values.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gin`.execute(db);
  const columns = coreColumns('postgres');
  await createCoreTable(db, 'orgs', columns.orgs);
  await createCoreTable(db, 'api_keys', columns.api_keys);
  await sql`CREATE INDEX api_keys_org ON api_keys (org_id, created_at)`.execute(db);
  await createCoreTable(
    db,
    'events',
    columns.events,
    `,
      CONSTRAINT events_seq PRIMARY KEY (org_pk, seq),
      CONSTRAINT events_id UNIQUE (org_pk, id)`,
  );
  for (const index of CORE_INDEXES) await sql.raw(index).execute(db);
  // One GIN index (btree_gin for the plain columns) for what the B-trees cannot find quickly:
  // substrings of the search text, and rare values of the filter columns that have no B-tree
  // (one resource id, one IP address among millions of events). Without it such a filter scans
  // the org's whole time range (over a second on a million events); with it, milliseconds.
  // Common values are still answered by walking events_time newest first; the planner chooses.
  await sql`
    CREATE INDEX events_search ON events USING gin (
      org_pk, search_text gin_trgm_ops, actor_email, resource_type, resource_id, workspace, ip, status, kind
    )`.execute(db);

  // Events are immutable: the database refuses UPDATE and TRUNCATE, and DELETE unless the
  // transaction opened the purge gate (`SET LOCAL trailmark.purge = 'on'`), which only the
  // retention purge does.
  await createEventsImmutable(db, 'CREATE', "current_setting('trailmark.purge', true) = 'on'");
  await sql`
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_events_immutable()`.execute(db);
  await sql`
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_events_immutable()`.execute(db);
  await sql`
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_events_immutable()`.execute(db);
}
