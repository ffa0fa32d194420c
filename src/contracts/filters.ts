import { EVENT_KINDS, EVENT_STATUSES } from './event.js';

/**
 * The list and export filters (SPEC §4), one row each: the query-string parameter, the field of
 * the server's EventFilter it sets, what kind of value it takes, its label on the dashboard and
 * its description in the OpenAPI document. The server parses, describes and documents the
 * filters from this table; the dashboard's filter card and links take their names from it.
 *
 * Kinds: `time` an ISO 8601 date or date-time; `text` an exact value; `actions` action names or
 * prefixes ending in `*`, comma-separated; `ip` an IPv4 or IPv6 address; `choice` one of
 * `choices`; `search` a case-insensitive substring.
 */
export const EVENT_FILTERS = [
  {
    param: 'from',
    field: 'from',
    kind: 'time',
    label: 'From',
    description: 'ISO 8601 start (inclusive); default: 30 days before `to`, or before now',
    dashboard: false,
  },
  {
    param: 'to',
    field: 'to',
    kind: 'time',
    label: 'To',
    description: 'ISO 8601 end (inclusive); default: now, plus the 5 minutes ahead that ingest accepts',
    dashboard: false,
  },
  {
    param: 'action',
    field: 'actions',
    kind: 'actions',
    label: 'Action',
    description: 'exact action, comma-separated list, or a prefix ending in * (api_key.*)',
    dashboard: true,
  },
  {
    param: 'resource_type',
    field: 'resourceType',
    kind: 'text',
    label: 'Resource type',
    description: 'exact resource type',
    dashboard: true,
  },
  {
    param: 'resource_id',
    field: 'resourceId',
    kind: 'text',
    label: 'Resource id',
    description: 'exact resource id',
    dashboard: false,
  },
  {
    param: 'actor',
    field: 'actor',
    kind: 'text',
    label: 'Actor',
    description: 'actor id or email',
    dashboard: true,
  },
  {
    param: 'workspace',
    field: 'workspace',
    kind: 'text',
    label: 'Workspace',
    description: 'exact workspace id',
    dashboard: true,
  },
  {
    param: 'status',
    field: 'status',
    kind: 'choice',
    choices: EVENT_STATUSES,
    label: 'Status',
    description: 'success or failure',
    dashboard: true,
  },
  {
    param: 'ip',
    field: 'ip',
    kind: 'ip',
    label: 'IP address',
    description: 'IPv4 or IPv6 address the event came from',
    dashboard: true,
  },
  {
    param: 'kind',
    field: 'kind',
    kind: 'choice',
    choices: EVENT_KINDS,
    label: 'Kind',
    description: 'audit or request',
    dashboard: false,
  },
  {
    param: 'q',
    field: 'q',
    kind: 'search',
    label: 'Search',
    description:
      'case-insensitive substring of description, resource id/name, path, actor id/email/name, workspace',
    dashboard: true,
  },
] as const;

export type EventFilterSpec = (typeof EVENT_FILTERS)[number];
export type FilterParam = EventFilterSpec['param'];

export const FILTER_PARAMS: readonly FilterParam[] = EVENT_FILTERS.map((f) => f.param);

/** The filters a person sets on the dashboard (the date range and the log's kind are set apart). */
export type DashboardFilter = Extract<EventFilterSpec, { dashboard: true }>['param'];

export const DASHBOARD_FILTERS = EVENT_FILTERS.filter(
  (f): f is Extract<EventFilterSpec, { dashboard: true }> => f.dashboard,
).map((f) => f.param);

export const FILTER_LABELS: Record<FilterParam, string> = Object.fromEntries(
  EVENT_FILTERS.map((f) => [f.param, f.label]),
) as Record<FilterParam, string>;
