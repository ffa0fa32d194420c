export interface RetryOptions {
  /** The first retry waits up to this long; each further one doubles it. Default 250 ms. */
  baseDelayMs?: number;
  /** Backoff never waits longer than this. Default 30 s. */
  maxDelayMs?: number;
  /** Attempts per request, the first included; default: unlimited (until shutdown). */
  maxAttempts?: number;
  /** A server's Retry-After is honoured up to this long. Default 5 minutes. */
  maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    baseDelayMs: options.baseDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 300_000,
  };
}

/**
 * "Full jitter" exponential backoff: a uniform wait between 0 and base·2^(n-1), capped. Spreading
 * the whole interval keeps many clients that failed together from retrying together.
 */
export function backoffDelay(policy: RetryPolicy, failedAttempts: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failedAttempts - 1, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3);
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Status codes worth another attempt: the server is overloaded, failing or rate limiting. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Resolves after `ms`, or early when `signal` aborts. The timer does not keep a process alive. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    unrefTimer(timer);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Node's timers have unref(); browsers' and edge runtimes' are numbers. */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer) {
    (timer as { unref(): void }).unref();
  }
}
