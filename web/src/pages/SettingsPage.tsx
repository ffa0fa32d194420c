import { type FormEvent, useEffect, useState } from 'react';
import type { Org } from '../api/types.js';
import { FormError, TextField } from '../components/forms.js';
import { CopyButton, ErrorNotice, Notice, PageHeader, Spinner } from '../components/ui.js';
import { formatLocal } from '../lib/time.js';
import { useAsync } from '../lib/use-async.js';
import { useFormAction } from '../lib/use-form-action.js';
import { useSession } from '../session.js';

interface Draft {
  name: string;
  retention_days: string;
  request_retention_days: string;
  legal_hold: boolean;
}

const RETENTION_FIELDS = [
  { id: 'retention-days', name: 'retention_days', label: 'Audit events (days)' },
  { id: 'request-retention-days', name: 'request_retention_days', label: 'API requests (days)' },
] as const;

function draftOf(org: Org): Draft {
  return {
    name: org.name,
    retention_days: String(org.retention_days),
    request_retention_days: String(org.request_retention_days),
    legal_hold: org.legal_hold,
  };
}

/** What changed, in the API's types; only changed fields are sent. */
function changes(org: Org, draft: Draft): Partial<Org> {
  const out: Partial<Org> = {};
  if (draft.name.trim() !== org.name) out.name = draft.name.trim();
  if (draft.retention_days !== String(org.retention_days)) out.retention_days = Number(draft.retention_days);
  if (draft.request_retention_days !== String(org.request_retention_days)) {
    out.request_retention_days = Number(draft.request_retention_days);
  }
  if (draft.legal_hold !== org.legal_hold) out.legal_hold = draft.legal_hold;
  return out;
}

export function SettingsPage() {
  const session = useSession();
  const orgId = session.org!.id;
  const org = useAsync(
    (signal) => session.api.get<Org>(`/v1/orgs/${encodeURIComponent(orgId)}`, { signal }),
    [session.api, orgId],
  );
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useFormAction();
  const [saved, setSaved] = useState<string | null>(null);
  const canEdit = session.can('manageSettings');

  useEffect(() => {
    if (org.data) setDraft(draftOf(org.data));
  }, [org.data]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!org.data || !draft) return;
    const patch = changes(org.data, draft);
    if (!Object.keys(patch).length) return;
    setSaved(null);
    void save.run(async () => {
      const updated = await session.api.patch<Org>(`/v1/orgs/${encodeURIComponent(orgId)}`, patch);
      setSaved(
        `Saved ${Object.keys(patch)
          .map((k) => k.replaceAll('_', ' '))
          .join(', ')}.`,
      );
      setDraft(draftOf(updated));
      org.reload();
      if (patch.name) void session.reload();
    });
  };

  const { issues } = save;
  const dirty = org.data && draft ? Object.keys(changes(org.data, draft)).length > 0 : false;

  return (
    <>
      <PageHeader title="Settings" description="Your organization’s name and how long its events are kept." />
      {org.error ? (
        <ErrorNotice error={org.error} onRetry={org.reload} title="The organization could not be loaded" />
      ) : !org.data || !draft ? (
        <div className="card card-pad">
          <Spinner label="Loading settings" />
        </div>
      ) : (
        <form className="card card-pad settings-form" onSubmit={submit} aria-label="Organization settings">
          {!canEdit && (
            <Notice tone="info">
              You can view these settings; changing them needs the “Manage settings” permission.
            </Notice>
          )}
          {saved && <Notice tone="success">{saved}</Notice>}
          <FormError error={save.formError} />
          <dl className="facts">
            <div>
              <dt>Organization id</dt>
              <dd className="detail-value">
                <span className="mono">{org.data.id}</span>
                <CopyButton value={org.data.id} />
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{formatLocal(org.data.created_at)}</dd>
            </div>
            <div>
              <dt>Your role</dt>
              <dd>{session.org?.role_name ?? session.org?.role}</dd>
            </div>
          </dl>
          <fieldset disabled={!canEdit || save.busy}>
            <legend className="section-title">Organization</legend>
            <div className="form-grid">
              <TextField
                id="org-name"
                label="Name"
                name="name"
                required
                maxLength={200}
                value={draft.name}
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
                issue={issues.name}
              />
            </div>
          </fieldset>
          <fieldset disabled={!canEdit || save.busy}>
            <legend className="section-title">Retention</legend>
            <p className="muted small">
              Events older than this are purged, oldest first. The chain stays verifiable from the first kept
              event. From 1 to 3,650 days.
            </p>
            <div className="form-grid">
              {RETENTION_FIELDS.map(({ id, name, label }) => (
                <TextField
                  key={id}
                  id={id}
                  label={label}
                  name={name}
                  type="number"
                  min={1}
                  max={3650}
                  required
                  inputMode="numeric"
                  value={draft[name]}
                  onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
                  issue={issues[name]}
                />
              ))}
            </div>
            <div className="checkbox-field">
              <input
                id="legal-hold"
                name="legal_hold"
                type="checkbox"
                checked={draft.legal_hold}
                onChange={(e) => setDraft({ ...draft, legal_hold: e.target.checked })}
                aria-describedby="legal-hold-hint"
              />
              <div>
                <label htmlFor="legal-hold">Legal hold</label>
                <p id="legal-hold-hint" className="field-hint">
                  While on, nothing is purged, whatever the retention period.
                </p>
              </div>
            </div>
          </fieldset>
          {canEdit && (
            <div className="form-actions">
              <button type="submit" className="button button-primary" disabled={!dirty || save.busy}>
                {save.busy ? 'Saving…' : 'Save changes'}
              </button>
              {dirty && (
                <button
                  type="button"
                  className="button button-ghost"
                  onClick={() => setDraft(draftOf(org.data!))}
                >
                  Discard
                </button>
              )}
            </div>
          )}
        </form>
      )}
    </>
  );
}
