import type { Post } from './post.js';
import type { Problem } from './types.js';

export const SDK_VERSION = '0.1.0';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface Connection {
  /** The server's base URL, without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  fetch: FetchLike;
  /** How batches of events are posted: `fetch`, or node:http where that is cheaper. */
  post: Post;
  /** Extra headers on every request (a proxy's, a tracing header). */
  headers: Record<string, string>;
  timeoutMs: number;
}

export function connectionHeaders(connection: Connection, org?: string): Record<string, string> {
  const headers: Record<string, string> = {
    ...connection.headers,
    authorization: `Bearer ${connection.apiKey}`,
    // Browsers drop a forbidden header silently; Node and edge runtimes send it.
    'user-agent': `trailmark-sdk-js/${SDK_VERSION}`,
  };
  if (org !== undefined) headers['trailmark-org'] = org;
  return headers;
}

/** A timeout signal, joined with the caller's when there is one. */
export function requestSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? anySignal([timeout, signal]) : timeout;
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (any) return any(signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** The problem+json body of an error response, or a problem made from whatever it was. */
export async function readProblem(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  return problemFrom(response.status, response.statusText, text);
}

/** The problem an error answer's body states, or one made from its status when it is not one. */
export function problemFrom(status: number, statusText: string, text: string): Problem {
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body === 'object' && typeof body.title === 'string') {
      return {
        type: String(body.type ?? 'about:blank'),
        title: body.title,
        status: typeof body.status === 'number' ? body.status : status,
        detail: String(body.detail ?? ''),
        ...(Array.isArray(body.errors) ? { errors: body.errors } : {}),
      };
    }
  } catch {
    // Not JSON: a proxy's page, say. Fall through to a problem built from the status.
  }
  return {
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    detail: text.slice(0, 500),
  };
}
