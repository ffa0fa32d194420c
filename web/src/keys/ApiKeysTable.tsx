import type { ApiKey } from '../api/types.js';
import { DataTable, RowButton } from '../components/tables.js';
import { Badge, LocalTime } from '../components/ui.js';
import { relative } from '../lib/time.js';

const Never = () => <span className="muted">never</span>;

export function ApiKeysTable({
  keys,
  onSetStatus,
  onRevoke,
}: {
  keys: readonly ApiKey[];
  onSetStatus(key: ApiKey, status: ApiKey['status']): void;
  onRevoke(key: ApiKey): void;
}) {
  return (
    <DataTable
      caption="API keys of this organization"
      columns={['Name', 'Key', 'Scopes', 'Status', 'Created', 'Last used', 'Expires']}
      actions
    >
      {keys.map((key) => {
        const expired = key.expires_at !== null && Date.parse(key.expires_at) <= Date.now();
        const active = key.status === 'active';
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
                <Badge variant={active ? 'success' : 'muted'}>{key.status}</Badge>
              )}
            </td>
            <td>
              <span className="stack-cell">
                <LocalTime value={key.created_at} />
                {key.created_by_email && <span className="secondary-line">by {key.created_by_email}</span>}
              </span>
            </td>
            <td>
              {key.last_used_at ? (
                <LocalTime value={key.last_used_at}>{relative(key.last_used_at)}</LocalTime>
              ) : (
                <Never />
              )}
            </td>
            <td>{key.expires_at ? <LocalTime value={key.expires_at} /> : <Never />}</td>
            <td className="row-actions">
              <RowButton
                label={`${active ? 'Disable' : 'Enable'} ${key.name}`}
                onClick={() => onSetStatus(key, active ? 'disabled' : 'active')}
              >
                {active ? 'Disable' : 'Enable'}
              </RowButton>
              <RowButton label={`Revoke ${key.name}`} danger onClick={() => onRevoke(key)}>
                Revoke
              </RowButton>
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
