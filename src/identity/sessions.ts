import type { SessionView } from '../contracts/api.js';
import { AppError, validationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { RequestOrigin, UserPrincipal } from '../domain/principal.js';
import type { MemberRecord, UserRecord } from '../store/identity-store.js';
import type { IdentitySettings } from './authenticator.js';
import { dummyPasswordHash, hashPassword, passwordIssues, verifyPassword } from './passwords.js';
import { FailureLimiter, Throttle } from './rate-limit.js';
import { audited, type ChangeDeps, type Record } from './self-audit.js';
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

/** Writes a new session (a fresh id every time: no fixation) inside the caller's transaction. */
export async function openSession(
  tx: Parameters<Parameters<ChangeDeps['store']['transaction']>[0]>[0],
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

/** Records one event in each org the user belongs to (a person's sign-in concerns all of them). */
function recordInEachOrg(
  record: Record,
  members: MemberRecord[],
  action: string,
  fields: Parameters<Record>[2],
  principal?: UserPrincipal,
): void {
  for (const m of members) record(m.org, action, fields, principal);
}

export interface LoginInput {
  email: string;
  password: string;
  origin: RequestOrigin;
  /** The session the browser presented, if any: revoked, never reused. */
  previousSessionId?: string;
}

/**
 * Signing in. Rate-limited per IP and per account (an unknown email counts like a known one), and
 * a wrong password costs what an unknown email costs: both verify an argon2id hash, and the
 * `user.login_failed` event of a known account is written after the answer, not before it.
 */
export class Logins {
  private readonly byIp: FailureLimiter;
  private readonly byAccount: FailureLimiter;
  private readonly dummyHash: Promise<string>;
  /** Accounts whose blocked attempts were recorded in the current window. */
  private readonly blockedNotice: Throttle;
  /** Failed-login events being written; tests and shutdown wait for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: ChangeDeps,
    private readonly settings: IdentitySettings,
    private readonly onError: (error: unknown) => void,
  ) {
    this.byIp = new FailureLimiter(settings.loginMaxFailuresPerIp, settings.loginWindowMs);
    this.byAccount = new FailureLimiter(settings.loginMaxFailuresPerAccount, settings.loginWindowMs);
    this.dummyHash = dummyPasswordHash();
    this.blockedNotice = new Throttle(settings.loginWindowMs);
  }

  async login(input: LoginInput): Promise<{ view: SessionView; session: NewSession }> {
    const email = input.email.trim().toLowerCase();
    const ip = input.origin.ip ?? 'unknown';
    const now = this.deps.now();
    const wait = Math.max(
      this.byIp.retryAfter(ip, now.getTime()),
      this.byAccount.retryAfter(email, now.getTime()),
    );
    if (wait > 0) {
      // Recorded once per window and account, after the answer, whether the account exists or not.
      if (this.blockedNotice.due(email, now.getTime())) this.recordBlocked(email, input.origin);
      throw new AppError('rate_limited', 'too many failed sign-ins; try again later', { retryAfter: wait });
    }
    const user = await this.deps.store.identity.findUserByEmail(email);
    const ok = await verifyPassword(user?.password_hash ?? (await this.dummyHash), input.password);
    if (!user || !ok) {
      this.byIp.fail(ip, now.getTime());
      this.byAccount.fail(email, now.getTime());
      if (user) this.recordFailure(user, input.origin, 'invalid_password');
      throw new AppError('unauthorized', 'the email or the password is wrong');
    }
    this.byAccount.reset(email);
    const members = await this.deps.store.identity.membershipsOf(user.id);
    const session = await audited(
      this.deps,
      { principal: null, origin: input.origin },
      async (tx, record) => {
        if (input.previousSessionId)
          await tx.identity.revokeSession(input.previousSessionId, now.toISOString());
        const opened = await openSession(tx, user.id, now, this.settings, input.origin);
        recordInEachOrg(
          record,
          members,
          'user.login',
          {
            resource: { type: 'user', id: user.id, name: user.email },
            description: `${user.email} signed in`,
            metadata: { method: 'password', session_id: opened.id },
          },
          userPrincipal(user, opened.id),
        );
        return opened;
      },
    );
    return { view: sessionView(user, members, session.secret), session };
  }

  private recordBlocked(email: string, origin: RequestOrigin): void {
    this.track(
      (async () => {
        const user = await this.deps.store.identity.findUserByEmail(email);
        if (user) await this.writeFailure(user, origin, 'rate_limited');
      })(),
    );
  }

  /** Written after the 401 is sent, so that the answer's timing does not depend on it. */
  private recordFailure(user: UserRecord, origin: RequestOrigin, reason: string): void {
    this.track(this.writeFailure(user, origin, reason));
  }

  private track(write: Promise<void>): void {
    const tracked = write.catch(this.onError).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async writeFailure(user: UserRecord, origin: RequestOrigin, reason: string): Promise<void> {
    const members = await this.deps.store.identity.membershipsOf(user.id);
    if (!members.length) return;
    await audited(this.deps, { principal: null, origin }, async (_tx, record) => {
      recordInEachOrg(
        record,
        members,
        'user.login_failed',
        {
          status: 'failure',
          resource: { type: 'user', id: user.id, name: user.email },
          description: `Failed sign-in for ${user.email}: ${reason.replaceAll('_', ' ')}`,
          metadata: { reason, ip: origin.ip ?? null, user_agent: origin.userAgent ?? null },
        },
        userPrincipal(user, 'none'),
      );
    });
  }

  /** Resolves once every failed-login event started so far is written. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Checks a password of a signed-in user (changing it), under the same per-account limit. */
  async checkPassword(user: UserRecord, password: string): Promise<void> {
    const now = this.deps.now().getTime();
    const wait = this.byAccount.retryAfter(user.email, now);
    if (wait > 0) {
      throw new AppError('rate_limited', 'too many wrong passwords; try again later', { retryAfter: wait });
    }
    if (!(await verifyPassword(user.password_hash, password))) {
      this.byAccount.fail(user.email, now);
      throw validationError([{ path: '/current_password', message: 'is not your current password' }]);
    }
  }
}

export async function logout(
  deps: ChangeDeps,
  principal: UserPrincipal,
  origin: RequestOrigin,
): Promise<void> {
  const members = await deps.store.identity.membershipsOf(principal.userId);
  const at = deps.now().toISOString();
  await audited(deps, { principal, origin }, async (tx, record) => {
    await tx.identity.revokeSession(principal.sessionId, at);
    recordInEachOrg(record, members, 'user.logout', {
      resource: { type: 'user', id: principal.userId, name: principal.email },
      description: `${principal.email} signed out`,
      metadata: { session_id: principal.sessionId },
    });
  });
}

/**
 * Changes a password: every session of the user is revoked (a stolen one stops working) and a
 * new one is opened for the browser that made the change.
 */
export async function changePassword(
  deps: ChangeDeps,
  logins: Logins,
  settings: IdentitySettings,
  principal: UserPrincipal,
  input: { currentPassword: string; newPassword: string },
  origin: RequestOrigin,
): Promise<{ view: SessionView; session: NewSession }> {
  const user = await deps.store.identity.getUser(principal.userId);
  if (!user) throw new AppError('unauthorized', 'the session has expired or was signed out');
  await logins.checkPassword(user, input.currentPassword);
  const issues = passwordIssues(input.newPassword, '/new_password', user.email);
  if (issues.length) throw validationError(issues);
  const passwordHash = await hashPassword(input.newPassword);
  const members = await deps.store.identity.membershipsOf(user.id);
  const now = deps.now();
  const session = await audited(deps, { principal, origin }, async (tx, record) => {
    await tx.identity.setPassword(user.id, passwordHash, now.toISOString());
    const revoked = await tx.identity.revokeUserSessions(user.id, now.toISOString());
    const opened = await openSession(tx, user.id, now, settings, origin);
    recordInEachOrg(record, members, 'user.password_changed', {
      resource: { type: 'user', id: user.id, name: user.email },
      description: `${user.email} changed their password`,
      metadata: { changed_fields: ['password'], sessions_revoked: revoked },
    });
    return opened;
  });
  return { view: sessionView(user, members, session.secret), session };
}
