import type pg from 'pg';
import type { PartitionDrop, PartitionStore } from '../partition-store.js';
import { blockOf } from '../search-bits.js';

/** events_pYYYY_MM: the month it holds (UTC). */
const PARTITION_NAME = /^events_p(\d{4})_(\d{2})$/;
/** How long dropping a partition may wait for its locks: ingest queues behind the wait. */
const LOCK_TIMEOUT = '2s';

/**
 * The monthly partitions of events (migration 009_partitions), through its functions: they
 * hold the rules, so that no caller drops a month that still has an event to keep. Kysely
 * cannot name a table that only a query knows, so these are plain statements.
 */
export function postgresPartitions(pool: pg.Pool): PartitionStore {
  return {
    async prepare(from, ahead) {
      // The 15th of each month: the database truncates it to the month in UTC.
      const months = Array.from({ length: ahead + 1 }, (_, n) =>
        new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + n, 15)).toISOString(),
      );
      const { rows } = await pool.query<{ name: string | null }>(
        'SELECT trailmark_event_partition(m) AS name FROM unnest($1::timestamptz[]) m ORDER BY m',
        [months],
      );
      return rows.flatMap((r) => (r.name ? [r.name] : []));
    },
    async ended(before) {
      const { rows } = await pool.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
      );
      return rows
        .map((r) => r.name)
        .filter((name) => {
          const month = PARTITION_NAME.exec(name);
          return month && Date.UTC(Number(month[1]), Number(month[2]), 1) <= before.getTime();
        });
    },
    async drop(partition, now): Promise<PartitionDrop> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
        const { rows } = await client.query<{
          org: string | null;
          count: number | null;
          from_seq: number | null;
          to_seq: number | null;
          refused: string | null;
        }>('SELECT org, count, from_seq, to_seq, refused FROM trailmark_drop_event_partition($1, $2)', [
          partition,
          now.toISOString(),
        ]);
        // The search blocks of the events dropped, which are all of each org's events up to its last seq here.
        const dropped = rows.filter((r) => r.org !== null && r.to_seq !== null);
        if (dropped.length > 0) {
          await client.query(
            `DELETE FROM search_blocks b USING orgs o, unnest($1::text[], $2::integer[]) AS d (org, below)
             WHERE o.id = d.org AND b.org_pk = o.pk AND b.block < d.below`,
            [dropped.map((r) => r.org), dropped.map((r) => blockOf(r.to_seq! + 1))],
          );
        }
        await client.query('COMMIT');
        const refused = rows.find((r) => r.refused !== null)?.refused;
        if (refused) return { partition, dropped: false, refused };
        return {
          partition,
          dropped: true,
          orgs: rows.map((r) => ({ org: r.org!, count: r.count!, from_seq: r.from_seq!, to_seq: r.to_seq! })),
        };
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        // A lock not granted in time: a long query was reading the table; the next run tries again.
        if ((error as { code?: string }).code === '55P03') {
          return { partition, dropped: false, refused: 'its locks were not granted in time' };
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
