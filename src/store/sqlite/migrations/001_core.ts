import { type Kysely, sql } from 'kysely';

/**
 * Events are keyed by an integer org key so that every index leads with the org and stays
 * narrow. Five indexes serve the list planner; everything else is filtered inside the time
 * range. `search_text` holds the lowercased searchable fields that confirm a `q` match.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE orgs (
      pk INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      created_at TEXT NOT NULL,
      retention_days INTEGER NOT NULL DEFAULT 90,
      request_retention_days INTEGER NOT NULL DEFAULT 30,
      legal_hold INTEGER NOT NULL DEFAULT 0,
      head_seq INTEGER NOT NULL DEFAULT 0,
      head_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
    )`.execute(db);
  await sql`
    CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      org_id TEXT REFERENCES orgs(id),
      name TEXT NOT NULL,
      prefix TEXT NOT NULL,
      last4 TEXT NOT NULL,
      scopes TEXT NOT NULL,
      key_hash TEXT NOT NULL UNIQUE,
      status TEXT NOT NULL DEFAULT 'active',
      created_at TEXT NOT NULL,
      created_by TEXT,
      last_used_at TEXT,
      expires_at TEXT
    )`.execute(db);
  await sql`CREATE INDEX api_keys_org ON api_keys (org_id, created_at)`.execute(db);
  await sql`
    CREATE TABLE events (
      org_pk INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      id TEXT NOT NULL,
      occurred_at INTEGER NOT NULL,
      action TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      actor_email TEXT,
      resource_type TEXT,
      resource_id TEXT,
      workspace TEXT,
      status TEXT NOT NULL,
      ip TEXT,
      kind TEXT NOT NULL,
      input_hash TEXT,
      search_text TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL,
      body TEXT NOT NULL
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX events_seq ON events (org_pk, seq)`.execute(db);
  await sql`CREATE UNIQUE INDEX events_id ON events (org_pk, id)`.execute(db);
  await sql`CREATE INDEX events_time ON events (org_pk, occurred_at, seq)`.execute(db);
  await sql`CREATE INDEX events_action ON events (org_pk, action, occurred_at)`.execute(db);
  await sql`CREATE INDEX events_actor ON events (org_pk, actor_id, occurred_at)`.execute(db);
  // The search index (see ../search-bits.ts): one n-gram bitset per block of 256 events.
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
  await sql`
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are immutable'); END`.execute(db);
  await sql`
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    WHEN (SELECT open FROM purge_gate WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'events are immutable: only the retention purge deletes'); END`.execute(db);
}
