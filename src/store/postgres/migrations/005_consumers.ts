import type { Kysely } from 'kysely';
import { createConsumerTables } from '../../migrations/consumer-schema.js';
import { POSTGRES_TYPES } from './column-types.js';

/** The log consumers' cursors, as both backends declare them (../../migrations/consumer-schema.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createConsumerTables(db, POSTGRES_TYPES);
}
