import { useState } from 'react';
import { ChannelsCard } from '../alerts/ChannelsCard.js';
import { RuleDialog } from '../alerts/RuleDialog.js';
import type { AlertRuleView, DetectorView } from '../api/types.js';
import { DataTable, DeleteRowButton, LoadedList, RowButton, ToggleRowButton } from '../components/tables.js';
import { EmptyState, ErrorNotice, OnOffBadge, PageHeader } from '../components/ui.js';
import { useFormAction } from '../lib/use-form-action.js';
import { useList } from '../lib/use-list.js';
import { useSession } from '../session.js';

function ruleSummary(rule: AlertRuleView): string {
  const what = rule.action ?? 'any action';
  const per = rule.group_by === 'none' ? '' : ` per ${rule.group_by.replace('_', ' ')}`;
  return `${rule.threshold}× ${what} within ${rule.window_minutes} min${per}`;
}

/** The built-in detectors, the org's custom rules and its channels. */
export function AlertRulesPage() {
  const session = useSession();
  const detectors = useList<DetectorView>('/v1/alert-detectors');
  const rules = useList<AlertRuleView>('/v1/alert-rules');
  const [editing, setEditing] = useState<AlertRuleView | 'new' | null>(null);
  const change = useFormAction();

  const toggleDetector = (d: DetectorView) =>
    change.run(async () => {
      await session.api.patch('/v1/alert-detectors', { [d.id]: { enabled: !d.settings.enabled } });
      detectors.reload();
    });
  const toggleRule = (rule: AlertRuleView) =>
    change.run(async () => {
      const { id, created_at: _c, updated_at: _u, ...body } = rule;
      await session.api.put(`/v1/alert-rules/${encodeURIComponent(id)}`, { ...body, enabled: !rule.enabled });
      rules.reload();
    });
  const deleteRule = (rule: AlertRuleView) =>
    change.run(async () => {
      await session.api.delete(`/v1/alert-rules/${encodeURIComponent(rule.id)}`);
      rules.reload();
    });

  return (
    <>
      <PageHeader
        title="Rules & channels"
        description="What raises an alert, and where alerts are sent."
        actions={
          <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
            Create rule
          </button>
        }
      />
      {change.error !== null && <ErrorNotice error={change.error} title="The change could not be made" />}
      <section className="card" aria-label="Detectors">
        <div className="card-pad">
          <h2>Built-in detectors</h2>
        </div>
        <LoadedList of="detectors" state={detectors}>
          {(data) => (
            <DataTable caption="Built-in detectors" columns={['Detector', 'Watches for', 'Status']} actions>
              {data.map((d) => (
                <tr key={d.id}>
                  <td>{d.name}</td>
                  <td className="muted cell-wrap">{d.description}</td>
                  <td>
                    <OnOffBadge on={d.settings.enabled === true} words={['on', 'off']} />
                  </td>
                  <td className="row-actions">
                    <ToggleRowButton
                      on={d.settings.enabled === true}
                      name={d.name}
                      verbs={['Turn off', 'Turn on']}
                      onClick={() => void toggleDetector(d)}
                    />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </LoadedList>
      </section>
      <section className="card" aria-label="Rules">
        <div className="card-pad">
          <h2>Custom rules</h2>
        </div>
        <LoadedList
          of="rules"
          state={rules}
          empty={
            <EmptyState title="No custom rules">Create one to be told about your own actions.</EmptyState>
          }
        >
          {(data) => (
            <DataTable caption="Custom rules" columns={['Rule', 'Fires on', 'Severity', 'Status']} actions>
              {data.map((rule) => (
                <tr key={rule.id}>
                  <td>{rule.name}</td>
                  <td>{ruleSummary(rule)}</td>
                  <td>{rule.severity}</td>
                  <td>
                    <OnOffBadge on={rule.enabled} />
                  </td>
                  <td className="row-actions">
                    <RowButton label={`Edit ${rule.name}`} onClick={() => setEditing(rule)}>
                      Edit
                    </RowButton>
                    <ToggleRowButton
                      on={rule.enabled}
                      name={rule.name}
                      onClick={() => void toggleRule(rule)}
                    />
                    <DeleteRowButton name={rule.name} onClick={() => void deleteRule(rule)} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </LoadedList>
      </section>
      <ChannelsCard />
      {editing !== null && (
        <RuleDialog
          rule={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            rules.reload();
          }}
        />
      )}
    </>
  );
}
