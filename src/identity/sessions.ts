import type { SessionView } from '../contracts/api.js';
import { newId } from '../domain/ids.js';
import type { RequestOrigin, UserPrincipal } from '../domain/principal.js';
import type { MemberRecord, UserRecord } from '../store/identity-store.js';
import type { StoreTx } from '../store/store.js';
import type { IdentitySettings } from './authenticator.js';
import { csrfTokenFor, hashToken, newToken, SESSION_PREFIX } from './tokens.js';

export type { SessionView } from '../contracts/api.js';

export function sessionView(
  user: Pick<UserRecord, 'id' | 'email' | 'name'>,
  members: MemberRecord[],
  secret: string,
): SessionView {
  return {
    user: { id: user.id, email: user.email, name: user.name },
    orgs: members.map((m) => ({
      id: m.org,
      name: m.org_name,
      role: m.role,
      role_name: m.role_name,
      permissions: m.permissions,
    })),
    csrf_token: csrfTokenFor(secret),
  };
}

export function userPrincipal(
  user: Pick<UserRecord, 'id' | 'email' | 'name'>,
  sessionId: string,
): UserPrincipal {
  return { type: 'user', userId: user.id, email: user.email, name: user.name, sessionId };
}

export interface NewSession {
  secret: string;
  id: string;
  expiresAt: string;
}

/** A session just opened, and the view of who it is that answers the browser which opened it. */
export interface SignedIn {
  view: SessionView;
  session: NewSession;
}

export function signedIn(
  user: Pick<UserRecord, 'id' | 'email' | 'name'>,
  members: MemberRecord[],
  session: NewSession,
): SignedIn {
  return { view: sessionView(user, members, session.secret), session };
}

/** Writes a new session (a fresh id every time: no fixation) inside the caller's transaction. */
export async function openSession(
  tx: StoreTx,
  userId: string,
  now: Date,
  settings: IdentitySettings,
  origin: RequestOrigin,
): Promise<NewSession> {
  const secret = newToken(SESSION_PREFIX);
  const id = newId('ses', now.getTime());
  const expiresAt = new Date(now.getTime() + settings.sessionMaxMs).toISOString();
  await tx.identity.createSession({
    id,
    token_hash: hashToken(secret),
    user_id: userId,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: expiresAt,
    ip: origin.ip ?? null,
    user_agent: origin.userAgent?.slice(0, 1024) ?? null,
  });
  return { secret, id, expiresAt };
}
