import { eventKind, type StoredEvent } from './event.js';
import { canonicalIp } from './ip.js';
import type { EventFilter, ViewScope } from './query.js';

/**
 * The list filters (SPEC §4) applied to one event in memory, for consumers that see events one
 * by one (alert rules). Same answers as the SQL of store/filter-sql.ts and the backends' `q`:
 * - actor: the actor id, exactly; a value with `@` also matches the email, both lowercased
 *   (stored emails always contain `@`, so a value without one can only be an id);
 * - action: exact names OR prefixes; the SQL compares `prefix <= action < next(prefix)` in
 *   bytes, which for ASCII names is "starts with";
 * - resource type and id, status, workspace, kind: exact (case-sensitive, as SQL `=`);
 * - ip: the canonical spelling of the event's address (canonicalIp, as the indexed column);
 * - q: a substring of the event's search text, both lowercased by JavaScript's toLowerCase;
 * - from/to, when given: occurred_at within both, inclusive.
 * `parseEventQuery` produces the filter; this takes it as parsed (prefixes without `*`, the IP
 * already canonical, `q` already trimmed).
 */
export type MatchFilter = Omit<EventFilter, 'from' | 'to'> & Partial<Pick<EventFilter, 'from' | 'to'>>;

/**
 * What `q` searches: description, resource id and name, request path, actor id, email and name,
 * workspace, lowercased, each followed by a newline. The stores index exactly this text
 * (domain/event-columns.ts searchText), so a term spanning two fields matches here as it does there.
 */
export function eventSearchText(
  event: Pick<StoredEvent, 'description' | 'resource' | 'request' | 'actor' | 'workspace'>,
): string {
  const parts = [
    event.description,
    event.resource?.id,
    event.resource?.name,
    event.request?.path,
    event.actor.id,
    event.actor.email,
    event.actor.name,
    event.workspace,
  ];
  let out = '';
  for (const part of parts) if (part) out += `${part.toLowerCase()}\n`;
  return out;
}

/**
 * Whether `needle` (lowercased) occurs in the event's search text. A needle without a newline
 * cannot span two fields, so each field is tested on its own, without building the whole text.
 */
export function searchTextIncludes(event: StoredEvent, needle: string): boolean {
  if (needle.includes('\n')) return eventSearchText(event).includes(needle);
  const { resource, request, actor } = event;
  return (
    includesLower(event.description, needle) ||
    includesLower(resource?.id, needle) ||
    includesLower(resource?.name, needle) ||
    includesLower(request?.path, needle) ||
    includesLower(actor.id, needle) ||
    includesLower(actor.email, needle) ||
    includesLower(actor.name, needle) ||
    includesLower(event.workspace, needle)
  );
}

function includesLower(part: string | undefined, needle: string): boolean {
  return part?.toLowerCase().includes(needle) === true;
}

export type EventPredicate = (event: StoredEvent) => boolean;

function actorTest(actor: string): EventPredicate {
  if (!actor.includes('@')) return (e) => e.actor.id === actor;
  const email = actor.toLowerCase();
  return (e) => e.actor.id === actor || e.actor.email?.toLowerCase() === email;
}

function actionTest(exact: readonly string[], prefixes: readonly string[]): EventPredicate {
  const names = new Set(exact);
  if (!prefixes.length) return (e) => names.has(e.action);
  return (e) => names.has(e.action) || prefixes.some((p) => e.action.startsWith(p));
}

function scopeTests(scope: ViewScope | undefined): EventPredicate[] {
  const tests: EventPredicate[] = [];
  if (scope?.workspace !== undefined) {
    const workspace = scope.workspace;
    tests.push((e) => e.workspace === workspace);
  }
  if (scope?.actor !== undefined) {
    const actor = scope.actor;
    const email = actor.toLowerCase();
    tests.push((e) => e.actor.id === actor || e.actor.email?.toLowerCase() === email);
  }
  return tests;
}

/**
 * The filter as one predicate, its tests ordered cheapest first. Build it once per filter and
 * call it per event; `matchesFilter` does that for one-off checks.
 */
export function compileFilter(filter: MatchFilter): EventPredicate {
  const tests: EventPredicate[] = [];
  const { from, to } = filter;
  if (filter.actions?.length || filter.actionPrefixes?.length) {
    tests.push(actionTest(filter.actions ?? [], filter.actionPrefixes ?? []));
  }
  if (filter.status !== undefined) {
    const status = filter.status;
    tests.push((e) => e.status === status);
  }
  if (filter.kind !== undefined) {
    const kind = filter.kind;
    tests.push((e) => eventKind(e) === kind);
  }
  if (filter.actor !== undefined) tests.push(actorTest(filter.actor));
  if (filter.resourceType !== undefined) {
    const type = filter.resourceType;
    tests.push((e) => e.resource?.type === type);
  }
  if (filter.resourceId !== undefined) {
    const id = filter.resourceId;
    tests.push((e) => e.resource?.id === id);
  }
  if (filter.workspace !== undefined) {
    const workspace = filter.workspace;
    tests.push((e) => e.workspace === workspace);
  }
  if (filter.ip !== undefined) {
    const ip = filter.ip;
    // Only an IPv6 address (with a colon) has other spellings; isIPv6 is a long regular expression.
    tests.push((e) => {
      const stored = e.context?.ip;
      return stored !== undefined && (stored.includes(':') ? canonicalIp(stored) : stored) === ip;
    });
  }
  tests.push(...scopeTests(filter.scope));
  if (from !== undefined || to !== undefined) {
    tests.push((e) => {
      const at = Date.parse(e.occurred_at);
      return (from === undefined || at >= from) && (to === undefined || at <= to);
    });
  }
  if (filter.q !== undefined) {
    const needle = filter.q.toLowerCase();
    tests.push((e) => searchTextIncludes(e, needle));
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (e) => {
    for (const test of tests) if (!test(e)) return false;
    return true;
  };
}

/** Whether the list would show `event` under `filter` (see MatchFilter for the rules). */
export function matchesFilter(event: StoredEvent, filter: MatchFilter): boolean {
  return compileFilter(filter)(event);
}
