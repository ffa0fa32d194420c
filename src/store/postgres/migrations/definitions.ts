import { type Kysely, sql } from 'kysely';

/**
 * Pieces of the PostgreSQL migrations' functions that more than one of them says. The text of a
 * function's body is what the database keeps (and pg_dump shows): the pieces are spelled, and
 * indented, exactly as the migrations that ran first spelled them.
 */

/**
 * The trigger function that keeps events immutable: it refuses UPDATE and TRUNCATE, and DELETE
 * unless `purging` (a PL/pgSQL condition) says the retention purge is the one deleting. 001_core
 * trusted a setting the purge opened; 002_integrity replaces it with the purger role.
 */
export async function createEventsImmutable(
  db: Kysely<unknown>,
  create: 'CREATE' | 'CREATE OR REPLACE',
  purging: string,
): Promise<void> {
  await sql
    .raw(`
    ${create} FUNCTION trailmark_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND ${purging} THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'events are immutable: only the retention purge deletes'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RAISE EXCEPTION 'events are immutable: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$`)
    .execute(db);
}

/**
 * A SECURITY DEFINER function names its schema (and pg_temp last), so that no caller's
 * search_path decides which tables it acts on. `signature`: `name(argument types)`.
 */
export async function pinSearchPath(db: Kysely<unknown>, signature: string): Promise<void> {
  await sql
    .raw(`
    DO $$
    BEGIN
      EXECUTE format('ALTER FUNCTION ${signature} SET search_path = %I, pg_temp', current_schema());
    END
    $$`)
    .execute(db);
}

/**
 * A function of the purge's, which deletes as the purger role: its search_path pinned, then
 * handed to that role (after which the migrating role can no longer alter it).
 */
export async function ownedByPurger(db: Kysely<unknown>, signature: string): Promise<void> {
  await pinSearchPath(db, signature);
  await sql.raw(`ALTER FUNCTION ${signature} OWNER TO trailmark_purger`).execute(db);
}

/** PL/pgSQL, after `v_hold` was read from the org row of `p_org`: no such org, or under legal hold. */
export const REFUSE_MISSING_OR_HELD = `IF v_hold IS NULL THEN
        RAISE EXCEPTION 'no organization %', p_org;
      END IF;
      IF v_hold THEN
        RAISE EXCEPTION 'organization % is under legal hold', p_org USING ERRCODE = 'insufficient_privilege';
      END IF;`;

/** PL/pgSQL: the chain of `p_org` now starts at `seq`, whose prev_hash is `v_hash`. */
export const moveAnchor = (
  seq: string,
): string => `INSERT INTO chain_anchors AS a (org_pk, seq, prev_hash, updated_at)
      VALUES (p_org, ${seq}, v_hash, now())
      ON CONFLICT (org_pk) DO UPDATE
        SET seq = EXCLUDED.seq, prev_hash = EXCLUDED.prev_hash, updated_at = EXCLUDED.updated_at;`;

/**
 * PL/pgSQL: whether a checkpoint of `org` through `seq` at least was signed before the org's
 * retention cutoff (`v_days`, read from its row, before `p_now`): what a month's drop needs.
 * `indent` is that of the line it starts on.
 */
export const signedPastRetention = (org: string, seq: string, indent: string): string =>
  [
    'EXISTS (',
    '  SELECT 1 FROM checkpoints c',
    `  WHERE c.org_pk = ${org} AND c.seq >= ${seq}`,
    "    AND c.signed_at::timestamptz < p_now - v_days * interval '1 day'",
    ')',
  ].join(`\n${indent}`);
