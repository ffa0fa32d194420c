import type { Transaction } from 'kysely';
import { AppError } from '../../domain/errors.js';
import { identityWrites } from '../identity-sql.js';
import type { IdentityTables } from '../identity-tables.js';
import type { NewApiKey, StoreTx } from '../store.js';
import type { SqliteAppender } from './sqlite-append.js';
import { SQLITE_IDENTITY } from './sqlite-identity.js';
import { keyFromRow, orgFromRow } from './sqlite-rows.js';
import type { SqliteTables } from './sqlite-schema.js';

/** The writes of one transaction; each runs on `trx`, so they commit or roll back together. */
export function sqliteTx(trx: Transaction<SqliteTables>, appender: SqliteAppender): StoreTx {
  return {
    createOrg: async (org) => {
      const existing = await trx.selectFrom('orgs').select('id').where('id', '=', org.id).executeTakeFirst();
      if (existing) throw new AppError('conflict', `organization ${org.id} already exists`);
      const row = await trx
        .insertInto('orgs')
        .values({ id: org.id, name: org.name, created_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
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
          scopes: JSON.stringify(key.scopes),
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
    // The appender's statements run on the same connection, inside this transaction.
    appendEvents: async (org, events) => appender.append(org, events),
    identity: identityWrites(trx as unknown as Transaction<IdentityTables>, SQLITE_IDENTITY),
  };
}
