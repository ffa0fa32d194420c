import type { Compilable, Kysely } from 'kysely';
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

/** Stands for an argument of a query compiled once (see `compiledOnce`). */
class Argument {
  constructor(readonly index: number) {}
}

/**
 * A query built and compiled once, then run with each call's own values: the reads that walks,
 * exports and the checkpointer make over and over (a checkpoint per range, the org's key per
 * read) skip building and compiling, about 45 µs a call. `build` may use its arguments only as
 * values, never to choose the query's shape, since it runs once with stand-ins for them.
 */
export function compiledOnce<A extends unknown[], R>(
  build: (...args: A) => Compilable<R>,
): (...args: A) => Compilable<R> {
  const stands = Array.from({ length: build.length }, (_, i) => new Argument(i)) as unknown as A;
  const compiled = build(...stands).compile();
  return (...args) => ({
    compile: () => ({
      ...compiled,
      parameters: compiled.parameters.map((p) => (p instanceof Argument ? args[p.index] : p)),
    }),
  });
}
