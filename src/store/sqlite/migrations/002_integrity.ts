import type { Kysely } from 'kysely';
import { createIntegrityTables } from '../../migrations/integrity-schema.js';
import { SQLITE_TYPES } from './column-types.js';
import { refuseChanges } from './immutable.js';

/**
 * Signing keys, signed checkpoints, retention anchors and the state of the background jobs
 * (../../migrations/integrity-schema.ts). Checkpoints are as immutable as events: nothing updates
 * or deletes them. Pruned chain links only the purge (through the same gate as events) may
 * delete.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createIntegrityTables(db, SQLITE_TYPES);
  await refuseChanges(db, 'checkpoints', 'checkpoints', { purgeable: false });
  await refuseChanges(db, 'pruned_events', 'chain links', { purgeable: true });
}
