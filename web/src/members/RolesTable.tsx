import { PERMISSION_LABELS, type Role } from '../api/types.js';
import { DataTable, RowButton } from '../components/tables.js';
import { Badge } from '../components/ui.js';

export function RolesTable({
  roles,
  canManage,
  onEdit,
  onDelete,
}: {
  roles: readonly Role[];
  canManage: boolean;
  onEdit(role: Role): void;
  onDelete(role: Role): void;
}) {
  return (
    <DataTable caption="Roles and their permissions" columns={['Role', 'Permissions']} actions>
      {roles.map((role) => (
        <tr key={role.id} data-role-id={role.id}>
          <td className="strong">
            {role.name} {role.built_in && <Badge variant="muted">built-in</Badge>}
          </td>
          <td>
            {role.permissions.length ? (
              <span className="badge-list">
                {role.permissions.map((p) => (
                  <Badge key={p} variant="outline">
                    {PERMISSION_LABELS[p]}
                  </Badge>
                ))}
              </span>
            ) : (
              <span className="muted">No permissions</span>
            )}
          </td>
          <td className="row-actions">
            {canManage && !role.built_in && (
              <>
                <RowButton label={`Edit role ${role.name}`} onClick={() => onEdit(role)}>
                  Edit
                </RowButton>
                <RowButton label={`Delete role ${role.name}`} danger onClick={() => onDelete(role)}>
                  Delete
                </RowButton>
              </>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
