import type { Compilable, Kysely, RawBuilder } from 'kysely';
import type { IntegrityTables } from './integrity-tables.js';
import { hasNul } from './nul.js';
import type { PurgeBatch } from './retention-store.js';

/**
 * What the integrity queries (integrity-sql.ts, chain-sql.ts), written once, need from each
 * backend: a way to run them, and its way of deleting from a chain.
 */

/**
 * How the shared queries reach one database. SQLite runs them on a connection of its own with
 * each statement prepared once; PostgreSQL on the pool, or on one connection that holds a
 * snapshot for a chain walk.
 */
export interface IntegrityConnection {
  /** Builds the queries; `rows` and `arrays` run them. */
  readonly db: Kysely<IntegrityTables>;
  rows<R>(query: Compilable<R>): Promise<R[]>;
  /** The rows as arrays of their columns in select order: no object per row, for long walks. */
  arrays<R extends readonly unknown[]>(query: Compilable<unknown>): Promise<R[]>;
  /** Runs `fn` in one write transaction (on SQLite with the ingest writer paused meanwhile). */
  write<T>(fn: (trx: Kysely<IntegrityTables>) => Promise<T>): Promise<T>;
  /**
   * `events.occurred_at` as ms since the epoch, exactly as stored (a fraction of a ms included),
   * for comparing it with the event's body: the column itself on SQLite, computed on PostgreSQL.
   */
  readonly eventTimeMs: RawBuilder<number>;
}

/** How a backend removes events from an org's chain, inside the transaction it is given. */
export interface RetentionDialect {
  /** See RetentionStore.purge; the seqs it deleted, or nothing when there was nothing to delete. */
  purge(
    trx: Kysely<IntegrityTables>,
    orgPk: number,
    throughSeq: number,
    max: number,
  ): Promise<Omit<PurgeBatch, 'held_ms'> | undefined>;
  /** Moves the request log entries of seqs fromSeq..toSeq to pruned links; answers how many. */
  pruneRequests(trx: Kysely<IntegrityTables>, orgPk: number, fromSeq: number, toSeq: number): Promise<number>;
}

/** The org's integer key, which every integrity table leads with. */
export async function orgPk(c: IntegrityConnection, org: string): Promise<number | undefined> {
  if (hasNul(org)) return undefined;
  const [row] = await c.rows(c.db.selectFrom('orgs').select('pk').where('id', '=', org));
  return row?.pk;
}
