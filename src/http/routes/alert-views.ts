import type { AlertChannelView, AlertRuleView, AlertView } from '../../contracts/alerts.js';
import type {
  AlertChannelRecord,
  AlertRecord,
  AlertRuleRecord,
  DeliveryRecord,
} from '../../store/alert-store.js';
import { alertFacts } from '../../workers/alerts/notify.js';

/** Records as the API answers them: no org column, no secrets. */

export function ruleView(rule: AlertRuleRecord): AlertRuleView {
  const spec = rule.spec as Omit<
    AlertRuleView,
    'id' | 'name' | 'enabled' | 'channel_ids' | 'created_at' | 'updated_at'
  >;
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    ...(spec.action !== undefined ? { action: spec.action } : {}),
    filters: spec.filters ?? {},
    threshold: spec.threshold,
    window_minutes: spec.window_minutes,
    group_by: spec.group_by,
    cooldown_minutes: spec.cooldown_minutes,
    severity: spec.severity,
    channel_ids: rule.channel_ids,
    created_at: rule.created_at,
    updated_at: rule.updated_at,
  };
}

export function channelView(channel: AlertChannelRecord): AlertChannelView {
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    enabled: channel.enabled,
    min_severity: channel.min_severity,
    ...(channel.type === 'webhook' && channel.config.url ? { url: channel.config.url } : {}),
    ...(channel.type === 'email' ? { to: channel.config.to ?? [] } : {}),
    has_secret: channel.secret !== null,
    created_at: channel.created_at,
    updated_at: channel.updated_at,
  };
}

export function alertView(
  alert: AlertRecord,
  deliveries: readonly DeliveryRecord[],
  channels: ReadonlyMap<string, AlertChannelRecord>,
): AlertView {
  return {
    ...alertFacts(alert),
    status: alert.status,
    created_at: alert.created_at,
    acknowledged_at: alert.acknowledged_at,
    acknowledged_by: alert.acknowledged_by,
    resolved_at: alert.resolved_at,
    resolved_by: alert.resolved_by,
    deliveries: deliveries
      .filter((d) => d.alert_id === alert.id)
      .map((d) => {
        const channel = channels.get(d.channel_id);
        return {
          channel_id: d.channel_id,
          channel_name: channel?.name ?? '(deleted)',
          channel_type: channel?.type ?? 'webhook',
          status: d.status,
          attempts: d.attempts,
          last_error: d.last_error,
          next_attempt_at: d.next_attempt_at === null ? null : new Date(d.next_attempt_at).toISOString(),
          delivered_at: d.delivered_at,
        };
      }),
  };
}
