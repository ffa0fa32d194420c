import { type FormEvent, useEffect, useState } from 'react';
import { ApiClient, ApiError } from '../api/client.js';
import type { SessionView } from '../api/types.js';
import { Brand } from '../components/Layout.js';
import { Notice } from '../components/ui.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

/** Only same-site paths: `next` comes from the URL and must not send anyone elsewhere. */
export function safeNext(value: string | null): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}

function loginError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'The email or password is not correct.';
    if (error.status === 429) return 'Too many attempts. Wait a minute and try again.';
    if (error.status === 0) return error.message;
    return error.describe();
  }
  return 'Signing in failed. Try again.';
}

export function LoginPage() {
  const session = useSession();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reason =
    location.state?.notice ?? (session.state.status === 'signed-out' ? session.state.reason : undefined);

  useEffect(() => {
    document.title = 'Sign in · Trailmark';
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const info = await new ApiClient({ kind: 'session', csrfToken: null, org: null }).post<SessionView>(
        '/v1/auth/login',
        { email: email.trim(), password },
      );
      session.signedIn(info);
      navigate(safeNext(location.search.get('next')), { replace: true });
    } catch (caught) {
      setError(loginError(caught));
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <div className="auth-brand">
          <Brand />
        </div>
        <h1>Sign in</h1>
        <p className="muted">Sign in to review your organization's audit log.</p>
        {reason && <Notice tone="info">{reason}</Notice>}
        {error && (
          <div className="notice notice-error" role="alert">
            {error}
          </div>
        )}
        <form onSubmit={submit} className="stack">
          <div className="field">
            <label htmlFor="login-email">Email</label>
            <input
              id="login-email"
              name="email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </main>
    </div>
  );
}
