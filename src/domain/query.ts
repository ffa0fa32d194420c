import { isIP } from 'node:net';
import type { EventStatus } from '../contracts/event.js';
import { ACTION_PATTERN, MAX_FUTURE_MS } from '../contracts/event-schema.js';
import { EVENT_FILTERS, type EventFilterSpec, type FilterParam } from '../contracts/filters.js';
import { type FieldIssue, validationError } from './errors.js';
import type { EventKind } from './event.js';
import { canonicalIp } from './ip.js';

export const DEFAULT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
const MAX_FILTER_LENGTH = 1024;

/** Position after the last row of a page, in list order (occurred_at desc, seq desc). */
export interface Cursor {
  occurredAt: number;
  seq: number;
}

/**
 * Limits a principal cannot lift (a viewer token for one workspace or one actor). They are part
 * of every query handed to the store and enforced in SQL, AND-ed with the request's own filters.
 */
export interface ViewScope {
  workspace?: string;
  /** Actor id or email, matched like the `actor` filter. */
  actor?: string;
}

/** What to match; every field narrows (SPEC §4). Times are epoch milliseconds, both inclusive. */
export interface EventFilter {
  from: number;
  to: number;
  actor?: string;
  /** Exact action names; matched OR-ed with `actionPrefixes`. */
  actions?: string[];
  /** Prefixes without the `*` (`api_key.`). */
  actionPrefixes?: string[];
  resourceType?: string;
  resourceId?: string;
  status?: EventStatus;
  workspace?: string;
  ip?: string;
  kind?: EventKind;
  /** Case-insensitive substring; `%`, `_` and quotes are plain characters. */
  q?: string;
  /** Set by the server from the credential, never from the query string. */
  scope?: ViewScope;
}

export interface EventQuery extends EventFilter {
  limit: number;
  cursor?: Cursor;
}

export { FILTER_PARAMS } from '../contracts/filters.js';

export type QueryParams = Partial<Record<FilterParam | 'limit' | 'cursor', unknown>>;

const actionItem = new RegExp(ACTION_PATTERN);
const actionPrefixItem = /^[a-z0-9_]+(\.[a-z0-9_]+){0,5}\.?\*$/;

/** The largest distance from the epoch a JavaScript Date can represent. */
const MAX_DATE_MS = 8.64e15;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.occurredAt}.${cursor.seq}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor | undefined {
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const cursor = { occurredAt: Number(match[1]), seq: Number(match[2]) };
  // Only positions a stored event can have: a time a Date can hold, a seq that is a safe integer.
  if (Math.abs(cursor.occurredAt) > MAX_DATE_MS || !Number.isSafeInteger(cursor.seq)) return undefined;
  return cursor;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether year-month-day names a real day (Date.parse rolls 2026-02-30 over to March 2). */
function isRealDay(year: number, month: number, day: number): boolean {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A date (its start, UTC) or a date-time with a time zone, so that a query never depends on the
 * server's zone. A `+` offset typed into a URL arrives as a space, which is read back as `+`.
 */
function parseTime(raw: string, name: string, issues: FieldIssue[]): number | undefined {
  const value = raw.replace(/ (\d{2}:\d{2})$/, '+$1');
  const bare = ISO_DATE.exec(value);
  const match = bare ?? ISO_DATE_TIME.exec(value);
  const ms = match ? Date.parse(bare ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (!match || Number.isNaN(ms) || !isRealDay(Number(match[1]), Number(match[2]), Number(match[3]))) {
    issues.push({
      path: `/query/${name}`,
      message: 'must be an ISO 8601 date (2026-01-31) or date-time with a time zone (2026-01-31T09:00:00Z)',
    });
    return undefined;
  }
  return ms;
}

function parseActions(text: string, query: EventFilter, issues: FieldIssue[]): void {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const item of text.split(',').map((s) => s.trim())) {
    if (actionPrefixItem.test(item)) prefixes.push(item.slice(0, -1));
    else if (actionItem.test(item) && item.length <= 128) exact.push(item);
    else {
      issues.push({
        path: '/query/action',
        message: 'must be action names or prefixes ending in * (api_key.*), separated by commas',
      });
      break;
    }
  }
  if (exact.length > 50 || prefixes.length > 50) {
    issues.push({ path: '/query/action', message: 'must list at most 50 actions' });
  }
  if (exact.length) query.actions = exact;
  if (prefixes.length) query.actionPrefixes = prefixes;
}

/** Sets the filter `spec` names from its query-string value, or reports why it cannot. */
function setFilter(query: EventFilter, spec: EventFilterSpec, value: string, issues: FieldIssue[]): void {
  const path = `/query/${spec.param}`;
  switch (spec.kind) {
    case 'time':
      return;
    case 'actions':
      parseActions(value, query, issues);
      return;
    case 'text':
      query[spec.field] = value;
      return;
    case 'search':
      if (value.trim() !== '') query[spec.field] = value.trim();
      return;
    case 'ip': {
      // Ingest stores only IPv4 and IPv6 addresses: anything else could never match.
      const ip = value.trim();
      if (isIP(ip)) query[spec.field] = canonicalIp(ip);
      else issues.push({ path, message: 'must be an IPv4 or IPv6 address' });
      return;
    }
    case 'choice':
      // The choices are the constants the field's type is made of (EVENT_STATUSES, EVENT_KINDS).
      if ((spec.choices as readonly string[]).includes(value)) Object.assign(query, { [spec.field]: value });
      else issues.push({ path, message: `must be ${spec.choices.join(' or ')}` });
      return;
  }
}

/**
 * Parses list and export filters from a query string. Every problem is reported with its
 * parameter; nothing reaches the store unchecked.
 */
export function parseEventQuery(params: QueryParams, now = Date.now()): EventQuery {
  const issues: FieldIssue[] = [];
  const str = (name: keyof QueryParams): string | undefined => {
    const value = params[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') {
      issues.push({ path: `/query/${name}`, message: 'must be given once, as a string' });
      return undefined;
    }
    if (value.length > MAX_FILTER_LENGTH) {
      issues.push({ path: `/query/${name}`, message: `must be at most ${MAX_FILTER_LENGTH} characters` });
      return undefined;
    }
    if (value.includes('\u0000')) {
      issues.push({ path: `/query/${name}`, message: 'must not contain NUL characters' });
      return undefined;
    }
    return value;
  };

  const fromText = str('from');
  const toText = str('to');
  // Ingest accepts events dated up to MAX_FUTURE_MS ahead; the open-ended default must list them.
  let to = toText === undefined ? now + MAX_FUTURE_MS : parseTime(toText, 'to', issues);
  let from = fromText === undefined ? undefined : parseTime(fromText, 'from', issues);
  if (to !== undefined && toText !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(toText)) {
    to += 24 * 60 * 60 * 1000 - 1; // a bare end date includes that whole day
  }
  to ??= now + MAX_FUTURE_MS;
  from ??= (toText === undefined ? now : to) - DEFAULT_WINDOW_MS;
  if (from > to) issues.push({ path: '/query/from', message: 'must not be after `to`' });

  const query: EventQuery = { from, to, limit: DEFAULT_LIMIT };

  for (const spec of EVENT_FILTERS) {
    if (spec.kind === 'time') continue; // parsed above: each bound's default depends on the other
    const value = str(spec.param);
    if (value !== undefined) setFilter(query, spec, value, issues);
  }

  const limit = str('limit');
  if (limit !== undefined) {
    const n = /^\d{1,5}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(n >= 1 && n <= MAX_LIMIT))
      issues.push({ path: '/query/limit', message: `must be 1 to ${MAX_LIMIT}` });
    else query.limit = n;
  }
  const cursor = str('cursor');
  if (cursor !== undefined) {
    const decoded = decodeCursor(cursor);
    if (decoded) query.cursor = decoded;
    else issues.push({ path: '/query/cursor', message: 'is not a cursor this API returned' });
  }

  if (issues.length) throw validationError(issues);
  return query;
}

/** The filters as given, for recording what an export contained. */
export function describeFilter(filter: EventFilter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of EVENT_FILTERS) {
    if (spec.kind === 'time') {
      out[spec.param] = new Date(filter[spec.field]).toISOString();
    } else if (spec.kind === 'actions') {
      const action = [...(filter.actions ?? []), ...(filter.actionPrefixes ?? []).map((p) => `${p}*`)];
      if (action.length) out[spec.param] = action.join(',');
    } else if (filter[spec.field]) {
      out[spec.param] = filter[spec.field];
    }
  }
  return out;
}
