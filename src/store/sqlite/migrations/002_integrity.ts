import { type Kysely, sql } from 'kysely';

/**
 * Signing keys, signed checkpoints, retention anchors and the state of the background jobs.
 * Checkpoints are as immutable as events: nothing updates or deletes them. Links of request log
 * entries whose content retention removed keep their place in the chain in `pruned_events`,
 * which only the purge (through the same gate as events) may delete from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE signing_keys (
      id TEXT PRIMARY KEY,
      public_key TEXT NOT NULL,
      private_key TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
      created_at TEXT NOT NULL,
      retired_at TEXT
    )`.execute(db);
  // At most one active key, even when two processes start on a new database at once.
  await sql`CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active'`.execute(
    db,
  );
  await sql`
    CREATE TABLE checkpoints (
      org_pk INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      from_seq INTEGER NOT NULL,
      hash TEXT NOT NULL,
      tree_root TEXT NOT NULL,
      signed_at TEXT NOT NULL,
      key_id TEXT NOT NULL,
      signature TEXT NOT NULL,
      PRIMARY KEY (org_pk, seq)
    ) WITHOUT ROWID`.execute(db);
  await sql`CREATE INDEX checkpoints_signed_at ON checkpoints (org_pk, signed_at)`.execute(db);
  await sql`
    CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are immutable'); END`.execute(db);
  await sql`
    CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are immutable'); END`.execute(db);
  await sql`
    CREATE TABLE pruned_events (
      org_pk INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL,
      pruned_at TEXT NOT NULL,
      PRIMARY KEY (org_pk, seq)
    ) WITHOUT ROWID`.execute(db);
  await sql`
    CREATE TRIGGER pruned_events_no_update BEFORE UPDATE ON pruned_events
    BEGIN SELECT RAISE(ABORT, 'chain links are immutable'); END`.execute(db);
  await sql`
    CREATE TRIGGER pruned_events_no_delete BEFORE DELETE ON pruned_events
    WHEN (SELECT open FROM purge_gate WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'chain links are immutable: only the retention purge deletes'); END`.execute(
    db,
  );
  await sql`
    CREATE TABLE chain_anchors (
      org_pk INTEGER PRIMARY KEY,
      seq INTEGER NOT NULL,
      prev_hash TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE retention_state (
      org_pk INTEGER PRIMARY KEY,
      request_pruned_through INTEGER NOT NULL DEFAULT 0
    )`.execute(db);
  await sql`
    CREATE TABLE chain_verifications (
      org_pk INTEGER PRIMARY KEY,
      report TEXT NOT NULL,
      verified_at TEXT NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    )`.execute(db);
}
