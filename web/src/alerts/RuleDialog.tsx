import type { FormEvent } from 'react';
import { ALERT_SEVERITIES, type AlertRuleView } from '../api/types.js';
import {
  choices,
  FormActions,
  FormError,
  NameField,
  NumberField,
  SelectField,
  TextField,
} from '../components/forms.js';
import { Dialog } from '../components/ui.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { useSession } from '../session.js';
import { RULE_GROUPINGS } from './labels.js';

/** Creates a custom rule, or (given `rule`) replaces one. Mounted afresh for each opening. */
export function RuleDialog({
  rule,
  onClose,
  onSaved,
}: {
  rule: AlertRuleView | null;
  onClose(): void;
  onSaved(rule: AlertRuleView): void;
}) {
  const session = useSession();
  const save = useFormAction();
  const fields = useTextFields(
    'rule',
    {
      name: rule?.name ?? '',
      action: rule?.action ?? '',
      actor: rule?.filters.actor ?? '',
      threshold: String(rule?.threshold ?? 5),
      window_minutes: String(rule?.window_minutes ?? 5),
      cooldown_minutes: String(rule?.cooldown_minutes ?? 0),
      group_by: rule?.group_by ?? 'actor',
      severity: rule?.severity ?? 'medium',
    },
    save.issues,
  );
  const v = fields.values;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = {
      name: v.name.trim(),
      enabled: rule?.enabled ?? true,
      threshold: Number(v.threshold),
      window_minutes: Number(v.window_minutes),
      cooldown_minutes: Number(v.cooldown_minutes),
      group_by: v.group_by,
      severity: v.severity,
      filters: { ...(rule?.filters ?? {}), ...(v.actor.trim() ? { actor: v.actor.trim() } : {}) },
      channel_ids: rule?.channel_ids ?? null,
    };
    if (!v.actor.trim()) delete (body.filters as Record<string, string>).actor;
    if (v.action.trim()) body.action = v.action.trim();
    void save.run(async () => {
      const saved = rule
        ? await session.api.put<AlertRuleView>(`/v1/alert-rules/${encodeURIComponent(rule.id)}`, body)
        : await session.api.post<AlertRuleView>('/v1/alert-rules', body);
      onSaved(saved);
    });
  };

  return (
    <Dialog open title={rule ? `Edit rule ${rule.name}` : 'Create an alert rule'} onClose={onClose}>
      <form onSubmit={submit} className="stack" aria-label={rule ? 'Edit alert rule' : 'New alert rule'}>
        <FormError error={save.formError} />
        <NameField {...fields.bind('name')} placeholder="e.g. Bulk exports" />
        <TextField
          {...fields.bind('action')}
          label="Actions"
          hint="Exact names, comma-separated, or a prefix such as api_key.*; empty: every action"
          placeholder="document.exported"
        />
        <TextField {...fields.bind('actor')} label="Only this actor (id or email)" placeholder="Anyone" />
        <div className="form-grid">
          <NumberField {...fields.bind('threshold')} label="Events that fire it" min={1} required />
          <NumberField {...fields.bind('window_minutes')} label="Within (minutes)" min={1} required />
        </div>
        <div className="form-grid">
          <SelectField {...fields.bind('group_by')} label="Count" options={RULE_GROUPINGS} />
          <NumberField {...fields.bind('cooldown_minutes')} label="Cool-down (minutes)" min={0} />
        </div>
        <SelectField {...fields.bind('severity')} label="Severity" options={choices(ALERT_SEVERITIES)} />
        <FormActions
          action={save}
          label={rule ? 'Save rule' : 'Create rule'}
          busyLabel="Saving…"
          disabled={!v.name.trim()}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
