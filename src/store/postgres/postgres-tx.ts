import type { Transaction } from 'kysely';
import { AppError } from '../../domain/errors.js';
import { identityWrites } from '../identity-sql.js';
import type { IdentityTables } from '../identity-tables.js';
import type { NewApiKey, StoreTx } from '../store.js';
import { appendToOrg } from './postgres-append.js';
import { POSTGRES_IDENTITY } from './postgres-identity.js';
import { kyselyConnection } from './postgres-insert.js';
import { keyFromRow, orgFromRow } from './postgres-rows.js';
import type { PgTables } from './postgres-schema.js';

/** The writes of one transaction; each runs on `trx`, so they commit or roll back together. */
export function postgresTx(trx: Transaction<PgTables>): StoreTx {
  return {
    createOrg: async (org) => {
      // ON CONFLICT rather than a prior SELECT: two processes creating the same id race safely.
      const row = await trx
        .insertInto('orgs')
        .values({ id: org.id, name: org.name, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError('conflict', `organization ${org.id} already exists`);
      return orgFromRow(row);
    },
    createApiKey: async (key: NewApiKey) => {
      const row = await trx
        .insertInto('api_keys')
        .values({
          id: key.id,
          org_id: key.org,
          name: key.name,
          prefix: key.prefix,
          last4: key.last4,
          scopes: key.scopes,
          key_hash: key.key_hash,
          status: key.status ?? 'active',
          created_at: key.created_at,
          created_by: key.created_by,
          expires_at: key.expires_at,
          rate_limit_per_minute: key.rate_limit_per_minute ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return keyFromRow(row);
    },
    appendEvents: (org, events) => appendToOrg(kyselyConnection(trx), org, events),
    identity: identityWrites(trx as unknown as Transaction<IdentityTables>, POSTGRES_IDENTITY),
  };
}
