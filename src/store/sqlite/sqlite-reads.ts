import type { Database, Statement } from 'better-sqlite3';
import { type Compilable, Kysely, SqliteDialect } from 'kysely';
import type { SqliteTables } from './sqlite-schema.js';

/** A Kysely that only builds statements; they run synchronously through SqliteReads. */
export function statementBuilder(): Kysely<SqliteTables> {
  return new Kysely<SqliteTables>({
    dialect: new SqliteDialect({ database: async () => Promise.reject(new Error('build only')) }),
  });
}

/** Runs built queries on one reading connection, with statements prepared once per text. */
export class SqliteReads {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  rows<R>(query: Compilable<R>): R[] {
    const compiled = query.compile();
    return this.prepared(compiled.sql).all(...(compiled.parameters as unknown[])) as R[];
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
