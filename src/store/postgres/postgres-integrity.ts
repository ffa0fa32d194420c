import { type Compilable, type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { VerifyReport } from '../../integrity/chain-verifier.js';
import { type ChainPart, walkChainPart } from '../../integrity/chain-walk.js';
import type { KeyRing } from '../../integrity/ed25519-keys.js';
import { chainHeadIn, chainSql, checkpointsSql } from '../chain-sql.js';
import type { IntegrityConnection, RetentionDialect } from '../integrity-connection.js';
import type { IntegrityTables } from '../integrity-tables.js';
import { blockOf } from '../search-bits.js';

/**
 * The shared integrity queries on PostgreSQL: built with `db`, read on `reads` (the pool, or one
 * connection holding a walk's snapshot) in array row mode where asked, written in Kysely
 * transactions on the pool.
 */
export function postgresIntegrityConnection(
  db: Kysely<IntegrityTables>,
  reads: Pick<pg.PoolClient, 'query'>,
): IntegrityConnection {
  return {
    db,
    async rows(query) {
      const compiled = query.compile();
      return (await reads.query(compiled.sql, compiled.parameters as unknown[])).rows;
    },
    async arrays<R extends readonly unknown[]>(query: Compilable<unknown>): Promise<R[]> {
      const compiled = query.compile();
      const result = await reads.query({
        text: compiled.sql,
        values: compiled.parameters as unknown[],
        rowMode: 'array',
      });
      return result.rows as unknown as R[];
    },
    write: (fn) => db.transaction().execute(fn),
    // Whole seconds and microseconds apart, so that it is exact on PostgreSQL 13 too (where
    // extract answers a double); float8 keeps a microsecond's difference from the body's ms.
    eventTimeMs: sql<number>`(extract(epoch from date_trunc('second', occurred_at))::bigint * 1000
      + (extract(microseconds from occurred_at)::bigint % 1000000) / 1000.0)::float8`,
  };
}

/**
 * PostgreSQL's purge runs through the SECURITY DEFINER functions of 002_integrity, the only way
 * events can be deleted; Kysely's builder cannot call a function that returns a table, so they
 * are called with its sql template.
 */
export const POSTGRES_RETENTION: RetentionDialect = {
  async purge(trx, pk, throughSeq, max) {
    const { rows } = await sql<{ deleted: number; from_seq: number; to_seq: number }>`
      SELECT deleted, from_seq, to_seq FROM trailmark_purge(${pk}, ${throughSeq}, ${max})`.execute(trx);
    const row = rows[0];
    if (!row) return undefined;
    // The search blocks that held only deleted events go (as on SQLite, sqlite-integrity.ts).
    await sql`DELETE FROM search_blocks WHERE org_pk = ${pk} AND block < ${blockOf(Number(row.to_seq) + 1)}`.execute(
      trx,
    );
    return { count: Number(row.deleted), from_seq: Number(row.from_seq), to_seq: Number(row.to_seq) };
  },
  async pruneRequests(trx, pk, fromSeq, toSeq) {
    const { rows } = await sql<{ count: number }>`
      SELECT trailmark_prune_requests(${pk}, ${fromSeq}, ${toSeq}) AS count`.execute(trx);
    return Number(rows[0]?.count ?? 0);
  },
};

/**
 * Walks each part on its own connection in one REPEATABLE READ snapshot, at once: events
 * committed meanwhile are not taken for links beyond the head.
 */
export function walkPartsInSnapshots(pool: pg.Pool, db: Kysely<IntegrityTables>) {
  return (org: string, keys: KeyRing, parts: readonly ChainPart[]): Promise<VerifyReport[]> =>
    Promise.all(
      parts.map(async (part, i) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          const snapshot = postgresIntegrityConnection(db, client);
          const head = i === parts.length - 1 ? await chainHeadIn(snapshot, org) : undefined;
          const reads = { chain: chainSql(snapshot), checkpoints: checkpointsSql(snapshot) };
          return await walkChainPart(reads, org, keys, part, head);
        } finally {
          await client.query('COMMIT').catch(() => undefined);
          client.release();
        }
      }),
    );
}
