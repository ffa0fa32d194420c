import { type Expression, type SqlBool, sql } from 'kysely';

/** LIKE's wildcards and its escape character (backslash, PostgreSQL's default) taken literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `q`: a case-insensitive substring of the search text, which is stored lowercased (searchText()
 * in domain/event-columns.ts), so the needle is lowercased the same way, in JavaScript. `LIKE '%term%'` is
 * answered by the trigram GIN index (events_search) and rechecked exactly; `%`, `_`, `\` and
 * quotes in the term are plain characters (the term is a bound parameter, escaped for LIKE).
 */
export function searchTerm(q: string): Expression<SqlBool> {
  return sql<SqlBool>`events.search_text LIKE ${`%${escapeLike(q.toLowerCase())}%`}`;
}
