import { type ReactNode, useEffect, useId, useRef } from 'react';
import type { Permission } from '../api/types.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { Notice } from './ui.js';

interface NavItem {
  href: string;
  label: string;
  needs?: Permission;
}

const NAV: { title: string; items: NavItem[] }[] = [
  {
    title: 'Activity',
    items: [
      { href: '/settings/audit-log', label: 'Audit log', needs: 'viewAuditLog' },
      { href: '/settings/api-requests', label: 'API requests', needs: 'viewAuditLog' },
      { href: '/settings/alerts', label: 'Alerts', needs: 'manageAlerts' },
      { href: '/settings/alert-rules', label: 'Rules & channels', needs: 'manageAlerts' },
      { href: '/settings/streams', label: 'Streams', needs: 'manageStreams' },
    ],
  },
  {
    title: 'Organization',
    items: [
      { href: '/settings/members', label: 'Members & roles', needs: 'manageMembers' },
      { href: '/settings/api-keys', label: 'API keys', needs: 'manageApiKeys' },
      { href: '/settings/organization', label: 'Settings' },
    ],
  },
];

function OrgSwitcher() {
  const session = useSession();
  const id = useId();
  const orgs = session.info?.orgs ?? [];
  const current = session.org;
  if (!current) return null;
  if (orgs.length < 2) {
    return (
      <div className="org-current">
        <span className="org-label">Organization</span>
        <span className="org-name" title={current.id}>
          {current.name}
        </span>
        <span className="org-role">{current.role_name ?? current.role}</span>
      </div>
    );
  }
  return (
    <div className="org-current">
      <label className="org-label" htmlFor={id}>
        Organization
      </label>
      <select
        id={id}
        className="org-select"
        value={current.id}
        onChange={(e) => {
          session.switchOrg(e.target.value);
          const { pathname } = window.location;
          navigate(pathname);
        }}
      >
        {orgs.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name}
          </option>
        ))}
      </select>
      <span className="org-role">{current.role_name ?? current.role}</span>
    </div>
  );
}

export function Brand() {
  return (
    <span className="brand">
      <svg viewBox="0 0 32 32" width="24" height="24" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="currentColor" />
        <path d="M9 10h14M16 10v13M11 23h10" stroke="#fff" strokeWidth="3" strokeLinecap="round" />
      </svg>
      <span>Trailmark</span>
    </span>
  );
}

/** The card of the pages outside the signed-in frame (sign-in, invitations, no organization). */
export function AuthCard({
  title,
  brand = false,
  children,
}: {
  title?: string;
  brand?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        {brand && (
          <div className="auth-brand">
            <Brand />
          </div>
        )}
        {title && <h1>{title}</h1>}
        {children}
      </main>
    </div>
  );
}

/** The signed-in frame: sidebar (org, navigation, account) and the page. */
export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const notice = location.state?.notice;

  // Moving between pages puts keyboard and screen-reader focus at the new page's start.
  const path = location.pathname;
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each page change, by design
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [path]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <Link href="/" className="brand-link" aria-label="Trailmark home">
          <Brand />
        </Link>
        <OrgSwitcher />
        <nav aria-label="Main">
          {NAV.map((group) => {
            const items = group.items.filter((item) => !item.needs || session.can(item.needs));
            if (!items.length) return null;
            return (
              <div key={group.title} className="nav-group">
                <span className="nav-title">{group.title}</span>
                <ul>
                  {items.map((item) => (
                    <li key={item.href}>
                      <Link
                        href={item.href}
                        className="nav-link"
                        aria-current={location.pathname === item.href ? 'page' : undefined}
                      >
                        {item.label}
                      </Link>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </nav>
        <div className="account">
          <span className="account-name">{session.info?.user.name || session.info?.user.email}</span>
          <span className="account-email">{session.info?.user.email}</span>
          <button
            type="button"
            className="button button-ghost button-small"
            onClick={() => void session.signOut()}
          >
            Sign out
          </button>
        </div>
      </aside>
      <main id="main" ref={main} tabIndex={-1} className="main">
        {notice && (
          <Notice
            tone="warning"
            onDismiss={() => navigate(window.location.pathname + window.location.search, { replace: true })}
          >
            {notice}
          </Notice>
        )}
        {children}
      </main>
    </div>
  );
}
