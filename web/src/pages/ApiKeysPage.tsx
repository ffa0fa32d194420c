import { useState } from 'react';
import type { ApiKey, CreatedApiKey } from '../api/types.js';
import { type Confirmation, ConfirmDialog } from '../components/forms.js';
import { LoadedList } from '../components/tables.js';
import { EmptyState, ErrorNotice, Notice, PageHeader } from '../components/ui.js';
import { ApiKeysTable } from '../keys/ApiKeysTable.js';
import { CreateKeyDialog, SecretDialog } from '../keys/CreateKeyDialog.js';
import { useAsync } from '../lib/use-async.js';
import { useFormAction } from '../lib/use-form-action.js';
import { useSession } from '../session.js';

export function ApiKeysPage() {
  const session = useSession();
  const keys = useAsync(
    (signal) => session.api.get<{ data: ApiKey[] }>('/v1/api-keys', { signal }).then((r) => r.data),
    [session.api],
  );
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<Confirmation | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const statusChange = useFormAction();
  const setStatus = (key: ApiKey, status: ApiKey['status']) =>
    statusChange.run(async () => {
      await session.api.patch(`/v1/api-keys/${encodeURIComponent(key.id)}`, { status });
      setNotice(`“${key.name}” is now ${status === 'active' ? 'enabled' : 'disabled'}.`);
      keys.reload();
    });

  const confirmRevocation = (key: ApiKey) =>
    setRevoking({
      title: 'Revoke this API key?',
      action: 'Revoke key',
      busyAction: 'Revoking…',
      body: (
        <p>
          “{key.name}” (
          <span className="mono">
            {key.prefix}…{key.last4}
          </span>
          ) stops working at once: every request made with it is refused. This cannot be undone.
        </p>
      ),
      run: async () => {
        await session.api.delete(`/v1/api-keys/${encodeURIComponent(key.id)}`);
        setRevoking(null);
        setNotice(`“${key.name}” has been revoked.`);
        keys.reload();
      },
    });

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
      {statusChange.error !== null && (
        <ErrorNotice error={statusChange.error} title="The key could not be changed" />
      )}
      <section className="card" aria-label="API keys">
        <LoadedList
          state={keys}
          errorTitle="The keys could not be loaded"
          loadingLabel="Loading keys"
          empty={
            <EmptyState title="No API keys yet">
              <p>
                Create a key for each system that sends events, so you can revoke one without touching the
                others.
              </p>
            </EmptyState>
          }
        >
          {(data) => (
            <ApiKeysTable
              keys={data}
              onSetStatus={(key, status) => void setStatus(key, status)}
              onRevoke={confirmRevocation}
            />
          )}
        </LoadedList>
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
      <ConfirmDialog confirmation={revoking} onClose={() => setRevoking(null)} />
    </>
  );
}
