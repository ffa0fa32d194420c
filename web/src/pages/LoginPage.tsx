import { type FormEvent, useEffect } from 'react';
import { ApiClient, ApiError } from '../api/client.js';
import type { SessionView } from '../api/types.js';
import { FormError, TextField } from '../components/forms.js';
import { AuthCard } from '../components/Layout.js';
import { Notice } from '../components/ui.js';
import { safeNext } from '../lib/safe-next.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

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
  const login = useFormAction();
  const { values, bind } = useTextFields('login', { email: '', password: '' });
  const reason =
    location.state?.notice ?? (session.state.status === 'signed-out' ? session.state.reason : undefined);

  useEffect(() => {
    document.title = 'Sign in · Trailmark';
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void login.run(async () => {
      const info = await new ApiClient({ kind: 'session', csrfToken: null, org: null }).post<SessionView>(
        '/v1/auth/login',
        { email: values.email.trim(), password: values.password },
      );
      session.signedIn(info);
      navigate(safeNext(location.search.get('next')), { replace: true });
    });
  };

  return (
    <AuthCard title="Sign in" brand>
      <p className="muted">Sign in to review your organization's audit log.</p>
      {reason && <Notice tone="info">{reason}</Notice>}
      <FormError error={login.error} describe={loginError} />
      <form onSubmit={submit} className="stack">
        <TextField {...bind('email')} label="Email" type="email" autoComplete="username" required />
        <TextField
          {...bind('password')}
          label="Password"
          type="password"
          autoComplete="current-password"
          required
        />
        <button type="submit" className="button button-primary button-block" disabled={login.busy}>
          {login.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthCard>
  );
}
