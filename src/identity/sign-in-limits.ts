import { AppError, validationError } from '../domain/errors.js';
import type { UserRecord } from '../store/identity-store.js';
import type { IdentitySettings } from './authenticator.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { FailureLimiter, Throttle } from './rate-limit.js';

/**
 * The limits on guessing passwords. Failures are counted per IP and per account (an unknown email
 * counts like a known one), and a wrong password costs what an unknown email costs: both verify
 * an argon2id hash.
 */
export class SignInLimits {
  private readonly byIp: FailureLimiter;
  private readonly byAccount: FailureLimiter;
  private readonly dummyHash: Promise<string>;
  /** Accounts whose blocked attempts were recorded in the current window. */
  private readonly blockedNotice: Throttle;

  constructor(
    settings: Pick<
      IdentitySettings,
      'loginMaxFailuresPerIp' | 'loginMaxFailuresPerAccount' | 'loginWindowMs'
    >,
    /** Replaceable so a test can see that both paths verify a hash of the same cost. */
    private readonly verify: (hash: string, password: string) => Promise<boolean> = verifyPassword,
  ) {
    this.byIp = new FailureLimiter(settings.loginMaxFailuresPerIp, settings.loginWindowMs);
    this.byAccount = new FailureLimiter(settings.loginMaxFailuresPerAccount, settings.loginWindowMs);
    this.dummyHash = dummyPasswordHash();
    this.blockedNotice = new Throttle(settings.loginWindowMs);
  }

  /** Seconds until this IP and account may try again; 0 when they may now. */
  retryAfter(email: string, ip: string, now: number): number {
    return Math.max(this.byIp.retryAfter(ip, now), this.byAccount.retryAfter(email, now));
  }

  /** True once per window and account: whether to record that its sign-ins are being refused. */
  blockedNoticeDue(email: string, now: number): boolean {
    return this.blockedNotice.due(email, now);
  }

  /**
   * Checks `password` against the account's hash, or against a dummy hash when there is no
   * account. A failure counts against the IP and the account; a success clears the account's.
   */
  async passwordMatches(
    user: UserRecord | undefined,
    email: string,
    ip: string,
    password: string,
    now: number,
  ): Promise<boolean> {
    const ok = await this.verify(user?.password_hash ?? (await this.dummyHash), password);
    if (!user || !ok) {
      this.byIp.fail(ip, now);
      this.byAccount.fail(email, now);
      return false;
    }
    this.byAccount.reset(email);
    return true;
  }

  /** Checks a password of a signed-in user (changing it), under the same per-account limit. */
  async checkCurrentPassword(user: UserRecord, password: string, now: number): Promise<void> {
    const wait = this.byAccount.retryAfter(user.email, now);
    if (wait > 0) {
      throw new AppError('rate_limited', 'too many wrong passwords; try again later', { retryAfter: wait });
    }
    if (!(await this.verify(user.password_hash, password))) {
      this.byAccount.fail(user.email, now);
      throw validationError([{ path: '/current_password', message: 'is not your current password' }]);
    }
  }
}
