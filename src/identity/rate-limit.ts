/**
 * In-process limiters. Each Trailmark process keeps its own counts: with several processes
 * behind a load balancer the effective limit is per process, which still bounds guessing.
 */

const MAX_KEYS = 100_000;

/** Counts failures per key in a sliding window; blocks a key once it reaches `max`. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const times = this.live(key, now);
    if (times.length < this.max) return 0;
    return Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000));
  }

  /** Records a failure; true when this one reached the limit (the key is blocked from now). */
  fail(key: string, now: number): boolean {
    const times = this.live(key, now);
    times.push(now);
    this.failures.delete(key);
    this.failures.set(key, times.slice(-this.max));
    if (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
    return times.length === this.max;
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private live(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const kept = times.filter((t) => t > now - this.windowMs);
    if (kept.length !== times.length) this.failures.set(key, kept);
    return kept;
  }
}

/** A token bucket per key: `perMinute` requests a minute, refilled continuously. */
export class RequestRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string, perMinute: number, now: number): number {
    const rate = perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
  }
}

/** Remembers when something was last done per key, to do it at most once per interval. */
export class Throttle {
  private readonly last = new Map<string, number>();

  constructor(readonly intervalMs: number) {}

  /** True when `key` was not done within the interval; records it as done now. */
  due(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.intervalMs) return false;
    this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > MAX_KEYS) this.last.delete(this.last.keys().next().value!);
    return true;
  }

  forget(key: string): void {
    this.last.delete(key);
  }
}
