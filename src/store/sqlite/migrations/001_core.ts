import { type Kysely, sql } from 'kysely';
import { CORE_INDEXES, coreColumns, createCoreTable } from '../../migrations/core-tables.js';
import { refuseChanges } from './immutable.js';

/**
 * Events are keyed by an integer org key so that every index leads with the org and stays
 * narrow. Five indexes serve the list planner; everything else is filtered inside the time
 * range. `search_text` holds the lowercased searchable fields that confirm a `q` match.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const columns = coreColumns('sqlite');
  await createCoreTable(db, 'orgs', columns.orgs);
  await createCoreTable(db, 'api_keys', columns.api_keys);
  await sql`CREATE INDEX api_keys_org ON api_keys (org_id, created_at)`.execute(db);
  await createCoreTable(db, 'events', columns.events);
  await sql`CREATE UNIQUE INDEX events_seq ON events (org_pk, seq)`.execute(db);
  await sql`CREATE UNIQUE INDEX events_id ON events (org_pk, id)`.execute(db);
  for (const index of CORE_INDEXES) await sql.raw(index).execute(db);
  // The search index (see ../../search-bits.ts): one n-gram bitset per block of 256 events.
  await sql`
    CREATE TABLE search_blocks (
      org_pk INTEGER NOT NULL,
      block INTEGER NOT NULL,
      min_occurred_at INTEGER NOT NULL,
      max_occurred_at INTEGER NOT NULL,
      bits BLOB NOT NULL,
      PRIMARY KEY (org_pk, block)
    ) WITHOUT ROWID`.execute(db);
  // Events are immutable. The retention purge (and only it) opens the gate inside its own
  // transaction; the gate row is put back before that transaction commits.
  await sql`CREATE TABLE purge_gate (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL)`.execute(
    db,
  );
  await sql`INSERT INTO purge_gate (id, open) VALUES (1, 0)`.execute(db);
  await refuseChanges(db, 'events', 'events', { purgeable: true });
}
