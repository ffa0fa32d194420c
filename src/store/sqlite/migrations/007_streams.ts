import type { Kysely } from 'kysely';
import { createStreamTables } from '../../migrations/stream-schema.js';
import { SQLITE_TYPES } from './column-types.js';

/** Streams, as both backends declare them (../../migrations/stream-schema.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createStreamTables(db, SQLITE_TYPES);
}
