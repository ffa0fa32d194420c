import type { Kysely } from 'kysely';
import type { IdentityDialect } from '../identity-sql.js';
import { orgFromRow } from './postgres-rows.js';
import type { PgTables } from './postgres-schema.js';

const UNIQUE_VIOLATION = '23505';

export const POSTGRES_IDENTITY: IdentityDialect = {
  legalHold: (value) => value,
  async orgById(db, id) {
    const pg = db as unknown as Kysely<PgTables>;
    const row = await pg.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && orgFromRow(row);
  },
  isUniqueViolation: (error) =>
    error instanceof Error && (error as { code?: string }).code === UNIQUE_VIOLATION,
};
