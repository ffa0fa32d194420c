import { AuthCard, Layout } from './components/Layout.js';
import { Redirect } from './components/Redirect.js';
import { ErrorNotice, Spinner } from './components/ui.js';
import { safeNext } from './lib/safe-next.js';
import { AcceptInvitationPage } from './pages/AcceptInvitationPage.js';
import { AlertRulesPage } from './pages/AlertRulesPage.js';
import { AlertsPage } from './pages/AlertsPage.js';
import { ApiKeysPage } from './pages/ApiKeysPage.js';
import { EmbedPage } from './pages/EmbedPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { LogPage } from './pages/LogPage.js';
import { MembersPage } from './pages/MembersPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { SettingsPage } from './pages/SettingsPage.js';
import { StreamsPage } from './pages/StreamsPage.js';
import { useLocation } from './router.js';
import { type Session, SessionProvider, useSession } from './session.js';

/** Client routes. The server answers each of these paths with index.html (src/http/dashboard.ts). */
export const ROUTES = {
  home: '/',
  login: '/login',
  acceptInvitation: '/invitations/accept',
  embed: '/embed',
  auditLog: '/settings/audit-log',
  apiRequests: '/settings/api-requests',
  members: '/settings/members',
  apiKeys: '/settings/api-keys',
  alerts: '/settings/alerts',
  alertRules: '/settings/alert-rules',
  streams: '/settings/streams',
  settings: '/settings/organization',
} as const;

function homeOf(session: Session): string {
  return session.can('viewAuditLog') ? ROUTES.auditLog : ROUTES.settings;
}

function noAccessNotice(session: Session, page: string): string {
  const role = session.org?.role_name ?? session.org?.role ?? 'your role';
  return `You were redirected: ${page} needs the “View audit log” permission, which the role “${role}” does not have in ${session.org?.name ?? 'this organization'}. Ask an owner or admin for access.`;
}

function SignedInRoutes({ session }: { session: Session }) {
  const { pathname } = useLocation();
  if (!session.org) {
    return (
      <AuthCard title="No organization">
        <p>Your account is not a member of any organization yet. Ask an owner to invite you.</p>
        <button type="button" className="button button-secondary" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </AuthCard>
    );
  }
  switch (pathname) {
    case ROUTES.home:
    case ROUTES.login:
    case '/settings':
      return <Redirect to={homeOf(session)} />;
    case ROUTES.auditLog:
    case ROUTES.apiRequests: {
      if (!session.can('viewAuditLog')) {
        const page = pathname === ROUTES.auditLog ? 'the audit log' : 'the API requests log';
        return <Redirect to={ROUTES.settings} state={{ notice: noAccessNotice(session, page) }} />;
      }
      return (
        <Layout>
          <LogPage kind={pathname === ROUTES.auditLog ? 'audit' : 'request'} />
        </Layout>
      );
    }
    case ROUTES.members:
      return (
        <Layout>
          <MembersPage />
        </Layout>
      );
    case ROUTES.apiKeys:
      return (
        <Layout>
          <ApiKeysPage />
        </Layout>
      );
    case ROUTES.alerts:
      return (
        <Layout>
          <AlertsPage />
        </Layout>
      );
    case ROUTES.alertRules:
      return (
        <Layout>
          <AlertRulesPage />
        </Layout>
      );
    case ROUTES.streams:
      return (
        <Layout>
          <StreamsPage />
        </Layout>
      );
    case ROUTES.settings:
      return (
        <Layout>
          <SettingsPage />
        </Layout>
      );
    default:
      return (
        <Layout>
          <NotFoundPage />
        </Layout>
      );
  }
}

function SessionRoutes() {
  const session = useSession();
  const location = useLocation();
  if (location.pathname === ROUTES.acceptInvitation) return <AcceptInvitationPage />;
  const { state } = session;
  if (state.status === 'loading') {
    return (
      <div className="auth-page">
        <Spinner label="Loading Trailmark" />
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <AuthCard>
        <ErrorNotice
          error={new Error(state.message)}
          onRetry={() => void session.reload()}
          title="Trailmark did not answer"
        />
      </AuthCard>
    );
  }
  if (state.status === 'signed-out') {
    if (location.pathname === ROUTES.login) return <LoginPage />;
    const here = location.pathname + (location.search.size ? `?${location.search}` : '');
    const next = here === '/' ? '' : `?next=${encodeURIComponent(here)}`;
    return <Redirect to={`${ROUTES.login}${next}`} />;
  }
  if (location.pathname === ROUTES.login) {
    return (
      <Redirect
        to={
          safeNext(location.search.get('next')) === '/'
            ? homeOf(session)
            : safeNext(location.search.get('next'))
        }
      />
    );
  }
  return <SignedInRoutes session={session} />;
}

export function App() {
  const { pathname } = useLocation();
  if (pathname === ROUTES.embed) return <EmbedPage />;
  return (
    <SessionProvider>
      <SessionRoutes />
    </SessionProvider>
  );
}
