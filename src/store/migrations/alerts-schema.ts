import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { optional, orgThings, required, rowPer } from './table-builders.js';

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
  await orgThings(db, 'alert_rules')
    .$call(required('text', 'name'))
    .$call(required('integer', 'enabled'))
    .$call(required('text', 'spec'))
    .$call(optional('text', 'channel_ids'))
    .$call(required(t.time, 'created_at', 'updated_at'))
    .$call(optional('text', 'created_by'))
    .execute();
  await rowPer(db, 'alert_settings', 'org_id', 'text', 'orgs.id')
    .$call(required('text', 'detectors'))
    .$call(required(t.bigint, 'config_version'))
    .$call(required(t.time, 'updated_at'))
    .execute();
  await orgThings(db, 'alert_channels')
    .$call(required('text', 'name', 'type'))
    .$call(required('integer', 'enabled'))
    .$call(required('text', 'min_severity', 'config'))
    .$call(optional('text', 'secret'))
    .$call(required(t.time, 'created_at', 'updated_at'))
    .execute();
  await orgThings(db, 'alerts', { references: false })
    // A replay of the same events (after a restart, or by another process) stores nothing twice.
    .addUniqueConstraint('alerts_org_id_dedupe_key_key', ['org_id', 'dedupe_key'])
    .$call(required('text', 'dedupe_key', 'source_kind', 'source_id', 'source_name', 'severity', 'title'))
    .$call(required('text', 'description', 'group_key'))
    .$call(required(t.time, 'window_start', 'window_end'))
    .$call(required('integer', 'matched_count'))
    .$call(required('text', 'sample_event_ids', 'event_filter', 'details', 'status'))
    .$call(required(t.time, 'created_at'))
    .$call(optional(t.time, 'acknowledged_at'))
    .$call(optional('text', 'acknowledged_by'))
    .$call(optional(t.time, 'resolved_at'))
    .$call(optional('text', 'resolved_by'))
    .execute();
  await db.schema.createIndex('alerts_status').on('alerts').columns(['org_id', 'status', 'id']).execute();
  await db.schema
    .createTable('alert_deliveries')
    .$call(required('text', 'org_id', 'alert_id', 'channel_id', 'status'))
    .$call(required('integer', 'attempts'))
    .$call(optional(t.bigint, 'next_attempt_at'))
    .$call(optional('text', 'last_error'))
    .$call(optional(t.time, 'delivered_at'))
    .addPrimaryKeyConstraint('alert_deliveries_pkey', ['org_id', 'alert_id', 'channel_id'])
    .execute();
  // Only pending deliveries are in it, so the sender's scan for due ones stays short.
  await db.schema
    .createIndex('alert_deliveries_pending')
    .on('alert_deliveries')
    .columns(['org_id', 'next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await rowPer(db, 'alert_engine_state', 'org_id', 'text')
    .$call(required(t.bigint, 'last_seq', 'config_version'))
    .$call(required('text', 'state'))
    .execute();
}
