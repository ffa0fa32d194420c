import { useState } from 'react';
import type { AlertChannelView } from '../api/types.js';
import { DataTable, DeleteRowButton, LoadedList, RowButton, ToggleRowButton } from '../components/tables.js';
import { ChangeNotices, EmptyState, OnOffBadge, SecretNotice } from '../components/ui.js';
import { useChanges } from '../lib/use-form-action.js';
import { useList } from '../lib/use-list.js';
import { useSession } from '../session.js';
import { ChannelDialog } from './ChannelDialog.js';

/** The org's notification channels: add, enable or disable, send a test, delete. */
export function ChannelsCard() {
  const session = useSession();
  const channels = useList<AlertChannelView>('/v1/alert-channels');
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const change = useChanges();
  const path = (c: AlertChannelView) => `/v1/alert-channels/${encodeURIComponent(c.id)}`;

  const test = (c: AlertChannelView) =>
    change.run(async () => {
      const result = await session.api.post<{ ok: boolean; detail: string }>(`${path(c)}/test`);
      change.report(
        result.ok
          ? { tone: 'success', text: `A test message reached “${c.name}”.` }
          : { tone: 'error', text: `The test message to “${c.name}” failed: ${result.detail}` },
      );
    });
  const toggle = (c: AlertChannelView) =>
    change.run(async () => {
      await session.api.patch(path(c), { enabled: !c.enabled });
      channels.reload();
    });
  const remove = (c: AlertChannelView) =>
    change.run(async () => {
      await session.api.delete(path(c));
      change.report({ tone: 'success', text: `“${c.name}” deleted.` });
      channels.reload();
    });

  return (
    <section className="card" aria-label="Channels">
      <div className="card-pad stack">
        <div className="row-between">
          <h2>Channels</h2>
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            Add channel
          </button>
        </div>
        <p className="muted">Where alerts are sent. Secrets are stored and never shown again.</p>
        <ChangeNotices changes={change} errorTitle="The channel could not be changed" />
        <SecretNotice secret={secret} onDismiss={() => setSecret(null)} />
      </div>
      <LoadedList
        of="channels"
        state={channels}
        empty={<EmptyState title="No channels yet">Alerts are listed here but sent nowhere.</EmptyState>}
      >
        {(data) => (
          <DataTable
            caption="Notification channels"
            columns={['Name', 'Kind', 'Sends to', 'From severity', 'Status']}
            actions
          >
            {data.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.type}</td>
                <td className="mono">{c.type === 'email' ? c.to?.join(', ') : (c.url ?? '(secret URL)')}</td>
                <td>{c.min_severity}</td>
                <td>
                  <OnOffBadge on={c.enabled} />
                </td>
                <td className="row-actions">
                  <RowButton label={`Send a test to ${c.name}`} onClick={() => void test(c)}>
                    Test
                  </RowButton>
                  <ToggleRowButton on={c.enabled} name={c.name} onClick={() => void toggle(c)} />
                  <DeleteRowButton name={c.name} onClick={() => void remove(c)} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </LoadedList>
      {adding && (
        <ChannelDialog
          onClose={() => setAdding(false)}
          onCreated={(created) => {
            setAdding(false);
            if (created.secret) setSecret(created.secret);
            change.report({ tone: 'success', text: `“${created.name}” added.` });
            channels.reload();
          }}
        />
      )}
    </section>
  );
}
