import { expect } from 'vitest';
import type { Config } from '../../src/config.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Shared pieces of the HTTP acceptance suites: every suite runs against real servers on
 * 127.0.0.1 over real databases, once per backend in SERVER_BACKENDS.
 */

export interface ServerBackend {
  name: string;
  /** A real server over a fresh database of this backend; close() drops the database. */
  start(options?: { now?: () => Date; alerts?: boolean; config?: Partial<Config> }): Promise<TestServer>;
}

/** SQLite always; PostgreSQL too when TRAILMARK_TEST_PG_URL is set (see backends.ts). */
export const SERVER_BACKENDS: ServerBackend[] = BACKENDS.map((backend) => ({
  name: backend.name,
  start: (options = {}) => startTestServer({ ...options, backend }),
}));

export type TestOrg = Awaited<ReturnType<TestServer['createOrg']>>;

/** A stored event as served by the API (only what the suites read is typed). */
export interface Served {
  id: string;
  org: string;
  seq: number;
  action: string;
  occurred_at: string;
  received_at: string;
  status: string;
  actor: { type: string; id: string; name?: string; email?: string };
  resource?: { type: string; id?: string; name?: string };
  workspace?: string;
  description?: string;
  context?: {
    ip?: string;
    user_agent?: string;
    auth_type?: string;
    location?: { country?: string; region?: string; city?: string };
    client?: { browser?: string; os?: string; device?: string };
  };
  request?: Record<string, unknown> & { path?: string; method?: string };
  metadata?: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface Ack {
  id: string;
  seq: number;
  hash: string;
  duplicate: boolean;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** An ISO time `ms` before now. */
export function ago(ms: number): string {
  return new Date(Date.now() - ms).toISOString();
}

let counter = 0;
/** A unique suffix, so events of different tests never collide. */
export function unique(prefix = 'x'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A minimal valid event; `extra` adds or replaces fields. */
export function ev(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { action: 'template.created', actor: { type: 'user', id: 'u_1' }, ...extra };
}

export async function post(t: TestServer, key: string | null, body: unknown): Promise<Response> {
  return t.request('/v1/events', { method: 'POST', key, json: body });
}

/** Ingests and expects 201; returns the acknowledgements. */
export async function ingest(t: TestServer, key: string, events: unknown[]): Promise<Ack[]> {
  const res = await post(t, key, { events });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`ingest answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { events: Ack[] }).events;
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface Page {
  data: Served[];
  next_cursor: string | null;
}

export async function listPage(
  t: TestServer,
  key: string,
  params: Record<string, string | number | undefined> = {},
): Promise<Page> {
  const res = await t.request(`/v1/events${query(params)}`, { key });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${text}`);
  return JSON.parse(text) as Page;
}

/** Every page of a list, followed by its cursor. */
export async function listAll(
  t: TestServer,
  key: string,
  params: Record<string, string | number | undefined> = {},
): Promise<Served[]> {
  const out: Served[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await listPage(t, key, { ...params, ...(cursor ? { cursor } : {}) });
    out.push(...page.data);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
  throw new Error('list did not end');
}

/** All events of an org, whatever their time (the default window is 30 days). */
export const ALL_TIME = { from: '1970-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' } as const;

/** The org's chain head: how many events it holds. */
export async function headSeq(t: TestServer, key: string): Promise<number> {
  const res = await t.request('/v1/chain', { key });
  expect(res.status).toBe(200);
  return ((await res.json()) as { head: { seq: number } }).head.seq;
}

/**
 * Asserts a problem+json answer with `status` (or any 4xx when omitted) and, when given, an
 * error entry at `path`. Returns the problem for further checks.
 */
export async function expectProblem(res: Response, status?: number, path?: string): Promise<Problem> {
  const full = await res.text();
  const text = full.length > 600 ? `${full.slice(0, 600)}...` : full;
  if (status !== undefined) expect(res.status, text).toBe(status);
  else {
    expect(res.status, text).toBeGreaterThanOrEqual(400);
    expect(res.status, text).toBeLessThan(500);
  }
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(full) as Problem;
  expect(problem.status).toBe(res.status);
  expect(typeof problem.type).toBe('string');
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  if (path !== undefined) {
    expect(
      problem.errors?.map((e) => e.path),
      text,
    ).toContain(path);
  }
  return problem;
}

export function ids(events: Array<{ id: string }>): string[] {
  return events.map((e) => e.id);
}

/**
 * An export records `audit_log.exported` once its last row is sent, so it lands just after the
 * response ends. Waits (by polling, bounded) until the org holds at least `count` of them.
 */
export async function waitForExportRecords(t: TestServer, key: string, count: number): Promise<Served[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const records = await listAll(t, key, { ...ALL_TIME, action: 'audit_log.exported', limit: 1000 });
    if (records.length >= count) return records;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`fewer than ${count} audit_log.exported events were recorded`);
}

/**
 * RFC 4180 parser, independent of the server's writer: fields separated by commas, records by
 * CRLF (a lone LF is accepted too), quoted fields may hold commas, quotes (doubled) and breaks.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else {
      field += c;
      i += 1;
    }
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}
