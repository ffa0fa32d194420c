import type { Kysely, Selectable } from 'kysely';
import type { AlertSeverity, AlertStatus, ChannelType, DeliveryStatus } from '../contracts/alerts.js';
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

// Kysely cannot type a query over a table name left generic: these are typed over the three,
// and the rows are the ones of the table named.

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

function ruleFromRow(row: Selectable<AlertTables['alert_rules']>): AlertRuleRecord {
  return {
    org: row.org_id,
    id: row.id,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    channel_ids: row.channel_ids === null ? null : (JSON.parse(row.channel_ids) as string[]),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
    created_by: row.created_by,
  };
}

function ruleRow(rule: AlertRuleRecord): AlertTables['alert_rules'] {
  return {
    org_id: rule.org,
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled ? 1 : 0,
    spec: JSON.stringify(rule.spec),
    channel_ids: rule.channel_ids === null ? null : JSON.stringify(rule.channel_ids),
    created_at: rule.created_at,
    updated_at: rule.updated_at,
    created_by: rule.created_by,
  };
}

function channelFromRow(row: Selectable<AlertTables['alert_channels']>): AlertChannelRecord {
  return {
    org: row.org_id,
    id: row.id,
    name: row.name,
    type: row.type as ChannelType,
    enabled: Number(row.enabled) === 1,
    min_severity: row.min_severity as AlertSeverity,
    config: JSON.parse(row.config) as AlertChannelRecord['config'],
    secret: row.secret,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}

function channelRow(channel: AlertChannelRecord): AlertTables['alert_channels'] {
  return {
    org_id: channel.org,
    id: channel.id,
    name: channel.name,
    type: channel.type,
    enabled: channel.enabled ? 1 : 0,
    min_severity: channel.min_severity,
    config: JSON.stringify(channel.config),
    secret: channel.secret,
    created_at: channel.created_at,
    updated_at: channel.updated_at,
  };
}

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
      return (await orgItems(db, 'alert_rules', org)).map(ruleFromRow);
    },
    async getRule(org, id) {
      const row = await orgItem(db, 'alert_rules', org, id);
      return row && ruleFromRow(row);
    },
    async settings(org) {
      const row = await db
        .selectFrom('alert_settings')
        .selectAll()
        .where('org_id', '=', org)
        .executeTakeFirst();
      if (!row) return { detectors: {}, config_version: 0 };
      return {
        detectors: JSON.parse(row.detectors) as Record<string, unknown>,
        config_version: Number(row.config_version),
      };
    },
    async listChannels(org) {
      return (await orgItems(db, 'alert_channels', org)).map(channelFromRow);
    },
    async getChannel(org, id) {
      const row = await orgItem(db, 'alert_channels', org, id);
      return row && channelFromRow(row);
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
      const row = await db
        .selectFrom('alert_engine_state')
        .selectAll()
        .where('org_id', '=', org)
        .executeTakeFirst();
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
      await db.insertInto('alert_rules').values(ruleRow(rule)).execute();
      await bumpConfig(rule.org, rule.updated_at);
    },
    async updateRule(rule) {
      const { org_id, id, created_at: _c, created_by: _b, ...changes } = ruleRow(rule);
      await db
        .updateTable('alert_rules')
        .set(changes)
        .where('org_id', '=', org_id)
        .where('id', '=', id)
        .execute();
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
      await db.insertInto('alert_channels').values(channelRow(channel)).execute();
    },
    async updateChannel(channel) {
      const { org_id, id, created_at: _c, ...changes } = channelRow(channel);
      await db
        .updateTable('alert_channels')
        .set(changes)
        .where('org_id', '=', org_id)
        .where('id', '=', id)
        .execute();
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
