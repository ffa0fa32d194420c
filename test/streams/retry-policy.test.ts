import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  parseRetryAfterMs,
  retryDelayMs,
  shouldGiveUp,
} from '../../src/delivery/retry-policy.js';

const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxRetryAfterMs: 600_000, giveUpAfterMs: 86_400_000 };

describe('retry policy', () => {
  it('draws the delay uniformly below a bound that doubles per attempt, up to the cap', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 5, 6, 7, 100].map((attempt) => backoffDelayMs(attempt, policy, top))).toEqual([
      999, 1999, 3999, 7999, 31999, 59999, 59999, 59999,
    ]);
    expect(backoffDelayMs(4, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(4, policy, () => 0.5)).toBe(8000);
  });

  it('is jittered: many draws spread over the whole range', () => {
    const draws = Array.from({ length: 2000 }, () => backoffDelayMs(3, policy));
    expect(Math.min(...draws)).toBeLessThan(800);
    expect(Math.max(...draws)).toBeGreaterThan(7200);
    expect(draws.every((d) => d >= 0 && d < 8000)).toBe(true);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-01T10:00:00Z');
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
    expect(parseRetryAfterMs('Sun, 01 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Sun, 01 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-5', now)).toBeUndefined();
    expect(parseRetryAfterMs('1.5', now)).toBeUndefined();
  });

  it('waits at least what Retry-After asks, within its cap', () => {
    expect(retryDelayMs(0, 30_000, policy, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(10, 1_000, policy, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(0, 10 * 86_400_000, policy, () => 0)).toBe(600_000);
    expect(retryDelayMs(2, undefined, policy, () => 0.25)).toBe(1000);
  });

  it('gives up after a day of failing by default', () => {
    const start = 1_000_000;
    expect(shouldGiveUp(start, start + 86_399_999, DEFAULT_RETRY_POLICY)).toBe(false);
    expect(shouldGiveUp(start, start + 86_400_000, DEFAULT_RETRY_POLICY)).toBe(true);
  });
});
