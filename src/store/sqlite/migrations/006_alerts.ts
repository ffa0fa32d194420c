import type { Kysely } from 'kysely';
import { createAlertTables } from '../../migrations/alerts-schema.js';
import { SQLITE_TYPES } from './column-types.js';

/** Alerting: the tables as both backends declare them (../../migrations/alerts-schema.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createAlertTables(db, SQLITE_TYPES);
}
