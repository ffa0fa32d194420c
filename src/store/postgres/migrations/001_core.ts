import { type Kysely, sql } from 'kysely';

/**
 * The same tables as SQLite's 001_core. Events are keyed by the integer org key: every key and
 * index leads with it, so each org's rows are one contiguous range of every index and the schema
 * shards by org (Citus: distribute `events` by `org_pk`). The chain head lives in the org row,
 * which every append locks, so appends to one org are serialised across any number of processes.
 *
 * Search: a trigram GIN index over the lowercased `search_text` (org first, through btree_gin),
 * which `LIKE '%term%'` uses and rechecks exactly; the same index finds rare filter values.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gin`.execute(db);
  await sql`
    CREATE TABLE orgs (
      pk integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL,
      retention_days integer NOT NULL DEFAULT 90,
      request_retention_days integer NOT NULL DEFAULT 30,
      legal_hold boolean NOT NULL DEFAULT false,
      head_seq bigint NOT NULL DEFAULT 0,
      head_hash text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
    )`.execute(db);
  await sql`
    CREATE TABLE api_keys (
      id text PRIMARY KEY,
      org_id text REFERENCES orgs (id),
      name text NOT NULL,
      prefix text NOT NULL,
      last4 text NOT NULL,
      scopes text[] NOT NULL,
      key_hash text NOT NULL UNIQUE,
      status text NOT NULL DEFAULT 'active',
      created_at timestamptz NOT NULL,
      created_by text,
      last_used_at timestamptz,
      expires_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX api_keys_org ON api_keys (org_id, created_at)`.execute(db);
  await sql`
    CREATE TABLE events (
      org_pk integer NOT NULL,
      seq bigint NOT NULL,
      id text NOT NULL,
      occurred_at timestamptz NOT NULL,
      action text NOT NULL,
      actor_id text NOT NULL,
      actor_email text,
      resource_type text,
      resource_id text,
      workspace text,
      status text NOT NULL,
      ip text,
      kind text NOT NULL,
      input_hash text,
      search_text text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      body text NOT NULL,
      CONSTRAINT events_seq PRIMARY KEY (org_pk, seq),
      CONSTRAINT events_id UNIQUE (org_pk, id)
    )`.execute(db);
  await sql`CREATE INDEX events_time ON events (org_pk, occurred_at, seq)`.execute(db);
  await sql`CREATE INDEX events_action ON events (org_pk, action, occurred_at)`.execute(db);
  await sql`CREATE INDEX events_actor ON events (org_pk, actor_id, occurred_at)`.execute(db);
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
  await sql`
    CREATE FUNCTION trailmark_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('trailmark.purge', true) = 'on' THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'events are immutable: only the retention purge deletes'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RAISE EXCEPTION 'events are immutable: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$`.execute(db);
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
