import { type Compilable, type SelectQueryBuilder, sql } from 'kysely';
import type { EventQuery } from '../../domain/query.js';
import type { SqliteTables } from './sqlite-schema.js';

export type EventRow = { body: string; prev_hash: string; hash: string };
type Base = SelectQueryBuilder<SqliteTables, 'events', EventRow>;
type Run = <R>(query: Compilable<R>) => R[];

/** How many of the newest rows in range a search tests before it asks the trigram index instead. */
export const SEARCH_PROBE_ROWS = 4000;

/**
 * FTS5 trigram index without positions (a fraction of the size and write cost of a positional
 * one) cannot match phrases, so the query is every distinct trigram of the term AND-ed: a
 * superset of the matches, which `instr` on the stored text then confirms exactly. Each trigram
 * is a quoted FTS5 string, so quotes, `%`, `_` and operators in the term are plain characters.
 */
export function trigramQuery(term: string): string | undefined {
  const chars = [...term];
  if (chars.length < 3) return undefined;
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) grams.add(chars.slice(i, i + 3).join(''));
  return [...grams].map((g) => `"${g.replaceAll('"', '""')}"`).join(' AND ');
}

/**
 * The search planner. A term common in the range is found fastest by testing the newest rows
 * one by one; a rare one by the trigram index, whose cost grows with the number of rows that
 * hold the term. So: test up to SEARCH_PROBE_ROWS newest rows in range (reading only their
 * search text); if that fills the page or covers the whole range, fetch those rows. Otherwise
 * the term is rare, and the index finds it.
 */
export function planSearch(base: Base, query: EventQuery, run: Run): EventRow[] {
  const needle = (query.q ?? '').toLowerCase();
  const want = query.limit + 1;
  const probe = run(
    base
      .clearSelect()
      .select([sql<number>`events.rowid`.as('rid'), 'events.search_text'])
      .limit(SEARCH_PROBE_ROWS),
  );
  const hits = probe.filter((row) => row.search_text.includes(needle)).slice(0, want);
  const fts = trigramQuery(needle);
  if (hits.length >= want || probe.length < SEARCH_PROBE_ROWS) {
    if (hits.length === 0) return [];
    const rowids = hits.map((row) => row.rid);
    return run(base.where(sql<boolean>`events.rowid IN (${sql.join(rowids)})`));
  }
  const matches = sql<boolean>`instr(events.search_text, ${needle}) > 0`;
  if (!fts) return run(base.where(matches).limit(want)); // too short for trigrams: test the whole range
  return run(
    base
      .where(sql<boolean>`events.rowid IN (SELECT rowid FROM events_search WHERE events_search MATCH ${fts})`)
      .where(matches)
      .limit(want),
  );
}
