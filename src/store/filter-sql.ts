import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Cursor, EventFilter, ViewScope } from '../domain/query.js';
import type { EventColumns } from './tables.js';

/** The event columns both backends share; what differs (search, org key type) is passed in. */
export interface FilterableEvents {
  events: Pick<
    EventColumns<number>,
    | 'occurred_at'
    | 'seq'
    | 'action'
    | 'actor_id'
    | 'actor_email'
    | 'resource_type'
    | 'resource_id'
    | 'workspace'
    | 'status'
    | 'ip'
    | 'kind'
  >;
}

/** The smallest string greater than every string that starts with `prefix` (prefixes are ASCII). */
export function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * The WHERE terms for every filter except the org (the caller adds it, in its own type) and `q`
 * (search is backend-specific). Action prefixes become index ranges, not LIKE patterns, so that
 * they use the (org, action, time) index and treat `_` literally.
 */
export function filterTerms<DB extends FilterableEvents>(
  eb: ExpressionBuilder<DB, 'events'>,
  filter: EventFilter,
  cursor?: Cursor,
  occurredAt: (ms: number) => unknown = (ms) => ms,
): Expression<SqlBool>[] {
  // The builder is typed against the shared columns only; the casts keep that local.
  const e = eb as unknown as ExpressionBuilder<FilterableEvents, 'events'>;
  // One upper bound on the time, the tighter of `to` and the cursor's: given two, SQLite ranges
  // the index scan on one and filters on the other, so every next page would read the index
  // from `to` down to the cursor again (O(n²) over an export).
  const upper = cursor ? Math.min(filter.to, cursor.occurredAt) : filter.to;
  const terms: Expression<SqlBool>[] = [
    e('events.occurred_at', '>=', occurredAt(filter.from) as number),
    e('events.occurred_at', '<=', occurredAt(upper) as number),
  ];
  if (cursor && cursor.occurredAt <= filter.to) {
    terms.push(
      e.or([
        e('events.occurred_at', '<', occurredAt(cursor.occurredAt) as number),
        e('events.seq', '<', cursor.seq),
      ]),
    );
  }
  const actionTerms: Expression<SqlBool>[] = [];
  if (filter.actions?.length) actionTerms.push(e('events.action', 'in', filter.actions));
  for (const prefix of filter.actionPrefixes ?? []) {
    actionTerms.push(
      e.and([e('events.action', '>=', prefix), e('events.action', '<', prefixUpperBound(prefix))]),
    );
  }
  if (actionTerms.length) terms.push(e.or(actionTerms));
  if (filter.actor !== undefined) {
    // Stored emails contain '@' (validation requires it), so a value without one is an id only,
    // which keeps the (org, actor_id, time) index usable.
    const byId = e('events.actor_id', '=', filter.actor);
    terms.push(
      filter.actor.includes('@')
        ? e.or([byId, e('events.actor_email', '=', filter.actor.toLowerCase())])
        : byId,
    );
  }
  if (filter.resourceType !== undefined) terms.push(e('events.resource_type', '=', filter.resourceType));
  if (filter.resourceId !== undefined) terms.push(e('events.resource_id', '=', filter.resourceId));
  if (filter.status !== undefined) terms.push(e('events.status', '=', filter.status));
  if (filter.workspace !== undefined) terms.push(e('events.workspace', '=', filter.workspace));
  if (filter.ip !== undefined) terms.push(e('events.ip', '=', filter.ip));
  if (filter.kind !== undefined) terms.push(e('events.kind', '=', filter.kind));
  if (filter.scope) terms.push(...scopeTerms(eb, filter.scope));
  return terms;
}

/**
 * A viewer token's restriction as WHERE terms. Added on top of the request's own filters, so a
 * `workspace` filter for another workspace matches nothing rather than widening the view.
 */
export function scopeTerms<DB extends FilterableEvents>(
  eb: ExpressionBuilder<DB, 'events'>,
  scope: ViewScope | undefined,
): Expression<SqlBool>[] {
  const e = eb as unknown as ExpressionBuilder<FilterableEvents, 'events'>;
  const terms: Expression<SqlBool>[] = [];
  if (scope?.workspace !== undefined) terms.push(e('events.workspace', '=', scope.workspace));
  if (scope?.actor !== undefined) {
    terms.push(
      e.or([e('events.actor_id', '=', scope.actor), e('events.actor_email', '=', scope.actor.toLowerCase())]),
    );
  }
  return terms;
}
