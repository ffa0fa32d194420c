import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { newEventId } from '../sdk/src/ids.js';

export const ADMIN_KEY = 'tmk_bench_admin_key_0123456789abcdefghijklmnopq';
const ROOT = new URL('..', import.meta.url).pathname;

/** The p-th percentile (0 to 100) of the values, nearest rank below. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** One result line, machine-readable: `BENCH name value unit`. */
export function report(name: string, value: number, unit: string): void {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  process.stdout.write(`BENCH ${name} ${shown} ${unit}\n`);
}

export function argValue(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix));
  return arg ? arg.slice(prefix.length) : fallback;
}

export interface BenchServer {
  url: string;
  pid: number;
  databaseUrl: string;
  /** Resident set size of the server process in MiB, from /proc. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** A fresh database for one benchmark: a temp SQLite file, or a new PostgreSQL database. */
export async function freshDatabase(backend: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'trailmark-bench-'));
    return {
      url: join(dir, 'trailmark.db'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = process.env.TRAILMARK_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const pg = await import('pg');
  const name = `trailmark_bench_${Date.now()}`;
  const admin = new pg.default.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.default.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Starts the compiled server (dist/) as its own process, as an operator would. */
export async function startServer(
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
): Promise<BenchServer> {
  // BENCH_NODE_ARGS passes flags to the server's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`;
  // BENCH_ENV its settings as JSON, e.g. `{"TRAILMARK_SEARCH_CACHE_MIB":"0"}`, after `env`.
  const settings = process.env.BENCH_ENV ? (JSON.parse(process.env.BENCH_ENV) as Record<string, string>) : {};
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, join(ROOT, 'bin/trailmark.js'), 'serve'],
    {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        TRAILMARK_ADMIN_KEY: ADMIN_KEY,
        LOG_LEVEL: 'warn',
        ...env,
        ...settings,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
  // Past its start-up lines the server logs warnings and errors only (LOG_LEVEL=warn): show them.
  child.stdout!.pipe(process.stderr);
  return {
    url,
    pid: child.pid!,
    databaseUrl,
    rssMiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The value of one series (its name with its labels, as printed) in Prometheus text, if there. */
export function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** One request's time at the client and the server's own (its Server-Timing header), in ms. */
export async function timedRequest(
  url: string,
  path: string,
  key: string,
): Promise<{ client: number; server: number }> {
  const started = performance.now();
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  const client = performance.now() - started;
  const server = Number(/app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? Number.NaN);
  return { client, server };
}

/**
 * The server's V8 heap in use (prom-client's default set) and its search index cache, in MiB,
 * from one scrape of its Prometheus metrics.
 */
export async function serverMemoryMiB(url: string): Promise<{ heapMiB: number; searchCacheMiB: number }> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const mib = (name: string) => {
    const bytes = metricValue(text, name);
    if (bytes === undefined) throw new Error(`/metrics has no ${name}`);
    return bytes / 2 ** 20;
  };
  return {
    heapMiB: mib('trailmark_nodejs_heap_size_used_bytes'),
    searchCacheMiB: mib('trailmark_search_cache_bytes'),
  };
}

/** The lines of a body as it streams (its newlines), without holding it. */
export async function countLines(body: ReadableStream<Uint8Array>): Promise<number> {
  let lines = 0;
  for await (const chunk of body) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  return lines;
}

export async function api(
  url: string,
  path: string,
  init: { method?: string; key?: string; json?: unknown } = {},
) {
  const res = await fetch(url + path, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.key ?? ADMIN_KEY}`,
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/**
 * Waits until the org's newest signed checkpoint reaches `seq` (a freshly seeded store is
 * signed by the server's checkpointer after it starts); answers the seconds it took.
 */
export async function waitForCheckpoints(url: string, key: string, seq: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const chain = (await api(url, '/v1/chain', { key })) as { checkpoint: { seq: number } | null };
    if ((chain.checkpoint?.seq ?? 0) >= seq) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The ingest load of every benchmark: 50 connections posting `body` to /v1/events for `seconds`,
 * each sending its next request as soon as the previous is answered. A function as `body` makes
 * each request's body anew.
 */
export function ingestLoad(
  url: string,
  key: string,
  body: string | (() => string),
  seconds: number,
  connections = 50,
): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/v1/events`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(typeof body === 'string'
      ? { body }
      : { requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }] }),
  });
}

export async function createOrgWithKey(url: string, id: string): Promise<string> {
  await api(url, '/v1/orgs', { method: 'POST', json: { name: `Bench ${id}`, id } });
  const key = await api(url, `/v1/orgs/${id}/api-keys`, {
    method: 'POST',
    json: { name: 'bench', scopes: ['events:write', 'events:read'] },
  });
  return key.key as string;
}

const ACTIONS = [
  'user.login',
  'user.logout',
  'user.login_failed',
  'template.created',
  'template.updated',
  'template.deleted',
  'api_key.created',
  'api_key.deleted',
  'member.invited',
  'document.viewed',
];
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
];

/** A realistic event of about 1 KB as JSON: user, resource, context, request for some, metadata. */
export function sampleEvent(i: number, occurredAt?: string): Record<string, unknown> {
  const user = i % 5000;
  const action = ACTIONS[i % ACTIONS.length]!;
  const event: Record<string, unknown> = {
    action,
    actor: { type: 'user', id: `usr_${user}`, name: `User Number${user}`, email: `user${user}@example.com` },
    resource: { type: action.split('.')[0], id: `res_${i}`, name: `Resource ${i % 977}` },
    workspace: `ws_${i % 20}`,
    status: i % 17 === 0 ? 'failure' : 'success',
    description: `User Number${user} ${action.split('.')[1]} resource ${i} in workspace ${i % 20}`,
    context: {
      ip: `203.0.${(i >> 8) & 255}.${i & 255}`,
      user_agent: AGENTS[i % AGENTS.length],
      auth_type: 'session',
    },
    metadata: {
      changed_fields: ['name', 'settings'],
      previous: { name: `Old name ${i}` },
      plan: 'enterprise',
      note: 'x'.repeat(200),
    },
  };
  if (occurredAt) event.occurred_at = occurredAt;
  if (i % 4 === 0) {
    event.request = {
      method: 'POST',
      path: `/api/v1/resources/${i}`,
      status_code: 201,
      duration_ms: i % 250,
      api_key_last4: 'a1b2',
      headers: { 'user-agent': 'sdk/1.0' },
    };
  }
  return event;
}

/** 100 sample events, one of each of their variants in turn. */
const BATCH100_EVENTS = Array.from({ length: 100 }, (_, i) => sampleEvent(i));

/** The batch benchmark's request: BATCH100_EVENTS. */
export const BATCH100_BODY = JSON.stringify({ events: BATCH100_EVENTS });

/** BATCH100_EVENTS as JSON after their opening brace, to put members in front of. */
const BATCH100_MEMBERS = BATCH100_EVENTS.map((event) => JSON.stringify(event).slice(1));

/**
 * BATCH100_BODY's events as the SDK sends them: each with an id and an `occurred_at` of its own
 * (the SDK's form), new at every call, so the server hashes and looks up each id as it does for
 * the SDK's events.
 */
export function clientIdBatch100Body(): string {
  const now = Date.now();
  const at = new Date(now).toISOString();
  const events = BATCH100_MEMBERS.map((rest) => `{"id":"${newEventId(now)}","occurred_at":"${at}",${rest}`);
  return `{"events":[${events.join(',')}]}`;
}
