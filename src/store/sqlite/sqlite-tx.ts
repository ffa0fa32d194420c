import type { Kysely, Transaction } from 'kysely';
import { type AlertTables, alertWrites } from '../alert-sql.js';
import { identityWrites, orgAndKeyWrites } from '../identity-sql.js';
import type { IdentityTables } from '../identity-tables.js';
import type { StoreTx } from '../store.js';
import { streamWrites } from '../stream-sql.js';
import type { SqliteAppender } from './sqlite-append.js';
import { SQLITE_IDENTITY } from './sqlite-identity.js';
import type { SqliteTables } from './sqlite-schema.js';

/** The writes of one transaction; each runs on `trx`, so they commit or roll back together. */
export function sqliteTx(trx: Transaction<SqliteTables>, appender: SqliteAppender): StoreTx {
  const shared = trx as unknown as Transaction<IdentityTables>;
  return {
    ...orgAndKeyWrites(shared, SQLITE_IDENTITY),
    // The appender's statements run on the same connection, inside this transaction.
    appendEvents: async (org, events) => appender.append(org, events),
    identity: identityWrites(shared, SQLITE_IDENTITY),
    streams: streamWrites(trx as unknown as Parameters<typeof streamWrites>[0]),
    alerts: alertWrites(trx as unknown as Kysely<AlertTables>, { forUpdate: false }),
  };
}
