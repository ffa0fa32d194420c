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
 * hours of index entries, instead of every event. Of an end hour, whichever part is smaller is
 * counted: the part inside the window, or the rest of the hour, taken off the hour's count. The
 * usual window ends now, in the hour being written, and the rest of that hour is empty: counting
 * the part inside read every event of the current hour (650 ms for a busy org's 680,000).
 * `time` turns ms into the backend's time value, `events` selects from the events table (SQLite
 * names its index).
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
  const [oldest, newest] = await Promise.all(
    (['asc', 'desc'] as const).map(async (order) => {
      const [row] = await run(
        db
          .selectFrom('events')
          .select('events.occurred_at')
          .where('events.org_pk', '=', orgPk)
          .orderBy('events.occurred_at', order)
          .limit(1),
      );
      return row && new Date(row.occurred_at).getTime();
    }),
  );
  if (oldest === undefined || newest === undefined) return [];
  from = Math.max(from, oldest);
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
  const hourCounts = new Map<number, Map<string, number>>();
  for (const row of edgeRows) {
    if (Number(row.n) <= 0) continue;
    const counts = hourCounts.get(row.hour) ?? new Map<string, number>();
    hourCounts.set(row.hour, counts.set(row.action, Number(row.n)));
  }
  /** Events of `actions` per action in [start, end], from the index. */
  const countBetween = async (actions: string[], start: number, end: number) =>
    start > end
      ? []
      : run(
          events()
            .select(['events.action', sql<number | string>`count(*)`.as('n')])
            .where('events.org_pk', '=', orgPk)
            .where('events.action', 'in', actions)
            .where('events.occurred_at', '>=', time(start) as number)
            .where('events.occurred_at', '<=', time(end) as number)
            .groupBy('events.action'),
        );
  for (const [hour, counts] of hourCounts) {
    const hourStart = hour * ACTION_COUNT_BUCKET_MS;
    const hourEnd = hourStart + ACTION_COUNT_BUCKET_MS - 1;
    const start = Math.max(from, hourStart);
    const end = Math.min(to, hourEnd);
    const actions = [...counts.keys()];
    // Which part holds fewer events, judged by time within the span of the hour that has events.
    const spanStart = Math.max(hourStart, oldest);
    const spanEnd = Math.min(hourEnd, newest);
    const inside = Math.min(end, spanEnd) - Math.max(start, spanStart);
    if (inside <= (spanEnd - spanStart) / 2) {
      for (const row of await countBetween(actions, start, end)) add(row.action, Number(row.n));
      continue;
    }
    const before = await countBetween(actions, hourStart, start - 1);
    const after = await countBetween(actions, end + 1, hourEnd);
    for (const [action, n] of counts) add(action, n);
    for (const row of [...before, ...after]) add(row.action, -Number(row.n));
  }
  return [...totals]
    .filter(([, count]) => count > 0)
    .map(([action, count]) => ({ action, count }))
    .sort((a, b) => b.count - a.count || (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
}
