import { type Kysely, sql } from 'kysely';
import { moveAnchor, ownedByPurger, REFUSE_MISSING_OR_HELD, signedPastRetention } from './definitions.js';

/**
 * Events partitioned by month of receipt (SPEC §9), so that the retention purge can drop a
 * month whole instead of deleting it row by row. The partition key is `received_at`, the time
 * the receiving process stamped into the event (its body says the same), so every key and index
 * leads with the org and ends with it:
 *
 * - `(org_pk, seq, received_at)` and `(org_pk, id, received_at)`: PostgreSQL enforces unique
 *   keys of a partitioned table per partition only (they must hold the partition key). Seq and
 *   id stay unique per org because every append decides them under its org row's lock
 *   (postgres-append.ts), as before;
 * - the other indexes and triggers of `events` are carried over as they are (this migration may
 *   run after others that added some), the triggers also on every partition (statement
 *   triggers on the parent do not fire for statements aimed at a partition).
 *
 * `events_default` catches rows of months that have no partition yet (a process whose clock is
 * far off); the partition job creates months ahead, so it stays empty. Existing rows are copied
 * into the partitions of their months, which rewrites the table once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events ADD COLUMN received_at timestamptz`.execute(db);
  await sql`ALTER TABLE events RENAME TO events_unpartitioned`.execute(db);
  // LIKE keeps every column, with whatever other migrations added.
  await sql`
    CREATE TABLE events (LIKE events_unpartitioned INCLUDING DEFAULTS INCLUDING GENERATED)
    PARTITION BY RANGE (received_at)`.execute(db);
  await sql`ALTER TABLE events ALTER COLUMN received_at SET DEFAULT statement_timestamp()`.execute(db);
  await sql`ALTER TABLE events ALTER COLUMN received_at SET NOT NULL`.execute(db);

  const { rows: constraints } = await sql<{ name: string; def: string }>`
    SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
    WHERE conrelid = 'events_unpartitioned'::regclass AND contype IN ('p', 'u')`.execute(db);
  const { rows: indexes } = await sql<{ def: string }>`
    SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
    WHERE i.indrelid = 'events_unpartitioned'::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`.execute(db);
  const { rows: triggers } = await sql<{ def: string }>`
    SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger
    WHERE tgrelid = 'events_unpartitioned'::regclass AND NOT tgisinternal`.execute(db);

  await sql`CREATE TABLE events_default PARTITION OF events DEFAULT`.execute(db);
  await sql`
    CREATE FUNCTION trailmark_event_partition(p_at timestamptz) RETURNS text
    LANGUAGE plpgsql AS $$
    DECLARE
      v_from timestamptz := date_trunc('month', p_at, 'UTC');
      v_name text := 'events_p' || to_char(v_from AT TIME ZONE 'UTC', 'YYYY_MM');
      v_to timestamptz := date_trunc('month', v_from + interval '32 days', 'UTC');
    BEGIN
      IF to_regclass(quote_ident(v_name)) IS NOT NULL THEN
        RETURN v_name;
      END IF;
      -- Rows of that month already went to the default partition (no partition was ready): they
      -- stay there, and the purge deletes them row by row.
      IF EXISTS (SELECT 1 FROM events_default d WHERE d.received_at >= v_from AND d.received_at < v_to) THEN
        RETURN NULL;
      END IF;
      EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', v_name, v_from, v_to);
      PERFORM trailmark_guard_partition(v_name);
      RETURN v_name;
    END
    $$`.execute(db);
  // The parent's immutability triggers, on a partition (they refuse statements aimed at it).
  await sql`
    CREATE FUNCTION trailmark_guard_partition(p_name text) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      EXECUTE format('CREATE TRIGGER events_no_update BEFORE UPDATE ON %I
        FOR EACH STATEMENT EXECUTE FUNCTION trailmark_events_immutable()', p_name);
      EXECUTE format('CREATE TRIGGER events_no_delete BEFORE DELETE ON %I
        FOR EACH STATEMENT EXECUTE FUNCTION trailmark_events_immutable()', p_name);
      EXECUTE format('CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON %I
        FOR EACH STATEMENT EXECUTE FUNCTION trailmark_events_immutable()', p_name);
    END
    $$`.execute(db);
  await sql`SELECT trailmark_guard_partition('events_default')`.execute(db);

  // A partition for every month that has events, this month and the next two.
  await sql`
    SELECT trailmark_event_partition(m) FROM (
      SELECT date_trunc('month', COALESCE((body::json ->> 'received_at')::timestamptz, now()), 'UTC') AS m
      FROM events_unpartitioned
      UNION SELECT date_trunc('month', now(), 'UTC') + interval '14 days' + n * interval '1 month'
      FROM generate_series(0, 2) n
    ) months ORDER BY m`.execute(db);
  const { rows: columns } = await sql<{ name: string }>`
    SELECT attname AS name FROM pg_attribute
    WHERE attrelid = 'events_unpartitioned'::regclass AND attnum > 0 AND NOT attisdropped
      AND attname <> 'received_at'
    ORDER BY attnum`.execute(db);
  const list = sql.join(columns.map((c) => sql.id(c.name)));
  await sql`
    INSERT INTO events (${list}, received_at)
    SELECT ${list}, COALESCE((body::json ->> 'received_at')::timestamptz, now()) FROM events_unpartitioned`.execute(
    db,
  );
  await sql`DROP TABLE events_unpartitioned`.execute(db);

  for (const { name, def } of constraints) {
    const withKey = def.replace(/\)\s*$/, ', received_at)');
    await sql`ALTER TABLE events ADD CONSTRAINT ${sql.id(name)} ${sql.raw(withKey)}`.execute(db);
  }
  for (const { def } of indexes) await sql.raw(def.replace('events_unpartitioned', 'events')).execute(db);
  for (const { def } of triggers) await sql.raw(def.replace('events_unpartitioned', 'events')).execute(db);
  await sql`GRANT SELECT, DELETE ON events TO trailmark_purger`.execute(db);
  await createDropFunctions(db);
}

/**
 * Dropping a month: `trailmark_anchor_past` (owned by the purger, like trailmark_purge, since
 * only it may move anchors and delete pruned links) moves one org's anchor after a seq under the
 * purge's own rules: no legal hold, covered by a checkpoint signed before the org's retention
 * cutoff. `trailmark_drop_event_partition` (run by the tables' owner, who alone may detach)
 * checks that every org in the partition may lose all of its rows there and nothing older
 * remains elsewhere, moves each anchor, detaches and drops, all in one transaction; or answers
 * why not, having changed nothing.
 */
async function createDropFunctions(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION trailmark_anchor_past(p_org integer, p_through bigint, p_now timestamptz)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
      v_hold boolean;
      v_days integer;
      v_hash text;
    BEGIN
      SELECT o.legal_hold, o.retention_days INTO v_hold, v_days FROM orgs o WHERE o.pk = p_org;
      ${sql.raw(REFUSE_MISSING_OR_HELD)}
      IF NOT ${sql.raw(signedPastRetention('p_org', 'p_through', '      '))} THEN
        RAISE EXCEPTION 'seq % of organization % is not past retention', p_through, p_org
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      SELECT e.hash INTO v_hash FROM events e WHERE e.org_pk = p_org AND e.seq = p_through;
      IF v_hash IS NULL THEN
        RAISE EXCEPTION 'seq % of organization % is not stored', p_through, p_org;
      END IF;
      PERFORM 1 FROM chain_anchors a WHERE a.org_pk = p_org FOR UPDATE;
      DELETE FROM pruned_events p WHERE p.org_pk = p_org AND p.seq <= p_through;
      ${sql.raw(moveAnchor('p_through + 1'))}
    END
    $$`.execute(db);
  await sql`
    CREATE FUNCTION trailmark_drop_event_partition(p_name text, p_now timestamptz)
    RETURNS TABLE (org text, count bigint, from_seq bigint, to_seq bigint, refused text)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_part regclass := to_regclass(quote_ident(p_name));
      v_orgs integer[];
      v_org integer;
      v_min bigint;
      v_max bigint;
      v_anchor bigint;
      v_pruned bigint;
      v_id text;
      v_hold boolean;
      v_days integer;
    BEGIN
      IF v_part IS NULL OR p_name !~ '^events_p[0-9]{4}_[0-9]{2}$' OR NOT EXISTS (
        SELECT 1 FROM pg_inherits i WHERE i.inhrelid = v_part AND i.inhparent = 'events'::regclass
      ) THEN
        RETURN QUERY SELECT NULL::text, NULL::bigint, NULL::bigint, NULL::bigint, 'not a monthly partition of events';
        RETURN;
      END IF;
      -- No row enters it while it is examined (its month is over; a late clock could still try).
      EXECUTE format('LOCK TABLE %I IN SHARE MODE', p_name);
      -- Its orgs, by skipping through its (org_pk, seq, received_at) index.
      EXECUTE format(
        'WITH RECURSIVE o AS (
           (SELECT org_pk FROM %1$I ORDER BY org_pk LIMIT 1)
           UNION ALL
           SELECT (SELECT p.org_pk FROM %1$I p WHERE p.org_pk > o.org_pk ORDER BY p.org_pk LIMIT 1)
           FROM o WHERE o.org_pk IS NOT NULL)
         SELECT coalesce(array_agg(org_pk), ''{}'') FROM o WHERE org_pk IS NOT NULL', p_name)
        INTO v_orgs;
      CREATE TEMP TABLE IF NOT EXISTS trailmark_partition_orgs (
        org_pk integer, id text, min_seq bigint, max_seq bigint, anchor bigint, pruned bigint
      ) ON COMMIT DROP;
      TRUNCATE trailmark_partition_orgs;
      FOREACH v_org IN ARRAY v_orgs LOOP
        EXECUTE format('SELECT min(seq), max(seq) FROM %I WHERE org_pk = $1', p_name)
          INTO v_min, v_max USING v_org;
        SELECT o.id, o.legal_hold, o.retention_days INTO v_id, v_hold, v_days FROM orgs o WHERE o.pk = v_org;
        IF v_hold THEN
          RETURN QUERY SELECT v_id, NULL::bigint, NULL::bigint, NULL::bigint,
            format('organization %s is under legal hold', v_id);
          RETURN;
        END IF;
        IF NOT ${sql.raw(signedPastRetention('v_org', 'v_max', '        '))} THEN
          RETURN QUERY SELECT v_id, NULL::bigint, NULL::bigint, NULL::bigint,
            format('events of organization %s are not past retention', v_id);
          RETURN;
        END IF;
        IF EXISTS (SELECT 1 FROM events e WHERE e.org_pk = v_org AND e.seq <= v_max AND e.tableoid <> v_part) THEN
          RETURN QUERY SELECT v_id, NULL::bigint, NULL::bigint, NULL::bigint,
            format('organization %s has older events in another partition', v_id);
          RETURN;
        END IF;
        SELECT coalesce((SELECT a.seq FROM chain_anchors a WHERE a.org_pk = v_org), 1) INTO v_anchor;
        SELECT count(*) INTO v_pruned FROM pruned_events p
          WHERE p.org_pk = v_org AND p.seq BETWEEN v_anchor AND v_max;
        INSERT INTO trailmark_partition_orgs VALUES (v_org, v_id, v_min, v_max, v_anchor, v_pruned);
      END LOOP;
      FOR v_org, v_max IN SELECT t.org_pk, t.max_seq FROM trailmark_partition_orgs t LOOP
        PERFORM trailmark_anchor_past(v_org, v_max, p_now);
      END LOOP;
      -- Dropping fires no DELETE trigger: the per-hour action counts (011_action_counts), where
      -- kept, lose the partition's events here, as a purge's deletes would take them off.
      IF to_regclass('action_counts') IS NOT NULL THEN
        EXECUTE format(
          'INSERT INTO action_counts AS c (org_pk, hour, action, n)
           SELECT org_pk, floor(extract(epoch FROM occurred_at) / 3600)::integer, action, -count(*)
           FROM %I GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
           ON CONFLICT (org_pk, hour, action) DO UPDATE SET n = c.n + EXCLUDED.n', p_name);
      END IF;
      EXECUTE format('ALTER TABLE events DETACH PARTITION %I', p_name);
      EXECUTE format('DROP TABLE %I', p_name);
      RETURN QUERY SELECT t.id, t.max_seq - t.anchor + 1 - t.pruned, t.anchor, t.max_seq, NULL::text
        FROM trailmark_partition_orgs t ORDER BY t.org_pk;
    END
    $$`.execute(db);
  await ownedByPurger(db, 'trailmark_anchor_past(integer, bigint, timestamptz)');
  await sql`REVOKE EXECUTE ON FUNCTION trailmark_anchor_past(integer, bigint, timestamptz) FROM PUBLIC`.execute(
    db,
  );
  await sql`
    DO $$
    BEGIN
      EXECUTE format('GRANT EXECUTE ON FUNCTION trailmark_anchor_past(integer, bigint, timestamptz) TO %I',
        current_user);
    END
    $$`.execute(db);
}
