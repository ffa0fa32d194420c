import type { AlertSeverity, AlertStatus, ChannelType, DeliveryStatus } from '../contracts/alerts.js';

/**
 * Alerting's storage (migration 006_alerts): an org's custom rules, its detector settings, its
 * notification channels (secrets stored, never listed), the alerts its log raised, each alert's
 * delivery to each channel, and the alert engine's state with the last seq it processed.
 * Reads are `store.alerts`; writes are `tx.alerts`, inside a transaction (the reads are there
 * too, so a change reads what it changes in the same transaction).
 */

/** A custom rule: its name and switch as columns, the rest of its definition as checked JSON. */
export interface AlertRuleRecord {
  org: string;
  id: string;
  name: string;
  enabled: boolean;
  /** The rule's definition as the engine takes it (action, filters, threshold, window…). */
  spec: Record<string, unknown>;
  /** Channels its alerts go to; null: every enabled channel of the org. */
  channel_ids: string[] | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
}

export interface AlertChannelRecord {
  org: string;
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  min_severity: AlertSeverity;
  /** What may be shown: a webhook's URL, an email channel's recipients. */
  config: { url?: string; to?: string[] };
  /** Write-only: a webhook's signing secret, a Slack channel's incoming-webhook URL. */
  secret: string | null;
  created_at: string;
  updated_at: string;
}

/** What the alert engine raised, as stored (see Firing in src/workers/alerts/types.ts). */
export interface NewAlert {
  id: string;
  dedupe_key: string;
  source_kind: 'detector' | 'rule';
  source_id: string;
  source_name: string;
  severity: AlertSeverity;
  title: string;
  description: string;
  group_key: string;
  window_start: string;
  window_end: string;
  matched_count: number;
  sample_event_ids: string[];
  event_filter: Record<string, string>;
  details: Record<string, unknown>;
  created_at: string;
}

export interface AlertRecord extends NewAlert {
  org: string;
  status: AlertStatus;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

export interface DeliveryRecord {
  org: string;
  alert_id: string;
  channel_id: string;
  status: DeliveryStatus;
  attempts: number;
  /** Epoch ms of the next try while pending. */
  next_attempt_at: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

export interface AlertListQuery {
  status?: AlertStatus[];
  severity?: AlertSeverity[];
  source_kind?: 'detector' | 'rule';
  source_id?: string;
  /** Alerts created before this alert id (ids are time-ordered): the page cursor. */
  before?: string;
  limit: number;
}

/** The engine's memory for one org and the settings version it was built with. */
export interface EngineStateRecord {
  last_seq: number;
  config_version: number;
  state: string;
}

export interface AlertSettingsRecord {
  /** The detector overrides as stored (only what the org changed). */
  detectors: Record<string, unknown>;
  /** Moves on every change of detectors, rules or channels, so the consumer knows to reload. */
  config_version: number;
}

export interface AlertReads {
  listRules(org: string): Promise<AlertRuleRecord[]>;
  getRule(org: string, id: string): Promise<AlertRuleRecord | undefined>;
  settings(org: string): Promise<AlertSettingsRecord>;
  listChannels(org: string): Promise<AlertChannelRecord[]>;
  getChannel(org: string, id: string): Promise<AlertChannelRecord | undefined>;
  /** Newest first. */
  listAlerts(org: string, query: AlertListQuery): Promise<AlertRecord[]>;
  getAlert(org: string, id: string): Promise<AlertRecord | undefined>;
  deliveriesOf(org: string, alertIds: readonly string[]): Promise<DeliveryRecord[]>;
  /** Pending deliveries due at `nowMs`, any org, oldest due first. */
  dueDeliveries(nowMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** The earliest next attempt of any pending delivery, or undefined. */
  nextDeliveryAt(): Promise<number | undefined>;
  engineState(org: string): Promise<EngineStateRecord | undefined>;
}

export interface AlertWrites extends AlertReads {
  insertRule(rule: AlertRuleRecord): Promise<void>;
  updateRule(rule: AlertRuleRecord): Promise<void>;
  deleteRule(org: string, id: string): Promise<void>;
  setDetectors(org: string, detectors: Record<string, unknown>, now: string): Promise<void>;
  /** Moves the org's config_version on (rules, channels). */
  bumpConfig(org: string, now: string): Promise<void>;
  insertChannel(channel: AlertChannelRecord): Promise<void>;
  updateChannel(channel: AlertChannelRecord): Promise<void>;
  deleteChannel(org: string, id: string): Promise<void>;
  /** Stores an alert unless one with its dedupe key is stored: true when it was new. */
  insertAlert(org: string, alert: NewAlert): Promise<boolean>;
  setAlertStatus(org: string, id: string, status: AlertStatus, at: string, by: string | null): Promise<void>;
  insertDelivery(org: string, alertId: string, channelId: string, nextAttemptAt: number): Promise<void>;
  updateDelivery(delivery: DeliveryRecord): Promise<void>;
  /**
   * Reads the engine state for update (PostgreSQL locks its row: two processes never both
   * advance it from the same point).
   */
  lockEngineState(org: string): Promise<EngineStateRecord | undefined>;
  saveEngineState(org: string, state: EngineStateRecord): Promise<void>;
}
