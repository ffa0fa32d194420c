import { type FormEvent, useState } from 'react';
import { API_KEY_SCOPES, type CreatedApiKey } from '../api/types.js';
import {
  CheckboxGroup,
  FormActions,
  FormError,
  NameField,
  NumberField,
  SelectField,
} from '../components/forms.js';
import { CopyButton, Dialog, Notice } from '../components/ui.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { useSession } from '../session.js';

type Scope = (typeof API_KEY_SCOPES)[number];

const SCOPE_HELP: Record<Scope, string> = {
  'events:write': 'send events',
  'events:read': 'read and export events',
  admin: 'everything, including keys and viewer tokens',
};

/** When a key expires: days from now, or never. */
const EXPIRY_OPTIONS = [
  { value: '', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
];

export function CreateKeyDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose(): void;
  onCreated(key: CreatedApiKey): void;
}) {
  const session = useSession();
  const [scopes, setScopes] = useState<Scope[]>(['events:write']);
  const create = useFormAction();
  const fields = useTextFields('key', { name: '', expiry: '', rate_limit_per_minute: '' }, create.issues);
  const name = fields.values.name.trim();
  const { expiry, rate_limit_per_minute: rateLimit } = fields.values;

  const reset = () => {
    fields.reset();
    setScopes(['events:write']);
    create.reset();
  };
  const close = () => {
    reset();
    onClose();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = { name, scopes };
    if (expiry) body.expires_at = new Date(Date.now() + Number(expiry) * 86_400_000).toISOString();
    if (rateLimit) body.rate_limit_per_minute = Number(rateLimit);
    void create.run(async () => {
      const created = await session.api.post<CreatedApiKey>('/v1/api-keys', body);
      reset();
      onCreated(created);
    });
  };

  return (
    <Dialog open={open} title="Create an API key" onClose={close}>
      <form onSubmit={submit} className="stack" aria-label="New API key">
        <FormError error={create.formError} />
        <NameField {...fields.bind('name')} placeholder="e.g. Production backend" />
        <CheckboxGroup
          legend="Scopes"
          idPrefix="scope"
          name="scopes"
          options={API_KEY_SCOPES}
          selected={scopes}
          onChange={setScopes}
          labelOf={(scope) => (
            <>
              <span className="mono">{scope}</span> <span className="muted">— {SCOPE_HELP[scope]}</span>
            </>
          )}
          issue={create.issues.scopes}
        />
        <div className="form-grid">
          <SelectField {...fields.bind('expiry')} label="Expires" options={EXPIRY_OPTIONS} />
          <NumberField
            {...fields.bind('rate_limit_per_minute')}
            id="key-rate"
            label="Rate limit per minute"
            min={1}
            placeholder="No limit"
          />
        </div>
        <FormActions
          action={create}
          label="Create key"
          busyLabel="Creating…"
          disabled={!scopes.length || !name}
          onCancel={close}
        />
      </form>
    </Dialog>
  );
}

/** The new key's secret, shown this once. */
export function SecretDialog({ created, onClose }: { created: CreatedApiKey | null; onClose(): void }) {
  return (
    <Dialog
      open={created !== null}
      title="Copy your new API key"
      onClose={onClose}
      footer={
        <button type="button" className="button button-primary" onClick={onClose}>
          I have stored the key
        </button>
      }
    >
      {created && (
        <div className="stack">
          <Notice tone="warning">
            This is the only time the key is shown. Store it in your secret manager now; Trailmark keeps only
            a hash.
          </Notice>
          <div className="field">
            <label htmlFor="new-key-secret">Key “{created.name}”</label>
            <div className="secret-row">
              <input
                id="new-key-secret"
                className="mono secret"
                readOnly
                value={created.key}
                onFocus={(e) => e.currentTarget.select()}
              />
              <CopyButton value={created.key} label="Copy key" />
            </div>
          </div>
        </div>
      )}
    </Dialog>
  );
}
