import { type FormEvent, useState } from 'react';
import { ApiError, errorMessage } from '../api/client.js';
import {
  type Invitation,
  type Member,
  type MemberList,
  PERMISSION_LABELS,
  PERMISSIONS,
  type Permission,
  type Role,
} from '../api/types.js';
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
import { formatLocal, formatUtc } from '../lib/time.js';
import { useAsync } from '../lib/use-async.js';
import { useSession } from '../session.js';

function memberId(member: Member): string {
  return member.user_id;
}

function roleName(roles: Role[] | undefined, id: string): string {
  return roles?.find((r) => r.id === id)?.name ?? id;
}

function InviteForm({ roles, onInvited }: { roles: Role[]; onInvited(invitation: Invitation): void }) {
  const session = useSession();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const issues = issuesByField(error);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const invitation = await session.api.post<Invitation>('/v1/members/invitations', {
        email: email.trim(),
        role,
      });
      setEmail('');
      onInvited(invitation);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Invite a member">
      <div className="field grow">
        <label htmlFor="invite-email">Email</label>
        <input
          id="invite-email"
          type="email"
          name="email"
          required
          value={email}
          placeholder="name@company.com"
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={issues.email ? true : undefined}
        />
        {issues.email && <span className="field-error">{issues.email}</span>}
      </div>
      <div className="field">
        <label htmlFor="invite-role">Role</label>
        <select id="invite-role" name="role" value={role} onChange={(e) => setRole(e.target.value)}>
          {roles.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Inviting…' : 'Send invitation'}
      </button>
      {error !== null && !Object.keys(issues).length && (
        <div className="notice notice-error full" role="alert">
          {errorMessage(error)}
        </div>
      )}
    </form>
  );
}

function RoleDialog({
  role,
  open,
  onClose,
  onSaved,
}: {
  role: Role | null;
  open: boolean;
  onClose(): void;
  onSaved(message: string): void;
}) {
  const session = useSession();
  const [name, setName] = useState(role?.name ?? '');
  const [permissions, setPermissions] = useState<Permission[]>(role?.permissions ?? ['viewAuditLog']);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const issues = issuesByField(error);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (role) {
        await session.api.patch(`/v1/roles/${encodeURIComponent(role.id)}`, {
          name: name.trim(),
          permissions,
        });
        onSaved(`Role “${name.trim()}” saved.`);
      } else {
        await session.api.post('/v1/roles', { name: name.trim(), permissions });
        onSaved(`Role “${name.trim()}” created.`);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} title={role ? `Edit role “${role.name}”` : 'Create a role'} onClose={onClose}>
      <form className="stack" onSubmit={submit} aria-label={role ? 'Edit role' : 'New role'}>
        {error !== null && !Object.keys(issues).length && (
          <div className="notice notice-error" role="alert">
            {errorMessage(error)}
          </div>
        )}
        <div className="field">
          <label htmlFor="role-name">Name</label>
          <input
            id="role-name"
            required
            maxLength={64}
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={issues.name ? true : undefined}
          />
          {issues.name && <span className="field-error">{issues.name}</span>}
        </div>
        <fieldset className="field">
          <legend className="field-label">Permissions</legend>
          {PERMISSIONS.map((permission) => (
            <div key={permission} className="checkbox-field">
              <input
                id={`perm-${permission}`}
                type="checkbox"
                checked={permissions.includes(permission)}
                onChange={(e) =>
                  setPermissions((p) =>
                    e.target.checked ? [...p, permission] : p.filter((x) => x !== permission),
                  )
                }
              />
              <label htmlFor={`perm-${permission}`}>{PERMISSION_LABELS[permission]}</label>
            </div>
          ))}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
            {busy ? 'Saving…' : role ? 'Save role' : 'Create role'}
          </button>
          <button type="button" className="button button-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ConfirmDialog({
  title,
  body,
  action,
  open,
  onConfirm,
  onClose,
}: {
  title: string;
  body: string;
  action: string;
  open: boolean;
  onConfirm(): Promise<void>;
  onClose(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog
      open={open}
      title={title}
      onClose={() => {
        setError(null);
        onClose();
      }}
      footer={
        <>
          <button
            type="button"
            className="button button-danger"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await onConfirm();
              } catch (caught) {
                setError(caught);
              } finally {
                setBusy(false);
              }
            }}
          >
            {action}
          </button>
          <button type="button" className="button button-ghost" onClick={onClose}>
            Cancel
          </button>
        </>
      }
    >
      <p>{body}</p>
      {error !== null && (
        <div className="notice notice-error" role="alert">
          {errorMessage(error)}
        </div>
      )}
    </Dialog>
  );
}

export function MembersPage() {
  const session = useSession();
  const canManage = session.can('manageMembers');
  const list = useAsync((signal) => session.api.get<MemberList>('/v1/members', { signal }), [session.api]);
  const members = { ...list, data: list.data?.data };
  const pending = list.data?.invitations ?? [];
  const roles = useAsync(
    (signal) => session.api.get<{ data: Role[] }>('/v1/roles', { signal }).then((r) => r.data),
    [session.api],
  );
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Role | null | 'new'>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [deletingRole, setDeletingRole] = useState<Role | null>(null);
  const me = session.info?.user.id;

  const changeRole = async (member: Member, role: string) => {
    setActionError(null);
    try {
      await session.api.patch(`/v1/members/${encodeURIComponent(memberId(member))}`, { role });
      setNotice(`${member.name || member.email} is now ${roleName(roles.data, role)}.`);
      members.reload();
      if (memberId(member) === me) void session.reload();
    } catch (error) {
      setActionError(error);
      members.reload();
    }
  };

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
      {actionError !== null && <ErrorNotice error={actionError} title="The change was not made" />}
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
          {invitation && (
            <Notice tone="success" onDismiss={() => setInvitation(null)}>
              <p>
                Invitation for <strong>{invitation.email}</strong> as {invitation.role}. Send them this link;
                it expires {formatLocal(invitation.expires_at)}.
              </p>
              <div className="secret-row">
                <input
                  className="mono secret"
                  readOnly
                  value={invitation.accept_url}
                  aria-label="Invitation link"
                />
                <CopyButton value={invitation.accept_url} label="Copy link" />
              </div>
            </Notice>
          )}
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
        ) : members.error ? (
          <div className="card-pad">
            <ErrorNotice
              error={members.error}
              onRetry={members.reload}
              title="The members could not be loaded"
            />
          </div>
        ) : !members.data ? (
          <div className="card-pad">
            <Spinner label="Loading members" />
          </div>
        ) : members.data.length === 0 ? (
          <EmptyState title="No members yet" />
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Members of this organization</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.map((member) => {
                  const id = memberId(member);
                  const joined = member.joined_at;
                  return (
                    <tr key={id} data-member-id={id}>
                      <td className="strong">
                        {member.name || <span className="muted">—</span>}
                        {id === me && (
                          <>
                            {' '}
                            <Badge variant="muted">you</Badge>
                          </>
                        )}
                      </td>
                      <td>{member.email}</td>
                      <td>
                        {canManage && roles.data ? (
                          <select
                            aria-label={`Role of ${member.name || member.email}`}
                            value={member.role}
                            onChange={(e) => void changeRole(member, e.target.value)}
                          >
                            {roles.data.map((r) => (
                              <option key={r.id} value={r.id}>
                                {r.name}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <Badge variant="outline">
                            {member.role_name ?? roleName(roles.data, member.role)}
                          </Badge>
                        )}
                      </td>
                      <td>
                        {joined ? (
                          <time dateTime={joined} title={formatUtc(joined)}>
                            {formatLocal(joined)}
                          </time>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td className="row-actions">
                        {canManage && id !== me && (
                          <button
                            type="button"
                            className="button button-danger-ghost button-small"
                            onClick={() => setRemoving(member)}
                            aria-label={`Remove ${member.name || member.email}`}
                          >
                            Remove
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {pending.length > 0 && (
        <section className="card" aria-labelledby="pending-title">
          <div className="table-toolbar">
            <h2 id="pending-title" className="card-title">
              Pending invitations
            </h2>
          </div>
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Invitations not accepted yet</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Invited</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {pending.map((inv) => (
                  <tr key={inv.id}>
                    <td>{inv.email}</td>
                    <td>
                      <Badge variant="outline">{roleName(roles.data, inv.role)}</Badge>
                    </td>
                    <td>
                      <time dateTime={inv.created_at} title={formatUtc(inv.created_at)}>
                        {formatLocal(inv.created_at)}
                      </time>
                    </td>
                    <td>
                      <time dateTime={inv.expires_at} title={formatUtc(inv.expires_at)}>
                        {formatLocal(inv.expires_at)}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
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
        {roles.error ? (
          <div className="card-pad">
            <ErrorNotice error={roles.error} onRetry={roles.reload} title="The roles could not be loaded" />
          </div>
        ) : !roles.data ? (
          <div className="card-pad">
            <Spinner label="Loading roles" />
          </div>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Roles and their permissions</caption>
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Permissions</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {roles.data.map((role) => (
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
                          <button
                            type="button"
                            className="button button-secondary button-small"
                            onClick={() => setEditing(role)}
                            aria-label={`Edit role ${role.name}`}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            className="button button-danger-ghost button-small"
                            onClick={() => setDeletingRole(role)}
                            aria-label={`Delete role ${role.name}`}
                          >
                            Delete
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
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
      <ConfirmDialog
        open={removing !== null}
        title="Remove this member?"
        body={`${removing?.name || removing?.email || ''} loses access to this organization at once. Their past actions stay in the audit log.`}
        action="Remove member"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (!removing) return;
          await session.api.delete(`/v1/members/${encodeURIComponent(memberId(removing))}`);
          setNotice(`${removing.name || removing.email} was removed.`);
          setRemoving(null);
          members.reload();
        }}
      />
      <ConfirmDialog
        open={deletingRole !== null}
        title="Delete this role?"
        body={`The role “${deletingRole?.name ?? ''}” will be deleted. Members must be moved to another role first.`}
        action="Delete role"
        onClose={() => setDeletingRole(null)}
        onConfirm={async () => {
          if (!deletingRole) return;
          await session.api.delete(`/v1/roles/${encodeURIComponent(deletingRole.id)}`);
          setNotice(`Role “${deletingRole.name}” deleted.`);
          setDeletingRole(null);
          roles.reload();
        }}
      />
    </>
  );
}
