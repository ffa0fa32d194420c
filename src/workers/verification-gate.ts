import { AppError } from '../domain/errors.js';
import { RequestRateLimiter } from '../identity/rate-limit.js';

/** Full verifications an org may start per minute (a burst of as many, refilled continuously). */
export const VERIFICATIONS_PER_MINUTE = 20;

/**
 * Full verifications asked for over the API, per org: one at a time (a request that arrives
 * while one runs shares its result) and at most VERIFICATIONS_PER_MINUTE started a minute, so a
 * read-only credential cannot keep the database busy walking the whole chain. In-process, like
 * the other limiters.
 */
export class VerificationGate {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly rate = new RequestRateLimiter();

  constructor(private readonly perMinute = VERIFICATIONS_PER_MINUTE) {}

  run<T>(org: string, now: number, verify: () => Promise<T>): Promise<T> {
    const current = this.running.get(org);
    if (current) return current as Promise<T>;
    const wait = this.rate.take(org, this.perMinute, now);
    if (wait > 0) {
      throw new AppError(
        'rate_limited',
        `at most ${this.perMinute} full verifications of an organization start per minute`,
        { retryAfter: wait },
      );
    }
    const started = verify().finally(() => this.running.delete(org));
    this.running.set(org, started);
    return started;
  }
}
