import type { Migration } from 'kysely';
import { sharedMigrations } from '../../migrations/shared-migrations.js';
import * as core from './001_core.js';
import * as integrity from './002_integrity.js';
import * as partitions from './009_partitions.js';
import * as actionCounts from './011_action_counts.js';
import * as searchBlocks from './013_search_blocks.js';
import { POSTGRES_TYPES } from './column-types.js';

/** In order; names are recorded in the database, never renamed, and match the SQLite ones. */
export const POSTGRES_MIGRATIONS: Record<string, Migration> = {
  '001_core': core,
  '002_integrity': integrity,
  ...sharedMigrations(POSTGRES_TYPES),
  '009_partitions': partitions,
  '011_action_counts': actionCounts,
  '013_search_blocks': searchBlocks,
};
