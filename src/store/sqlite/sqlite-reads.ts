import type { Database, Statement } from 'better-sqlite3';
import { type Compilable, Kysely, SqliteDialect } from 'kysely';
import type { SqliteTables } from './sqlite-schema.js';
import type { EventIndex } from './sqlite-search.js';

/** A Kysely that only builds statements; they run synchronously through SqliteReads. */
export function statementBuilder(): Kysely<SqliteTables> {
  return new Kysely<SqliteTables>({
    dialect: new SqliteDialect({ database: async () => Promise.reject(new Error('build only')) }),
  });
}

/**
 * Runs built queries on one reading connection, with statements prepared once per text. With
 * `index`, the outermost `events` is read through that index (SQLite's INDEXED BY): the list
 * planner (sqlite-search.ts) decides plans itself rather than leave them to statistics.
 */
export class SqliteReads {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  rows<R>(query: Compilable<R>, index?: EventIndex): R[] {
    const compiled = query.compile();
    let text = compiled.sql;
    if (index) {
      const access = index === 'rowid' ? 'not indexed' : `indexed by ${index}`;
      text = text.replace('from "events"', `from "events" ${access}`);
    }
    return this.prepared(text).all(...(compiled.parameters as unknown[])) as R[];
  }

  prepared(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(text, statement);
    }
    return statement;
  }

  orgPk(org: string): number | undefined {
    const row = this.prepared('SELECT pk FROM orgs WHERE id = ?').get(org) as { pk: number } | undefined;
    return row?.pk;
  }
}
