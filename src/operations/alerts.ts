import { ALERT_SEVERITIES, type AlertSeverity } from '../contracts/alerts.js';
import { AppError, found } from '../domain/errors.js';
import type {
  AlertChannelRecord,
  AlertRecord,
  AlertWrites,
  EngineStateRecord,
  NewAlert,
} from '../store/alert-store.js';
import { audited, auditedWithEvents, type Cause, type ChangeDeps, causedBy } from './audited.js';

/**
 * Alerts (SPEC §7): each firing stored and recorded as `alert.triggered` by the system actor,
 * in the same transaction as the alert engine's state, so that a restart neither loses nor
 * repeats one; acknowledging and resolving, recorded too.
 */

const SYSTEM: Cause = { principal: null, origin: {} };

function severityRank(severity: AlertSeverity): number {
  return ALERT_SEVERITIES.indexOf(severity);
}

/** The channels an alert goes to: enabled, severe enough, and the rule's own when it names them. */
export function channelsFor(
  alert: Pick<NewAlert, 'severity'>,
  channels: readonly AlertChannelRecord[],
  ruleChannels: readonly string[] | null,
): AlertChannelRecord[] {
  return channels.filter(
    (c) =>
      c.enabled &&
      severityRank(alert.severity) >= severityRank(c.min_severity) &&
      (ruleChannels === null || ruleChannels.includes(c.id)),
  );
}

/**
 * What the alert engine worked out for one batch, given the state stored before it (read with a
 * row lock on PostgreSQL): the alerts it raised and the state after it.
 */
export type EngineStep = (
  alerts: AlertWrites,
  stored: EngineStateRecord | undefined,
) => Promise<{ alerts: NewAlert[]; state: EngineStateRecord }>;

/**
 * Runs one engine step and stores what it raised, in one transaction with its new state: alerts
 * whose dedupe key is stored already are skipped (a replay), each new one is recorded as
 * `alert.triggered` and queued for its channels. Answers the new alerts.
 */
export async function recordAlerts(deps: ChangeDeps, org: string, step: EngineStep): Promise<NewAlert[]> {
  const nowMs = deps.now().getTime();
  const { result } = await auditedWithEvents(deps, SYSTEM, async (tx, record) => {
    const stored = await tx.alerts.lockEngineState(org);
    const { alerts, state } = await step(tx.alerts, stored);
    const created: NewAlert[] = [];
    let channels: AlertChannelRecord[] | undefined;
    const ruleChannels = new Map<string, string[] | null>();
    for (const alert of alerts) {
      if (!(await tx.alerts.insertAlert(org, alert))) continue;
      created.push(alert);
      record(org, 'alert.triggered', {
        resource: { type: 'alert', id: alert.id, name: alert.title },
        description: alert.description,
        metadata: {
          source: { kind: alert.source_kind, id: alert.source_id, name: alert.source_name },
          severity: alert.severity,
          group_key: alert.group_key,
          matched_count: alert.matched_count,
          window_start: alert.window_start,
          window_end: alert.window_end,
          sample_event_ids: alert.sample_event_ids,
          event_filter: alert.event_filter,
        },
      });
      channels ??= await tx.alerts.listChannels(org);
      let named: string[] | null = null;
      if (alert.source_kind === 'rule') {
        if (!ruleChannels.has(alert.source_id)) {
          ruleChannels.set(
            alert.source_id,
            (await tx.alerts.getRule(org, alert.source_id))?.channel_ids ?? null,
          );
        }
        named = ruleChannels.get(alert.source_id) ?? null;
      }
      for (const channel of channelsFor(alert, channels, named)) {
        await tx.alerts.insertDelivery(org, alert.id, channel.id, nowMs);
      }
    }
    await tx.alerts.saveEngineState(org, state);
    return created;
  });
  return result;
}

async function existingAlert(alerts: AlertWrites, org: string, id: string): Promise<AlertRecord> {
  return found(await alerts.getAlert(org, id), `alert ${id}`);
}

/** Someone is looking at it. Acknowledging a resolved alert is refused; an acknowledged one is left as is. */
export async function acknowledgeAlert(
  deps: ChangeDeps,
  org: string,
  id: string,
  cause: Cause,
): Promise<AlertRecord> {
  return moveAlert(deps, org, id, cause, 'acknowledged');
}

/** Dealt with. Resolving a resolved alert changes nothing. */
export async function resolveAlert(
  deps: ChangeDeps,
  org: string,
  id: string,
  cause: Cause,
): Promise<AlertRecord> {
  return moveAlert(deps, org, id, cause, 'resolved');
}

/**
 * Moves an alert on to `status` and records `alert.<status>`, stamping who and when in the
 * status's own columns. An alert already there is answered as it is; a resolved one never goes
 * back to acknowledged.
 */
async function moveAlert(
  deps: ChangeDeps,
  org: string,
  id: string,
  cause: Cause,
  status: 'acknowledged' | 'resolved',
): Promise<AlertRecord> {
  const at = deps.now().toISOString();
  return audited(deps, cause, async (tx, record) => {
    const before = await existingAlert(tx.alerts, org, id);
    if (before.status === status) return before;
    if (before.status === 'resolved') throw new AppError('conflict', `alert ${id} is resolved already`);
    const by = causedBy(cause);
    await tx.alerts.setAlertStatus(org, id, status, at, by);
    record(org, `alert.${status}`, {
      resource: { type: 'alert', id, name: before.title },
      description: `Alert ${status}: ${before.title}`,
      metadata: {
        changed_fields: ['status'],
        before: { status: before.status },
        after: { status },
      },
    });
    return status === 'acknowledged'
      ? { ...before, status, acknowledged_at: at, acknowledged_by: by }
      : { ...before, status, resolved_at: at, resolved_by: by };
  });
}
