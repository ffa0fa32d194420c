import { type Static, type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { EVENT_STATUSES } from '../../contracts/event.js';
import { AppError, type FieldIssue, validationError } from '../../domain/errors.js';
import { compileFilter, type MatchFilter, searchTextIncludes } from '../../domain/filter-match.js';
import { parseEventQuery, type QueryParams } from '../../domain/query.js';
import { duration, windowFiring } from './firing.js';
import { type CompiledSource, type EventView, NO_FIRINGS, SeveritySchema } from './types.js';
import { WindowCounter } from './window-counter.js';

/**
 * Custom alert rules: the list filters (SPEC §4, with the list's own syntax and semantics, via
 * parseEventQuery and matchesFilter) plus a country, counted per group in a sliding window
 * (window-counter.ts), with a cool-down per group after each alert.
 */

export const GROUP_BY = ['none', 'actor', 'ip', 'api_key', 'resource'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

const literals = <T extends string>(values: readonly T[], options: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as TUnion<TLiteral<T>[]>;
const filterText = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });

export const AlertRuleFiltersSchema = Type.Object(
  {
    actor: Type.Optional(filterText('Actor id, or email (any case)')),
    resource_type: Type.Optional(filterText('Resource type, exactly')),
    resource_id: Type.Optional(filterText('Resource id, exactly')),
    status: Type.Optional(literals(EVENT_STATUSES)),
    workspace: Type.Optional(filterText('Workspace, exactly')),
    ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IPv4 or IPv6 address' })),
    country: Type.Optional(
      Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166 country code of the IP (US, DE)' }),
    ),
    kind: Type.Optional(literals(['audit', 'request'] as const)),
    q: Type.Optional(filterText('Case-insensitive text in description, resource, path, actor or workspace')),
  },
  { additionalProperties: false },
);

/** A rule as created or replaced through the API; every field but `name` has a default. */
export const AlertRuleInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'Actions as the list filter takes them: exact, comma-separated, or a prefix (api_key.*)',
      }),
    ),
    filters: Type.Optional(AlertRuleFiltersSchema),
    threshold: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: 1, description: 'Matching events that fire' }),
    ),
    window_minutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1440,
        default: 5,
        description: 'Minutes the events must fall within',
      }),
    ),
    group_by: Type.Optional(
      literals(GROUP_BY, {
        default: 'none',
        description: 'Count separately per actor, IP, API key or resource',
      }),
    ),
    cooldown_minutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_080,
        default: 0,
        description: 'Minutes after an alert during which the same group raises no other',
      }),
    ),
    severity: Type.Optional(SeveritySchema),
  },
  { additionalProperties: false, $id: 'AlertRuleInput' },
);

export type AlertRuleInput = Static<typeof AlertRuleInputSchema>;
export type AlertRuleFilters = Static<typeof AlertRuleFiltersSchema>;

/** A rule with its defaults applied, as stored; `id` is given by whoever stores it. */
export type AlertRuleSpec = Required<Omit<AlertRuleInput, 'action'>> & { action?: string };
export type AlertRule = AlertRuleSpec & { id: string };

const LIST_FILTER_PARAMS = [
  'actor',
  'resource_type',
  'resource_id',
  'status',
  'workspace',
  'ip',
  'kind',
  'q',
] as const;

/** The list filter a rule means, checked by the list's own parser. Throws its validation error. */
function listFilterOf(rule: Pick<AlertRuleInput, 'action' | 'filters'>): MatchFilter {
  const params: QueryParams = {};
  if (rule.action !== undefined) params.action = rule.action;
  for (const name of LIST_FILTER_PARAMS) {
    const value = rule.filters?.[name];
    if (value !== undefined) params[name] = value;
  }
  const { from: _from, to: _to, limit: _limit, ...filter } = parseEventQuery(params, 0);
  return filter;
}

/** Problems with a rule as submitted, each at its JSON Pointer (`/filters/ip`, `/action`). */
export function alertRuleProblems(input: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [...Value.Errors(AlertRuleInputSchema, input)].map((e) => ({
    path: e.path || '/',
    message: e.message,
  }));
  if (issues.length) return issues;
  try {
    listFilterOf(input as AlertRuleInput);
  } catch (error) {
    if (!(error instanceof AppError) || !error.errors) throw error;
    for (const issue of error.errors) {
      const name = issue.path.replace('/query/', '');
      issues.push({ path: name === 'action' ? '/action' : `/filters/${name}`, message: issue.message });
    }
  }
  return issues;
}

/** A submitted rule, checked, with its defaults applied. Throws a validation error naming each problem. */
export function parseAlertRule(input: unknown): AlertRuleSpec {
  const issues = alertRuleProblems(input);
  if (issues.length) throw validationError(issues);
  const rule = input as AlertRuleInput;
  const filters: AlertRuleFilters = { ...rule.filters };
  if (filters.country !== undefined) filters.country = filters.country.toUpperCase();
  return {
    name: rule.name,
    enabled: rule.enabled ?? true,
    ...(rule.action !== undefined ? { action: rule.action } : {}),
    filters,
    threshold: rule.threshold ?? 1,
    window_minutes: rule.window_minutes ?? 5,
    group_by: rule.group_by ?? 'none',
    cooldown_minutes: rule.cooldown_minutes ?? 0,
    severity: rule.severity ?? 'medium',
  };
}

/** Put before a group's key to name it in the alert (`actor:u_1`). */
const GROUP_PREFIX: Record<GroupBy, string> = {
  none: '',
  actor: 'actor:',
  ip: 'ip:',
  api_key: '',
  resource: 'resource:',
};

/** The key of the group an event counts in, or undefined when it lacks what the rule groups by. */
function groupOf(groupBy: GroupBy, view: EventView): string | undefined {
  const { event } = view;
  switch (groupBy) {
    case 'none':
      return '*';
    case 'actor':
      return event.actor.id;
    case 'ip':
      return view.ip;
    case 'api_key':
      return view.apiKey;
    case 'resource':
      return event.resource?.id === undefined ? undefined : `${event.resource.type}/${event.resource.id}`;
  }
}

/** List filters that narrow the rule's events to one group, for the alert's link to them. */
function groupFilter(groupBy: GroupBy, view: EventView): Record<string, string> {
  const { event } = view;
  if (groupBy === 'actor' || (groupBy === 'api_key' && event.actor.type === 'api_key')) {
    return { actor: event.actor.id };
  }
  if (groupBy === 'ip' && view.ip !== undefined) return { ip: view.ip };
  if (groupBy === 'resource' && event.resource?.id !== undefined) {
    return { resource_type: event.resource.type, resource_id: event.resource.id };
  }
  return {};
}

function describeGroup(groupBy: GroupBy, view: EventView): string {
  switch (groupBy) {
    case 'none':
      return '';
    case 'actor':
      return ` by ${view.actorLabel}`;
    case 'ip':
      return ` from ${view.ip}`;
    case 'api_key':
      return ` with API key ${view.apiKey?.replace(/^key:/, '').replace(/^last4:/, '…')}`;
    case 'resource':
      return ` on ${view.event.resource?.type} ${view.event.resource?.id}`;
  }
}

/** The rule as a source the engine runs. The rule must have passed parseAlertRule. */
export function compileRule(rule: AlertRule): CompiledSource<unknown> {
  const source = { kind: 'rule', id: rule.id } as const;
  const filter = listFilterOf(rule);
  // The action is tested by admits(), and the search term last, as the costliest test.
  const { actions, actionPrefixes, q, ...rest } = filter;
  const needle = q?.toLowerCase();
  const exact = new Set(actions ?? []);
  const prefixes = actionPrefixes ?? [];
  const anyAction = !actions?.length && !prefixes.length;
  const matchesRest = compileFilter(rest);
  const country = rule.filters.country?.toUpperCase();
  const spec = {
    threshold: rule.threshold,
    windowMs: rule.window_minutes * 60_000,
    cooldownMs: rule.cooldown_minutes * 60_000,
    groupPrefix: GROUP_PREFIX[rule.group_by],
  };
  const listFilter: Record<string, string> = {};
  if (rule.action !== undefined) listFilter.action = rule.action;
  for (const name of LIST_FILTER_PARAMS) {
    const value = rule.filters[name];
    if (value !== undefined) listFilter[name] = value;
  }

  const compiled: CompiledSource<WindowCounter> = {
    source,
    fingerprint: JSON.stringify([spec, rule.group_by, filter, country ?? null]),
    admits: (action) => anyAction || exact.has(action) || prefixes.some((p) => action.startsWith(p)),
    initialState: () => new WindowCounter(spec),
    step(state, view) {
      const { event } = view;
      if (!matchesRest(event) || !view.live) return { state, firings: NO_FIRINGS };
      if (needle !== undefined && !searchTextIncludes(event, needle)) return { state, firings: NO_FIRINGS };
      if (country !== undefined && event.context?.location?.country !== country) {
        return { state, firings: NO_FIRINGS };
      }
      const group = groupOf(rule.group_by, view);
      if (group === undefined) return { state, firings: NO_FIRINGS };
      const hit = state.add(group, view.time, event.seq, event.id);
      if (!hit) return { state, firings: NO_FIRINGS };
      const within = hit.count > 1 ? ` within ${duration(hit.end - hit.start)}` : '';
      const firing = windowFiring(source, hit, {
        severity: rule.severity,
        title: `${rule.name}${describeGroup(rule.group_by, view)}`,
        description:
          `${hit.count} ${hit.count === 1 ? 'event' : 'events'} matching the rule "${rule.name}"` +
          `${describeGroup(rule.group_by, view)}${within}.`,
        eventFilter: { ...listFilter, ...groupFilter(rule.group_by, view) },
        details: { rule_name: rule.name, ...(country ? { country } : {}) },
      });
      return { state, firings: [firing] };
    },
    save: (state) => state.toJSON(),
    load: (json) => WindowCounter.fromJSON(json, spec),
  };
  return compiled as CompiledSource<unknown>;
}
