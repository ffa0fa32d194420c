import { AppError } from '../domain/errors.js';
import type { RequestOrigin, UserPrincipal } from '../domain/principal.js';
import type { IdentitySettings } from '../identity/authenticator.js';
import { openSession, type SignedIn, signedIn, userPrincipal } from '../identity/sessions.js';
import { SignInLimits } from '../identity/sign-in-limits.js';
import type { UserRecord } from '../store/identity-store.js';
import { audited, type ChangeDeps, recordInEachOrg } from './audited.js';

/** Failed-login events waiting to be written, at most (each holds one request's origin). */
const MAX_WAITING_FAILURE_WRITES = 10_000;

export interface LoginInput {
  email: string;
  password: string;
  origin: RequestOrigin;
  /** The session the browser presented, if any: revoked, never reused. */
  previousSessionId?: string;
}

/**
 * Signing in, under the sign-in limits (identity/sign-in-limits.ts). The `user.login_failed`
 * event of a known account is written after the answer, not before it, so that a wrong password
 * costs what an unknown email costs.
 */
export class Logins {
  private readonly limits: SignInLimits;
  /**
   * Failed-login events are written one after another, in the order the attempts were refused,
   * so the log tells them in that order; tests and shutdown wait for the last.
   */
  private written: Promise<void> = Promise.resolve();
  /** Writes waiting: past the bound, further failures are logged, not recorded (a flood). */
  private waiting = 0;

  constructor(
    private readonly deps: ChangeDeps,
    private readonly settings: IdentitySettings,
    private readonly onError: (error: unknown) => void,
  ) {
    this.limits = new SignInLimits(settings);
  }

  async login(input: LoginInput): Promise<SignedIn> {
    const email = input.email.trim().toLowerCase();
    const ip = input.origin.ip ?? 'unknown';
    const now = this.deps.now();
    const wait = this.limits.retryAfter(email, ip, now.getTime());
    if (wait > 0) {
      // Recorded once per window and account, after the answer, whether the account exists or not.
      if (this.limits.blockedNoticeDue(email, now.getTime())) this.recordBlocked(email, input.origin);
      throw new AppError('rate_limited', 'too many failed sign-ins; try again later', { retryAfter: wait });
    }
    const user = await this.deps.store.identity.findUserByEmail(email);
    const ok = await this.limits.passwordMatches(user, email, ip, input.password, now.getTime());
    if (!user || !ok) {
      if (user) this.recordFailure(user, input.origin, 'invalid_password');
      throw new AppError('unauthorized', 'the email or the password is wrong');
    }
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
    return signedIn(user, members, session);
  }

  private recordBlocked(email: string, origin: RequestOrigin): void {
    this.enqueue(async () => {
      const user = await this.deps.store.identity.findUserByEmail(email);
      if (user) await this.writeFailure(user, origin, 'rate_limited');
    });
  }

  /** Written after the 401 is sent, so that the answer's timing does not depend on it. */
  private recordFailure(user: UserRecord, origin: RequestOrigin, reason: string): void {
    this.enqueue(() => this.writeFailure(user, origin, reason));
  }

  private enqueue(write: () => Promise<void>): void {
    if (this.waiting >= MAX_WAITING_FAILURE_WRITES) {
      this.onError(new Error('too many failed sign-ins waiting to be recorded; this one is not'));
      return;
    }
    this.waiting += 1;
    this.written = this.written
      .then(write)
      .catch(this.onError)
      .finally(() => {
        this.waiting -= 1;
      });
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
    await this.written;
  }

  /** Checks a password of a signed-in user (changing it), under the same per-account limit. */
  checkPassword(user: UserRecord, password: string): Promise<void> {
    return this.limits.checkCurrentPassword(user, password, this.deps.now().getTime());
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
