import type { Kysely } from 'kysely';
import { addViewerTokenRevocation } from '../../migrations/viewer-token-revocation.js';
import { POSTGRES_TYPES } from './column-types.js';

/** Revocable viewer tokens, as both backends declare them (../../migrations/viewer-token-revocation.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await addViewerTokenRevocation(db, POSTGRES_TYPES);
}
