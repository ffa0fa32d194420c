import {
  DASHBOARD_FILTERS,
  type DashboardFilter,
  EVENT_FILTERS,
  type EventFilterSpec,
} from '../../../src/contracts/filters.js';
import { endOfDay, startOfDay, toDateInput } from '../lib/time.js';

export { type DashboardFilter, FILTER_LABELS } from '../../../src/contracts/filters.js';

/**
 * The log's filters live in the URL so that a view can be shared and reloaded. Presets are
 * relative (`range=7d`); a custom range is two instants (`from`, `to`, ISO 8601 in UTC), so the
 * link means the same moments in every time zone.
 *
 * When the filters are applied they are resolved once into concrete API parameters with a fixed
 * `to`: the table, its further pages and the export all ask for exactly the same rows, even while
 * new events keep arriving. "Refresh" resolves again.
 */

export const RANGE_PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { id: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
] as const;

export type PresetId = (typeof RANGE_PRESETS)[number]['id'];
export const DEFAULT_RANGE: PresetId = '30d';

type ChoiceFilter = Extract<EventFilterSpec, { dashboard: true; kind: 'choice' }>;
const CHOICE_FILTERS = EVENT_FILTERS.filter((f): f is ChoiceFilter => f.dashboard && f.kind === 'choice');

type TypedFilterSpec = Extract<EventFilterSpec, { dashboard: true; kind: 'text' | 'ip' | 'search' }>;
/** The filters typed into a field; the others are chosen from a list. */
export type TypedFilter = TypedFilterSpec['param'];
export const TYPED_FILTERS = EVENT_FILTERS.filter(
  (f): f is TypedFilterSpec => f.dashboard && (f.kind === 'text' || f.kind === 'ip' || f.kind === 'search'),
).map((f) => f.param);

export interface LogFilters extends Partial<Record<DashboardFilter, string>> {
  range: PresetId | 'custom';
  /** ISO instants; only for a custom range. */
  from?: string;
  to?: string;
}

export type ApiQuery = Record<string, string>;

function isPreset(value: string | null): value is PresetId {
  return RANGE_PRESETS.some((p) => p.id === value);
}

function validInstant(value: string | null): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) return undefined;
  return value;
}

export function parseFilters(search: URLSearchParams): LogFilters {
  const from = validInstant(search.get('from'));
  const to = validInstant(search.get('to'));
  const range = search.get('range');
  const filters: LogFilters = {
    range: isPreset(range) ? range : from || to ? 'custom' : DEFAULT_RANGE,
  };
  if (filters.range === 'custom') {
    if (from) filters.from = from;
    if (to) filters.to = to;
  }
  for (const name of DASHBOARD_FILTERS) {
    const value = search.get(name)?.trim();
    if (value) filters[name] = value;
  }
  for (const { param, choices } of CHOICE_FILTERS) {
    const value = filters[param];
    if (value !== undefined && !(choices as readonly string[]).includes(value)) delete filters[param];
  }
  return filters;
}

/** The URL query for filters; defaults are left out so plain links stay plain. */
export function filtersToSearch(filters: LogFilters, keep?: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams();
  const org = keep?.get('org');
  if (org) params.set('org', org);
  if (filters.range === 'custom') {
    if (filters.from) params.set('from', filters.from);
    if (filters.to) params.set('to', filters.to);
  } else if (filters.range !== DEFAULT_RANGE) params.set('range', filters.range);
  for (const name of DASHBOARD_FILTERS) {
    const value = filters[name]?.trim();
    if (value) params.set(name, value);
  }
  return params;
}

export function sameFilters(a: LogFilters, b: LogFilters): boolean {
  return filtersToSearch(a).toString() === filtersToSearch(b).toString();
}

export function countActive(filters: LogFilters): number {
  return DASHBOARD_FILTERS.filter((name) => filters[name]).length + (filters.range === DEFAULT_RANGE ? 0 : 1);
}

/** The time window the filters mean at `now`, in epoch milliseconds. */
export function windowOf(filters: LogFilters, now: number): { from: number; to: number } {
  if (filters.range !== 'custom') {
    const preset = RANGE_PRESETS.find((p) => p.id === filters.range)!;
    return { from: now - preset.ms, to: now };
  }
  const to = filters.to ? Date.parse(filters.to) : now;
  const from = filters.from ? Date.parse(filters.from) : to - 30 * 86_400_000;
  return { from, to };
}

/** API query parameters for the filters at `now`: what the table, its pages and the export send. */
export function resolveQuery(
  filters: LogFilters,
  kind: 'audit' | 'request' | undefined,
  now: number,
): ApiQuery {
  const { from, to } = windowOf(filters, now);
  const query: ApiQuery = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  for (const name of DASHBOARD_FILTERS) {
    const value = filters[name]?.trim();
    if (value) query[name] = value;
  }
  if (kind) query.kind = kind;
  return query;
}

/** A custom range from the date inputs: whole days in the viewer's zone. */
export function customRange(fromDay: string, toDay: string): Pick<LogFilters, 'from' | 'to'> {
  const out: Pick<LogFilters, 'from' | 'to'> = {};
  const from = startOfDay(fromDay);
  const to = endOfDay(toDay);
  if (from !== undefined) out.from = new Date(from).toISOString();
  if (to !== undefined) out.to = new Date(to).toISOString();
  return out;
}

/** The date inputs' values for the filters' window. */
export function dayInputs(filters: LogFilters, now: number): { from: string; to: string } {
  const { from, to } = windowOf(filters, now);
  return { from: toDateInput(from), to: toDateInput(to) };
}
