import type { Kysely, Migration } from 'kysely';
import { createAlertTables } from './alerts-schema.js';
import type { ColumnTypes } from './column-types.js';
import { createConsumerTables } from './consumer-schema.js';
import { createIdentityTables } from './identity-schema.js';
import { createStreamTables } from './stream-schema.js';
import { addViewerTokenRevocation } from './viewer-token-revocation.js';

type Step = (db: Kysely<unknown>, t: ColumnTypes) => Promise<void>;

/**
 * The migrations both backends declare alike, over each backend's column types: the tables of
 * each area are written once (the files named beside each). Their names are recorded in every
 * database that ran them: never renamed. What differs by backend (001_core, 002_integrity, the
 * triggers of 011_action_counts) stays in each backend's own migrations.
 */
export function sharedMigrations(t: ColumnTypes): Record<string, Migration> {
  const over = (step: Step): Migration => ({ up: (db) => step(db, t) });
  return {
    '003_identity': over(createIdentityTables),
    '004_viewer_token_revocation': over(addViewerTokenRevocation),
    '005_consumers': over(createConsumerTables),
    '006_alerts': over(createAlertTables),
    '007_streams': over(createStreamTables),
  };
}
