import type { Migration } from 'kysely';
import * as core from './001_core.js';
import * as integrity from './002_integrity.js';
import * as identity from './003_identity.js';
import * as viewerTokenRevocation from './004_viewer_token_revocation.js';
import * as consumers from './005_consumers.js';
import * as alerts from './006_alerts.js';
import * as streams from './007_streams.js';
import * as actionCounts from './011_action_counts.js';

/** In order; names are recorded in the database, never renamed. */
export const SQLITE_MIGRATIONS: Record<string, Migration> = {
  '001_core': core,
  '002_integrity': integrity,
  '003_identity': identity,
  '004_viewer_token_revocation': viewerTokenRevocation,
  '005_consumers': consumers,
  '006_alerts': alerts,
  '007_streams': streams,
  '011_action_counts': actionCounts,
};
