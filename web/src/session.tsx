import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiClient, ApiError } from './api/client.js';
import type { Membership, Permission, SessionView } from './api/types.js';
import { useLocation } from './router.js';

/**
 * The signed-in person, their organizations and the one they are looking at. The session itself
 * is the HttpOnly `tm_session` cookie; this keeps the CSRF token (needed on every write) and the
 * chosen org (sent as Trailmark-Org) in memory, and the chosen org in localStorage too so a reload
 * keeps it. A link that names an org (`?org=`, as the log pages write it) wins, so a shared view
 * opens on the org it was taken in.
 */

const ORG_STORAGE_KEY = 'trailmark.org';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'error'; message: string }
  | { status: 'signed-in'; info: SessionView };

export interface Session {
  state: SessionState;
  /** Only when signed in. */
  info: SessionView | null;
  org: Membership | null;
  api: ApiClient;
  can(permission: Permission): boolean;
  switchOrg(id: string): void;
  signedIn(info: SessionView): void;
  signOut(): Promise<void>;
  reload(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function storedOrg(): string | null {
  try {
    return window.localStorage.getItem(ORG_STORAGE_KEY);
  } catch {
    return null;
  }
}

function pickOrg(info: SessionView, wanted: string | null): Membership | null {
  return info.orgs.find((o) => o.id === wanted) ?? info.orgs[0] ?? null;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [orgId, setOrgId] = useState<string | null>(storedOrg);
  const urlOrg = useLocation().search.get('org');

  const expire = useCallback(() => {
    setState((current) =>
      current.status === 'signed-in' ? { status: 'signed-out', reason: 'Your session has ended.' } : current,
    );
  }, []);

  const info = state.status === 'signed-in' ? state.info : null;
  const linked = urlOrg && info?.orgs.some((o) => o.id === urlOrg) ? urlOrg : null;
  const org = info ? pickOrg(info, linked ?? orgId) : null;

  const api = useMemo(
    () =>
      new ApiClient({ kind: 'session', csrfToken: info?.csrf_token ?? null, org: org?.id ?? null }, expire),
    [info?.csrf_token, org?.id, expire],
  );

  const reload = useCallback(async () => {
    try {
      const me = await new ApiClient({ kind: 'session', csrfToken: null, org: null }).get<SessionView>(
        '/v1/auth/me',
      );
      setState({ status: 'signed-in', info: me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setState({ status: 'signed-out' });
      else setState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const switchOrg = useCallback((id: string) => {
    setOrgId(id);
    try {
      window.localStorage.setItem(ORG_STORAGE_KEY, id);
    } catch {
      // Private browsing without storage: the choice lasts until reload.
    }
  }, []);

  useEffect(() => {
    if (linked && linked !== orgId) switchOrg(linked);
  }, [linked, orgId, switchOrg]);

  // Remember the org in use, so the next visit can ask for its log before /me answers.
  const current = org?.id;
  useEffect(() => {
    if (current && current !== storedOrg()) switchOrg(current);
  }, [current, switchOrg]);

  const signedIn = useCallback((next: SessionView) => setState({ status: 'signed-in', info: next }), []);

  const signOut = useCallback(async () => {
    try {
      await api.post('/v1/auth/logout');
    } finally {
      setState({ status: 'signed-out', reason: 'You have signed out.' });
    }
  }, [api]);

  const value = useMemo<Session>(
    () => ({
      state,
      info,
      org,
      api,
      can: (permission) => org?.permissions.includes(permission) ?? false,
      switchOrg,
      signedIn,
      signOut,
      reload,
    }),
    [state, info, org, api, switchOrg, signedIn, signOut, reload],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
