import { type FormEvent, useState } from 'react';
import { PERMISSION_LABELS, PERMISSIONS, type Permission, type Role } from '../api/types.js';
import { CheckboxGroup, FormActions, FormError, TextField } from '../components/forms.js';
import { Dialog } from '../components/ui.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { useSession } from '../session.js';

/** Creates a custom role, or (given `role`) renames it and changes its permissions. */
export function RoleDialog({
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
  const [permissions, setPermissions] = useState<Permission[]>(role?.permissions ?? ['viewAuditLog']);
  const save = useFormAction();
  const { values, bind } = useTextFields('role', { name: role?.name ?? '' }, save.issues);
  const name = values.name.trim();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run(async () => {
      if (role) {
        await session.api.patch(`/v1/roles/${encodeURIComponent(role.id)}`, { name, permissions });
        onSaved(`Role “${name}” saved.`);
      } else {
        await session.api.post('/v1/roles', { name, permissions });
        onSaved(`Role “${name}” created.`);
      }
    });
  };
  return (
    <Dialog open={open} title={role ? `Edit role “${role.name}”` : 'Create a role'} onClose={onClose}>
      <form className="stack" onSubmit={submit} aria-label={role ? 'Edit role' : 'New role'}>
        <FormError error={save.formError} />
        <TextField {...bind('name')} label="Name" required maxLength={64} />
        <CheckboxGroup
          legend="Permissions"
          idPrefix="perm"
          options={PERMISSIONS}
          selected={permissions}
          onChange={setPermissions}
          labelOf={(permission) => PERMISSION_LABELS[permission]}
        />
        <FormActions
          action={save}
          label={role ? 'Save role' : 'Create role'}
          busyLabel="Saving…"
          disabled={!name}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
