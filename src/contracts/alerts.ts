import { type Static, Type } from '@sinclair/typebox';
import { ALERT_SEVERITIES, ALERT_STATUSES, CHANNEL_TYPES, DELIVERY_STATUSES } from './alert-kinds.js';
import { NullableString, StringEnum } from './schema-helpers.js';

export * from './alert-kinds.js';

/**
 * Alerts, alert rules, detectors and notification channels as the /v1 API sends them and the
 * dashboard reads them (SPEC §7). The engine's own input schemas (rules, detector settings) live
 * with the engine in src/workers/alerts; these are the answers.
 */

/** How one alert went to one channel. */
export const AlertDeliverySchema = Type.Object({
  channel_id: Type.String(),
  channel_name: Type.String(),
  channel_type: StringEnum(CHANNEL_TYPES),
  status: StringEnum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  last_error: NullableString,
  next_attempt_at: NullableString,
  delivered_at: NullableString,
});
export type AlertDelivery = Static<typeof AlertDeliverySchema>;

export const AlertSchema = Type.Object({
  id: Type.String(),
  source: Type.Object({
    kind: StringEnum(['detector', 'rule'] as const),
    id: Type.String({ description: 'the detector id, or the rule id' }),
    name: Type.String({ description: 'the detector or rule name when it fired' }),
  }),
  severity: StringEnum(ALERT_SEVERITIES),
  title: Type.String(),
  description: Type.String(),
  group_key: Type.String({
    description: 'what the source counted per: actor:u_1, ip:…, key:…; * when ungrouped',
  }),
  window_start: Type.String(),
  window_end: Type.String(),
  matched_count: Type.Integer(),
  sample_event_ids: Type.Array(Type.String()),
  event_filter: Type.Record(Type.String(), Type.String(), {
    description: 'GET /v1/events query parameters that list the matching events',
  }),
  details: Type.Record(Type.String(), Type.Unknown()),
  status: StringEnum(ALERT_STATUSES),
  created_at: Type.String(),
  acknowledged_at: NullableString,
  acknowledged_by: NullableString,
  resolved_at: NullableString,
  resolved_by: NullableString,
  deliveries: Type.Array(AlertDeliverySchema),
});
export type AlertView = Static<typeof AlertSchema>;

export const AlertListSchema = Type.Object({
  data: Type.Array(AlertSchema),
  next_cursor: NullableString,
});
export type AlertList = Static<typeof AlertListSchema>;

/** A custom rule as stored, with its defaults applied. */
export const AlertRuleSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  enabled: Type.Boolean(),
  action: Type.Optional(Type.String()),
  filters: Type.Record(Type.String(), Type.String()),
  threshold: Type.Integer(),
  window_minutes: Type.Integer(),
  group_by: Type.String(),
  cooldown_minutes: Type.Integer(),
  severity: StringEnum(ALERT_SEVERITIES),
  channel_ids: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'channels its alerts go to; null: every enabled channel of the organization',
  }),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type AlertRuleView = Static<typeof AlertRuleSchema>;

export const AlertRuleListSchema = Type.Object({ data: Type.Array(AlertRuleSchema) });

/** A built-in detector: what it watches and its settings for the organization. */
export const DetectorSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  settings: Type.Record(Type.String(), Type.Unknown(), { description: 'every setting, defaults applied' }),
  defaults: Type.Record(Type.String(), Type.Unknown()),
  overrides: Type.Record(Type.String(), Type.Unknown(), { description: 'what the organization changed' }),
});
export type DetectorView = Static<typeof DetectorSchema>;
export const DetectorListSchema = Type.Object({ data: Type.Array(DetectorSchema) });

/** A channel as shown: its secrets never are, only whether one is set. */
export const AlertChannelSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: StringEnum(CHANNEL_TYPES),
  enabled: Type.Boolean(),
  min_severity: StringEnum(ALERT_SEVERITIES),
  url: Type.Optional(
    Type.String({ description: 'webhook: where it posts (a Slack URL is a secret and is not shown)' }),
  ),
  to: Type.Optional(Type.Array(Type.String(), { description: 'email: the recipients' })),
  has_secret: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type AlertChannelView = Static<typeof AlertChannelSchema>;
export const AlertChannelListSchema = Type.Object({ data: Type.Array(AlertChannelSchema) });

/** A created webhook channel answers its signing secret once, when Trailmark generated it. */
export const CreatedAlertChannelSchema = Type.Object({
  ...AlertChannelSchema.properties,
  secret: Type.Optional(Type.String({ description: 'the whsec_ signing secret, shown only now' })),
});

export const ChannelTestResultSchema = Type.Object({
  ok: Type.Boolean(),
  detail: Type.String(),
});
export type ChannelTestResult = Static<typeof ChannelTestResultSchema>;
