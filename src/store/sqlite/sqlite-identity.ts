import type { Database } from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type AlertTables, alertReads } from '../alert-sql.js';
import type { AlertReads } from '../alert-store.js';
import { type IdentityDialect, identityReads } from '../identity-sql.js';
import type { IdentityReads } from '../identity-store.js';
import type { IdentityTables } from '../identity-tables.js';

export const SQLITE_IDENTITY: IdentityDialect = {
  legalHold: (value) => (value ? 1 : 0),
  nameList: (values) => JSON.stringify(values),
  isUniqueViolation: (error) => {
    const code = error instanceof Error ? (error as { code?: string }).code : undefined;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
};

/**
 * Identity reads run on the reader connection, so signing in and checking a session never wait
 * behind a group commit on the writer.
 */
export function sqliteIdentityReads(reader: Database): IdentityReads {
  return identityReads(new Kysely<IdentityTables>({ dialect: new SqliteDialect({ database: reader }) }));
}

/** Alerting's reads, on the reader connection too. */
export function sqliteAlertReads(reader: Database): AlertReads {
  return alertReads(new Kysely<AlertTables>({ dialect: new SqliteDialect({ database: reader }) }));
}
