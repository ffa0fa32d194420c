import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Alerting (migration 006_alerts on both backends): custom rules, detector settings, channels,
 * alerts, their deliveries and the engine's state. Every key and index leads with the org.
 * Flags are integers (0/1) and JSON documents are text on both backends: the queries are then
 * the same for both, and nothing here is queried inside its JSON.
 *
 * The tables the alerts consumer writes (alerts, deliveries, engine state) have no foreign key
 * to `orgs`: on PostgreSQL an insert checked against `orgs` holds a KEY SHARE lock on the org's
 * row, and the consumer's transaction then appends `alert.triggered` (FOR UPDATE on that row),
 * as does every audited change; two such transactions would each wait for the other.
 */
export async function createAlertTables(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('alert_rules')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('channel_ids', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addPrimaryKeyConstraint('alert_rules_pkey', ['org_id', 'id'])
    .execute();
  await db.schema
    .createTable('alert_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('orgs.id'))
    .addColumn('detectors', 'text', (c) => c.notNull())
    .addColumn('config_version', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('alert_channels')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('min_severity', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_channels_pkey', ['org_id', 'id'])
    .execute();
  await db.schema
    .createTable('alerts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('window_start', t.time, (c) => c.notNull())
    .addColumn('window_end', t.time, (c) => c.notNull())
    .addColumn('matched_count', 'integer', (c) => c.notNull())
    .addColumn('sample_event_ids', 'text', (c) => c.notNull())
    .addColumn('event_filter', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('acknowledged_at', t.time)
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', t.time)
    .addColumn('resolved_by', 'text')
    .addPrimaryKeyConstraint('alerts_pkey', ['org_id', 'id'])
    // A replay of the same events (after a restart, or by another process) stores nothing twice.
    .addUniqueConstraint('alerts_org_id_dedupe_key_key', ['org_id', 'dedupe_key'])
    .execute();
  await db.schema.createIndex('alerts_status').on('alerts').columns(['org_id', 'status', 'id']).execute();
  await db.schema
    .createTable('alert_deliveries')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', t.bigint)
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', t.time)
    .addPrimaryKeyConstraint('alert_deliveries_pkey', ['org_id', 'alert_id', 'channel_id'])
    .execute();
  // Only pending deliveries are in it, so the sender's scan for due ones stays short.
  await db.schema
    .createIndex('alert_deliveries_pending')
    .on('alert_deliveries')
    .columns(['org_id', 'next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createTable('alert_engine_state')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', t.bigint, (c) => c.notNull())
    .addColumn('config_version', t.bigint, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .execute();
}
