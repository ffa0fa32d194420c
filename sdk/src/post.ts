import { unrefTimer } from './backoff.js';
import { type FetchLike, requestSignal } from './http.js';

/** What delivery needs of an answer: read whole, as text. */
export interface PostAnswer {
  status: number;
  statusText: string;
  /** The Retry-After header, or null. */
  retryAfter: string | null;
  text: string;
}

/**
 * Sends one POST and reads its whole answer. Rejects on a network error, after `timeoutMs`
 * (the answer's body included), or when `signal` aborts.
 */
export type Post = (
  url: string,
  headers: Record<string, string>,
  body: Uint8Array<ArrayBuffer>,
  timeoutMs: number,
  signal: AbortSignal,
) => Promise<PostAnswer>;

export function fetchPost(fetch: FetchLike): Post {
  return async (url, headers, body, timeoutMs, signal) => {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: requestSignal(timeoutMs, signal),
    });
    // A refusal whose body is cut off is still a refusal; an acknowledgement must be read whole.
    const text = response.ok ? await response.text() : await response.text().catch(() => '');
    return {
      status: response.status,
      statusText: response.statusText,
      retryAfter: response.headers.get('retry-after'),
      text,
    };
  };
}

// The little of node:http that posting needs, declared here: the core is checked without
// Node's types and must not import a node: module, so it is looked up at run time.

interface NodeAnswer {
  statusCode?: number;
  statusMessage?: string;
  headers: Record<string, string | string[] | undefined>;
  complete: boolean;
  setEncoding(encoding: 'utf8'): void;
  on(event: 'data', listener: (chunk: string) => void): void;
  on(event: 'end' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

interface NodeRequest {
  /** The request went out on a kept-alive connection that an earlier request used. */
  reusedSocket: boolean;
  on(event: 'error', listener: (error: Error) => void): void;
  destroy(error?: Error): void;
  end(body: Uint8Array<ArrayBuffer>): void;
}

interface NodeHttp {
  Agent: new (options: { keepAlive: boolean; timeout: number }) => object;
  request(
    url: string,
    options: { method: string; headers: Record<string, string>; agent: object },
    onAnswer: (answer: NodeAnswer) => void,
  ): NodeRequest;
}

type GetBuiltinModule = (id: string) => unknown;

/**
 * Posts with node:http or node:https over kept-alive connections, or undefined outside Node
 * (or on a Node without process.getBuiltinModule, before 20.16). Node's fetch takes about three
 * times the CPU of node:http for a request: it passes the body through web streams, copying it,
 * and builds Request, Headers and Response objects around it. Sending events is the SDK's hot
 * path, on the application's own CPU.
 */
export function nodePost(baseUrl: string): Post | undefined {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: GetBuiltinModule } }).process
    ?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return undefined;
  const http = getBuiltinModule(baseUrl.startsWith('https:') ? 'node:https' : 'node:http') as
    | NodeHttp
    | undefined;
  if (!http) return undefined;
  // An idle connection closes after 5 s, or sooner when the server's Keep-Alive header says it
  // closes idle connections sooner, so as not to send on one the server is closing.
  const agent = new http.Agent({ keepAlive: true, timeout: 5000 });
  // Requests in flight, and one abort listener per signal for all of them: a listener per
  // request would pass Node's limit of 10 per signal (and its warning) at concurrency 11.
  const inFlight = new Map<NodeRequest, AbortSignal>();
  const watched = new WeakSet<AbortSignal>();
  const watch = (signal: AbortSignal) => {
    if (watched.has(signal)) return;
    watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        for (const [request, of] of inFlight) if (of === signal) request.destroy(new Error('aborted'));
      },
      { once: true },
    );
  };

  const once = (
    url: string,
    headers: Record<string, string>,
    body: Uint8Array<ArrayBuffer>,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<PostAnswer & { staleConnection?: true }> =>
    new Promise((resolve, reject) => {
      let settled = false;
      let answered = false;
      const finish = (error: Error | undefined, answer?: PostAnswer & { staleConnection?: true }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        inFlight.delete(request);
        if (error) reject(error);
        else resolve(answer!);
      };
      const request = http.request(url, { method: 'POST', headers, agent }, (answer) => {
        answered = true;
        const status = answer.statusCode ?? 0;
        const header = answer.headers['retry-after'];
        const retryAfter = typeof header === 'string' ? header : null;
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk) => {
          text += chunk;
        });
        const cutOff = (error: Error) => {
          // A refusal whose body is cut off is still a refusal; an acknowledgement must be read whole.
          if (status >= 300)
            finish(undefined, { status, statusText: answer.statusMessage ?? '', retryAfter, text: '' });
          else finish(error);
        };
        answer.on('error', cutOff);
        answer.on('close', () => {
          if (!answer.complete) cutOff(new Error('the connection closed before the answer was complete'));
        });
        answer.on('end', () =>
          finish(undefined, { status, statusText: answer.statusMessage ?? '', retryAfter, text }),
        );
      });
      request.on('error', (error) => {
        // A kept-alive connection the server closed as this request went out: nothing was
        // answered, so the caller sends again at once, on a new connection.
        if (!answered && request.reusedSocket && !signal.aborted) {
          finish(undefined, { status: 0, statusText: '', retryAfter: null, text: '', staleConnection: true });
        } else finish(error);
      });
      inFlight.set(request, signal);
      watch(signal);
      const timer = setTimeout(
        () => request.destroy(new Error(`no complete answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      // The request's connection keeps the process alive, not its time limit.
      unrefTimer(timer);
      if (signal.aborted) request.destroy(new Error('aborted'));
      request.end(body);
    });

  return async (url, headers, body, timeoutMs, signal) => {
    const answer = await once(url, headers, body, timeoutMs, signal);
    if (!answer.staleConnection) return answer;
    const again = await once(url, headers, body, timeoutMs, signal);
    if (again.staleConnection) throw new Error('the server closed the connection');
    return again;
  };
}
