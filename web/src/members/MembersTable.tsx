import type { Member, PendingInvitation, Role } from '../api/types.js';
import { DataTable, RowButton } from '../components/tables.js';
import { Badge, LocalTime } from '../components/ui.js';
import { roleName } from './role-name.js';

const Missing = () => <span className="muted">—</span>;

export function MembersTable({
  members,
  roles,
  me,
  canManage,
  onChangeRole,
  onRemove,
}: {
  members: readonly Member[];
  roles: Role[] | undefined;
  /** The signed-in person's user id: they can neither remove themselves nor be removed here. */
  me: string | undefined;
  canManage: boolean;
  onChangeRole(member: Member, role: string): void;
  onRemove(member: Member): void;
}) {
  return (
    <DataTable caption="Members of this organization" columns={['Name', 'Email', 'Role', 'Joined']} actions>
      {members.map((member) => {
        const id = member.user_id;
        return (
          <tr key={id} data-member-id={id}>
            <td className="strong">
              {member.name || <Missing />}
              {id === me && (
                <>
                  {' '}
                  <Badge variant="muted">you</Badge>
                </>
              )}
            </td>
            <td>{member.email}</td>
            <td>
              {canManage && roles ? (
                <select
                  aria-label={`Role of ${member.name || member.email}`}
                  value={member.role}
                  onChange={(e) => onChangeRole(member, e.target.value)}
                >
                  {roles.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
              ) : (
                <Badge variant="outline">{member.role_name}</Badge>
              )}
            </td>
            <td>{member.joined_at ? <LocalTime value={member.joined_at} /> : <Missing />}</td>
            <td className="row-actions">
              {canManage && id !== me && (
                <RowButton
                  label={`Remove ${member.name || member.email}`}
                  danger
                  onClick={() => onRemove(member)}
                >
                  Remove
                </RowButton>
              )}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}

export function PendingInvitations({
  invitations,
  roles,
}: {
  invitations: readonly PendingInvitation[];
  roles: Role[] | undefined;
}) {
  return (
    <section className="card" aria-labelledby="pending-title">
      <div className="table-toolbar">
        <h2 id="pending-title" className="card-title">
          Pending invitations
        </h2>
      </div>
      <DataTable caption="Invitations not accepted yet" columns={['Email', 'Role', 'Invited', 'Expires']}>
        {invitations.map((inv) => (
          <tr key={inv.id}>
            <td>{inv.email}</td>
            <td>
              <Badge variant="outline">{roleName(roles, inv.role)}</Badge>
            </td>
            <td>
              <LocalTime value={inv.created_at} />
            </td>
            <td>
              <LocalTime value={inv.expires_at} />
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
