import type { Migration } from 'kysely';
import { sharedMigrations } from '../../migrations/shared-migrations.js';
import * as core from './001_core.js';
import * as integrity from './002_integrity.js';
import * as actionCounts from './011_action_counts.js';
import * as searchBits7grams from './012_search_bits_7grams.js';
import * as searchBitsValueEnds from './014_search_bits_value_ends.js';
import { SQLITE_TYPES } from './column-types.js';

/** In order; names are recorded in the database, never renamed. */
export const SQLITE_MIGRATIONS: Record<string, Migration> = {
  '001_core': core,
  '002_integrity': integrity,
  ...sharedMigrations(SQLITE_TYPES),
  '011_action_counts': actionCounts,
  '012_search_bits_7grams': searchBits7grams,
  '014_search_bits_value_ends': searchBitsValueEnds,
};
