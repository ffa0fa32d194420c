import type { StoredEvent } from '../domain/event.js';
import type { Cursor, EventFilter, EventQuery } from '../domain/query.js';
import { type EventTextRow, eventJsonFromRow } from './event-row.js';
import type { EventPage } from './store.js';

export const STREAM_CHUNK = 1000;

/**
 * Streams every match by walking the keyset cursor one chunk at a time: memory holds one chunk,
 * and the consumer's back-pressure decides when the next is read.
 */
export async function* streamByPages(
  list: (query: EventQuery) => Promise<EventPage>,
  filter: EventFilter,
): AsyncIterable<StoredEvent> {
  let cursor: Cursor | undefined;
  for (;;) {
    const page = await list({ ...filter, limit: STREAM_CHUNK, ...(cursor ? { cursor } : {}) });
    yield* page.events;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** Turns `limit + 1` fetched rows into a page and the cursor after it. */
export function toPage(events: StoredEvent[], limit: number): EventPage {
  if (events.length <= limit) return { events, nextCursor: null };
  const page = events.slice(0, limit);
  const last = page[page.length - 1]!;
  return { events: page, nextCursor: { occurredAt: Date.parse(last.occurred_at), seq: last.seq } };
}

/** One page of an export as JSON text, and the cursor after it when more rows follow. */
export interface JsonPage {
  events: string[];
  next: Cursor | undefined;
}

/**
 * Reads one page for an export: `rows` reads `limit + 1` stored rows for a query (the extra one
 * tells whether another page follows) and `cursorAfter` gives the cursor after a row, as the
 * list's own cursors are made.
 */
export async function readJsonPage<R extends EventTextRow>(
  rows: (query: EventQuery) => R[] | Promise<R[]>,
  cursorAfter: (row: R) => Cursor,
  filter: EventFilter,
  cursor: Cursor | undefined,
  chunk = STREAM_CHUNK,
): Promise<JsonPage> {
  const read = await rows({ ...filter, limit: chunk, ...(cursor ? { cursor } : {}) });
  if (read.length <= chunk) return { events: read.map(eventJsonFromRow), next: undefined };
  const page = read.slice(0, chunk);
  return { events: page.map(eventJsonFromRow), next: cursorAfter(page[page.length - 1]!) };
}

/**
 * Every match as JSON text, a page of `chunk` rows at a time, for exports (see readJsonPage);
 * `after` starts past a cursor.
 */
export async function* streamJsonPages<R extends EventTextRow>(
  rows: (query: EventQuery) => R[] | Promise<R[]>,
  cursorAfter: (row: R) => Cursor,
  filter: EventFilter,
  after?: Cursor,
  chunk = STREAM_CHUNK,
): AsyncIterable<string[]> {
  let cursor: Cursor | undefined = after;
  do {
    const page = await readJsonPage(rows, cursorAfter, filter, cursor, chunk);
    if (page.events.length > 0) yield page.events;
    cursor = page.next;
  } while (cursor);
}
