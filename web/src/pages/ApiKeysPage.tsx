import { useState } from 'react';
import type { ApiKey, CreatedApiKey } from '../api/types.js';
import { type Confirmation, ConfirmDialog } from '../components/forms.js';
import { LoadedList } from '../components/tables.js';
import { ChangeNotices, EmptyState, PageHeader } from '../components/ui.js';
import { ApiKeysTable } from '../keys/ApiKeysTable.js';
import { CreateKeyDialog, SecretDialog } from '../keys/CreateKeyDialog.js';
import { useChanges } from '../lib/use-form-action.js';
import { useList } from '../lib/use-list.js';
import { useSession } from '../session.js';

export function ApiKeysPage() {
  const session = useSession();
  const keys = useList<ApiKey>('/v1/api-keys');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<Confirmation | null>(null);

  const change = useChanges();
  const setStatus = (key: ApiKey, status: ApiKey['status']) =>
    change.run(async () => {
      await session.api.patch(`/v1/api-keys/${encodeURIComponent(key.id)}`, { status });
      change.report({
        tone: 'success',
        text: `“${key.name}” is now ${status === 'active' ? 'enabled' : 'disabled'}.`,
      });
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
        change.report({ tone: 'success', text: `“${key.name}” has been revoked.` });
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
      <ChangeNotices changes={change} errorTitle="The key could not be changed" />
      <section className="card" aria-label="API keys">
        <LoadedList
          of="keys"
          state={keys}
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
