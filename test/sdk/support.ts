import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Trailmark, type TrailmarkError, type TrailmarkOptions } from '../../sdk/src/index.js';
import type { TestServer } from '../helpers/test-server.js';
import { ALL_TIME, type Served } from '../http/support.js';

/**
 * Pieces of the SDK suites: a proxy on 127.0.0.1 in front of a real server that counts, delays
 * or answers requests itself, a real server as a child process for kill tests, and a client
 * that keeps the errors it reports.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  /** Date.now() when the proxy received it. */
  at: number;
}

/** What the proxy does with a request: answer it itself, or forward it (after a delay). */
export type ProxyDecision =
  | { answer: { status: number; headers?: Record<string, string>; body?: string } }
  /** Close the connection without forwarding: a network error before the server saw anything. */
  | { destroy: true }
  /** Forward, then close the connection instead of answering: stored, but the client never hears. */
  | { dropAnswer: true }
  | { delayMs?: number }
  /** Hold the request until the promise settles, then forward it. */
  | { wait: Promise<unknown> }
  | undefined;

export interface CountingProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Requests to /v1/events with POST. */
  ingests(): ProxiedRequest[];
  /** The number of requests being forwarded or delayed right now. */
  inFlight(): number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An HTTP proxy to `target` that records every request and lets `decide` intervene. */
export async function startProxy(
  target: string,
  decide: (request: ProxiedRequest, index: number) => ProxyDecision = () => undefined,
): Promise<CountingProxy> {
  const requests: ProxiedRequest[] = [];
  let inFlight = 0;
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const request: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      body,
      at: Date.now(),
    };
    requests.push(request);
    const decision = decide(request, requests.length - 1);
    if (decision && 'answer' in decision) {
      const { status, headers = {}, body: answer = '' } = decision.answer;
      res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
      res.end(answer);
      return;
    }
    if (decision && 'destroy' in decision) {
      res.destroy();
      return;
    }
    inFlight += 1;
    try {
      if (decision && 'delayMs' in decision && decision.delayMs)
        await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      if (decision && 'wait' in decision) await decision.wait;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)) {
          headers.set(name, value);
        }
      }
      const upstream = await fetch(target + request.path, {
        method: request.method,
        headers,
        ...(body ? { body } : {}),
      });
      const text = await upstream.text();
      if (decision && 'dropAnswer' in decision) {
        res.destroy();
        return;
      }
      res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
      res.end(text);
    } catch {
      res.destroy();
    } finally {
      inFlight -= 1;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    ingests: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/events'),
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A problem+json body as the server writes one. */
export function problemBody(status: number, title: string, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title, status, detail });
}

/** A client whose reported errors are kept, with short retry delays for tests. */
export function testClient(options: Partial<TrailmarkOptions> & Pick<TrailmarkOptions, 'url' | 'apiKey'>): {
  client: Trailmark;
  errors: TrailmarkError[];
} {
  const errors: TrailmarkError[] = [];
  const client = new Trailmark({
    flushIntervalMs: 20,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    onError: (error) => errors.push(error),
    ...options,
  });
  return { client, errors };
}

/** Every event of the org (the list's default window is 30 days), through the server's API. */
export async function storedEvents(
  t: Pick<TestServer, 'request'>,
  key: string,
  params: Record<string, string> = {},
): Promise<Served[]> {
  const out: Served[] = [];
  let cursor: string | undefined;
  for (;;) {
    const search = new URLSearchParams({
      ...ALL_TIME,
      limit: '1000',
      ...params,
      ...(cursor ? { cursor } : {}),
    });
    const res = await t.request(`/v1/events?${search}`, { key });
    if (res.status !== 200) throw new Error(`list answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { data: Served[]; next_cursor: string | null };
    out.push(...page.data);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}

/** A port nothing listens on now (taken by the OS for a moment, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ChildServer {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Kills, by PID, whatever child a failed test left running. */
export function killChildren(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }
}

/** `trailmark serve` as its own process on `port`, over `databaseUrl`; resolves once it is ready. */
export async function startChildServer(
  databaseUrl: string,
  port: number,
  adminKey: string,
): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      TRAILMARK_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`server exited (${child.exitCode}) before it was ready:\n${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    process: child,
    url,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** fetch with a bearer key, for tests talking to a child server directly. */
export function call(url: string, key: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  if (init.body) headers.set('content-type', 'application/json');
  return fetch(url + path, { ...init, headers });
}

/** Waits until `check` holds, polling; fails after `timeoutMs` with `what`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
