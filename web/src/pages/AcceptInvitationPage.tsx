import { type FormEvent, useEffect } from 'react';
import { ApiClient, ApiError } from '../api/client.js';
import { MIN_PASSWORD_LENGTH, type SessionView } from '../api/types.js';
import { FormError, TextField } from '../components/forms.js';
import { AuthCard } from '../components/Layout.js';
import { Notice } from '../components/ui.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

function acceptError(error: unknown): string {
  if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
    return 'This invitation has expired or was already used. Ask the person who invited you for a new one.';
  }
  return error instanceof ApiError ? error.describe() : 'Accepting the invitation failed. Try again.';
}

/** The page an invitation's link opens: choose a name and password, then you are in the org. */
export function AcceptInvitationPage() {
  const session = useSession();
  const location = useLocation();
  const token = location.search.get('token') ?? '';
  const accept = useFormAction();
  const { values, bind } = useTextFields('invite', { name: '', password: '', confirm: '' }, accept.issues);
  const { password, confirm } = values;

  useEffect(() => {
    document.title = 'Accept invitation · Trailmark';
  }, []);

  const mismatch = confirm !== '' && confirm !== password;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mismatch) return;
    void accept.run(async () => {
      const result = await new ApiClient({ kind: 'session', csrfToken: null, org: null }).post<
        Partial<SessionView> | undefined
      >('/v1/invitations/accept', { token, name: values.name.trim(), password });
      if (result?.user && result.csrf_token && result.orgs) {
        session.signedIn(result as SessionView);
        navigate('/', { replace: true });
      } else {
        navigate('/login', {
          replace: true,
          state: { notice: 'Invitation accepted. Sign in with your new password.' },
        });
      }
    });
  };

  return (
    <AuthCard title="Join your team" brand>
      {!token ? (
        <Notice tone="error">
          This invitation link is incomplete. Open the link from your invitation again.
        </Notice>
      ) : (
        <>
          <p className="muted">Choose your name and a password to accept the invitation.</p>
          <FormError error={accept.error} describe={acceptError} />
          <form onSubmit={submit} className="stack">
            <TextField {...bind('name')} label="Your name" autoComplete="name" required maxLength={200} />
            <TextField
              {...bind('password')}
              label="Password"
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
            />
            <TextField
              {...bind('confirm')}
              label="Repeat the password"
              type="password"
              autoComplete="new-password"
              required
              issue={mismatch ? 'The passwords differ.' : undefined}
            />
            <button
              type="submit"
              className="button button-primary button-block"
              disabled={accept.busy || mismatch}
            >
              {accept.busy ? 'Joining…' : 'Accept invitation'}
            </button>
          </form>
        </>
      )}
      <p className="small muted auth-footer">
        Already have an account? <Link href="/login">Sign in</Link>
      </p>
    </AuthCard>
  );
}
