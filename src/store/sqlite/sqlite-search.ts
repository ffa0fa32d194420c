import { type Compilable, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { EventQuery } from '../../domain/query.js';
import { blockSeqRange, hasAllBits, needleBits } from './search-bits.js';
import type { SqliteTables } from './sqlite-schema.js';

export type EventRow = { body: string; prev_hash: string; hash: string };
type Base = SelectQueryBuilder<SqliteTables, 'events', EventRow>;
type Run = <R>(query: Compilable<R>) => R[];
type Ranked = EventRow & { occurred_at: number; seq: number };

/** How many of the newest rows in range a search tests before it asks the block index instead. */
export const SEARCH_PROBE_ROWS = 4000;

function newerFirst(a: Ranked, b: Ranked): number {
  return b.occurred_at - a.occurred_at || b.seq - a.seq;
}

/**
 * The search planner. A term common in the range is found fastest by testing the newest rows
 * one by one; a rare one through the block index (search-bits.ts). So: test up to
 * SEARCH_PROBE_ROWS newest rows in range (reading only their search text); if that fills the
 * page or covers the whole range, fetch those rows. Otherwise visit the blocks whose bits admit
 * the term, newest first, and stop once no remaining block can hold an event newer than the
 * page's last one.
 */
export function planSearch(
  builder: Kysely<SqliteTables>,
  base: Base,
  query: EventQuery,
  orgPk: number,
  run: Run,
): EventRow[] {
  const needle = (query.q ?? '').toLowerCase();
  const want = query.limit + 1;
  const probe = run(
    base
      .clearSelect()
      .select([sql<number>`events.rowid`.as('rid'), 'events.search_text'])
      .limit(SEARCH_PROBE_ROWS),
  );
  const hits = probe.filter((row) => row.search_text.includes(needle)).slice(0, want);
  if (hits.length >= want || probe.length < SEARCH_PROBE_ROWS) {
    if (hits.length === 0) return [];
    return run(base.where(sql<boolean>`events.rowid IN (${sql.join(hits.map((row) => row.rid))})`));
  }

  const matches = sql<boolean>`instr(events.search_text, ${needle}) > 0`;
  const bits = needleBits(needle);
  if (bits.length === 0) return run(base.where(matches).limit(want)); // under 3 characters: test the range

  const ranked = base
    .select(['events.occurred_at', 'events.seq'])
    .where(matches) as unknown as SelectQueryBuilder<SqliteTables, 'events', Ranked>;
  const blocks = run(
    builder
      .selectFrom('search_blocks')
      .select(['block', 'max_occurred_at', 'bits'])
      .where('org_pk', '=', orgPk)
      .where('max_occurred_at', '>=', query.from)
      .where('min_occurred_at', '<=', query.cursor ? Math.min(query.to, query.cursor.occurredAt) : query.to)
      .orderBy('max_occurred_at', 'desc'),
  ).filter((block) => hasAllBits(block.bits, bits));

  let found: Ranked[] = [];
  for (const block of blocks) {
    const last = found[want - 1];
    if (last && last.occurred_at > block.max_occurred_at) break;
    const [first, end] = blockSeqRange(block.block);
    const rows = run(ranked.where('events.seq', '>=', first).where('events.seq', '<=', end).limit(want));
    if (rows.length === 0) continue;
    found = found.concat(rows).sort(newerFirst).slice(0, want);
  }
  return found;
}
