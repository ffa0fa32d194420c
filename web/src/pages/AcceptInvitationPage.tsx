import { type FormEvent, useEffect, useState } from 'react';
import { ApiClient, ApiError } from '../api/client.js';
import { MIN_PASSWORD_LENGTH, type SessionView } from '../api/types.js';
import { Brand } from '../components/Layout.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const issue of error.problem.errors ?? []) {
    const name = issue.path.split('/').filter(Boolean).pop();
    if (name) out[name] = issue.message;
  }
  return out;
}

/** The page an invitation's link opens: choose a name and password, then you are in the org. */
export function AcceptInvitationPage() {
  const session = useSession();
  const location = useLocation();
  const token = location.search.get('token') ?? '';
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Accept invitation · Trailmark';
  }, []);

  const mismatch = confirm !== '' && confirm !== password;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    try {
      const result = await new ApiClient({ kind: 'session', csrfToken: null, org: null }).post<
        Partial<SessionView> | undefined
      >('/v1/invitations/accept', { token, name: name.trim(), password });
      if (result?.user && result.csrf_token && result.orgs) {
        session.signedIn(result as SessionView);
        navigate('/', { replace: true });
      } else {
        navigate('/login', {
          replace: true,
          state: { notice: 'Invitation accepted. Sign in with your new password.' },
        });
      }
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const issues = fieldErrors(error);
  const expired = error instanceof ApiError && (error.status === 404 || error.status === 410);

  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <div className="auth-brand">
          <Brand />
        </div>
        <h1>Join your team</h1>
        {!token ? (
          <div className="notice notice-error" role="alert">
            This invitation link is incomplete. Open the link from your invitation again.
          </div>
        ) : (
          <>
            <p className="muted">Choose your name and a password to accept the invitation.</p>
            {error !== null && (
              <div className="notice notice-error" role="alert">
                {expired
                  ? 'This invitation has expired or was already used. Ask the person who invited you for a new one.'
                  : error instanceof ApiError
                    ? error.describe()
                    : 'Accepting the invitation failed. Try again.'}
              </div>
            )}
            <form onSubmit={submit} className="stack">
              <div className="field">
                <label htmlFor="invite-name">Your name</label>
                <input
                  id="invite-name"
                  name="name"
                  autoComplete="name"
                  required
                  maxLength={200}
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  aria-invalid={issues.name ? true : undefined}
                />
                {issues.name && <span className="field-error">{issues.name}</span>}
              </div>
              <div className="field">
                <label htmlFor="invite-password">Password</label>
                <input
                  id="invite-password"
                  name="password"
                  type="password"
                  autoComplete="new-password"
                  required
                  minLength={MIN_PASSWORD_LENGTH}
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  aria-describedby="invite-password-hint"
                  aria-invalid={issues.password ? true : undefined}
                />
                <span id="invite-password-hint" className="field-hint">
                  At least {MIN_PASSWORD_LENGTH} characters.
                </span>
                {issues.password && <span className="field-error">{issues.password}</span>}
              </div>
              <div className="field">
                <label htmlFor="invite-confirm">Repeat the password</label>
                <input
                  id="invite-confirm"
                  name="confirm"
                  type="password"
                  autoComplete="new-password"
                  required
                  value={confirm}
                  onChange={(e) => setConfirm(e.target.value)}
                  aria-invalid={mismatch ? true : undefined}
                  aria-describedby={mismatch ? 'invite-confirm-error' : undefined}
                />
                {mismatch && (
                  <span id="invite-confirm-error" className="field-error">
                    The passwords differ.
                  </span>
                )}
              </div>
              <button
                type="submit"
                className="button button-primary button-block"
                disabled={busy || mismatch}
              >
                {busy ? 'Joining…' : 'Accept invitation'}
              </button>
            </form>
          </>
        )}
        <p className="small muted auth-footer">
          Already have an account? <Link href="/login">Sign in</Link>
        </p>
      </main>
    </div>
  );
}
