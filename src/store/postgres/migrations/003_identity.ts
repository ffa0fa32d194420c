import type { Kysely } from 'kysely';
import { createIdentityTables } from '../../migrations/identity-schema.js';
import { POSTGRES_TYPES } from './column-types.js';

/** People and access: the tables as both backends declare them (../../migrations/identity-schema.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createIdentityTables(db, POSTGRES_TYPES);
}
