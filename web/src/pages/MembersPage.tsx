import { useState } from 'react';
import { ApiError } from '../api/client.js';
import type { Invitation, Member, MemberList, Role } from '../api/types.js';
import { type Confirmation, ConfirmDialog } from '../components/forms.js';
import { LoadedList } from '../components/tables.js';
import { CopyButton, EmptyState, ErrorNotice, Notice, PageHeader } from '../components/ui.js';
import { formatLocal } from '../lib/time.js';
import { useAsync } from '../lib/use-async.js';
import { useFormAction } from '../lib/use-form-action.js';
import { useList } from '../lib/use-list.js';
import { InviteForm } from '../members/InviteForm.js';
import { MembersTable, PendingInvitations } from '../members/MembersTable.js';
import { RoleDialog } from '../members/RoleDialog.js';
import { RolesTable } from '../members/RolesTable.js';
import { roleName } from '../members/role-name.js';
import { useSession } from '../session.js';

function InvitationLink({ invitation, onDismiss }: { invitation: Invitation; onDismiss(): void }) {
  return (
    <Notice tone="success" onDismiss={onDismiss}>
      <p>
        Invitation for <strong>{invitation.email}</strong> as {invitation.role}. Send them this link; it
        expires {formatLocal(invitation.expires_at)}.
      </p>
      <div className="secret-row">
        <input className="mono secret" readOnly value={invitation.accept_url} aria-label="Invitation link" />
        <CopyButton value={invitation.accept_url} label="Copy link" />
      </div>
    </Notice>
  );
}

export function MembersPage() {
  const session = useSession();
  const canManage = session.can('manageMembers');
  const list = useAsync((signal) => session.api.get<MemberList>('/v1/members', { signal }), [session.api]);
  const members = { ...list, data: list.data?.data };
  const pending = list.data?.invitations ?? [];
  const roles = useList<Role>('/v1/roles');
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<Role | null | 'new'>(null);
  const [confirming, setConfirming] = useState<Confirmation | null>(null);
  const me = session.info?.user.id;

  const roleChange = useFormAction();
  const changeRole = (member: Member, role: string) =>
    roleChange.run(async () => {
      try {
        await session.api.patch(`/v1/members/${encodeURIComponent(member.user_id)}`, { role });
      } finally {
        members.reload(); // after a refusal too: the select goes back to the role the member has
      }
      setNotice(`${member.name || member.email} is now ${roleName(roles.data, role)}.`);
      if (member.user_id === me) void session.reload();
    });

  /** After a confirmed deletion: say what was done and show the list without it. */
  const deleted = (message: string, reload: () => void) => {
    setNotice(message);
    setConfirming(null);
    reload();
  };
  const confirmRemoval = (member: Member) => {
    const who = member.name || member.email;
    setConfirming({
      title: 'Remove this member?',
      action: 'Remove member',
      body: <p>{who} loses access to this organization at once. Their past actions stay in the audit log.</p>,
      run: async () => {
        await session.api.delete(`/v1/members/${encodeURIComponent(member.user_id)}`);
        deleted(`${who} was removed.`, members.reload);
      },
    });
  };
  const confirmRoleDeletion = (role: Role) =>
    setConfirming({
      title: 'Delete this role?',
      action: 'Delete role',
      body: <p>The role “{role.name}” will be deleted. Members must be moved to another role first.</p>,
      run: async () => {
        await session.api.delete(`/v1/roles/${encodeURIComponent(role.id)}`);
        deleted(`Role “${role.name}” deleted.`, roles.reload);
      },
    });

  const forbidden = members.error instanceof ApiError && members.error.status === 403;

  return (
    <>
      <PageHeader
        title="Members & roles"
        description="Who can use this organization, and what each role allows."
      />
      {notice && (
        <Notice tone="success" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      {roleChange.error !== null && <ErrorNotice error={roleChange.error} title="The change was not made" />}
      {canManage && roles.data && (
        <section className="card card-pad" aria-labelledby="invite-title">
          <h2 id="invite-title" className="card-title">
            Invite someone
          </h2>
          <InviteForm
            roles={roles.data}
            onInvited={(inv) => {
              setInvitation(inv);
              members.reload();
            }}
          />
          {invitation && <InvitationLink invitation={invitation} onDismiss={() => setInvitation(null)} />}
        </section>
      )}
      <section className="card" aria-labelledby="members-title">
        <div className="table-toolbar">
          <h2 id="members-title" className="card-title">
            Members
          </h2>
        </div>
        {forbidden ? (
          <div className="card-pad">
            <Notice tone="info">Seeing the member list needs the “Manage members” permission.</Notice>
          </div>
        ) : (
          <LoadedList of="members" state={members} empty={<EmptyState title="No members yet" />}>
            {(data) => (
              <MembersTable
                members={data}
                roles={roles.data}
                me={me}
                canManage={canManage}
                onChangeRole={(member, role) => void changeRole(member, role)}
                onRemove={confirmRemoval}
              />
            )}
          </LoadedList>
        )}
      </section>
      {pending.length > 0 && <PendingInvitations invitations={pending} roles={roles.data} />}
      <section className="card" aria-labelledby="roles-title">
        <div className="table-toolbar">
          <h2 id="roles-title" className="card-title">
            Roles
          </h2>
          {canManage && (
            <button type="button" className="button button-secondary" onClick={() => setEditing('new')}>
              Create role
            </button>
          )}
        </div>
        <LoadedList of="roles" state={roles}>
          {(data) => (
            <RolesTable
              roles={data}
              canManage={canManage}
              onEdit={setEditing}
              onDelete={confirmRoleDeletion}
            />
          )}
        </LoadedList>
      </section>
      {editing !== null && (
        <RoleDialog
          key={editing === 'new' ? 'new' : editing.id}
          role={editing === 'new' ? null : editing}
          open
          onClose={() => setEditing(null)}
          onSaved={(message) => {
            setEditing(null);
            setNotice(message);
            roles.reload();
            void session.reload();
          }}
        />
      )}
      <ConfirmDialog confirmation={confirming} onClose={() => setConfirming(null)} />
    </>
  );
}
