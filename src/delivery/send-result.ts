import type { OutboundRecord } from './record.js';

/**
 * What a transport reports for a batch. `delivered` counts the records, from the start of the
 * batch, that the destination acknowledged before the failure (a batch can go out in several
 * requests or objects): the caller may advance past those and resend the rest.
 */
export type SendResult =
  | { outcome: 'delivered'; delivered: number }
  | {
      outcome: 'retryable';
      delivered: number;
      reason: string;
      status?: number;
      /** From a Retry-After answer: wait at least this long. */
      retryAfterMs?: number;
    }
  | { outcome: 'permanent'; delivered: number; reason: string; status?: number };

export interface Transport {
  /** Sends the records in order. Never throws: every failure is a SendResult. */
  send(records: readonly OutboundRecord[]): Promise<SendResult>;
  /** Releases connections; a later send opens them again. */
  close(): Promise<void>;
}

export function delivered(count: number): SendResult {
  return { outcome: 'delivered', delivered: count };
}

export function retryable(
  reason: string,
  extra: { delivered?: number; status?: number; retryAfterMs?: number } = {},
): SendResult {
  const result: SendResult = { outcome: 'retryable', delivered: extra.delivered ?? 0, reason };
  if (extra.status !== undefined) result.status = extra.status;
  if (extra.retryAfterMs !== undefined) result.retryAfterMs = extra.retryAfterMs;
  return result;
}

export function permanent(reason: string, extra: { delivered?: number; status?: number } = {}): SendResult {
  const result: SendResult = { outcome: 'permanent', delivered: extra.delivered ?? 0, reason };
  if (extra.status !== undefined) result.status = extra.status;
  return result;
}

/** A result that counts `before` more records as delivered ahead of it (a later part of a batch). */
export function after(before: number, result: SendResult): SendResult {
  return { ...result, delivered: before + result.delivered };
}

/**
 * HTTP statuses that a later attempt may get past: 5xx, 429 (rate limited), 408 (the server gave
 * up waiting for the request) and 425 (too early). Every other 4xx is the request or the
 * credentials being wrong, which no retry fixes.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408 || status === 425;
}

/**
 * Network failures are retryable, except a TLS certificate that does not verify or match: that
 * needs someone to change the configuration or the certificate, so retrying only hides it.
 */
export function isPermanentNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code !== undefined &&
    (code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
      code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
      code === 'UNABLE_TO_GET_ISSUER_CERT' ||
      code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
      code === 'CERT_HAS_EXPIRED' ||
      code === 'CERT_NOT_YET_VALID' ||
      code === 'ERR_INVALID_URL')
  );
}

/** The error's code, looking through fetch's wrapper (`TypeError: fetch failed` with a cause). */
export function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e && depth < 4; depth++) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(': ');
}

export function networkFailure(error: unknown, delivered = 0): SendResult {
  const reason = errorMessage(error);
  return isPermanentNetworkError(error) ? permanent(reason, { delivered }) : retryable(reason, { delivered });
}
