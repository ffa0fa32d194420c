import { type Compilable, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { Cursor, EventQuery } from '../../domain/query.js';
import type { BlockCache } from '../block-cache.js';
import { filterTerms } from '../filter-sql.js';
import { blockSeqRange, needleBits, PROBE_ROWS, valueBits } from '../search-bits.js';
import type { SqliteTables } from './sqlite-schema.js';

export type EventRow = { body: string; prev_hash: string; hash: string; occurred_at: number; seq: number };

/** The list cursor just past a row. */
export function cursorAfterRow(row: EventRow): Cursor {
  return { occurredAt: row.occurred_at, seq: row.seq };
}

/**
 * The events indexes a plan can drive from (see migrations/001_core.ts), or `rowid`: no index,
 * only rowid lookups (SQLite's NOT INDEXED), for a query that names its rows by rowid.
 */
export type EventIndex = 'events_time' | 'events_actor' | 'events_action' | 'events_seq' | 'rowid';

/** Runs a query on the reader. */
export type Run = <R>(query: Compilable<R>) => R[];

/**
 * `events` to select from, read through `index` only (SQLite's INDEXED BY, or NOT INDEXED for
 * `rowid`), said in Kysely's sql template (its builder has no words for it); without `index`,
 * SQLite chooses. The table keeps its name, so column references stay `events.…`.
 */
export function eventsThrough(index?: EventIndex) {
  const access =
    index === undefined ? sql`` : index === 'rowid' ? sql` not indexed` : sql` indexed by ${sql.id(index)}`;
  return sql<SqliteTables['events']>`events`.as<'events'>(sql`events${access}`);
}

/** Below this many matches in range, an action filter is read through the action index. */
export const RARE_ACTION_ROWS = 5000;

function newerFirst(a: EventRow, b: EventRow): number {
  return b.occurred_at - a.occurred_at || b.seq - a.seq;
}

/**
 * The bits a block must have to hold a match, for what the block index can look for: the search
 * term and an email (substrings of the search text, from 3 characters), and filters on values
 * that are rare by nature and compared whole (a resource id, an IP, a workspace: see valueBits).
 * Lowercased as the index is. Empty: nothing to look for.
 */
export function indexedBits(query: EventQuery): number[] {
  const substrings = [query.q, query.actor?.includes('@') ? query.actor : undefined].filter(
    (n): n is string => n !== undefined && n.length >= 3,
  );
  const values = [query.resourceId, query.ip, query.workspace].filter((v): v is string => v !== undefined);
  return [
    ...new Set([
      ...substrings.flatMap((n) => needleBits(n.toLowerCase())),
      ...values.flatMap((v) => valueBits(v.toLowerCase())),
    ]),
  ];
}

/**
 * The list planner for SQLite. SQLite's own choice, made from table statistics, favours the
 * time index because it returns rows in list order; for a rare actor, action or value that
 * means reading the whole range. So the plan is chosen here, from what the filter says, and
 * the index named explicitly:
 * - an actor id: the (org, actor, time) index, then sort (an actor's events in range are few);
 * - a search or a rare value (email, resource id, IP, workspace): test the newest PROBE_ROWS
 *   rows in range; if that fills the page or is the whole range, done (common terms end here);
 *   otherwise visit the blocks whose n-gram bits admit every value (search-bits.ts), newest
 *   first, until no remaining block can hold an event newer than the page's last;
 * - actions: the (org, action, time) index when fewer than RARE_ACTION_ROWS match in range,
 *   else the time index (matches are dense enough to fill a page quickly);
 * - otherwise the time index, in list order.
 */
export function planList(
  builder: Kysely<SqliteTables>,
  orgPk: number,
  query: EventQuery,
  run: Run,
  cache: BlockCache,
): EventRow[] {
  const want = query.limit + 1;
  /** The page's query, reading `events` through `index`. */
  const ordered: Ordered = (index) => {
    let filtered = builder
      .selectFrom(eventsThrough(index))
      .select(['events.body', 'events.prev_hash', 'events.hash', 'events.occurred_at', 'events.seq'])
      .where('events.org_pk', '=', orgPk)
      .where((eb) => eb.and(filterTerms(eb, query, query.cursor)));
    if (query.q)
      filtered = filtered.where(sql<boolean>`instr(events.search_text, ${query.q.toLowerCase()}) > 0`);
    return filtered.orderBy('events.occurred_at', 'desc').orderBy('events.seq', 'desc').limit(want);
  };

  if (query.actor !== undefined && !query.actor.includes('@')) return run(ordered('events_actor'));

  const positions = indexedBits(query);
  if (positions.length > 0) return searchBlocks(builder, orgPk, query, ordered, positions, run, cache);

  if (query.actions || query.actionPrefixes) {
    const matching = builder
      .selectFrom(eventsThrough('events_action'))
      .select(sql<number>`1`.as('one'))
      .where('events.org_pk', '=', orgPk)
      .where((eb) =>
        eb.and(
          filterTerms(eb, {
            from: query.from,
            to: query.to,
            actions: query.actions,
            actionPrefixes: query.actionPrefixes,
          }),
        ),
      )
      .limit(RARE_ACTION_ROWS);
    const [{ n }] = run(builder.selectFrom(matching.as('m')).select(sql<number>`count(*)`.as('n'))) as [
      { n: number },
    ];
    if (n < RARE_ACTION_ROWS) return run(ordered('events_action'));
  }
  return run(ordered('events_time'));
}

type Ordered = (index: EventIndex) => SelectQueryBuilder<SqliteTables, 'events', EventRow>;

function searchBlocks(
  builder: Kysely<SqliteTables>,
  orgPk: number,
  query: EventQuery,
  ordered: Ordered,
  positions: number[],
  run: Run,
  cache: BlockCache,
): EventRow[] {
  const want = query.limit + 1;
  const window = builder
    .selectFrom('events')
    .select(sql<number>`rowid`.as('rowid'))
    .where('events.org_pk', '=', orgPk)
    .where((eb) => eb.and(filterTerms(eb, { from: query.from, to: query.to }, query.cursor)))
    .orderBy('events.occurred_at', 'desc')
    .orderBy('events.seq', 'desc')
    .limit(PROBE_ROWS);
  // By rowid: left to itself, SQLite walks the time index over the whole range and tests each
  // row against the window's rowids (100+ ms on a million events instead of 3).
  const probed = run(ordered('rowid').where(sql<boolean>`events.rowid IN (${window})`));
  if (probed.length >= want) return probed;
  const [{ n }] = run(builder.selectFrom(window.as('w')).select(sql<number>`count(*)`.as('n'))) as [
    { n: number },
  ];
  if (n < PROBE_ROWS) return probed;

  const upper = query.cursor ? Math.min(query.to, query.cursor.occurredAt) : query.to;
  const blocks = cache.candidates(orgPk, query.from, upper, positions, (after) => ({
    rows: run(
      builder
        .selectFrom('search_blocks')
        .select(['block', 'min_occurred_at', 'max_occurred_at', 'bits'])
        .where('org_pk', '=', orgPk)
        .where('block', '>', after)
        .orderBy('block'),
    ),
    first:
      run(
        builder
          .selectFrom('search_blocks')
          .select(sql<number | null>`min(block)`.as('first'))
          .where('org_pk', '=', orgPk),
      )[0]?.first ?? null,
  }));

  let found: EventRow[] = [];
  // Built once: a search may visit hundreds of blocks, and building the page's query anew for
  // each made a search of a rare term 10 to 25% slower.
  const bySeq = ordered('events_seq');
  for (const block of blocks) {
    const last = found[want - 1];
    if (last && last.occurred_at > block.max_occurred_at) break;
    const [first, end] = blockSeqRange(block.block);
    const rows = run(bySeq.where(sql<boolean>`events.seq BETWEEN ${first} AND ${end}`));
    if (rows.length > 0) found = found.concat(rows).sort(newerFirst).slice(0, want);
  }
  return found;
}
