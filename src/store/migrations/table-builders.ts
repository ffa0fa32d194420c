import type { ColumnDataType, CreateTableBuilder, Kysely } from 'kysely';

/**
 * Pieces of table definitions that recur across the areas' tables, for the migrations that both
 * backends declare alike. They add exactly the columns and constraints the tables were first
 * created with, in the same order: databases that ran those migrations hold that SQL.
 */

type Table<N extends string> = CreateTableBuilder<N, string>;

/**
 * A table of one org's things, keyed org first (`org_id`, then `id`: an org's rows are one range
 * of the key). `references` ties `org_id` to `orgs`; the tables the alerts consumer writes leave
 * it out (alerts-schema.ts says why). Kysely writes constraints after the columns, so the key
 * named here still follows the columns the caller adds.
 */
export function orgThings<N extends string>(
  db: Kysely<unknown>,
  name: N,
  { references = true }: { references?: boolean } = {},
): Table<N> {
  return db.schema
    .createTable(name)
    .addColumn('org_id', 'text', (c) => (references ? c.notNull().references('orgs.id') : c.notNull()))
    .addColumn('id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pkey`, ['org_id', 'id']);
}

/** Required (NOT NULL) columns of one type, in the order named. */
export const required =
  (type: ColumnDataType, ...names: string[]) =>
  <N extends string, C extends string>(table: CreateTableBuilder<N, C>): Table<N> =>
    names.reduce<Table<N>>((t, name) => t.addColumn(name, type, (c) => c.notNull()), table);

/** Optional (nullable) columns of one type, in the order named. */
export const optional =
  (type: ColumnDataType, ...names: string[]) =>
  <N extends string, C extends string>(table: CreateTableBuilder<N, C>): Table<N> =>
    names.reduce<Table<N>>((t, name) => t.addColumn(name, type), table);

/** A table of one row per value of its key column (`references`: the table and column it names). */
export function rowPer<N extends string>(
  db: Kysely<unknown>,
  name: N,
  key: string,
  type: ColumnDataType,
  references?: `${string}.${string}`,
): Table<N> {
  return db.schema
    .createTable(name)
    .addColumn(key, type, (c) => (references ? c.primaryKey().references(references) : c.primaryKey()));
}
