import { type FormEvent, useState } from 'react';
import type { Invitation, Role } from '../api/types.js';
import { FormError, SelectField, TextField } from '../components/forms.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { useSession } from '../session.js';

export function InviteForm({ roles, onInvited }: { roles: Role[]; onInvited(invitation: Invitation): void }) {
  const session = useSession();
  const [role, setRole] = useState('member');
  const invite = useFormAction();
  const fields = useTextFields('invite', { email: '' }, invite.issues);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void invite.run(async () => {
      const invitation = await session.api.post<Invitation>('/v1/members/invitations', {
        email: fields.values.email.trim(),
        role,
      });
      fields.reset();
      onInvited(invitation);
    });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Invite a member">
      <TextField
        {...fields.bind('email')}
        className="field grow"
        label="Email"
        type="email"
        required
        placeholder="name@company.com"
      />
      <SelectField
        id="invite-role"
        label="Role"
        name="role"
        value={role}
        options={roles.map((r) => ({ value: r.id, label: r.name }))}
        onChange={(e) => setRole(e.target.value)}
      />
      <button type="submit" className="button button-primary" disabled={invite.busy}>
        {invite.busy ? 'Inviting…' : 'Send invitation'}
      </button>
      <FormError error={invite.formError} className="full" />
    </form>
  );
}
