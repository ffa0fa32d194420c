/**
 * When to try a failed delivery again: exponential backoff with full jitter (a delay drawn
 * uniformly from zero to the exponential bound, so destinations that failed together do not all
 * come back at the same instant), capped, and never earlier than the destination's Retry-After.
 * Pure: the caller passes the clock and, in tests, the random source.
 */

export interface RetryPolicy {
  /** The bound for the first retry; it doubles with each further attempt. */
  baseDelayMs: number;
  /** The bound stops growing here. */
  maxDelayMs: number;
  /** A Retry-After longer than this is shortened to it (a destination cannot park a stream for days). */
  maxRetryAfterMs: number;
  /** Failing for this long without a success: stop and pause the stream, with the reason shown. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  maxRetryAfterMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

/** The delay before retry number `attempt` (0 for the first retry): uniform in [0, bound). */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * bound);
}

/**
 * A Retry-After header (RFC 9110 §10.2.3): a number of seconds or an HTTP date. Milliseconds
 * from `now`, or undefined when absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The delay before the next attempt: the jittered backoff, but no sooner than Retry-After asks. */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelayMs(attempt, policy, random);
  if (retryAfterMs === undefined) return backoff;
  return Math.max(backoff, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}

/** True once a destination has failed without a success since `failingSince` for too long. */
export function shouldGiveUp(failingSince: number, now: number, policy: RetryPolicy): boolean {
  return now - failingSince >= policy.giveUpAfterMs;
}
