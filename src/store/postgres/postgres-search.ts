import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { Cursor, EventFilter, EventQuery } from '../../domain/query.js';
import type { BlockCache, BlockRow, LoadedBlocks } from '../block-cache.js';
import type { EventTextRow } from '../event-row.js';
import { blockSeqRange, needleBits, PROBE_ROWS } from '../search-bits.js';
import type { PgTables } from './postgres-schema.js';

/** LIKE's wildcards and its escape character (backslash, PostgreSQL's default) taken literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `q`: a case-insensitive substring of the search text, which is stored lowercased (searchText()
 * in domain/event-columns.ts), so the needle is lowercased the same way, in JavaScript; `%`, `_`,
 * `\` and quotes in the term are plain characters (the term is a bound parameter, escaped for
 * LIKE).
 */
export function searchTerm(q: string): Expression<SqlBool> {
  return sql<SqlBool>`events.search_text LIKE ${`%${escapeLike(q.toLowerCase())}%`}`;
}

/** A page's row, with the keys it is ordered by. */
export type SearchRow = EventTextRow & { occurred_at: string; seq: number };

/** The filter terms of a query (postgres-store.ts), cursor included. */
export type EventTerms = (
  eb: ExpressionBuilder<PgTables, 'events'>,
  filter: EventFilter,
  cursor: Cursor | undefined,
) => Expression<SqlBool>[];

/**
 * Blocks read by the first statement of a search; each next one reads twice as many, up to
 * MAX_GROUP. Measured on 10,000,000 events (a rare term, most of its 464 admitted blocks holding
 * it): 16 blocks a statement took 14 ms, 32 took 20; at 64 PostgreSQL's estimate chose a parallel
 * plan, whose workers' start and the 3,600 pages it read took 63 to 90 ms.
 */
const FIRST_GROUP = 16;
const MAX_GROUP = 32;
/** Blocks read per statement while the cache is filled: bounds the memory of one result. */
const LOAD_CHUNK = 2000;

function newerFirst(a: SearchRow, b: SearchRow): number {
  return Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || b.seq - a.seq;
}

/**
 * A page of a search (`q`) on PostgreSQL, planned as on SQLite (sqlite-search.ts) with the same
 * search blocks (../search-bits.ts), which the appends keep (postgres-search-blocks.ts):
 * - a term under 3 characters has no n-gram to look for: the time index, newest first;
 * - test the newest PROBE_ROWS events in range; if that fills the page or is the whole range,
 *   done (common terms end here);
 * - otherwise read the blocks whose bits admit the term, newest first, a group per statement,
 *   until no remaining block can hold an event newer than the page's last.
 * Every statement carries every filter of the query and the term itself, so what the bits
 * admit by chance is rechecked exactly.
 */
export async function searchRows(
  db: Kysely<PgTables>,
  orgPk: number,
  query: EventQuery & { q: string },
  terms: EventTerms,
  cache: BlockCache,
): Promise<SearchRow[]> {
  const want = query.limit + 1;
  const page = (within?: (eb: ExpressionBuilder<PgTables, 'events'>) => Expression<SqlBool>) => {
    let select = db
      .selectFrom('events')
      .select(['events.body', 'events.prev_hash', 'events.hash', 'events.occurred_at', 'events.seq'])
      .where('events.org_pk', '=', orgPk)
      .where((eb) => eb.and(terms(eb, query, query.cursor)))
      .where(searchTerm(query.q));
    if (within) select = select.where(within);
    return select.orderBy('events.occurred_at', 'desc').orderBy('events.seq', 'desc').limit(want).execute();
  };

  const positions = needleBits(query.q.toLowerCase());
  if (positions.length === 0) return page();
  const edge = await db
    .selectFrom('events')
    .select(['events.occurred_at', 'events.seq'])
    .where('events.org_pk', '=', orgPk)
    .where((eb) => eb.and(terms(eb, { from: query.from, to: query.to }, query.cursor)))
    .orderBy('events.occurred_at', 'desc')
    .orderBy('events.seq', 'desc')
    .offset(PROBE_ROWS - 1)
    .limit(1)
    .executeTakeFirst();
  // Fewer than PROBE_ROWS events in range: testing them all is the whole search.
  if (!edge) return page();
  const probed = await page(
    () =>
      sql<SqlBool>`(events.occurred_at, events.seq) >= (${edge.occurred_at}::timestamptz, ${edge.seq}::bigint)`,
  );
  if (probed.length >= want) return probed;

  const upper = query.cursor ? Math.min(query.to, query.cursor.occurredAt) : query.to;
  const blocks = await cache.candidatesAsync(orgPk, query.from, upper, positions, (after) =>
    loadBlocks(db, orgPk, after),
  );
  let found: SearchRow[] = [];
  let group = FIRST_GROUP;
  for (let next = 0; next < blocks.length; group = Math.min(group * 2, MAX_GROUP)) {
    const last = found[want - 1];
    const lastAt = last ? Date.parse(last.occurred_at) : Number.NEGATIVE_INFINITY;
    const visit: BlockRow[] = [];
    // Blocks come newest first: once one cannot hold an event newer than the page's last, none can.
    while (next < blocks.length && visit.length < group && blocks[next]!.max_occurred_at >= lastAt) {
      visit.push(blocks[next++]!);
    }
    if (visit.length === 0) break;
    const rows = await page((eb) =>
      eb.or(
        visit.map((block) => {
          const [first, end] = blockSeqRange(block.block);
          return eb.between('events.seq', first, end);
        }),
      ),
    );
    if (rows.length > 0) found = found.concat(rows).sort(newerFirst).slice(0, want);
  }
  return found;
}

/** An org's search blocks after `after`, in block order, and its first block. */
async function loadBlocks(db: Kysely<PgTables>, orgPk: number, after: number): Promise<LoadedBlocks> {
  const rows: BlockRow[] = [];
  for (let from = after; ; ) {
    const chunk = await db
      .selectFrom('search_blocks')
      .select(['block', 'min_occurred_at', 'max_occurred_at', 'bits'])
      .where('org_pk', '=', orgPk)
      .where('block', '>', from)
      .orderBy('block')
      .limit(LOAD_CHUNK)
      .execute();
    rows.push(...chunk);
    if (chunk.length < LOAD_CHUNK) break;
    from = chunk[chunk.length - 1]!.block;
  }
  const first = await db
    .selectFrom('search_blocks')
    .select((eb) => eb.fn.min('block').as('first'))
    .where('org_pk', '=', orgPk)
    .executeTakeFirst();
  return { rows, first: first?.first ?? null };
}
