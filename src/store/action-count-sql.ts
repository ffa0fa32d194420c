import { type Compilable, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { ActionCount } from '../contracts/api.js';
import { ACTION_COUNT_BUCKET_MS } from './migrations/action-count-schema.js';

/** The counts table (migration 011_action_counts), beside the event columns a count reads. */
export interface ActionCountTables {
  action_counts: { org_pk: number; hour: number; action: string; n: number | string };
  events: { org_pk: number; action: string; occurred_at: number };
}

/** Runs a query on the backend's reader and answers its rows. */
export type RunRows = <R>(query: Compilable<R>) => Promise<R[]> | R[];

/**
 * `GET /v1/actions` without a view scope, from the hourly counts: the hours wholly inside
 * [from, to] are summed from action_counts; the part of an hour at either end is counted from
 * the events themselves, for the actions that hour's counts name, through the (org, action,
 * time) index. A month's window of ten million events is then about 720 hours of counts and two
 * hours of index entries, instead of every event. `time` turns ms into the backend's time value,
 * `events` selects from the events table (SQLite names its index).
 */
export async function countActions(
  db: Kysely<ActionCountTables>,
  run: RunRows,
  orgPk: number,
  from: number,
  to: number,
  time: (ms: number) => unknown,
  events: () => SelectQueryBuilder<ActionCountTables, 'events', object> = () => db.selectFrom('events'),
): Promise<ActionCount[]> {
  // Nothing is counted before the org's oldest event: a month's partition dropped whole
  // (PostgreSQL) takes its events without a DELETE, so its counts may outlive it.
  const [oldest] = await run(
    db
      .selectFrom('events')
      .select('events.occurred_at')
      .where('events.org_pk', '=', orgPk)
      .orderBy('events.occurred_at')
      .limit(1),
  );
  if (!oldest) return [];
  from = Math.max(from, new Date(oldest.occurred_at).getTime());
  if (to < from) return [];
  const firstHour = Math.floor(from / ACTION_COUNT_BUCKET_MS);
  const lastHour = Math.floor(to / ACTION_COUNT_BUCKET_MS);
  /** Whether [from, to] holds the whole of `hour`. */
  const whole = (hour: number) =>
    from <= hour * ACTION_COUNT_BUCKET_MS && to >= (hour + 1) * ACTION_COUNT_BUCKET_MS - 1;
  const ends = [...new Set([firstHour, lastHour])].filter((hour) => !whole(hour));
  // The whole hours summed in the database (a month is 720 hours of a few dozen actions each).
  const summed = await run(
    db
      .selectFrom('action_counts')
      .select(['action', sql<number | string>`sum(n)`.as('n')])
      .where('org_pk', '=', orgPk)
      .where('hour', '>=', whole(firstHour) ? firstHour : firstHour + 1)
      .where('hour', '<=', whole(lastHour) ? lastHour : lastHour - 1)
      .groupBy('action'),
  );
  const totals = new Map<string, number>();
  const add = (action: string, n: number) => totals.set(action, (totals.get(action) ?? 0) + n);
  for (const row of summed) add(row.action, Number(row.n));
  const edgeRows =
    ends.length === 0
      ? []
      : await run(
          db
            .selectFrom('action_counts')
            .select(['hour', 'action', 'n'])
            .where('org_pk', '=', orgPk)
            .where('hour', 'in', ends),
        );
  const partial = new Map<number, string[]>();
  for (const row of edgeRows) {
    if (Number(row.n) > 0) partial.set(row.hour, [...(partial.get(row.hour) ?? []), row.action]);
  }
  for (const [hour, actions] of partial) {
    const start = Math.max(from, hour * ACTION_COUNT_BUCKET_MS);
    const end = Math.min(to, (hour + 1) * ACTION_COUNT_BUCKET_MS - 1);
    const counted = await run(
      events()
        .select(['events.action', sql<number | string>`count(*)`.as('n')])
        .where('events.org_pk', '=', orgPk)
        .where('events.action', 'in', actions)
        .where('events.occurred_at', '>=', time(start) as number)
        .where('events.occurred_at', '<=', time(end) as number)
        .groupBy('events.action'),
    );
    for (const row of counted) add(row.action, Number(row.n));
  }
  return [...totals]
    .filter(([, count]) => count > 0)
    .map(([action, count]) => ({ action, count }))
    .sort((a, b) => b.count - a.count || (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
}
