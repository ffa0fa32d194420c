import { parseRetryAfterMs } from './retry-policy.js';
import { delivered, networkFailure, permanent, retryable, type SendResult } from './send-result.js';

export interface HttpRequest {
  url: string;
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** The whole exchange, connect to last byte of the answer. */
  timeoutMs: number;
}

/** How much of an error answer is read to quote in the reason; the rest is discarded unread. */
const ERROR_BODY_BYTES = 512;

/**
 * One HTTP request to a destination, classified: 2xx delivers `count` records; 5xx, 408, 425 and
 * 429 are retryable (with the Retry-After, if any); a redirect or another 4xx is permanent. A
 * redirect is not followed: the body would go somewhere nobody configured, and a 301/302 would
 * turn the POST into a GET. Answers are read only up to a few hundred bytes.
 */
export async function httpSend(request: HttpRequest, count: number): Promise<SendResult> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return retryable(`no answer within ${request.timeoutMs} ms`);
    }
    return networkFailure(error);
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    await discard(response);
    return delivered(count);
  }
  let text: string;
  try {
    text = await readSome(response, ERROR_BODY_BYTES);
  } catch {
    text = '';
  }
  const reason = `HTTP ${status}${text ? `: ${text}` : ''}`;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    return permanent(`${reason}${location ? ` (redirected to ${location})` : ''}`, { status });
  }
  if (status === 429 || status >= 500 || status === 408 || status === 425) {
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
    return retryable(reason, retryAfterMs === undefined ? { status } : { status, retryAfterMs });
  }
  return permanent(reason, { status });
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The answer was already complete or the connection went away: nothing to release.
  }
}

async function readSome(response: Response, limit: number): Promise<string> {
  const body = response.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replace(/\s+/g, ' ').trim();
}
