import type { Kysely, Selectable } from 'kysely';
import type { AlertSeverity, AlertStatus, DeliveryStatus } from '../contracts/alerts.js';
import type {
  AlertChannelRecord,
  AlertReads,
  AlertRecord,
  AlertRuleRecord,
  AlertWrites,
  DeliveryRecord,
  EngineStateRecord,
} from './alert-store.js';
import { isoTime } from './identity-tables.js';
import { hasNul } from './nul.js';
import { flag, json, orNull, plain, rowMapping, time } from './row-codec.js';

/**
 * Alerting's queries, written once for both backends: flags are 0/1 integers and JSON is text
 * on both (migrations/alerts-schema.ts), times go in as ISO text and come out through isoTime.
 */

type Time = string | Date;
type Big = number | string;

export interface AlertTables {
  alert_rules: {
    org_id: string;
    id: string;
    name: string;
    enabled: number;
    spec: string;
    channel_ids: string | null;
    created_at: Time;
    updated_at: Time;
    created_by: string | null;
  };
  alert_settings: { org_id: string; detectors: string; config_version: Big; updated_at: Time };
  alert_channels: {
    org_id: string;
    id: string;
    name: string;
    type: string;
    enabled: number;
    min_severity: string;
    config: string;
    secret: string | null;
    created_at: Time;
    updated_at: Time;
  };
  alerts: {
    org_id: string;
    id: string;
    dedupe_key: string;
    source_kind: string;
    source_id: string;
    source_name: string;
    severity: string;
    title: string;
    description: string;
    group_key: string;
    window_start: Time;
    window_end: Time;
    matched_count: number;
    sample_event_ids: string;
    event_filter: string;
    details: string;
    status: string;
    created_at: Time;
    acknowledged_at: Time | null;
    acknowledged_by: string | null;
    resolved_at: Time | null;
    resolved_by: string | null;
  };
  alert_deliveries: {
    org_id: string;
    alert_id: string;
    channel_id: string;
    status: string;
    attempts: number;
    next_attempt_at: Big | null;
    last_error: string | null;
    delivered_at: Time | null;
  };
  alert_engine_state: { org_id: string; last_seq: Big; config_version: Big; state: string };
}

type Db = Kysely<AlertTables>;

/** The tables of an org's alerting objects, each keyed by (org_id, id). */
type OrgItemTable = 'alert_rules' | 'alert_channels' | 'alerts';

// Kysely cannot type a query over a table name left generic: the helpers below are typed over
// the tables they take, and the rows are the ones of the table named.

/** The org's object `id` of `table`, if any. */
async function orgItem<T extends OrgItemTable>(db: Db, table: T, org: string, id: string) {
  if (hasNul(org, id)) return undefined;
  const row = await db
    .selectFrom(table as OrgItemTable)
    .selectAll()
    .where('org_id', '=', org)
    .where('id', '=', id)
    .executeTakeFirst();
  return row as Selectable<AlertTables[T]> | undefined;
}

/** Every one of the org's objects of `table`, by id. */
async function orgItems<T extends OrgItemTable>(db: Db, table: T, org: string) {
  const rows = await db
    .selectFrom(table as OrgItemTable)
    .selectAll()
    .where('org_id', '=', org)
    .orderBy('id')
    .execute();
  return rows as Selectable<AlertTables[T]>[];
}

/**
 * Writes an org's object of `table` from its full row: every column but its key and those
 * `kept` from its creation.
 */
async function rewriteOrgItem<T extends 'alert_rules' | 'alert_channels'>(
  db: Db,
  table: T,
  row: AlertTables[T],
  kept: readonly Exclude<keyof AlertTables[T], 'org_id' | 'id'>[],
): Promise<void> {
  const changes: Record<string, unknown> = { ...row };
  for (const column of ['org_id', 'id', ...kept]) delete changes[column as string];
  await db
    .updateTable(table as 'alert_rules' | 'alert_channels')
    .set(changes)
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .execute();
}

/** The tables that hold one row per org, keyed by org_id. */
type OrgRowTable = 'alert_settings' | 'alert_engine_state';

/** The org's row of `table`, if any. */
async function orgRow<T extends OrgRowTable>(db: Db, table: T, org: string) {
  const row = await db
    .selectFrom(table as OrgRowTable)
    .selectAll()
    .where('org_id', '=', org)
    .executeTakeFirst();
  return row as Selectable<AlertTables[T]> | undefined;
}

/** How a rule is kept: its definition and channel list as JSON text. */
const rules = rowMapping<AlertRuleRecord, AlertTables['alert_rules']>({
  org: plain(),
  id: plain(),
  name: plain(),
  enabled: flag,
  spec: json(),
  channel_ids: orNull(json()),
  created_at: time,
  updated_at: time,
  created_by: plain(),
});

/** How a channel is kept: what may be shown in `config` (JSON text), the secret beside it. */
const channels = rowMapping<AlertChannelRecord, AlertTables['alert_channels']>({
  org: plain(),
  id: plain(),
  name: plain(),
  type: plain(),
  enabled: flag,
  min_severity: plain(),
  config: json(),
  secret: plain(),
  created_at: time,
  updated_at: time,
});

function alertFromRow(row: Selectable<AlertTables['alerts']>): AlertRecord {
  return {
    org: row.org_id,
    id: row.id,
    dedupe_key: row.dedupe_key,
    source_kind: row.source_kind as AlertRecord['source_kind'],
    source_id: row.source_id,
    source_name: row.source_name,
    severity: row.severity as AlertSeverity,
    title: row.title,
    description: row.description,
    group_key: row.group_key,
    window_start: isoTime(row.window_start),
    window_end: isoTime(row.window_end),
    matched_count: Number(row.matched_count),
    sample_event_ids: JSON.parse(row.sample_event_ids) as string[],
    event_filter: JSON.parse(row.event_filter) as Record<string, string>,
    details: JSON.parse(row.details) as Record<string, unknown>,
    status: row.status as AlertStatus,
    created_at: isoTime(row.created_at),
    acknowledged_at: isoTime(row.acknowledged_at),
    acknowledged_by: row.acknowledged_by,
    resolved_at: isoTime(row.resolved_at),
    resolved_by: row.resolved_by,
  };
}

function deliveryFromRow(row: Selectable<AlertTables['alert_deliveries']>): DeliveryRecord {
  return {
    org: row.org_id,
    alert_id: row.alert_id,
    channel_id: row.channel_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    next_attempt_at: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    last_error: row.last_error,
    delivered_at: isoTime(row.delivered_at),
  };
}

function engineFromRow(row: Selectable<AlertTables['alert_engine_state']>): EngineStateRecord {
  return { last_seq: Number(row.last_seq), config_version: Number(row.config_version), state: row.state };
}

export function alertReads(db: Db): AlertReads {
  return {
    async listRules(org) {
      return (await orgItems(db, 'alert_rules', org)).map(rules.fromRow);
    },
    async getRule(org, id) {
      const row = await orgItem(db, 'alert_rules', org, id);
      return row && rules.fromRow(row);
    },
    async settings(org) {
      const row = await orgRow(db, 'alert_settings', org);
      if (!row) return { detectors: {}, config_version: 0 };
      return {
        detectors: JSON.parse(row.detectors) as Record<string, unknown>,
        config_version: Number(row.config_version),
      };
    },
    async listChannels(org) {
      return (await orgItems(db, 'alert_channels', org)).map(channels.fromRow);
    },
    async getChannel(org, id) {
      const row = await orgItem(db, 'alert_channels', org, id);
      return row && channels.fromRow(row);
    },
    async listAlerts(org, query) {
      let q = db.selectFrom('alerts').selectAll().where('org_id', '=', org);
      if (query.status?.length) q = q.where('status', 'in', query.status);
      if (query.severity?.length) q = q.where('severity', 'in', query.severity);
      if (query.source_kind) q = q.where('source_kind', '=', query.source_kind);
      if (query.source_id !== undefined) q = q.where('source_id', '=', query.source_id);
      if (query.before !== undefined) q = q.where('id', '<', query.before);
      const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(alertFromRow);
    },
    async getAlert(org, id) {
      const row = await orgItem(db, 'alerts', org, id);
      return row && alertFromRow(row);
    },
    async deliveriesOf(org, alertIds) {
      if (alertIds.length === 0) return [];
      const rows = await db
        .selectFrom('alert_deliveries')
        .selectAll()
        .where('org_id', '=', org)
        .where('alert_id', 'in', [...alertIds])
        .execute();
      return rows.map(deliveryFromRow);
    },
    async dueDeliveries(nowMs, limit) {
      const rows = await db
        .selectFrom('alert_deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', nowMs)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      return rows.map(deliveryFromRow);
    },
    async nextDeliveryAt() {
      const row = await db
        .selectFrom('alert_deliveries')
        .select((eb) => eb.fn.min('next_attempt_at').as('next'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
    },
    async engineState(org) {
      const row = await orgRow(db, 'alert_engine_state', org);
      return row && engineFromRow(row);
    },
  };
}

/** The writes, on a transaction; `forUpdate` says whether the dialect has row locks (PostgreSQL). */
export function alertWrites(db: Db, options: { forUpdate: boolean }): AlertWrites {
  const bumpConfig = async (org: string, now: string, detectors?: string) => {
    await db
      .insertInto('alert_settings')
      .values({ org_id: org, detectors: detectors ?? '{}', config_version: 1, updated_at: now })
      .onConflict((oc) =>
        oc.column('org_id').doUpdateSet((eb) => ({
          config_version: eb('alert_settings.config_version', '+', 1),
          updated_at: now,
          ...(detectors !== undefined ? { detectors } : {}),
        })),
      )
      .execute();
  };
  return {
    ...alertReads(db),
    async insertRule(rule) {
      await db.insertInto('alert_rules').values(rules.toRow(rule)).execute();
      await bumpConfig(rule.org, rule.updated_at);
    },
    async updateRule(rule) {
      await rewriteOrgItem(db, 'alert_rules', rules.toRow(rule), ['created_at', 'created_by']);
      await bumpConfig(rule.org, rule.updated_at);
    },
    async deleteRule(org, id) {
      await db.deleteFrom('alert_rules').where('org_id', '=', org).where('id', '=', id).execute();
      await bumpConfig(org, new Date().toISOString());
    },
    async setDetectors(org, detectors, now) {
      await bumpConfig(org, now, JSON.stringify(detectors));
    },
    bumpConfig: (org, now) => bumpConfig(org, now),
    async insertChannel(channel) {
      await db.insertInto('alert_channels').values(channels.toRow(channel)).execute();
    },
    async updateChannel(channel) {
      await rewriteOrgItem(db, 'alert_channels', channels.toRow(channel), ['created_at']);
    },
    async deleteChannel(org, id) {
      await db
        .deleteFrom('alert_deliveries')
        .where('org_id', '=', org)
        .where('channel_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      await db.deleteFrom('alert_channels').where('org_id', '=', org).where('id', '=', id).execute();
    },
    async insertAlert(org, alert) {
      const inserted = await db
        .insertInto('alerts')
        .values({
          org_id: org,
          ...alert,
          sample_event_ids: JSON.stringify(alert.sample_event_ids),
          event_filter: JSON.stringify(alert.event_filter),
          details: JSON.stringify(alert.details),
          status: 'open',
          acknowledged_at: null,
          acknowledged_by: null,
          resolved_at: null,
          resolved_by: null,
        })
        .onConflict((oc) => oc.columns(['org_id', 'dedupe_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async setAlertStatus(org, id, status, at, by) {
      const set =
        status === 'acknowledged'
          ? { status, acknowledged_at: at, acknowledged_by: by }
          : status === 'resolved'
            ? { status, resolved_at: at, resolved_by: by }
            : { status };
      await db.updateTable('alerts').set(set).where('org_id', '=', org).where('id', '=', id).execute();
    },
    async insertDelivery(org, alertId, channelId, nextAttemptAt) {
      await db
        .insertInto('alert_deliveries')
        .values({
          org_id: org,
          alert_id: alertId,
          channel_id: channelId,
          status: 'pending',
          attempts: 0,
          next_attempt_at: nextAttemptAt,
          last_error: null,
          delivered_at: null,
        })
        .onConflict((oc) => oc.columns(['org_id', 'alert_id', 'channel_id']).doNothing())
        .execute();
    },
    async updateDelivery(d) {
      await db
        .updateTable('alert_deliveries')
        .set({
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: d.next_attempt_at,
          last_error: d.last_error,
          delivered_at: d.delivered_at,
        })
        .where('org_id', '=', d.org)
        .where('alert_id', '=', d.alert_id)
        .where('channel_id', '=', d.channel_id)
        .execute();
    },
    async lockEngineState(org) {
      let q = db.selectFrom('alert_engine_state').selectAll().where('org_id', '=', org);
      if (options.forUpdate) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && engineFromRow(row);
    },
    async saveEngineState(org, state) {
      await db
        .insertInto('alert_engine_state')
        .values({ org_id: org, ...state })
        .onConflict((oc) =>
          oc.column('org_id').doUpdateSet({
            last_seq: state.last_seq,
            config_version: state.config_version,
            state: state.state,
          }),
        )
        .execute();
    },
  };
}
