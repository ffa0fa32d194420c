import type { FormEvent } from 'react';
import { ALERT_SEVERITIES, type AlertChannelView, CHANNEL_TYPES } from '../api/types.js';
import { choices, FormActions, FormError, NameField, SelectField, TextField } from '../components/forms.js';
import { Dialog } from '../components/ui.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { useSession } from '../session.js';

const TYPE_LABELS: Record<(typeof CHANNEL_TYPES)[number], string> = {
  webhook: 'Signed webhook',
  email: 'Email',
  slack: 'Slack-compatible webhook',
};

/** Creates a notification channel; a generated webhook secret comes back once, in `onCreated`. */
export function ChannelDialog({
  onClose,
  onCreated,
}: {
  onClose(): void;
  onCreated(channel: AlertChannelView & { secret?: string }): void;
}) {
  const session = useSession();
  const create = useFormAction();
  const fields = useTextFields(
    'channel',
    { type: 'webhook', name: '', url: '', to: '', secret: '', min_severity: 'low' },
    create.issues,
  );
  const v = fields.values;
  const type = v.type;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = { name: v.name.trim(), type, min_severity: v.min_severity };
    if (type === 'email') {
      body.to = v.to
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else body.url = v.url.trim();
    if (type === 'webhook' && v.secret.trim()) body.secret = v.secret.trim();
    void create.run(async () => {
      onCreated(await session.api.post<AlertChannelView & { secret?: string }>('/v1/alert-channels', body));
    });
  };

  return (
    <Dialog open title="Add a notification channel" onClose={onClose}>
      <form onSubmit={submit} className="stack" aria-label="New channel">
        <FormError error={create.formError} />
        <SelectField {...fields.bind('type')} label="Kind" options={choices(CHANNEL_TYPES, TYPE_LABELS)} />
        <NameField {...fields.bind('name')} placeholder="e.g. Security team" />
        {type === 'email' ? (
          <TextField {...fields.bind('to')} label="Recipients" hint="Comma-separated addresses" required />
        ) : (
          <TextField
            {...fields.bind('url')}
            label={type === 'slack' ? 'Incoming webhook URL (kept secret)' : 'URL'}
            type="url"
            required
          />
        )}
        {type === 'webhook' && (
          <TextField
            {...fields.bind('secret')}
            label="Signing secret"
            hint="whsec_…; leave empty and Trailmark makes one, shown once"
            autoComplete="off"
          />
        )}
        <SelectField
          {...fields.bind('min_severity')}
          label="Alerts from severity"
          options={choices(ALERT_SEVERITIES)}
        />
        <FormActions
          action={create}
          label="Add channel"
          busyLabel="Adding…"
          disabled={!v.name.trim()}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
