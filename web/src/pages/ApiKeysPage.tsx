import { type FormEvent, useState } from 'react';
import { errorMessage } from '../api/client.js';
import { API_KEY_SCOPES, type ApiKey, type CreatedApiKey } from '../api/types.js';
import {
  Badge,
  CopyButton,
  Dialog,
  EmptyState,
  ErrorNotice,
  Notice,
  PageHeader,
  Spinner,
} from '../components/ui.js';
import { issuesByField } from '../lib/form-errors.js';
import { formatLocal, formatUtc, relative } from '../lib/time.js';
import { useAsync } from '../lib/use-async.js';
import { useSession } from '../session.js';

const SCOPE_HELP: Record<string, string> = {
  'events:write': 'send events',
  'events:read': 'read and export events',
  admin: 'everything, including keys and viewer tokens',
};

const EXPIRY_CHOICES = [
  { value: '', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
];

function CreateKeyDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose(): void;
  onCreated(key: CreatedApiKey): void;
}) {
  const session = useSession();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['events:write']);
  const [expiry, setExpiry] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const issues = issuesByField(error);

  const reset = () => {
    setName('');
    setScopes(['events:write']);
    setExpiry('');
    setRateLimit('');
    setError(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = { name: name.trim(), scopes };
    if (expiry) body.expires_at = new Date(Date.now() + Number(expiry) * 86_400_000).toISOString();
    if (rateLimit) body.rate_limit_per_minute = Number(rateLimit);
    try {
      const created = await session.api.post<CreatedApiKey>('/v1/api-keys', body);
      reset();
      onCreated(created);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      title="Create an API key"
      onClose={() => {
        reset();
        onClose();
      }}
    >
      <form onSubmit={submit} className="stack" aria-label="New API key">
        {error !== null && !Object.keys(issues).length && (
          <div className="notice notice-error" role="alert">
            {errorMessage(error)}
          </div>
        )}
        <div className="field">
          <label htmlFor="key-name">Name</label>
          <input
            id="key-name"
            name="name"
            required
            maxLength={200}
            value={name}
            placeholder="e.g. Production backend"
            onChange={(e) => setName(e.target.value)}
            aria-invalid={issues.name ? true : undefined}
          />
          {issues.name && <span className="field-error">{issues.name}</span>}
        </div>
        <fieldset className="field">
          <legend className="field-label">Scopes</legend>
          {API_KEY_SCOPES.map((scope) => (
            <div key={scope} className="checkbox-field">
              <input
                id={`scope-${scope}`}
                type="checkbox"
                name="scopes"
                value={scope}
                checked={scopes.includes(scope)}
                onChange={(e) =>
                  setScopes((s) => (e.target.checked ? [...s, scope] : s.filter((x) => x !== scope)))
                }
              />
              <label htmlFor={`scope-${scope}`}>
                <span className="mono">{scope}</span> <span className="muted">— {SCOPE_HELP[scope]}</span>
              </label>
            </div>
          ))}
          {issues.scopes && <span className="field-error">{issues.scopes}</span>}
        </fieldset>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="key-expiry">Expires</label>
            <select id="key-expiry" name="expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="key-rate">Rate limit per minute</label>
            <input
              id="key-rate"
              name="rate_limit_per_minute"
              type="number"
              min={1}
              inputMode="numeric"
              placeholder="No limit"
              value={rateLimit}
              onChange={(e) => setRateLimit(e.target.value)}
              aria-invalid={issues.rate_limit_per_minute ? true : undefined}
            />
            {issues.rate_limit_per_minute && (
              <span className="field-error">{issues.rate_limit_per_minute}</span>
            )}
          </div>
        </div>
        <div className="form-actions">
          <button
            type="submit"
            className="button button-primary"
            disabled={busy || !scopes.length || !name.trim()}
          >
            {busy ? 'Creating…' : 'Create key'}
          </button>
          <button
            type="button"
            className="button button-ghost"
            onClick={() => {
              reset();
              onClose();
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SecretDialog({ created, onClose }: { created: CreatedApiKey | null; onClose(): void }) {
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

function RevokeDialog({
  target,
  onClose,
  onRevoked,
}: {
  target: ApiKey | null;
  onClose(): void;
  onRevoked(key: ApiKey): void;
}) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const revoke = async () => {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      await session.api.delete(`/v1/api-keys/${encodeURIComponent(target.id)}`);
      onRevoked(target);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={target !== null}
      title="Revoke this API key?"
      onClose={() => {
        setError(null);
        onClose();
      }}
      footer={
        <>
          <button type="button" className="button button-danger" onClick={revoke} disabled={busy}>
            {busy ? 'Revoking…' : 'Revoke key'}
          </button>
          <button type="button" className="button button-ghost" onClick={onClose}>
            Cancel
          </button>
        </>
      }
    >
      {target && (
        <div className="stack">
          <p>
            “{target.name}” (
            <span className="mono">
              {target.prefix}…{target.last4}
            </span>
            ) stops working at once: every request made with it is refused. This cannot be undone.
          </p>
          {error !== null && (
            <div className="notice notice-error" role="alert">
              {errorMessage(error)}
            </div>
          )}
        </div>
      )}
    </Dialog>
  );
}

export function ApiKeysPage() {
  const session = useSession();
  const keys = useAsync(
    (signal) => session.api.get<{ data: ApiKey[] }>('/v1/api-keys', { signal }).then((r) => r.data),
    [session.api],
  );
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [rowError, setRowError] = useState<unknown>(null);

  const setStatus = async (key: ApiKey, status: ApiKey['status']) => {
    setRowError(null);
    try {
      await session.api.patch(`/v1/api-keys/${encodeURIComponent(key.id)}`, { status });
      setNotice(`“${key.name}” is now ${status === 'active' ? 'enabled' : 'disabled'}.`);
      keys.reload();
    } catch (error) {
      setRowError(error);
    }
  };

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys your systems use to send events to this organization or read them back."
        actions={
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            Create API key
          </button>
        }
      />
      {notice && (
        <Notice tone="success" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      {rowError !== null && <ErrorNotice error={rowError} title="The key could not be changed" />}
      <section className="card" aria-label="API keys">
        {keys.error ? (
          <div className="card-pad">
            <ErrorNotice error={keys.error} onRetry={keys.reload} title="The keys could not be loaded" />
          </div>
        ) : !keys.data ? (
          <div className="card-pad">
            <Spinner label="Loading keys" />
          </div>
        ) : keys.data.length === 0 ? (
          <EmptyState title="No API keys yet">
            <p>
              Create a key for each system that sends events, so you can revoke one without touching the
              others.
            </p>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">API keys of this organization</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((key) => {
                  const expired = key.expires_at !== null && Date.parse(key.expires_at) <= Date.now();
                  return (
                    <tr key={key.id} data-key-id={key.id}>
                      <td className="strong">{key.name}</td>
                      <td className="mono">
                        {key.prefix}…{key.last4}
                      </td>
                      <td>
                        <span className="badge-list">
                          {key.scopes.map((scope) => (
                            <Badge key={scope} variant={scope === 'admin' ? 'destructive' : 'outline'}>
                              {scope}
                            </Badge>
                          ))}
                        </span>
                      </td>
                      <td>
                        {expired ? (
                          <Badge variant="muted">expired</Badge>
                        ) : (
                          <Badge variant={key.status === 'active' ? 'success' : 'muted'}>{key.status}</Badge>
                        )}
                      </td>
                      <td>
                        <span className="stack-cell">
                          <time dateTime={key.created_at} title={formatUtc(key.created_at)}>
                            {formatLocal(key.created_at)}
                          </time>
                          {key.created_by_email && (
                            <span className="secondary-line">by {key.created_by_email}</span>
                          )}
                        </span>
                      </td>
                      <td>
                        {key.last_used_at ? (
                          <time dateTime={key.last_used_at} title={formatUtc(key.last_used_at)}>
                            {relative(key.last_used_at)}
                          </time>
                        ) : (
                          <span className="muted">never</span>
                        )}
                      </td>
                      <td>
                        {key.expires_at ? (
                          <time dateTime={key.expires_at} title={formatUtc(key.expires_at)}>
                            {formatLocal(key.expires_at)}
                          </time>
                        ) : (
                          <span className="muted">never</span>
                        )}
                      </td>
                      <td className="row-actions">
                        <button
                          type="button"
                          className="button button-secondary button-small"
                          onClick={() => setStatus(key, key.status === 'active' ? 'disabled' : 'active')}
                          aria-label={`${key.status === 'active' ? 'Disable' : 'Enable'} ${key.name}`}
                        >
                          {key.status === 'active' ? 'Disable' : 'Enable'}
                        </button>
                        <button
                          type="button"
                          className="button button-danger-ghost button-small"
                          onClick={() => setRevoking(key)}
                          aria-label={`Revoke ${key.name}`}
                        >
                          Revoke
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <CreateKeyDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(key) => {
          setCreating(false);
          setCreated(key);
          keys.reload();
        }}
      />
      <SecretDialog created={created} onClose={() => setCreated(null)} />
      <RevokeDialog
        target={revoking}
        onClose={() => setRevoking(null)}
        onRevoked={(key) => {
          setRevoking(null);
          setNotice(`“${key.name}” has been revoked.`);
          keys.reload();
        }}
      />
    </>
  );
}
