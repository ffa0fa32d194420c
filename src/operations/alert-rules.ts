import { validationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { AlertRuleRecord } from '../store/alert-store.js';
import type { StoreTx } from '../store/store.js';
import {
  auditedIn,
  auditedOn,
  causedBy,
  changedFields,
  changeMetadata,
  type Existing,
  type OrgChange,
} from './audited.js';

/**
 * Custom alert rules and detector settings (SPEC §7), recorded as `alert_rule.created|updated|
 * deleted` and `detector.updated`. The rule's definition arrives checked by the engine's own
 * parser (the route runs parseAlertRule); here it is stored, with the channels it notifies.
 */

/** A rule as the engine parsed it: name and switch, and the rest of its definition. */
export interface RuleDefinition {
  name: string;
  enabled: boolean;
  spec: Record<string, unknown>;
  channel_ids: string[] | null;
}

/** The rule `id`, as a change finds it. */
function rule(id: string): Existing<AlertRuleRecord> {
  return { read: (tx, org) => tx.alerts.getRule(org, id), name: `alert rule ${id}` };
}

/** Every channel named must be one of the org's. */
export async function assertChannels(tx: StoreTx, org: string, ids: readonly string[] | null): Promise<void> {
  if (!ids) return;
  const known = new Set((await tx.alerts.listChannels(org)).map((c) => c.id));
  const issues = ids
    .map((id, i) => ({ id, i }))
    .filter(({ id }) => !known.has(id))
    .map(({ id, i }) => ({
      path: `/channel_ids/${i}`,
      message: `no alert channel ${id} in this organization`,
    }));
  if (issues.length) throw validationError(issues);
}

function ruleMetadata(rule: RuleDefinition): Record<string, unknown> {
  return { ...rule.spec, channel_ids: rule.channel_ids };
}

export async function createAlertRule(change: OrgChange, input: RuleDefinition): Promise<AlertRuleRecord> {
  return auditedIn(change, async ({ tx, record, at, org }) => {
    await assertChannels(tx, org, input.channel_ids);
    const rule: AlertRuleRecord = {
      org,
      id: newId('rule'),
      ...input,
      created_at: at,
      updated_at: at,
      created_by: causedBy(change.cause),
    };
    await tx.alerts.insertRule(rule);
    record('alert_rule.created', {
      resource: { type: 'alert_rule', id: rule.id, name: rule.name },
      description: `Alert rule ${rule.name} created`,
      metadata: { rule: ruleMetadata(input) },
    });
    return rule;
  });
}

/** Replaces a rule's definition (PUT semantics: what is left out takes its default). */
export async function updateAlertRule(
  change: OrgChange,
  id: string,
  input: RuleDefinition,
): Promise<AlertRuleRecord> {
  return auditedOn(change, rule(id), async (before, { tx, record, at, org }) => {
    await assertChannels(tx, org, input.channel_ids);
    const after: AlertRuleRecord = { ...before, ...input, updated_at: at };
    const beforeFlat = {
      name: before.name,
      enabled: before.enabled,
      channel_ids: before.channel_ids,
      ...before.spec,
    };
    const afterFlat = {
      name: after.name,
      enabled: after.enabled,
      channel_ids: after.channel_ids,
      ...after.spec,
    };
    const changed = changedFields(beforeFlat, afterFlat);
    if (changed.length === 0) return before;
    await tx.alerts.updateRule(after);
    record('alert_rule.updated', {
      resource: { type: 'alert_rule', id, name: after.name },
      description: `Alert rule ${after.name} updated`,
      metadata: changeMetadata(changed, beforeFlat, afterFlat),
    });
    return after;
  });
}

export async function deleteAlertRule(change: OrgChange, id: string): Promise<void> {
  await auditedOn(change, rule(id), async (before, { tx, record, org }) => {
    await tx.alerts.deleteRule(org, id);
    record('alert_rule.deleted', {
      resource: { type: 'alert_rule', id, name: before.name },
      description: `Alert rule ${before.name} deleted`,
      metadata: { rule: ruleMetadata(before) },
    });
  });
}

/**
 * Changes an org's detector settings (checked by the route against the detectors' schemas):
 * each detector's given settings are merged into what it stored; `{}` for a detector returns
 * it to its defaults.
 */
export async function updateDetectors(
  change: OrgChange,
  detectors: Record<string, Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  return auditedIn(change, async ({ tx, record, at, org }) => {
    const before = (await tx.alerts.settings(org)).detectors as Record<string, Record<string, unknown>>;
    const after: Record<string, Record<string, unknown>> = { ...before };
    for (const [id, overrides] of Object.entries(detectors)) {
      if (Object.keys(overrides).length === 0) delete after[id];
      else after[id] = { ...before[id], ...overrides };
    }
    const changed = Object.keys(detectors).filter(
      (id) => JSON.stringify(before[id] ?? {}) !== JSON.stringify(after[id] ?? {}),
    );
    if (changed.length === 0) return before;
    await tx.alerts.setDetectors(org, after, at);
    record('detector.updated', {
      resource: { type: 'detector', id: changed.join(','), name: changed.join(', ') },
      description: `Detector settings changed: ${changed.join(', ')}`,
      metadata: {
        changed_fields: changed,
        before: Object.fromEntries(changed.map((id) => [id, before[id] ?? {}])),
        after: Object.fromEntries(changed.map((id) => [id, after[id] ?? {}])),
      },
    });
    return after;
  });
}
