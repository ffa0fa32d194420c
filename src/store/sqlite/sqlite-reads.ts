import type { Database, Statement } from 'better-sqlite3';
import { type Compilable, Kysely, SqliteDialect } from 'kysely';
import { compiledOnce } from '../compiled-once.js';
import type { SqliteTables } from './sqlite-schema.js';

/** A Kysely that only builds statements; they run synchronously through SqliteReads. */
export function statementBuilder<DB = SqliteTables>(): Kysely<DB> {
  return new Kysely<DB>({
    dialect: new SqliteDialect({ database: async () => Promise.reject(new Error('build only')) }),
  });
}

const orgKey = compiledOnce((org: string) =>
  statementBuilder().selectFrom('orgs').select('pk').where('id', '=', org),
);

/** Runs built queries on one reading connection, with statements prepared once per text. */
export class SqliteReads {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  rows<R>(query: Compilable<R>): R[] {
    const compiled = query.compile();
    return this.prepared(compiled.sql).all(...(compiled.parameters as unknown[])) as R[];
  }

  /** The rows as arrays of their columns in select order: SQLite makes no object per row. */
  arrays<R extends readonly unknown[]>(query: Compilable<unknown>): R[] {
    const compiled = query.compile();
    return this.prepared(compiled.sql, true).all(...(compiled.parameters as unknown[])) as R[];
  }

  /** The statement of `text`, prepared on first use; `raw` ones answer arrays (a statement of its own). */
  prepared(text: string, raw = false): Statement {
    const key = raw ? `raw:${text}` : text;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(text);
      if (raw) statement.raw(true);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(key, statement);
    }
    return statement;
  }

  /** The org's integer key, which every event query carries: read once per request. */
  orgPk(org: string): number | undefined {
    return this.rows(orgKey(org))[0]?.pk;
  }
}
