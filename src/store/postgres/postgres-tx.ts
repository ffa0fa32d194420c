import type { Kysely, Transaction } from 'kysely';
import { type AlertTables, alertWrites } from '../alert-sql.js';
import { identityWrites, orgAndKeyWrites } from '../identity-sql.js';
import type { IdentityTables } from '../identity-tables.js';
import type { StoreTx } from '../store.js';
import { streamWrites } from '../stream-sql.js';
import { appendToOrg } from './postgres-append.js';
import { POSTGRES_IDENTITY } from './postgres-identity.js';
import { kyselyConnection } from './postgres-insert.js';
import type { PgTables } from './postgres-schema.js';

/** The writes of one transaction; each runs on `trx`, so they commit or roll back together. */
export function postgresTx(trx: Transaction<PgTables>): StoreTx {
  const shared = trx as unknown as Transaction<IdentityTables>;
  return {
    ...orgAndKeyWrites(shared, POSTGRES_IDENTITY),
    appendEvents: (org, events) => appendToOrg(kyselyConnection(trx), org, events),
    identity: identityWrites(shared, POSTGRES_IDENTITY),
    streams: streamWrites(trx as unknown as Parameters<typeof streamWrites>[0]),
    alerts: alertWrites(trx as unknown as Kysely<AlertTables>, { forUpdate: true }),
  };
}
