import { backoffDelay, isTransientStatus, parseRetryAfter, type RetryPolicy, sleep } from './backoff.js';
import { type Connection, connectionHeaders, problemFrom } from './http.js';
import type { Acknowledgement, Problem } from './types.js';

export type DeliveryOutcome =
  | { kind: 'acked'; acks: Acknowledgement[] }
  /** A 4xx other than 429: sending the same body again cannot succeed. */
  | { kind: 'rejected'; status: number; problem: Problem }
  | { kind: 'exhausted'; attempts: number; status?: number; problem?: Problem; cause?: unknown }
  /** The caller gave up (shutdown's deadline): the events may or may not be stored. */
  | { kind: 'abandoned' };

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  status?: number;
  cause?: unknown;
}

/**
 * Posts one batch until the server acknowledges or refuses it. Network errors, 5xx and 429 are
 * retried with full-jitter backoff, or after the server's Retry-After; the body is sent
 * unchanged every time, and its events carry their ids, so an attempt that was stored but not
 * answered comes back as duplicates instead of being stored twice.
 */
export async function deliver(
  connection: Connection,
  body: Uint8Array<ArrayBuffer>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry?: (notice: RetryNotice) => void,
): Promise<DeliveryOutcome> {
  const url = `${connection.baseUrl}/v1/events`;
  const headers = { ...connectionHeaders(connection), 'content-type': 'application/json' };
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return { kind: 'abandoned' };
    let retryAfter: number | undefined;
    let failure: { status?: number; problem?: Problem; cause?: unknown };
    try {
      const answer = await connection.post(url, headers, body, connection.timeoutMs, signal);
      if (answer.status >= 200 && answer.status < 300) {
        return { kind: 'acked', acks: (JSON.parse(answer.text) as { events: Acknowledgement[] }).events };
      }
      const problem = problemFrom(answer.status, answer.statusText, answer.text);
      if (!isTransientStatus(answer.status)) return { kind: 'rejected', status: answer.status, problem };
      retryAfter = parseRetryAfter(answer.retryAfter);
      failure = { status: answer.status, problem };
    } catch (cause) {
      // A network error, a timeout, or a 2xx whose body was cut off: all worth another attempt.
      if (signal.aborted) return { kind: 'abandoned' };
      failure = { cause };
    }
    if (attempt >= policy.maxAttempts) return { kind: 'exhausted', attempts: attempt, ...failure };
    const delayMs =
      retryAfter === undefined
        ? backoffDelay(policy, attempt)
        : // Never earlier than asked; up to 10% later, so clients told the same time spread out.
          Math.min(retryAfter, policy.maxRetryAfterMs) * (1 + Math.random() * 0.1);
    onRetry?.({ attempt, delayMs, ...failure });
    await sleep(delayMs, signal);
  }
}
