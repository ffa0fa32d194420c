import { type Kysely, sql } from 'kysely';
import { createIntegrityTables } from '../../migrations/integrity-schema.js';
import { POSTGRES_TYPES } from './column-types.js';
import { createEventsImmutable, moveAnchor, ownedByPurger, REFUSE_MISSING_OR_HELD } from './definitions.js';

/** The only role allowed to delete events: it owns the purge functions and nothing else does. */
export const PURGER_ROLE = 'trailmark_purger';

/**
 * Signing keys, signed checkpoints, retention anchors and job state (the tables as both backends
 * declare them, ../../migrations/integrity-schema.ts), and the hardening of immutability (issue 3):
 *
 * - only the role `trailmark_purger` may delete events, and it does so only inside the two
 *   SECURITY DEFINER functions below, which enforce the purge's own rules in the database:
 *   oldest first from the anchor, through a signed checkpoint, never under legal hold;
 * - the trigger refuses every other DELETE (the `trailmark.purge` setting of 001 no longer
 *   opens anything), every UPDATE and every TRUNCATE of events, checkpoints and chain links.
 *
 * Creating the role needs CREATEROLE (or an operator creates it beforehand and grants it to
 * the role that runs migrations). A superuser can still do anything: that is what the signed
 * checkpoints are for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createIntegrityTables(db, POSTGRES_TYPES);

  // The role exists once per cluster; several databases (and migrations racing) share it.
  await sql`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'trailmark_purger') THEN
        CREATE ROLE trailmark_purger NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END
    $$`.execute(db);
  await sql`
    DO $$
    BEGIN
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO trailmark_purger', current_schema());
    END
    $$`.execute(db);
  await sql`GRANT SELECT, DELETE ON events TO trailmark_purger`.execute(db);
  await sql`GRANT SELECT, INSERT, DELETE ON pruned_events TO trailmark_purger`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE ON chain_anchors TO trailmark_purger`.execute(db);
  await sql`GRANT SELECT ON checkpoints, orgs TO trailmark_purger`.execute(db);

  await createEventsImmutable(db, 'CREATE OR REPLACE', "current_user = 'trailmark_purger'");
  await sql`
    CREATE FUNCTION trailmark_integrity_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'TRUNCATE' AND current_user = 'trailmark_purger' AND TG_TABLE_NAME <> 'checkpoints' THEN
        RETURN NULL;
      END IF;
      RAISE EXCEPTION '%: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER checkpoints_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_integrity_guard()`.execute(db);
  await sql`
    CREATE TRIGGER pruned_events_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pruned_events
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_integrity_guard()`.execute(db);
  await sql`
    CREATE TRIGGER chain_anchors_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON chain_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION trailmark_integrity_guard()`.execute(db);

  await sql`
    CREATE FUNCTION trailmark_purge(p_org integer, p_through bigint, p_max integer)
    RETURNS TABLE (deleted bigint, from_seq bigint, to_seq bigint)
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
      v_hold boolean;
      v_from bigint;
      v_to bigint;
      v_hash text;
      v_events bigint;
      v_links bigint;
    BEGIN
      SELECT o.legal_hold INTO v_hold FROM orgs o WHERE o.pk = p_org;
      ${sql.raw(REFUSE_MISSING_OR_HELD)}
      IF NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.org_pk = p_org AND c.seq = p_through) THEN
        RAISE EXCEPTION 'the purge ends at a signed checkpoint' USING ERRCODE = 'insufficient_privilege';
      END IF;
      SELECT a.seq INTO v_from FROM chain_anchors a WHERE a.org_pk = p_org FOR UPDATE;
      v_from := COALESCE(v_from, 1);
      v_to := LEAST(p_through, v_from + GREATEST(p_max, 1) - 1);
      IF v_to < v_from THEN
        RETURN;
      END IF;
      SELECT e.hash INTO v_hash FROM events e WHERE e.org_pk = p_org AND e.seq = v_to;
      IF v_hash IS NULL THEN
        SELECT p.hash INTO v_hash FROM pruned_events p WHERE p.org_pk = p_org AND p.seq = v_to;
      END IF;
      IF v_hash IS NULL THEN
        RAISE EXCEPTION 'seq % of organization % is not stored', v_to, p_org;
      END IF;
      DELETE FROM events e WHERE e.org_pk = p_org AND e.seq BETWEEN v_from AND v_to;
      GET DIAGNOSTICS v_events = ROW_COUNT;
      DELETE FROM pruned_events p WHERE p.org_pk = p_org AND p.seq BETWEEN v_from AND v_to;
      GET DIAGNOSTICS v_links = ROW_COUNT;
      ${sql.raw(moveAnchor('v_to + 1'))}
      RETURN QUERY SELECT v_events + v_links, v_from, v_to;
    END
    $$`.execute(db);
  await sql`
    CREATE FUNCTION trailmark_prune_requests(p_org integer, p_from bigint, p_to bigint)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
      v_hold boolean;
      v_count bigint;
    BEGIN
      SELECT o.legal_hold INTO v_hold FROM orgs o WHERE o.pk = p_org;
      IF v_hold IS NULL OR v_hold THEN
        RAISE EXCEPTION 'organization % is under legal hold or missing', p_org
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.org_pk = p_org AND c.seq >= p_to) THEN
        RAISE EXCEPTION 'request entries are pruned only inside signed checkpoints'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      WITH gone AS (
        DELETE FROM events e
        WHERE e.org_pk = p_org AND e.seq BETWEEN p_from AND p_to AND e.kind = 'request'
        RETURNING e.seq, e.prev_hash, e.hash
      )
      INSERT INTO pruned_events (org_pk, seq, prev_hash, hash, pruned_at)
      SELECT p_org, gone.seq, gone.prev_hash, gone.hash, now() FROM gone;
      GET DIAGNOSTICS v_count = ROW_COUNT;
      RETURN v_count;
    END
    $$`.execute(db);
  await ownedByPurger(db, 'trailmark_purge(integer, bigint, integer)');
  await ownedByPurger(db, 'trailmark_prune_requests(integer, bigint, bigint)');
}
